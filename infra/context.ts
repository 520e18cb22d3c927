/**
 * Reads the app's CDK context (`cdk deploy -c key=value`, or the `context` block of cdk.json) into a checked
 * configuration. Pure: no CDK imports, so it can be table-tested and every message read as the user will see it.
 *
 * Keys (docs/design.md section 5; every one is documented in the README, "Configuration"):
 *   logGroups               names or ARNs, comma-separated (or a JSON array in cdk.json)
 *   accountWide             true | false (default false): one account-level subscription policy instead
 *   filterPattern           CloudWatch Logs filter pattern (default DEFAULT_FILTER_PATTERN)
 *   alertEmails             addresses, comma-separated (default none)
 *   emailMinSeverity        low | medium | high | critical (default low: every alert)
 *   operatorEmails          addresses for the operational alarms (default alertEmails)
 *   slackWorkspaceId        with slackChannelId: AWS Chatbot delivery (default none)
 *   slackChannelId
 *   slackWebhookSecretName  Secrets Manager secret holding a Slack incoming-webhook URL (default none)
 *   alertWindow             incident window, 5m..24h: minutes (90) or 90m, 2h (default 60m)
 *   lowSeverity             digest | immediate (default digest)
 *   digestInterval          low-severity digest period, 1h..7d (default 24h)
 *   maxNewIncidentsPerHour  new-incident messages per account and hour, 1..10000 (default 30)
 *   scanPorts               distinct service ports on one host that make a bounce-scan, 2..1000 (default 10)
 *   scanHosts               distinct hosts at one service port that make a bounce-scan, 2..1000 (default 5)
 *   internalNetworks        your own networks (VPC ranges), CIDRs IPv4/IPv6, comma-separated (default none)
 *   canary                  true | false (default true): the canary through the whole path (design section 10)
 *   canaryInterval          how often the canary runs, 5m..24h (default 1h)
 *   sourceSilence           per-group mode: silence before a log group alarms, 1h..7d or off (default 6h); per group
 *                           `6h,/ftp/quiet=24h,/ftp/old=off` or a JSON object {"default":"6h","/ftp/quiet":"24h"}
 *   suppressions            known clients, reviewed in code: a JSON list of {client, target?, severity?, reason,
 *                           expires} (at most 20; default none; design section 8, "Suppressions")
 *   eventBus                EventBridge bus every alert also goes to: name or ARN in the Region (default default)
 *   securityHub             true | false (default false): each incident a Security Hub CSPM finding (docs/export.md);
 *                           mode=member: the role through which the central account imports this account's findings
 *
 * At least one alert destination (alertEmails, Chatbot or the webhook) and one operator destination
 * (operatorEmails, alertEmails or Chatbot) are required; Chatbot only in the `aws` partition.
 *   mode                    single (default) | central | member (docs/design.md section 9)
 *   organizationId          mode=central: the organisation admitted to the destination (o-...)
 *   centralStreamShards     mode=central: the stream's provisioned shards, 1..100 (default 1)
 *   centralAccount          mode=member: the central account (12 digits), the StackSet parameter's default
 *   memberExcludedLogGroups mode=member: log group names the account policy leaves out, comma-separated (default
 *                           none; the StackSet parameter ExcludedLogGroups adds more at deploy time)
 */
import type { Severity } from '../lambda/detector';
import { InvalidNetworkError, parseNetwork } from '../lambda/detector/networks';
import { parseSuppressionSpecs, type Suppression } from '../lambda/incidents/suppressions';
import { DEFAULT_FILTER_PATTERN } from './filter-pattern';
import {
  INCIDENT_SETTING_DEFAULTS,
  INCIDENT_SETTING_LIMITS,
  type IncidentSettingsConfig,
  parseDurationMinutes,
  parseLowSeverity,
  parseWholeNumber,
} from './incident-settings';
import {
  eventBusProblem,
  editDistance,
  emailListProblems,
  excludedLogGroupsProblems,
  filterPatternProblem,
  isSeverity,
  type LogGroupRef,
  MEMBER_EXCLUSIONS_MAX_BYTES,
  parseLogGroup,
  partitionOfRegion,
  SEVERITIES,
  secretNameProblem,
  show,
  slackChannelIdProblem,
  slackWorkspaceIdProblem,
} from './validation';

export const CONTEXT_KEYS = [
  'logGroups',
  'accountWide',
  'filterPattern',
  'alertEmails',
  'emailMinSeverity',
  'operatorEmails',
  'slackWorkspaceId',
  'slackChannelId',
  'slackWebhookSecretName',
  'alertWindow',
  'lowSeverity',
  'digestInterval',
  'maxNewIncidentsPerHour',
  'scanPorts',
  'scanHosts',
  'internalNetworks',
  'canary',
  'canaryInterval',
  'sourceSilence',
  'suppressions',
  'eventBus',
  'securityHub',
  'mode',
  'organizationId',
  'centralStreamShards',
  'centralAccount',
  'memberExcludedLogGroups',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** The checked configuration the app hands to the stack. */
export interface AppConfig {
  /** Log groups to subscribe, each exactly as given (name or ARN). Empty when `accountWide`. */
  readonly logGroups: readonly string[];
  readonly accountWide: boolean;
  readonly filterPattern: string;
  readonly alertEmails: readonly string[];
  /** Undefined: every severity is emailed. */
  readonly emailMinSeverity?: Severity;
  /** Undefined: the operators are the alert recipients. */
  readonly operatorEmails?: readonly string[];
  readonly chatbot?: { readonly slackWorkspaceId: string; readonly slackChannelId: string };
  readonly slackWebhookSecretName?: string;
  /** Alert memory's settings (docs/design.md section 8), defaults where a key is absent. */
  readonly incidents: IncidentSettingsConfig;
  /** Your own networks as canonical CIDRs (targets inside them are `internal-target`); empty by default. */
  readonly internalNetworks?: readonly string[];
  /** Suppressions reviewed in code (`suppressions`), checked; undefined when the key is absent. */
  readonly suppressions?: readonly Suppression[];
  /**
   * `central`: the organisation's logs, through Kinesis; `member`: the member stack. Undefined: `single`, this
   * account's log groups.
   */
  readonly mode?: DeploymentMode;
  /** mode=central only. */
  readonly organizationId?: string;
  /** False: no canary (undefined: the canary runs). */
  readonly canary?: false;
  /** The canary's interval in minutes (undefined: 60). */
  readonly canaryIntervalMinutes?: number;
  /** Log-source health (per-group mode only); undefined: 6 hours for every group. */
  readonly sourceSilence?: SourceSilenceConfig;
  /** mode=central only: the stream's provisioned shards (undefined: 1). */
  readonly centralStreamShards?: number;
  /** mode=member only (optional: the StackSet may pass the parameter instead). */
  readonly centralAccount?: string;
  /** mode=member only: log group names every member's account policy leaves out. */
  readonly memberExcludedLogGroups?: readonly string[];
  /** The EventBridge bus alerts go to (undefined: the default bus). */
  readonly eventBus?: string;
  /**
   * True: incidents are imported into Security Hub CSPM (undefined: off). mode=member: the member stack creates the
   * role the central account imports this account's findings through.
   */
  readonly securityHub?: true;
}

/** How long each watched log group may be silent, in minutes, or `off` (docs/design.md section 10). */
export interface SourceSilenceConfig {
  /** Every group not in `perLogGroup`. */
  readonly default: number | 'off';
  /** By log group name. */
  readonly perLogGroup: ReadonlyMap<string, number | 'off'>;
}

export const SOURCE_SILENCE_DEFAULT_MINUTES = 6 * 60;
/** 1 hour to 7 days: CloudWatch evaluates an alarm over at most 7 days (infra/constructs/source-health.ts). */
export const SOURCE_SILENCE_RANGE = { min: 60, max: 7 * 24 * 60 } as const;

export const DEPLOYMENT_MODES = ['single', 'central', 'member'] as const;
export type DeploymentMode = (typeof DEPLOYMENT_MODES)[number];

/** Where the stack will be deployed, when known at synth time (the CDK CLI sets it when it has credentials). */
export interface DeployTarget {
  readonly account?: string;
  readonly region?: string;
}

export interface ContextProblem {
  readonly key: string;
  readonly message: string;
}

/** Bad context: one line per problem, each naming the key and what is expected. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
  constructor(
    readonly problems: readonly ContextProblem[],
    options?: ErrorOptions,
  ) {
    super(problems.map((p) => `${p.key}: ${p.message}`).join('\n'), options);
  }
}

/**
 * Checks the context and returns the configuration, or throws ContextError listing every problem.
 * `context` is everything the app sees (from `app.node.getAllContext()`), including CDK's own keys, which are ignored
 * unless they look like a misspelt key of ours.
 */
export interface ParseContextOptions {
  /**
   * Refuse a configuration that alerts nobody, or whose alarms reach nobody. Off for readers that only need the
   * log groups (the CLI's `status` reading cdk.json, where the destinations may be given at deploy time).
   * @default true
   */
  readonly requireDestinations?: boolean;
  /**
   * Refuse a single-account configuration without `logGroups` (or `accountWide`). Off for readers of the settings
   * alone (the CLI's scans and `npm start`, which take the same keys but attach to nothing).
   * @default true
   */
  readonly requireLogGroups?: boolean;
}

export function parseContext(
  context: Readonly<Record<string, unknown>>,
  target: DeployTarget = {},
  options: ParseContextOptions = {},
): AppConfig {
  const requireDestinations = options.requireDestinations ?? true;
  const problems: ContextProblem[] = [];
  const problem = (key: string, message: string): void => {
    problems.push({ key, message });
  };

  for (const key of Object.keys(context)) {
    const unknown = unknownKeyProblem(key);
    if (unknown) problem(key, unknown);
  }

  const modeText = readString(context, 'mode', problem) ?? 'single';
  const mode = (DEPLOYMENT_MODES as readonly string[]).includes(modeText) ? (modeText as DeploymentMode) : 'single';
  if (mode !== modeText) problem('mode', `expected ${DEPLOYMENT_MODES.join(', ')}, got ${show(modeText)}`);
  const organizationId = readString(context, 'organizationId', problem);
  const centralAccount = readString(context, 'centralAccount', problem);
  if (mode === 'central' && organizationId === undefined) {
    problem('organizationId', 'expected the AWS Organizations ID (o-...) whose accounts send to the central stack');
  }
  if (organizationId !== undefined && !/^o-[a-z0-9]{10,32}$/.test(organizationId)) {
    problem('organizationId', `expected an AWS Organizations ID like o-a1b2c3d4e5, got ${show(organizationId)}`);
  }
  if (organizationId !== undefined && mode !== 'central') problem('organizationId', 'is only used with mode=central');
  let centralStreamShards: number | undefined;
  if (context.centralStreamShards !== undefined) {
    const parsed = parseWholeNumber(context.centralStreamShards, { min: 1, max: 100 });
    if ('problem' in parsed) problem('centralStreamShards', parsed.problem);
    else centralStreamShards = parsed.value;
    if (mode !== 'central') problem('centralStreamShards', 'is only used with mode=central');
  }
  const canary = readBoolean(context, 'canary', problem);
  if (canary !== undefined && mode === 'member') problem('canary', 'is set on the central stack (mode=central), not on members');
  let canaryIntervalMinutes: number | undefined;
  if (context.canaryInterval !== undefined) {
    const parsed = parseDurationMinutes(context.canaryInterval, { min: 5, max: 24 * 60 });
    if ('problem' in parsed) problem('canaryInterval', parsed.problem);
    else canaryIntervalMinutes = parsed.minutes;
    if (mode === 'member') problem('canaryInterval', 'is set on the central stack (mode=central), not on members');
    if (canary === false) problem('canaryInterval', 'remove it with canary=false');
  }
  if (centralAccount !== undefined && !/^\d{12}$/.test(centralAccount)) {
    problem('centralAccount', `expected a 12-digit account ID, got ${show(centralAccount)}`);
  }
  if (centralAccount !== undefined && mode !== 'member') problem('centralAccount', 'is only used with mode=member');
  const memberExcludedLogGroups = readList(context, 'memberExcludedLogGroups', problem);
  if (memberExcludedLogGroups !== undefined && mode !== 'member') {
    problem('memberExcludedLogGroups', 'is only used with mode=member');
  }
  for (const message of excludedLogGroupsProblems(memberExcludedLogGroups ?? [], MEMBER_EXCLUSIONS_MAX_BYTES)) {
    problem('memberExcludedLogGroups', message);
  }
  const needsLogGroups = mode === 'single';

  const accountWide = readBoolean(context, 'accountWide', problem) ?? false;
  const logGroupTexts = readList(context, 'logGroups', problem);
  if (!needsLogGroups && (accountWide || logGroupTexts !== undefined)) {
    problem(logGroupTexts !== undefined ? 'logGroups' : 'accountWide', `remove it with mode=${mode} (the organisation's accounts send through the central destination)`);
  }
  const logGroups: LogGroupRef[] = [];
  for (const text of logGroupTexts ?? []) {
    const parsed = parseLogGroup(text);
    if ('problem' in parsed) problem('logGroups', parsed.problem);
    else logGroups.push(parsed.ref);
  }
  checkLogGroupSet(logGroups, target, (message) => problem('logGroups', message));
  let sourceSilence: SourceSilenceConfig | undefined;
  if (context.sourceSilence !== undefined) {
    const watched = new Set(logGroups.map((ref) => ref.name));
    sourceSilence = readSourceSilence(context.sourceSilence, watched, (message) => problem('sourceSilence', message));
    if (mode !== 'single' || accountWide) {
      problem(
        'sourceSilence',
        `remove it with ${mode !== 'single' ? `mode=${mode}` : 'accountWide=true'}: only listed log groups (logGroups) `
        + 'get silence alarms; there is no list here, and the canary proves the path',
      );
    }
  }
  if (accountWide && logGroupTexts !== undefined) {
    problem('logGroups', 'remove it when accountWide=true (the account-level policy already covers every log group)');
  }
  if (needsLogGroups && (options.requireLogGroups ?? true) && !accountWide && logGroupTexts === undefined) {
    problem('logGroups', 'expected log group names or ARNs, comma-separated (or set accountWide=true)');
  }

  const filterPattern = readString(context, 'filterPattern', problem) ?? DEFAULT_FILTER_PATTERN;
  const patternProblem = filterPatternProblem(filterPattern);
  if (patternProblem) problem('filterPattern', patternProblem);

  const alertEmails = readList(context, 'alertEmails', problem) ?? [];
  for (const message of emailListProblems(alertEmails)) problem('alertEmails', message);
  const operatorEmails = readList(context, 'operatorEmails', problem);
  for (const message of emailListProblems(operatorEmails ?? [])) problem('operatorEmails', message);

  const minText = readString(context, 'emailMinSeverity', problem);
  let emailMinSeverity: Severity | undefined;
  if (minText !== undefined) {
    const folded = minText.toLowerCase();
    if (!isSeverity(folded)) problem('emailMinSeverity', `expected one of ${SEVERITIES.join(', ')}, got ${show(minText)}`);
    else if (alertEmails.length === 0) problem('emailMinSeverity', 'has no effect without alertEmails; set both');
    else emailMinSeverity = folded;
  }

  const workspace = readString(context, 'slackWorkspaceId', problem);
  const channel = readString(context, 'slackChannelId', problem);
  let chatbot: AppConfig['chatbot'];
  if (workspace !== undefined && channel === undefined) {
    problem('slackChannelId', 'expected a Slack channel ID like C0123ABCD too: slackWorkspaceId is set');
  } else if (channel !== undefined && workspace === undefined) {
    problem('slackWorkspaceId', 'expected a Slack workspace ID like T0123ABCD too: slackChannelId is set');
  } else if (workspace !== undefined && channel !== undefined) {
    const workspaceProblem = slackWorkspaceIdProblem(workspace);
    const channelProblem = slackChannelIdProblem(channel);
    if (workspaceProblem) problem('slackWorkspaceId', workspaceProblem);
    if (channelProblem) problem('slackChannelId', channelProblem);
    chatbot = { slackWorkspaceId: workspace, slackChannelId: channel };
  }

  const slackWebhookSecretName = readString(context, 'slackWebhookSecretName', problem);
  const secretProblem = slackWebhookSecretName === undefined ? undefined : secretNameProblem(slackWebhookSecretName);
  if (secretProblem) problem('slackWebhookSecretName', secretProblem);

  const incidents = readIncidentSettings(context, problem);
  const eventBus = readString(context, 'eventBus', problem);
  const busProblem = eventBus === undefined ? undefined : eventBusProblem(eventBus, target.region);
  if (busProblem) problem('eventBus', busProblem);
  const securityHub = readBoolean(context, 'securityHub', problem);
  if (mode === 'member' && eventBus !== undefined) {
    problem('eventBus', 'is set on the central stack (mode=central), which alerts; members only forward logs');
  }
  // Nothing silent: a deployment must tell someone about alerts, and someone about the alarms on lost alerts.
  const alertDestination = alertEmails.length > 0 || chatbot !== undefined || slackWebhookSecretName !== undefined;
  // A member stack only forwards logs to the central account, which alerts: it has no destinations of its own.
  const destinationsApply = requireDestinations && mode !== 'member';
  if (destinationsApply && !alertDestination) {
    problem(
      'alertEmails',
      'no alert destination: set alertEmails, slackWorkspaceId with slackChannelId (AWS Chatbot), or '
      + 'slackWebhookSecretName (webhook forwarder); a deployment that alerts nobody is refused',
    );
  }
  const operatorDestination = (operatorEmails ?? alertEmails).length > 0 || chatbot !== undefined;
  if (destinationsApply && alertDestination && !operatorDestination) {
    problem(
      'operatorEmails',
      'no operator destination: the alarms on lost or undelivered alerts would reach nobody; set operatorEmails '
      + '(or alertEmails, or slackWorkspaceId with slackChannelId)',
    );
  }
  if (chatbot !== undefined && target.region !== undefined && partitionOfRegion(target.region) !== 'aws') {
    problem(
      'slackWorkspaceId',
      `AWS Chatbot does not exist in ${target.region} (partition ${partitionOfRegion(target.region)}); `
      + 'use slackWebhookSecretName there instead',
    );
  }

  const internalNetworks: string[] = [];
  for (const text of readList(context, 'internalNetworks', problem) ?? []) {
    try {
      internalNetworks.push(parseNetwork(text).cidr);
    } catch (error) {
      if (!(error instanceof InvalidNetworkError)) throw error;
      problem('internalNetworks', error.message);
    }
  }

  const suppressions = readSuppressions(context, problem);

  if (problems.length > 0) throw new ContextError(problems);
  return {
    logGroups: logGroupTexts ?? [],
    accountWide,
    filterPattern,
    alertEmails,
    ...(emailMinSeverity && { emailMinSeverity }),
    ...(operatorEmails && { operatorEmails }),
    ...(chatbot && { chatbot }),
    ...(slackWebhookSecretName !== undefined && { slackWebhookSecretName }),
    incidents,
    ...(internalNetworks.length > 0 && { internalNetworks }),
    ...(suppressions !== undefined && suppressions.length > 0 && { suppressions }),
    ...(mode !== 'single' && { mode }),
    ...(organizationId !== undefined && { organizationId }),
    ...(centralStreamShards !== undefined && { centralStreamShards }),
    ...(canary === false && { canary }),
    ...(canaryIntervalMinutes !== undefined && { canaryIntervalMinutes }),
    ...(sourceSilence !== undefined && { sourceSilence }),
    ...(centralAccount !== undefined && { centralAccount }),
    ...(memberExcludedLogGroups !== undefined && { memberExcludedLogGroups }),
    ...(eventBus !== undefined && { eventBus }),
    ...(securityHub === true && { securityHub }),
  };
}

/** What changes what a finding or an alert says, as the deployed functions get it. */
export interface FindingSettingsConfig {
  /** Canonical CIDRs; empty by default. */
  readonly internalNetworks: readonly string[];
  readonly incidents: IncidentSettingsConfig;
  /** The `suppressions` key's entries (the local run lists their clients under "suppressed"); empty by default. */
  readonly suppressions: readonly Suppression[];
}

/**
 * The settings reader of the CLI's scans and `npm start`: the same keys as `cdk deploy` (a whole cdk.json context
 * is accepted), checked by the same rules, an unknown key refused with the list of keys; only what a deployment
 * needs besides (log groups, destinations) is not required. Throws ContextError listing every problem.
 */
export function parseFindingSettings(context: Readonly<Record<string, unknown>>): FindingSettingsConfig {
  const config = parseContext(context, {}, { requireDestinations: false, requireLogGroups: false });
  const { internalNetworks = [], incidents, suppressions = [] } = config;
  return { internalNetworks, incidents, suppressions };
}

/**
 * Only the six alert-memory keys (for the local run and the CLI's backfill, which take them as `-c` too);
 * throws ContextError listing every problem, each naming its key.
 */
export function parseIncidentContext(context: Readonly<Record<string, unknown>>): IncidentSettingsConfig {
  const problems: ContextProblem[] = [];
  const settings = readIncidentSettings(context, (key, message) => problems.push({ key, message }));
  if (problems.length > 0) throw new ContextError(problems);
  return settings;
}

/** The six alert-memory keys; each absent key takes the runtime's default. */
function readIncidentSettings(context: Readonly<Record<string, unknown>>, problem: Report): IncidentSettingsConfig {
  const d = INCIDENT_SETTING_DEFAULTS;
  const L = INCIDENT_SETTING_LIMITS;
  const duration = (key: ContextKey, range: { min: number; max: number }, fallback: number): number => {
    if (context[key] === undefined) return fallback;
    const parsed = parseDurationMinutes(context[key], range);
    if ('problem' in parsed) problem(key, parsed.problem);
    return 'minutes' in parsed ? parsed.minutes : fallback;
  };
  const count = (key: ContextKey, range: { min: number; max: number }, fallback: number): number => {
    if (context[key] === undefined) return fallback;
    const parsed = parseWholeNumber(context[key], range);
    if ('problem' in parsed) problem(key, parsed.problem);
    return 'value' in parsed ? parsed.value : fallback;
  };
  let lowSeverity = d.lowSeverity;
  if (context.lowSeverity !== undefined) {
    const parsed = parseLowSeverity(context.lowSeverity);
    if ('problem' in parsed) problem('lowSeverity', parsed.problem);
    else lowSeverity = parsed.mode;
  }
  return {
    alertWindowMinutes: duration('alertWindow', L.alertWindowMinutes, d.alertWindowMinutes),
    lowSeverity,
    digestIntervalMinutes: duration('digestInterval', L.digestIntervalMinutes, d.digestIntervalMinutes),
    maxNewIncidentsPerHour: count('maxNewIncidentsPerHour', L.maxNewIncidentsPerHour, d.maxNewIncidentsPerHour),
    scanPorts: count('scanPorts', L.scanPorts, d.scanPorts),
    scanHosts: count('scanHosts', L.scanHosts, d.scanHosts),
  };
}

/**
 * Log groups must be distinct, and ARNs must be where the stack is: a subscription filter can only send to a
 * function in the same account and Region.
 */
function checkLogGroupSet(refs: readonly LogGroupRef[], target: DeployTarget, problem: (m: string) => void): void {
  const seen = new Set<string>();
  for (const ref of refs) {
    if (seen.has(ref.name)) problem(`log group ${show(ref.name)} is listed twice`);
    seen.add(ref.name);
  }
  const arns = refs.flatMap((r) => (r.arn ? [r.arn] : []));
  const first = arns[0];
  if (!first) return;
  const region = target.region ?? first.region;
  const account = target.account ?? first.account;
  const where = target.region ? 'the stack deploys to' : 'the first ARN is in';
  for (const arn of arns) {
    // parseLogGroup already matched each ARN's partition to its own Region, so a Region match covers the partition.
    if (arn.region !== region) {
      problem(`${show(arn.text)} is in ${arn.region} but ${where} ${region}; deploy one stack per Region`);
    }
    if (arn.account !== account) {
      const whose = target.account ? 'the stack deploys to' : 'the first ARN is in';
      problem(`${show(arn.text)} is in account ${arn.account} but ${whose} ${account}; subscriptions cannot cross accounts`);
    }
  }
}

type Report = (key: string, message: string) => void;

/**
 * `sourceSilence`: `6h`, `off`, `6h,/ftp/quiet=24h,/ftp/old=off` (an entry without `=` is the default; log group
 * names hold neither `,` nor `=`), or a JSON object (`{"default":"6h","/ftp/quiet":"24h"}`, from cdk.json or as
 * text). Each bad entry is one problem; undefined when nothing usable was given.
 */
function readSourceSilence(
  value: unknown,
  watched: ReadonlySet<string>,
  problem: (message: string) => void,
): SourceSilenceConfig | undefined {
  const forms = 'expected a duration from 1h to 7d or off, with per-group entries NAME=DURATION (6h,/ftp/quiet=24h,/ftp/old=off) '
    + 'or a JSON object ({"default":"6h","/ftp/quiet":"24h"})';
  let entries: Array<[string | undefined, unknown]>;
  let object: unknown = value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      object = JSON.parse(value) as unknown;
    } catch (error) {
      problem(`${forms}, got JSON that does not parse (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    }
  }
  if (typeof object === 'string') {
    entries = object.split(',').map((item) => item.trim()).filter((item) => item !== '').map((item) => {
      const at = item.indexOf('=');
      return at < 0 ? [undefined, item] : [item.slice(0, at).trim(), item.slice(at + 1).trim()];
    });
  } else if (typeof object === 'object' && object !== null && !Array.isArray(object)) {
    entries = Object.entries(object).map(([key, setting]) => [key === 'default' ? undefined : key, setting]);
  } else {
    problem(`${forms}, got ${show(value)}`);
    return undefined;
  }
  if (entries.length === 0) {
    problem('expected a value, got an empty list (leave the key out instead)');
    return undefined;
  }
  let fallback: number | 'off' | undefined;
  const perLogGroup = new Map<string, number | 'off'>();
  for (const [group, setting] of entries) {
    const label = group === undefined ? 'the default' : show(group);
    let parsed: number | 'off' | undefined;
    if (typeof setting === 'string' && setting.trim().toLowerCase() === 'off') parsed = 'off';
    else {
      const duration = parseDurationMinutes(setting, SOURCE_SILENCE_RANGE);
      if ('problem' in duration) problem(`${label}: ${duration.problem.replace(/^expected a duration/, 'expected off or a duration')}`);
      else parsed = duration.minutes;
    }
    if (group === undefined) {
      if (fallback !== undefined) problem(`two defaults (the second: ${show(setting)}); give one default, and NAME=DURATION per group`);
      fallback = parsed ?? fallback;
      continue;
    }
    const ref = parseLogGroup(group);
    const name = 'ref' in ref ? ref.ref.name : group;
    if (!watched.has(name)) problem(`${show(group)} is not one of the watched log groups (logGroups)`);
    else if (perLogGroup.has(name)) problem(`log group ${show(name)} is listed twice`);
    if (parsed !== undefined) perLogGroup.set(name, parsed);
  }
  return { default: fallback ?? SOURCE_SILENCE_DEFAULT_MINUTES, perLogGroup };
}

function readString(context: Readonly<Record<string, unknown>>, key: ContextKey, problem: Report): string | undefined {
  const value = context[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problem(key, `expected a string, got ${show(value)}`);
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed === '') {
    problem(key, 'expected a value, got an empty string (leave the key out instead)');
    return undefined;
  }
  // A filter pattern keeps its inner spacing; the others have none to keep.
  return key === 'filterPattern' ? value : trimmed;
}

/** A list is a comma-separated string from `-c`, or an array of strings from cdk.json. */
function readList(context: Readonly<Record<string, unknown>>, key: ContextKey, problem: Report): string[] | undefined {
  const value = context[key];
  if (value === undefined) return undefined;
  let items: string[];
  if (typeof value === 'string') {
    // Commas only: a space inside a value is a typo to report, not a separator to guess at.
    items = value.split(',').map((item) => item.trim());
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    items = value.map((v: string) => v.trim());
  } else {
    problem(key, `expected a comma-separated string or an array of strings, got ${show(value)}`);
    return undefined;
  }
  const nonEmpty = items.filter((item) => item !== '');
  if (nonEmpty.length === 0) {
    problem(key, 'expected at least one value, got an empty list (leave the key out instead)');
    return undefined;
  }
  return nonEmpty;
}

/** `suppressions`: a JSON list in cdk.json, or its JSON text with `-c`; each problem reported on its own line. */
function readSuppressions(context: Readonly<Record<string, unknown>>, problem: Report): Suppression[] | undefined {
  let value = context.suppressions;
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      problem('suppressions', 'expected a JSON list of {client, target?, severity?, reason, expires}, got text that is not JSON');
      return undefined;
    }
  }
  const parsed = parseSuppressionSpecs(value);
  for (const message of parsed.problems) problem('suppressions', message);
  return parsed.problems.length > 0 ? undefined : parsed.suppressions;
}

function readBoolean(context: Readonly<Record<string, unknown>>, key: ContextKey, problem: Report): boolean | undefined {
  const value = context[key];
  if (value === undefined || typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  problem(key, `expected true or false, got ${show(value)}`);
  return undefined;
}

/**
 * Why a context key is refused, or undefined when it is ours or CDK's (`@aws-cdk/...`, `aws:cdk:...`: a key with a
 * colon or an `@` is another tool's). Every other key is a typo or a setting that does not exist, which would
 * otherwise pass silently: refused with the valid keys.
 */
export function unknownKeyProblem(key: string): string | undefined {
  if ((CONTEXT_KEYS as readonly string[]).includes(key) || key.includes(':') || key.startsWith('@')) return undefined;
  const suggestion = suggestKey(key);
  const keys = `(the keys: ${CONTEXT_KEYS.join(', ')})`;
  return suggestion === undefined ? `unknown context key ${keys}` : `unknown context key; did you mean ${suggestion}? ${keys}`;
}

/**
 * The known key a context key was probably meant to be, or undefined. Keys that are ours, CDK's own (`@aws-cdk/...`,
 * `aws:cdk:...`) or simply unrelated are left alone: other tools legitimately add context.
 */
export function suggestKey(key: string): string | undefined {
  if ((CONTEXT_KEYS as readonly string[]).includes(key) || key.includes(':') || key.startsWith('@')) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const known of CONTEXT_KEYS) {
    const distance = editDistance(key, known);
    if (!best || distance < best.distance) best = { key: known, distance };
  }
  // Up to two edits (e.g. logGroup, alertEmail, slackChanelId, accountwide) but never more than a fifth of the key.
  const allowed = Math.min(2, Math.max(1, Math.floor((best?.key.length ?? 0) / 5)));
  return best && best.distance <= allowed ? best.key : undefined;
}
