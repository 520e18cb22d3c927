/**
 * FtpBounceWatch: the whole detection pipeline (docs/design.md section 1), assembled from its parts, each a construct
 * in `infra/constructs/`: log intake (filters, account policy, central stream), the detector, alert memory (table,
 * sweep), delivery (topics, email, Chatbot, webhook) and the safety net (failure stores, alarms).
 */
import {
  Duration,
  type NestedStack,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  type aws_chatbot as chatbot,
  type aws_cloudwatch as cloudwatch,
  type aws_dynamodb as dynamodb,
  type aws_events as events,
  type aws_kms as kms,
  type aws_lambda as lambda,
  aws_logs as logs,
  type aws_lambda_nodejs as nodejs,
  type aws_s3 as s3,
  type aws_sns as sns,
  type aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Severity } from '../lambda/detector';
import { InvalidNetworkError, parseNetwork } from '../lambda/detector/networks';
import { parseSuppressionSpecs, type Suppression, suppressionsJson } from '../lambda/incidents/suppressions';
import { LAMBDA_NODE_OPTIONS } from './bundling-options';
import { AlertMemory, DETECTOR_TABLE_ACTIONS } from './constructs/alert-memory';
import { Canary } from './constructs/canary';
import type { CentralIntake } from './constructs/central-intake';
import { keepLogicalIdsWithoutParts, METRICS_NAMESPACE, SERVICE_NAME } from './constructs/common';
import { type ChatbotSlackChannel, chatbotConfigurationName, Delivery } from './constructs/delivery';
import { Detector } from './constructs/detector';
import { Exports } from './constructs/exports';
import { LogIntake, LogIntakeCapacityError } from './constructs/log-intake';
import { SafetyNet } from './constructs/safety-net';
import { type SourceSilence, SourceHealth, sourceSilenceProblems } from './constructs/source-health';
import { SubscriptionWatch } from './constructs/subscription-watch';
import { DEFAULT_FILTER_PATTERN } from './filter-pattern';
import {
  formatMinutes,
  INCIDENT_SETTING_DEFAULTS,
  INCIDENT_SETTING_LIMITS,
  incidentEnvironment,
  type IncidentSettingsConfig,
  LOW_SEVERITY_MODES,
  type LowSeverityMode,
} from './incident-settings';
import {
  eventBusProblem,
  emailListProblems,
  filterPatternProblem,
  isSeverity,
  parseLogGroup,
  partitionOfRegion,
  SEVERITIES,
  secretNameProblem,
  show,
  slackChannelIdProblem,
  slackWorkspaceIdProblem,
} from './validation';

export {
  DETECTOR_TABLE_ACTIONS,
  INCIDENT_TABLE_SCHEMA,
  SWEEP_INDEX_ACTIONS,
  SWEEP_TABLE_ACTIONS,
} from './constructs/alert-memory';
export type { ChatbotSlackChannel } from './constructs/delivery';
export { INLINE_SUBSCRIPTION_LIMIT, MAX_FILTERS_PER_NESTED_STACK, SUBSCRIPTION_SHARDS } from './constructs/log-intake';
export { logsDeliveryQuery, STATE_STORE_UNAVAILABLE_METRIC } from './constructs/safety-net';
export {
  MAX_SOURCE_HEALTH_ALARMS,
  SOURCE_SILENCE_DEFAULT,
  type SourceSilence,
  type SourceSilenceSetting,
} from './constructs/source-health';

export interface FtpBounceWatchProps {
  /**
   * Existing log groups to watch: names, ARNs (same account and Region as the stack) or log group constructs. Each
   * gets one subscription filter named `SUBSCRIPTION_FILTER_NAME` (`ftp-bounce-watch-shard-N` beyond
   * `INLINE_SUBSCRIPTION_LIMIT` groups, in nested stack N); one invoke permission covers them all.
   * @default - none; `accountWide` must then be true
   */
  readonly logGroups?: ReadonlyArray<string | logs.ILogGroup>;
  /**
   * Watch every log group of the account and Region through one account-level subscription filter policy
   * (`ACCOUNT_POLICY_NAME`) instead of per-group filters. The functions' own log groups are excluded.
   * @default false
   */
  readonly accountWide?: boolean;
  /**
   * Central mode (docs/design.md section 9): the organisation (`o-...`) whose member accounts send their refusals to this
   * account through a CloudWatch Logs destination and a Kinesis stream (member stacks: `MemberSubscription`). The
   * detector then takes Kinesis batches; `logGroups` and `accountWide` must be unset. Context `mode=central` with
   * `organizationId`.
   * @default - not central: `logGroups` or `accountWide` in this account
   */
  readonly organizationId?: string;
  /**
   * Central mode: the provisioned shards of the organisation's stream. One shard takes 1 MB/s or 1,000 records/s of
   * writes; CloudWatch Logs retries throttled writes for up to 24 hours, and the write-throttling alarm says when to
   * add shards. 1 to 100.
   * @default 1
   */
  readonly centralStreamShards?: number;
  /**
   * The canary (docs/design.md section 10): a proven refusal line written into each watched log group every
   * `canaryInterval`, recognised by the detector, alarming when it stops coming back.
   * @default true
   */
  readonly canary?: boolean;
  /**
   * How often the canary runs; two intervals without its return alarm. 5 minutes to 24 hours.
   * @default Duration.hours(1)
   */
  readonly canaryInterval?: Duration;
  /**
   * Log-source health (docs/design.md section 10): an alarm per watched log group when no log event has reached it
   * for this long (1 hour to 7 days, or 'off'; per group in `perLogGroup`). Per-group mode only: account-wide and
   * central deployments have no list of groups. Beyond `MAX_SOURCE_HEALTH_ALARMS` alarmed groups, none (a synth
   * warning says so). Context key `sourceSilence`.
   * @default - 6 hours for every watched group
   */
  readonly sourceSilence?: SourceSilence;
  /**
   * The CloudWatch Logs filter pattern choosing which events reach the detector.
   * @default DEFAULT_FILTER_PATTERN (`?"Refused PORT" ?"Refused EPRT"`)
   */
  readonly filterPattern?: string;
  /**
   * Addresses subscribed to the alert topic by email (each must confirm the subscription once).
   * @default - no email subscriptions
   */
  readonly alertEmails?: readonly string[];
  /**
   * The lowest alert severity emailed to `alertEmails` (an SNS filter policy on the `severity` attribute).
   * @default 'low' (every alert)
   */
  readonly emailMinSeverity?: Severity;
  /**
   * Addresses that receive the operational alarms (detector errors, throttles, events in a failure queue).
   * @default - the `alertEmails`
   */
  readonly operatorEmails?: readonly string[];
  /**
   * Deliver alerts (and the operational alarms) to a Slack channel through AWS Chatbot.
   * @default - no Chatbot channel
   */
  readonly chatbot?: ChatbotSlackChannel;
  /**
   * The name of a Secrets Manager secret holding a Slack incoming-webhook URL (the plain URL, or JSON with a
   * `webhookUrl` or `url` field). When set, a small forwarder function posts every alert to that webhook.
   * @default - no webhook forwarder
   */
  readonly slackWebhookSecretName?: string;
  /**
   * The detector's memory in MB.
   * @default 512
   */
  readonly detectorMemorySize?: number;
  /**
   * The detector's timeout.
   * @default Duration.seconds(60)
   */
  readonly detectorTimeout?: Duration;
  /**
   * How long Lambda keeps retrying an undelivered asynchronous event before sending it to the failure queue.
   * @default Duration.hours(6) (the maximum)
   */
  readonly maxEventAge?: Duration;
  /**
   * How long failed detector invocations (whole payloads) are kept in the failure bucket before they expire.
   * @default Duration.days(30)
   */
  readonly failureRetention?: Duration;
  /**
   * Retention of the functions' own log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the stateful resources (KMS key, incident table, log groups, failure queues) when the stack is
   * deleted.
   * @default RemovalPolicy.RETAIN (evidence and undelivered events survive a `cdk destroy`)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Alert memory (docs/design.md section 8): how long an incident counts further findings quietly before one update is
   * published. Whole minutes, 5 minutes to 24 hours. Context key `alertWindow`.
   * @default Duration.minutes(60)
   */
  readonly alertWindow?: Duration;
  /**
   * Low-severity incidents (NAT clients, address-family mismatches): `digest` lists them once per `digestInterval`;
   * `immediate` alerts on them like the other severities. Context key `lowSeverity`.
   * @default 'digest'
   */
  readonly lowSeverity?: LowSeverityMode;
  /**
   * How often the low-severity digest is sent. Whole minutes, 1 hour to 7 days. Context key `digestInterval`.
   * @default Duration.hours(24)
   */
  readonly digestInterval?: Duration;
  /**
   * New-incident messages per account and hour; beyond it, new incidents are folded into one digest for that hour
   * (nothing is dropped). 1 to 10,000. Context key `maxNewIncidentsPerHour`.
   * @default 30
   */
  readonly maxNewIncidentsPerHour?: number;
  /**
   * Distinct service ports on one host, aimed at by one client within a window, that make it a `bounce-scan`.
   * 2 to 1,000. Context key `scanPorts`.
   * @default 10
   */
  readonly scanPorts?: number;
  /**
   * Distinct hosts aimed at by one client within a window that make it a `bounce-scan`. 2 to 1,000. Context key
   * `scanHosts`.
   * @default 5
   */
  readonly scanHosts?: number;
  /**
   * Your own networks (VPC ranges, on-premises ranges), as IPv4 or IPv6 CIDRs. A refused data connection aimed
   * inside them is classified `internal-target` (high), and the `.2` address of an IPv4 range is named as the
   * VPC DNS resolver. Context key `internalNetworks`.
   * @default - none
   */
  readonly internalNetworks?: readonly string[];
  /**
   * Suppressions reviewed in code (context key `suppressions`), beside the ones `ftp-bounce-watch suppress add`
   * keeps in the table: the clients' findings up to each one's severity are listed in the digest's `suppressed`
   * section instead of alerting. Build them with `parseSuppressionSpecs`; at most 20.
   * @default - none
   */
  readonly suppressions?: readonly Suppression[];
  /**
   * The EventBridge bus every alert also goes to as an event (docs/export.md): a bus name in this account and
   * Region, or the ARN of a bus in this Region (another account's bus must allow this account to put events).
   * @default 'default' - the account's default bus
   */
  readonly eventBus?: string;
  /**
   * Import each incident into AWS Security Hub CSPM as an ASFF finding (BatchImportFindings, this account's default
   * product; Security Hub CSPM must be enabled). @default false
   */
  readonly securityHub?: boolean;
}

/** Invalid props: every problem, one per line, each starting with the prop's name. */
export class FtpBounceWatchPropsError extends Error {
  override readonly name = 'FtpBounceWatchPropsError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid FtpBounceWatch props:\n${problems.map((p) => `  ${p}`).join('\n')}`, options);
  }
}

export class FtpBounceWatch extends Construct {
  /** The canary (docs/design.md section 10): its function, key, topic and alarms; absent with `canary: false`. */
  public readonly canary?: Canary;
  /** Log intake: subscription filters, account policy or the central destination and stream. */
  public readonly logIntake: LogIntake;
  /** The detector: function, role, log group. */
  public readonly detection: Detector;
  /** Alert memory: the incident table and the sweep. */
  public readonly alertMemory: AlertMemory;
  /** Delivery: key, topics, email, Chatbot, webhook forwarder. */
  public readonly delivery: Delivery;
  /** The safety net: failure bucket and queue, alarms. */
  public readonly safetyNet: SafetyNet;
  /** The exports to EventBridge and Security Hub: grants, environment, alarms. */
  public readonly exports: Exports;
  /** The hourly check of unconfirmed email subscriptions (only when there are email subscriptions). */
  public readonly subscriptionWatch?: SubscriptionWatch;
  /** Log-source health: an alarm per watched log group that goes silent (per-group mode only). */
  public readonly sourceHealth?: SourceHealth;
  /** The silence alarms, one per watched log group (empty outside per-group mode, or beyond MAX_SOURCE_HEALTH_ALARMS). */
  public readonly sourceSilenceAlarms: readonly cloudwatch.Alarm[];

  /** Encrypts both topics. */
  public readonly key: kms.Key;
  /** Alerts (docs/design.md section 5): subscribe email, Chatbot, SQS, Lambda or HTTPS consumers here. */
  public readonly alertTopic: sns.Topic;
  /** Operational alarms about the pipeline itself. */
  public readonly operatorTopic: sns.Topic;
  /** The detector function (entry `lambda/handler.ts`). */
  public readonly detector: nodejs.NodejsFunction;
  /** The detector's own log group, with the configured retention. */
  public readonly detectorLogGroup: logs.LogGroup;
  /** Whole batches the detector failed on after every retry (SafetyNet.failureBucket). */
  public readonly failureBucket: s3.Bucket;
  /** The email subscriptions' dead-letter queue (SafetyNet.failureQueue). */
  public readonly failureQueue: sqs.Queue;
  /** One per watched log group (empty when account-wide). */
  public readonly subscriptionFilters: readonly logs.SubscriptionFilter[];
  /** The nested stacks holding the filters beyond `INLINE_SUBSCRIPTION_LIMIT` log groups (empty otherwise). */
  public readonly subscriptionStacks: readonly NestedStack[];
  /** The one invoke permission for CloudWatch Logs of this account (per log group mode). */
  public readonly logsInvokePermission?: lambda.CfnPermission;
  /** The account-level subscription filter policy (only when account-wide). */
  public readonly accountPolicy?: logs.CfnAccountPolicy;
  /** The AWS Chatbot Slack channel (only with `chatbot`). */
  public readonly chatbotChannel?: chatbot.SlackChannelConfiguration;
  /** The Slack webhook forwarder, its log group and failure queue (only with `slackWebhookSecretName`). */
  public readonly slackForwarder?: nodejs.NodejsFunction;
  public readonly slackForwarderLogGroup?: logs.LogGroup;
  public readonly slackForwarderFailureQueue?: sqs.Queue;
  /** The operational alarms, all notifying `operatorTopic`. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** Alert memory's state (docs/design.md section 8): incidents per client, flood counters, sent digests. */
  public readonly incidentTable: dynamodb.Table;
  /** The central mode's destination, stream and event source mapping (only with `organizationId`). */
  public readonly centralIntake?: CentralIntake;
  /** The scheduled sweep (entry `lambda/sweep-handler.ts`): window ends, updates, digests, unsent messages. */
  public readonly sweepFunction: nodejs.NodejsFunction;
  /** The sweep's own log group, with the configured retention. */
  public readonly sweepLogGroup: logs.LogGroup;
  /** The EventBridge rule that runs the sweep every five minutes. */
  public readonly sweepSchedule: events.Rule;

  constructor(scope: Construct, id: string, props: FtpBounceWatchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = validateProps(props, stack);
    if (problems.length > 0) throw new FtpBounceWatchPropsError(problems);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    const filterPattern = props.filterPattern ?? DEFAULT_FILTER_PATTERN;
    const central = props.organizationId !== undefined;

    this.safetyNet = new SafetyNet(this, 'SafetyNet', {
      failureRetention: props.failureRetention ?? Duration.days(30),
      removalPolicy,
    });
    this.delivery = new Delivery(this, 'Delivery', {
      ...(props.alertEmails && { alertEmails: props.alertEmails }),
      ...(props.emailMinSeverity && { emailMinSeverity: props.emailMinSeverity }),
      ...(props.operatorEmails && { operatorEmails: props.operatorEmails }),
      ...(props.slackWebhookSecretName !== undefined && { slackWebhookSecretName: props.slackWebhookSecretName }),
      emailFailureQueue: this.safetyNet.failureQueue,
      maxEventAge,
      logRetention,
      removalPolicy,
    });
    this.exports = new Exports(this, 'Exports', {
      ...(props.eventBus !== undefined && { eventBus: props.eventBus }),
      ...(props.securityHub !== undefined && { securityHub: props.securityHub }),
      ...(props.organizationId !== undefined && { organizationId: props.organizationId }),
      operatorTopic: this.delivery.operatorTopic,
    });
    // What both functions need to publish alerts and remember incidents (alert memory adds its table).
    const internalNetworks = (props.internalNetworks ?? []).map((cidr) => parseNetwork(cidr).cidr);
    const environment = {
      ALERT_TOPIC_ARN: this.delivery.alertTopic.topicArn,
      ...(internalNetworks.length > 0 && { INTERNAL_NETWORKS: internalNetworks.join(',') }),
      ...incidentEnvironment(resolveIncidentSettings(props)),
      ...this.exports.environment,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
    };
    this.alertMemory = new AlertMemory(this, 'AlertMemory', {
      key: this.delivery.key,
      alertTopic: this.delivery.alertTopic,
      environment,
      logRetention,
      removalPolicy,
      ...(this.exports.importerRoleNames && { sweepRoleName: this.exports.importerRoleNames.sweep }),
    });
    this.detection = new Detector(this, 'Detection', {
      central,
      ...(this.exports.importerRoleNames && { roleName: this.exports.importerRoleNames.detector }),
      key: this.delivery.key,
      alertTopic: this.delivery.alertTopic,
      environment: {
        ...environment,
        INCIDENT_TABLE_NAME: this.alertMemory.incidentTable.tableName,
        // Only the detector decides what a suppression covers; the sweep lists what it decided.
        ...(props.suppressions !== undefined && props.suppressions.length > 0 && {
          SUPPRESSIONS: suppressionsJson(props.suppressions),
        }),
        // Central: the detector keeps a malformed stream record whole itself (under `kinesis/`) instead of failing it.
        ...(central && { FAILURE_BUCKET_NAME: this.safetyNet.failureBucket.bucketName }),
      },
      failureBucket: this.safetyNet.failureBucket,
      memorySize: props.detectorMemorySize ?? 512,
      timeout: props.detectorTimeout ?? Duration.seconds(60),
      maxEventAge,
      logRetention,
      removalPolicy,
    });
    const emails = [...(props.alertEmails ?? []), ...(props.operatorEmails ?? [])];
    if (emails.length > 0) {
      this.subscriptionWatch = new SubscriptionWatch(this, 'SubscriptionWatch', {
        topics: [this.delivery.alertTopic, this.delivery.operatorTopic],
        operatorTopic: this.delivery.operatorTopic,
        key: this.delivery.key,
        table: this.alertMemory.incidentTable,
        logRetention,
        removalPolicy,
      });
    }

    if (props.canary !== false) {
      this.canary = new Canary(this, 'Canary', {
        logGroupNames: (props.logGroups ?? []).map(logGroupName),
        interval: props.canaryInterval ?? Duration.hours(1),
        key: this.delivery.key,
        operatorTopic: this.delivery.operatorTopic,
        detector: this.detection.function,
        detectorRole: this.detection.role,
        alertMemory: this.alertMemory,
        environment: {
          POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        },
        logRetention,
        removalPolicy,
      });
    }
    // Log groups whose events could contain alert text, which would feed the detector its own output forever.
    const ownLogGroups = [this.detection.logGroup.logGroupName, this.alertMemory.sweepLogGroup.logGroupName];
    if (this.delivery.slackForwarderLogGroup) ownLogGroups.push(this.delivery.slackForwarderLogGroup.logGroupName);
    if (this.canary) ownLogGroups.push(this.canary.logGroup.logGroupName);
    if (this.subscriptionWatch) ownLogGroups.push(this.subscriptionWatch.logGroup.logGroupName);
    if (props.chatbot) ownLogGroups.push(`/aws/chatbot/${chatbotConfigurationName(stack, props.chatbot)}`);
    try {
      this.logIntake = new LogIntake(this, 'LogIntake', {
        detector: this.detection.function,
        ...(props.logGroups && { logGroups: props.logGroups }),
        ...(props.accountWide !== undefined && { accountWide: props.accountWide }),
        excludedLogGroups: ownLogGroups,
        ...(props.organizationId !== undefined && { organizationId: props.organizationId }),
        failureBucket: this.safetyNet.failureBucket,
        ...(props.centralStreamShards !== undefined && { centralStreamShards: props.centralStreamShards }),
        filterPattern,
        removalPolicy,
      });
    } catch (error) {
      if (error instanceof LogIntakeCapacityError) throw new FtpBounceWatchPropsError([error.message], { cause: error });
      throw error;
    }
    this.alertMemory.grantTable(this.detection.role, DETECTOR_TABLE_ACTIONS, []);
    const centralStream = this.logIntake.centralIntake?.stream;
    if (this.canary && centralStream) this.canary.subscribeOwnGroupTo(centralStream, filterPattern);

    const machineryAlarms = this.safetyNet.watch({
      operatorTopic: this.delivery.operatorTopic,
      alertTopic: this.delivery.alertTopic,
      detector: this.detection.function,
      sweep: this.alertMemory.sweepFunction,
      filterNames: this.logIntake.filterNames,
      ...(this.logIntake.centralIntake && { centralStream: this.logIntake.centralIntake.stream }),
      ...(this.subscriptionWatch && { subscriptionWatch: this.subscriptionWatch.function }),
      ...(this.delivery.slackForwarder && { slackForwarder: this.delivery.slackForwarder }),
      ...(this.delivery.slackForwarderFailureQueue && { slackForwarderFailureQueue: this.delivery.slackForwarderFailureQueue }),
    });
    // Only listed groups: account-wide and central deployments have no list (the canary proves the path there).
    const watchedNames = (props.logGroups ?? []).map(logGroupName);
    if (watchedNames.length > 0) {
      this.sourceHealth = new SourceHealth(this, 'SourceHealth', {
        logGroupNames: watchedNames,
        ...(props.sourceSilence && { silence: props.sourceSilence }),
        operatorTopic: this.delivery.operatorTopic,
        canaryWritesIntoGroups: this.canary !== undefined,
      });
    }
    this.sourceSilenceAlarms = this.sourceHealth?.alarms ?? [];
    this.exports.grantExport(this.detection.function);
    this.exports.grantExport(this.alertMemory.sweepFunction);
    const alarms = [...machineryAlarms, ...this.exports.alarms, ...(this.canary?.alarms ?? []), ...this.sourceSilenceAlarms];
    if (props.organizationId !== undefined) {
      this.safetyNet.forwardMemberAlarms(props.organizationId, this.delivery.operatorTopic, this.delivery.key);
    }
    if (props.chatbot) {
      // The silence alarms by their common name prefix: a hundred alarm ARNs would not fit the guardrail policy.
      this.chatbotChannel = this.delivery.addChatbot(
        props.chatbot,
        [...machineryAlarms, ...(this.canary?.alarms ?? [])],
        this.sourceSilenceAlarms.length > 0 && this.sourceHealth ? [this.sourceHealth.alarmNamePrefix] : [],
      );
    }

    this.key = this.delivery.key;
    this.alertTopic = this.delivery.alertTopic;
    this.operatorTopic = this.delivery.operatorTopic;
    this.detector = this.detection.function;
    this.detectorLogGroup = this.detection.logGroup;
    this.failureBucket = this.safetyNet.failureBucket;
    this.failureQueue = this.safetyNet.failureQueue;
    this.subscriptionFilters = this.logIntake.subscriptionFilters;
    this.subscriptionStacks = this.logIntake.subscriptionStacks;
    if (this.logIntake.logsInvokePermission) this.logsInvokePermission = this.logIntake.logsInvokePermission;
    if (this.logIntake.accountPolicy) this.accountPolicy = this.logIntake.accountPolicy;
    if (this.logIntake.centralIntake) this.centralIntake = this.logIntake.centralIntake;
    if (this.delivery.slackForwarder) this.slackForwarder = this.delivery.slackForwarder;
    if (this.delivery.slackForwarderLogGroup) this.slackForwarderLogGroup = this.delivery.slackForwarderLogGroup;
    if (this.delivery.slackForwarderFailureQueue) this.slackForwarderFailureQueue = this.delivery.slackForwarderFailureQueue;
    this.alarms = alarms;
    this.incidentTable = this.alertMemory.incidentTable;
    this.sweepFunction = this.alertMemory.sweepFunction;
    this.sweepLogGroup = this.alertMemory.sweepLogGroup;
    this.sweepSchedule = this.alertMemory.sweepSchedule;

    keepLogicalIdsWithoutParts([this.safetyNet, this.delivery, this.alertMemory, this.detection, this.logIntake]);
    // The detector writes its own failure records (Lambda names each object), hence the bucket-wide object grant.
    const bucketId = stack.resolve((this.failureBucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(this.detection.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason:
        'Lambda names each failure record object itself (by date and request id), so the detector may s3:PutObject '
        + 'any key of its own failure bucket: write only, that one bucket.',
    });
  }
}

/** A watched log group's name, from a name, an ARN or a construct. */
function logGroupName(source: string | logs.ILogGroup): string {
  if (typeof source !== 'string') return source.logGroupName;
  const parsed = parseLogGroup(source);
  return 'ref' in parsed ? parsed.ref.name : source;
}

/** AWS Organizations IDs: `o-` and 10 to 32 lowercase letters or digits. */
export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/** Every prop problem, so they can be reported at once. Unresolved tokens are not checked. */
function validateProps(props: FtpBounceWatchProps, stack: Stack): string[] {
  const problems: string[] = [];
  const concrete = (value: string): boolean => !Token.isUnresolved(value);
  const logGroups = props.logGroups ?? [];

  if (props.accountWide && logGroups.length > 0) {
    problems.push('logGroups: must be empty when accountWide is true (the account-level policy covers every group)');
  }
  if (props.organizationId !== undefined) {
    if (concrete(props.organizationId) && !ORGANIZATION_ID.test(props.organizationId)) {
      problems.push(`organizationId: expected an AWS Organizations ID like o-a1b2c3d4e5, got ${show(props.organizationId)}`);
    }
    if (props.accountWide || logGroups.length > 0) {
      problems.push('organizationId: central mode takes the organisation\'s logs from its stream; unset logGroups and accountWide');
    }
  } else if (!props.accountWide && logGroups.length === 0) {
    problems.push('logGroups: expected at least one log group name, ARN or construct (or set accountWide: true)');
  }
  const seen = new Set<string>();
  for (const source of logGroups) {
    if (typeof source !== 'string' || !concrete(source)) continue;
    const parsed = parseLogGroup(source);
    if ('problem' in parsed) {
      problems.push(`logGroups: ${parsed.problem}`);
      continue;
    }
    const { name, arn } = parsed.ref;
    if (seen.has(name)) problems.push(`logGroups: log group ${show(name)} is listed twice`);
    seen.add(name);
    if (arn && concrete(stack.region) && arn.region !== stack.region) {
      problems.push(`logGroups: ${show(arn.text)} is in ${arn.region} but the stack is in ${stack.region}`);
    }
    if (arn && concrete(stack.account) && arn.account !== stack.account) {
      problems.push(`logGroups: ${show(arn.text)} is in account ${arn.account} but the stack is in ${stack.account}`);
    }
  }

  if (props.sourceSilence !== undefined) {
    if (props.accountWide || props.organizationId !== undefined) {
      problems.push('sourceSilence: only listed log groups (logGroups) get silence alarms; unset it with accountWide or organizationId');
    }
    const watched = new Set(logGroups.map(logGroupName).filter(concrete));
    problems.push(...sourceSilenceProblems(props.sourceSilence, watched));
  }
  if (props.canaryInterval !== undefined) {
    const minutes = props.canaryInterval.toMinutes({ integral: false });
    if (!(minutes >= 5 && minutes <= 24 * 60)) problems.push(`canaryInterval: expected 5 minutes to 24 hours, got ${minutes} minutes`);
    if (props.canary === false) problems.push('canaryInterval: remove it with canary: false');
  }
  if (props.eventBus !== undefined && concrete(props.eventBus)) {
    const problem = eventBusProblem(props.eventBus, concrete(stack.region) ? stack.region : undefined);
    if (problem) problems.push(`eventBus: ${problem}`);
  }
  if (props.filterPattern !== undefined && concrete(props.filterPattern)) {
    const problem = filterPatternProblem(props.filterPattern);
    if (problem) problems.push(`filterPattern: ${problem}`);
  }
  for (const [key, emails] of [
    ['alertEmails', props.alertEmails],
    ['operatorEmails', props.operatorEmails],
  ] as const) {
    for (const problem of emailListProblems((emails ?? []).filter(concrete))) problems.push(`${key}: ${problem}`);
  }
  if (props.emailMinSeverity !== undefined && !isSeverity(props.emailMinSeverity)) {
    problems.push(`emailMinSeverity: expected one of ${SEVERITIES.join(', ')}, got ${show(props.emailMinSeverity)}`);
  }
  if (props.chatbot) {
    const { slackWorkspaceId, slackChannelId } = props.chatbot;
    const workspace = concrete(slackWorkspaceId) ? slackWorkspaceIdProblem(slackWorkspaceId) : undefined;
    const channel = concrete(slackChannelId) ? slackChannelIdProblem(slackChannelId) : undefined;
    if (workspace) problems.push(`chatbot.slackWorkspaceId: ${workspace}`);
    if (channel) problems.push(`chatbot.slackChannelId: ${channel}`);
    if (concrete(stack.region) && partitionOfRegion(stack.region) !== 'aws') {
      problems.push(`chatbot: AWS Chatbot does not exist in ${stack.region}; use slackWebhookSecretName there instead`);
    }
  }
  if (props.slackWebhookSecretName !== undefined && concrete(props.slackWebhookSecretName)) {
    const problem = secretNameProblem(props.slackWebhookSecretName);
    if (problem) problems.push(`slackWebhookSecretName: ${problem}`);
  }
  const memory = props.detectorMemorySize;
  if (memory !== undefined && !Token.isUnresolved(memory) && !(Number.isInteger(memory) && memory >= 128 && memory <= 10240)) {
    problems.push(`detectorMemorySize: expected an integer from 128 to 10240 (MB), got ${show(memory)}`);
  }
  const timeout = props.detectorTimeout;
  if (timeout && !timeout.isUnresolved() && (timeout.toSeconds() < 1 || timeout.toSeconds() > 900)) {
    problems.push(`detectorTimeout: expected 1 second to 15 minutes, got ${timeout.toHumanString()}`);
  }
  const shards = props.centralStreamShards;
  if (shards !== undefined && !Token.isUnresolved(shards)) {
    if (props.organizationId === undefined) problems.push('centralStreamShards: only for central mode (organizationId)');
    else if (!(Number.isInteger(shards) && shards >= 1 && shards <= 100)) {
      problems.push(`centralStreamShards: expected a whole number from 1 to 100, got ${show(shards)}`);
    }
  }
  const age = props.maxEventAge;
  if (age && !age.isUnresolved() && (age.toSeconds() < 60 || age.toSeconds() > 6 * 3600)) {
    problems.push(`maxEventAge: expected 1 minute to 6 hours, got ${age.toHumanString()}`);
  }
  problems.push(...incidentSettingProblems(props));
  if (props.suppressions?.some((s) => !Number.isFinite(s.expiresAt))) {
    problems.push('suppressions: every expiresAt must be a time in epoch milliseconds');
  } else if (props.suppressions !== undefined) {
    // Checked as the detector will read them: the same parser, on the variable's very text.
    const reread = parseSuppressionSpecs(JSON.parse(suppressionsJson(props.suppressions)));
    problems.push(...reread.problems.map((problem) => `suppressions: ${problem}`));
  }
  for (const cidr of props.internalNetworks ?? []) {
    if (Token.isUnresolved(cidr)) {
      problems.push('internalNetworks: expected CIDRs known at synth time, got a token');
      continue;
    }
    try {
      parseNetwork(cidr);
    } catch (error) {
      if (!(error instanceof InvalidNetworkError)) throw error;
      problems.push(`internalNetworks: ${error.message}`);
    }
  }
  return problems;
}

/** Alert memory's props: durations in whole minutes and counts within the runtime's ranges. */
function incidentSettingProblems(props: FtpBounceWatchProps): string[] {
  const problems: string[] = [];
  const L = INCIDENT_SETTING_LIMITS;
  for (const [key, duration, range] of [
    ['alertWindow', props.alertWindow, L.alertWindowMinutes],
    ['digestInterval', props.digestInterval, L.digestIntervalMinutes],
  ] as const) {
    if (!duration || duration.isUnresolved()) continue;
    const seconds = duration.toSeconds();
    if (seconds % 60 !== 0 || seconds / 60 < range.min || seconds / 60 > range.max) {
      problems.push(
        `${key}: expected whole minutes from ${formatMinutes(range.min)} to ${formatMinutes(range.max)}, got ${duration.toHumanString()}`,
      );
    }
  }
  if (props.lowSeverity !== undefined && !LOW_SEVERITY_MODES.includes(props.lowSeverity)) {
    problems.push(`lowSeverity: expected ${LOW_SEVERITY_MODES.join(' or ')}, got ${show(props.lowSeverity)}`);
  }
  for (const [key, value, range] of [
    ['maxNewIncidentsPerHour', props.maxNewIncidentsPerHour, L.maxNewIncidentsPerHour],
    ['scanPorts', props.scanPorts, L.scanPorts],
    ['scanHosts', props.scanHosts, L.scanHosts],
  ] as const) {
    if (value === undefined || Token.isUnresolved(value)) continue;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      problems.push(`${key}: expected a whole number from ${range.min} to ${range.max}, got ${show(value)}`);
    }
  }
  return problems;
}

/** The props' settings in the environment's units, defaults where unset (validateProps has checked them). */
function resolveIncidentSettings(props: FtpBounceWatchProps): IncidentSettingsConfig {
  const d = INCIDENT_SETTING_DEFAULTS;
  return {
    alertWindowMinutes: props.alertWindow?.toMinutes() ?? d.alertWindowMinutes,
    lowSeverity: props.lowSeverity ?? d.lowSeverity,
    digestIntervalMinutes: props.digestInterval?.toMinutes() ?? d.digestIntervalMinutes,
    maxNewIncidentsPerHour: props.maxNewIncidentsPerHour ?? d.maxNewIncidentsPerHour,
    scanPorts: props.scanPorts ?? d.scanPorts,
    scanHosts: props.scanHosts ?? d.scanHosts,
  };
}
