/**
 * Pure checks on configuration values, shared by the app's context parsing (`context.ts`) and the construct's own
 * prop validation. Each check returns the problem as text ("expected ..., got ...") or undefined when the value is
 * fine, so callers can collect every problem and report them together.
 */
import type { Severity } from '../lambda/detector';
import { isAwsRegion } from '../lambda/aws-names';

/** Severities in ascending order. The Record forces this list to follow the detector's `Severity` union. */
const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };
export const SEVERITIES: readonly Severity[] = (Object.keys(SEVERITY_RANK) as Severity[]).sort(
  (a, b) => SEVERITY_RANK[a] - SEVERITY_RANK[b],
);

export function isSeverity(value: string): value is Severity {
  return Object.hasOwn(SEVERITY_RANK, value);
}

/** The severities an email subscriber with this minimum receives, lowest first. */
export function severitiesAtOrAbove(min: Severity): Severity[] {
  return SEVERITIES.filter((s) => SEVERITY_RANK[s] >= SEVERITY_RANK[min]);
}

/** Shows a user's value in a message: quoted, control characters escaped, long values cut. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const cut = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(cut);
}

/** A log group as given by name or ARN; `arn` is set when it was given as an ARN. */
export interface LogGroupRef {
  readonly name: string;
  readonly arn?: { readonly text: string; readonly partition: string; readonly region: string; readonly account: string };
}

// CloudWatch Logs' own rules: 1-512 characters from this set.
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const LOG_GROUP_ARN = /^arn:([a-z-]+):logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(?::\*)?$/;

export function parseLogGroup(text: string): { ref: LogGroupRef } | { problem: string } {
  if (text.startsWith('arn:')) {
    const m = LOG_GROUP_ARN.exec(text);
    const [, partition, region, account, name] = m ?? [];
    if (!partition || !region || !account || !name) {
      return {
        problem: `expected a log group ARN like arn:aws:logs:eu-west-1:123456789012:log-group:/var/log/proftpd, got ${show(text)}`,
      };
    }
    if (!isAwsRegion(region)) return { problem: `${show(text)} names no valid Region (got ${show(region)})` };
    const expected = partitionOfRegion(region);
    if (partition !== expected) {
      return { problem: `${show(text)} has partition ${show(partition)}, but Region ${region} is in ${show(expected)}` };
    }
    if (!LOG_GROUP_NAME.test(name)) return { problem: logGroupNameProblem(name) };
    return { ref: { name, arn: { text, partition, region, account } } };
  }
  if (!LOG_GROUP_NAME.test(text)) return { problem: logGroupNameProblem(text) };
  return { ref: { name: text } };
}

function logGroupNameProblem(name: string): string {
  return `expected a log group name (1-512 characters of A-Z a-z 0-9 . - _ / #) or ARN, got ${show(name)}`;
}

/**
 * The most an account policy's `SelectionCriteria` may hold: CloudWatch Logs documents "up to 25KB in length,
 * determined by using its UTF-8 bytes" (PutAccountPolicy); 25,000 reads that KB the strict way.
 */
export const SELECTION_CRITERIA_MAX_BYTES = 25_000;

/** CloudFormation's limit on a parameter value: the member stack's `ExcludedLogGroups` (names, comma-separated). */
export const EXCLUDED_LOG_GROUPS_PARAMETER_MAX_LENGTH = 4096;

/**
 * What the member stack's synth-time exclusions may take of the SelectionCriteria: the limit less the most the
 * `ExcludedLogGroups` parameter can add at deploy time (its value quoted, each comma becoming `", "`, after `, `).
 */
export const MEMBER_EXCLUSIONS_MAX_BYTES =
  SELECTION_CRITERIA_MAX_BYTES
  - (EXCLUDED_LOG_GROUPS_PARAMETER_MAX_LENGTH + 3 * Math.floor((EXCLUDED_LOG_GROUPS_PARAMETER_MAX_LENGTH - 1) / 2) + 4);

/** The one selection an account-level subscription filter policy supports: these log groups are left out. */
export function excludedLogGroupsCriteria(names: readonly string[]): string {
  return `LogGroupName NOT IN [${names.map((name) => `"${name}"`).join(', ')}]`;
}

/**
 * Problems with log groups an account policy leaves out: names only (an exclusion applies in whichever account the
 * policy is deployed to, so an ARN would name one account), each once, and a selection within
 * `maxBytes` (the caller keeps room for what it adds at deploy time).
 */
export function excludedLogGroupsProblems(names: readonly string[], maxBytes = SELECTION_CRITERIA_MAX_BYTES): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (!LOG_GROUP_NAME.test(name)) {
      problems.push(`expected log group names (1-512 characters of A-Z a-z 0-9 . - _ / #, no ARN), got ${show(name)}`);
    }
    if (seen.has(name)) problems.push(`log group ${show(name)} is listed twice`);
    seen.add(name);
  }
  const bytes = Buffer.byteLength(excludedLogGroupsCriteria(names), 'utf8');
  if (bytes > maxBytes) {
    problems.push(
      `${names.length} log groups make a SelectionCriteria of ${bytes} bytes, over the ${maxBytes} this stack can use `
      + `(CloudWatch Logs accepts ${SELECTION_CRITERIA_MAX_BYTES}); exclude fewer log groups`,
    );
  }
  return problems;
}

/** The AWS partition a Region belongs to, from its name. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-isof-') || region.startsWith('eu-isof-')) return 'aws-iso-f';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

// The WHATWG (HTML) email grammar, plus a dot in the domain: SNS delivers only to routable addresses.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function emailProblem(text: string): string | undefined {
  if (text.length <= 254 && EMAIL.test(text)) return undefined;
  return `expected an email address like ops@example.com, got ${show(text)}`;
}

/** Problems with a list of emails: each address, and duplicates (SNS would merge them into one subscription). */
export function emailListProblems(emails: readonly string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const email of emails) {
    const problem = emailProblem(email);
    if (problem) problems.push(problem);
    const folded = email.toLowerCase();
    if (seen.has(folded)) problems.push(`${show(email)} is listed twice`);
    seen.add(folded);
  }
  return problems;
}

// Slack IDs are upper-case alphanumerics: team (workspace) IDs start with T (E for an Enterprise Grid org),
// channel IDs with C (public) or G (private). A leading '#' means someone pasted the channel name instead.
export function slackWorkspaceIdProblem(text: string): string | undefined {
  if (/^[TE][A-Z0-9]{2,254}$/.test(text)) return undefined;
  return `expected the Slack workspace ID shown in the AWS Chatbot console, like T0123ABCD, got ${show(text)}`;
}

export function slackChannelIdProblem(text: string): string | undefined {
  if (/^[CG][A-Z0-9]{2,254}$/.test(text)) return undefined;
  const hint = text.startsWith('#') ? ' (that is a channel name; copy the ID from the channel details)' : '';
  return `expected a Slack channel ID like C0123ABCD, got ${show(text)}${hint}`;
}

export function secretNameProblem(text: string): string | undefined {
  if (text.startsWith('arn:')) return `expected the secret's name, not its ARN, got ${show(text)}`;
  if (/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(text)) return undefined;
  return `expected a Secrets Manager secret name (1-512 characters of A-Z a-z 0-9 / _ + = . @ -), got ${show(text)}`;
}

export function filterPatternProblem(text: string): string | undefined {
  // An empty pattern matches every event: the whole log volume would flow through the detector.
  if (text.trim() === '') return 'expected a non-empty CloudWatch Logs filter pattern (an empty one forwards every event)';
  if (text.length > 1024) return `expected at most 1024 characters, got ${text.length}`;
  return undefined;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive: how many single
 * edits turn one key into the other. Used to suggest the key a user probably meant.
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(s.length, t.length);
}

/** EventBridge bus names and ARNs (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html). */
const BUS_NAME = /^[A-Za-z0-9._/-]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256}$/;

/** Why an `eventBus` value cannot be used, or undefined (`region`: the stack's, when known at synth time). */
export function eventBusProblem(eventBus: string, region: string | undefined): string | undefined {
  if (eventBus.startsWith('arn:')) {
    const arn = BUS_ARN.exec(eventBus);
    if (arn === null) return `expected an event bus name or ARN (arn:aws:events:<region>:<account>:event-bus/<name>), got ${JSON.stringify(eventBus)}`;
    if (region !== undefined && arn[1] !== region) {
      return `the bus must be in the stack's Region ${region} (PutEvents sends to a bus of its own Region), got ${arn[1]}`;
    }
    return undefined;
  }
  return BUS_NAME.test(eventBus) ? undefined : `expected an event bus name (A-Z a-z 0-9 . _ - /, at most 256) or ARN, got ${JSON.stringify(eventBus)}`;
}
