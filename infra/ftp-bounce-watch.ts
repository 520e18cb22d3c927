/**
 * FtpBounceWatch: the whole detection pipeline as one construct (docs/design.md section 1). Existing log groups (or, with
 * `accountWide`, every log group) are subscribed to the detector function, which publishes alerts to an encrypted
 * SNS topic; email, AWS Chatbot and a Slack webhook forwarder hang off that topic; alarms watch the machinery itself.
 */
import * as path from 'node:path';
import {
  ArnFormat,
  Aws,
  CfnRule,
  Duration,
  Fn,
  NestedStack,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
  aws_chatbot as chatbot,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_destinations as destinations,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import type { Severity } from '../lambda/detector';
import { InvalidNetworkError, parseNetwork } from '../lambda/detector/networks';
import {
  DETECTOR_ENTRY,
  DETECTOR_HANDLER,
  FORWARDER_ENTRY,
  FORWARDER_HANDLER,
  KINESIS_DETECTOR_ENTRY,
  LAMBDA_ESBUILD_OPTIONS,
  LAMBDA_NODE_OPTIONS,
  PROJECT_ROOT,
  SWEEP_ENTRY,
  SWEEP_HANDLER,
} from './bundling-options';
import { CentralIntake } from './central-intake';
import { ACCOUNT_POLICY_NAME, DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME, subscriptionFilterName } from './filter-pattern';
import { RUNBOOKS } from './runbooks';
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
  emailListProblems,
  filterPatternProblem,
  isSeverity,
  parseLogGroup,
  partitionOfRegion,
  SEVERITIES,
  secretNameProblem,
  severitiesAtOrAbove,
  show,
  slackChannelIdProblem,
  slackWorkspaceIdProblem,
} from './validation';

/** An AWS Chatbot Slack channel. The workspace must first be authorised once in the AWS Chatbot console. */
export interface ChatbotSlackChannel {
  /** The Slack workspace (team) ID shown in the AWS Chatbot console, e.g. `T0123ABCD`. */
  readonly slackWorkspaceId: string;
  /** The Slack channel ID, e.g. `C0123ABCD` (channel details, bottom of the About tab). */
  readonly slackChannelId: string;
}

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

// The async invocation retries Lambda makes before an event goes to the failure destination (the maximum is 2).
const ASYNC_RETRY_ATTEMPTS = 2;
const ALARM_PERIOD = Duration.minutes(5);
const FAILURE_BUCKET_METRICS_ID = 'FailedInvocations';

/**
 * A CloudWatch Metrics Insights query summing a CloudWatch Logs delivery metric over every subscription of ours:
 * per-group filters share a name per stack (at most 17 names: filter-pattern.ts), the account-level policy has the
 * main stack's, so one alarm covers thousands of log groups without one alarm (or one metric) per group.
 */
export function logsDeliveryQuery(
  metricName: 'DeliveryErrors' | 'DeliveryThrottling',
  filterNames: readonly string[] = [SUBSCRIPTION_FILTER_NAME],
): string {
  const names = [...new Set([...filterNames, ACCOUNT_POLICY_NAME])].map((n) => `FilterName = '${n}'`);
  return `SELECT SUM(${metricName}) FROM "AWS/Logs" WHERE ${names.join(' OR ')}`;
}
/** Every action a topic policy can name (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html). */
const TOPIC_ACTIONS = [
  'AddPermission',
  'DeleteTopic',
  'GetTopicAttributes',
  'ListSubscriptionsByTopic',
  'Publish',
  'RemovePermission',
  'SetTopicAttributes',
  'Subscribe',
] as const;
/** Up to this many log groups, their filters sit in the main stack (about 70 resources of its own). */
export const INLINE_SUBSCRIPTION_LIMIT = 100;
/** Beyond it, the filters are spread over this many nested stacks, by a hash of the log group's name. */
export const SUBSCRIPTION_SHARDS = 16;
/** A nested stack's filters, kept well below CloudFormation's 500 resources per stack. */
export const MAX_FILTERS_PER_NESTED_STACK = 450;
/** Central mode: how far behind the stream the detector may fall before the operators hear of it. */
const CENTRAL_ITERATOR_AGE_ALARM = Duration.minutes(10);

/**
 * The incident table's schema, as `lambda/adapters/dynamodb-incident-store.ts` uses it: partition key `pk`, TTL
 * `expiresAt`, and the sparse `due` index the sweep queries (only records with something due carry its keys).
 */
export const INCIDENT_TABLE_SCHEMA = {
  partitionKey: 'pk',
  timeToLiveAttribute: 'expiresAt',
  dueIndexName: 'due',
  dueIndexPartitionKey: 'dueShard',
  dueIndexSortKey: 'dueAt',
} as const;

/**
 * The DynamoDB actions each function's code sends (the store adapter's calls, by caller), and nothing else: no
 * Scan, no DeleteItem, no table management. Detector: load (BatchGetItem), the flood guard's counter (GetItem,
 * UpdateItem), conditional saves (PutItem). Sweep: the due index (Query), load and the digests' sent-markers
 * (BatchGetItem), saves (PutItem), marking digests sent (BatchWriteItem).
 */
export const DETECTOR_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;
export const SWEEP_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem'] as const;
export const SWEEP_INDEX_ACTIONS = ['dynamodb:Query'] as const;

/**
 * The sweep's schedule: a window's update goes out within this long after the window ends (docs/design.md section 8).
 * Its timeout stays well below it, so with a reserved concurrency of 1 two sweeps never overlap.
 */
const SWEEP_PERIOD = Duration.minutes(5);

/** The functions' Powertools service name and metrics namespace (the metrics carry `service` as a dimension). */
const SERVICE_NAME = 'ftp-bounce-watch';
const METRICS_NAMESPACE = 'FtpBounceWatch';
/** The detector's count of batches whose alerts went out unsuppressed because the incident table failed. */
export const STATE_STORE_UNAVAILABLE_METRIC = 'StateStoreUnavailable';
const SWEEP_TIMEOUT = Duration.minutes(2);

export class FtpBounceWatch extends Construct {
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
  /**
   * Where a batch lands when the detector failed on it after every retry, whole (an S3 object per failed
   * invocation: the record with its payload, up to the largest asynchronous invocation; an SQS message of 1 MiB
   * could not hold a 1 MB payload with its context, and Lambda would drop the payload). Encrypted, TLS-only,
   * objects expire after `failureRetention`.
   */
  public readonly failureBucket: s3.Bucket;
  /**
   * The dead-letter queue of the email subscriptions (alert and operator topics): notifications SNS gave up
   * delivering. Also fit for any function's on-failure destination whose events are SNS-sized.
   */
  public readonly failureQueue: sqs.Queue;
  /** One per watched log group (empty when account-wide). */
  public readonly subscriptionFilters: readonly logs.SubscriptionFilter[];
  /**
   * The nested stacks holding the subscription filters when there are more than `INLINE_SUBSCRIPTION_LIMIT` log
   * groups (empty otherwise): each holds at most `MAX_FILTERS_PER_NESTED_STACK`, far below CloudFormation's 500.
   */
  public readonly subscriptionStacks: readonly NestedStack[];
  /**
   * The one permission letting CloudWatch Logs of this account invoke the detector for any of its log groups (per
   * log group mode): one statement whatever the number of groups, so the function's 20 KB policy never overflows.
   */
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
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const maxEventAge = props.maxEventAge ?? Duration.hours(6);
    const filterPattern = props.filterPattern ?? DEFAULT_FILTER_PATTERN;
    const incidentSettings = resolveIncidentSettings(props);
    const central = props.organizationId !== undefined;

    // ---- Topics ------------------------------------------------------------------------------------------------
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'FtpBounceWatch: encrypts the alert and operator SNS topics and the incident table',
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch alarms publish to the (encrypted) operator topic as the service, so the key policy must let it use
    // the key; the functions get their KMS permissions through their roles. Only this account's alarms may
    // (confused-deputy protection, as on the topic policy below).
    const thisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: thisAccountsAlarms,
      }),
    );

    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'FTP bounce watch',
      masterKey: this.key,
      enforceSSL: true,
      // SHA256 signatures for subscribers (HTTPS endpoints, Chatbot) that verify them.
      signatureVersion: '2',
    });
    this.operatorTopic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'FTP bounce watch operations',
      masterKey: this.key,
      enforceSSL: true,
      signatureVersion: '2',
    });
    this.operatorTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operatorTopic.topicArn],
        // Only alarms of this account (confused-deputy protection).
        conditions: thisAccountsAlarms,
      }),
    );
    // `enforceSSL` denies only sns:Publish without TLS; subscribing, reading or changing the topic in clear text
    // must be refused too.
    for (const topic of [this.alertTopic, this.operatorTopic]) {
      topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyEveryActionWithoutTls',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: TOPIC_ACTIONS.map((action) => `sns:${action}`),
          resources: [topic.topicArn],
          conditions: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }

    const emailFilter =
      props.emailMinSeverity && props.emailMinSeverity !== SEVERITIES[0]
        ? {
            severity: sns.SubscriptionFilter.stringFilter({ allowlist: severitiesAtOrAbove(props.emailMinSeverity) }),
          }
        : undefined;
    // What SNS could not deliver to an email address (after its own retries) is kept here, not dropped.
    this.failureQueue = this.newFailureQueue('DetectorFailureQueue', removalPolicy);
    for (const email of props.alertEmails ?? []) {
      this.alertTopic.addSubscription(
        new subscriptions.EmailSubscription(email, {
          deadLetterQueue: this.failureQueue,
          ...(emailFilter && { filterPolicy: emailFilter }),
        }),
      );
    }
    for (const email of props.operatorEmails ?? props.alertEmails ?? []) {
      this.operatorTopic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue: this.failureQueue }));
    }

    // ---- Alert memory ------------------------------------------------------------------------------------------
    this.incidentTable = new dynamodb.Table(this, 'IncidentTable', {
      partitionKey: { name: INCIDENT_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      // Traffic follows attacks and floods: on-demand costs nothing while quiet and never throttles a burst.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: INCIDENT_TABLE_SCHEMA.timeToLiveAttribute,
      removalPolicy,
    });
    this.incidentTable.addGlobalSecondaryIndex({
      indexName: INCIDENT_TABLE_SCHEMA.dueIndexName,
      partitionKey: { name: INCIDENT_TABLE_SCHEMA.dueIndexPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: INCIDENT_TABLE_SCHEMA.dueIndexSortKey, type: dynamodb.AttributeType.NUMBER },
      // Keys only: the sweep reads the records themselves (strongly consistent); the index costs 1 WCU a change.
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    // What both functions need to publish alerts and remember incidents.
    const internalNetworks = (props.internalNetworks ?? []).map((cidr) => parseNetwork(cidr).cidr);
    const alertEnvironment = {
      ALERT_TOPIC_ARN: this.alertTopic.topicArn,
      ...(internalNetworks.length > 0 && { INTERNAL_NETWORKS: internalNetworks.join(',') }),
      INCIDENT_TABLE_NAME: this.incidentTable.tableName,
      ...incidentEnvironment(incidentSettings),
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
    };

    // ---- Detector ----------------------------------------------------------------------------------------------
    this.failureBucket = new s3.Bucket(this, 'DetectorFailureBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireFailedInvocations', expiration: props.failureRetention ?? Duration.days(30) }],
      // CloudWatch request metrics: every failed invocation written here is a PutRequest, which the alarm counts.
      metrics: [{ id: FAILURE_BUCKET_METRICS_ID }],
      removalPolicy,
    });
    this.detectorLogGroup = new logs.LogGroup(this, 'DetectorLogGroup', { retention, removalPolicy });
    const detectorRole = this.newFunctionRole('DetectorRole', this.detectorLogGroup);
    detectorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.alertTopic.topicArn] }),
    );
    // Exactly what SNS needs to encrypt a published message (no `GenerateDataKey*` wildcard).
    this.key.grant(detectorRole, 'kms:GenerateDataKey', 'kms:Decrypt');

    this.detector = new nodejs.NodejsFunction(this, 'Detector', {
      description: 'FtpBounceWatch: finds proftpd PORT/EPRT refusals (rule 11209) and publishes alerts',
      ...lambdaBase(central ? KINESIS_DETECTOR_ENTRY : DETECTOR_ENTRY, DETECTOR_HANDLER),
      role: detectorRole,
      logGroup: this.detectorLogGroup,
      // Why 512 MB: measured with the deployed bundle (`npm run bench`, docs/performance.md), the largest
      // asynchronous payload (1 MB of base64) peaks at 110 MB RSS for ordinary syslog and at 237 MB for the worst
      // valid case (95,787 near-identical refusals, 22.6 MB of JSON); 256 MB would risk running out of memory on
      // exactly the flood that matters most. 512 MB gives 2x headroom, and on Lambda CPU share grows with memory.
      // Why 60 s: a batch takes well under a second; the rest covers SNS PublishBatch retries with backoff.
      memorySize: props.detectorMemorySize ?? 512,
      timeout: props.detectorTimeout ?? Duration.seconds(60),
      environment: alertEnvironment,
      // Central: the event source mapping retries and keeps failed records itself (CentralIntake).
      ...(!central && {
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
        maxEventAge,
        onFailure: new FailureBucketDestination(this.failureBucket),
      }),
    });
    if (props.organizationId !== undefined) {
      this.centralIntake = new CentralIntake(this, 'Central', {
        organizationId: props.organizationId,
        detector: this.detector,
        failureQueue: this.failureQueue,
        removalPolicy,
      });
    }
    this.grantIncidentTable(detectorRole, DETECTOR_TABLE_ACTIONS, []);

    // ---- Sweep -------------------------------------------------------------------------------------------------
    this.sweepLogGroup = new logs.LogGroup(this, 'SweepLogGroup', { retention, removalPolicy });
    const sweepRole = this.newFunctionRole('SweepRole', this.sweepLogGroup);
    sweepRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.alertTopic.topicArn] }),
    );
    this.key.grant(sweepRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.grantIncidentTable(sweepRole, SWEEP_TABLE_ACTIONS, SWEEP_INDEX_ACTIONS);
    this.sweepFunction = new nodejs.NodejsFunction(this, 'Sweep', {
      description: 'FtpBounceWatch: ends incident windows with one update, sends digests and messages left unsent',
      ...lambdaBase(SWEEP_ENTRY, SWEEP_HANDLER),
      role: sweepRole,
      logGroup: this.sweepLogGroup,
      // Why 512 MB and 2 minutes: a sweep normally handles a few records in about a second, but one run may take up
      // to 5,000 due records (the runtime's cap), each a conditional write, and hold their states until it
      // publishes. The timeout stays below the 5-minute schedule so runs never overlap.
      memorySize: 512,
      timeout: SWEEP_TIMEOUT,
      // One sweep at a time: the runtime relies on it (two sweeps would race for the same due records).
      reservedConcurrentExecutions: 1,
      environment: alertEnvironment,
      // The next scheduled run is the retry: a failed sweep leaves its work due, so nothing is lost, and an event
      // older than one period is superseded by the next one.
      retryAttempts: 0,
      maxEventAge: SWEEP_PERIOD.minus(Duration.minutes(1)),
    });
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'FtpBounceWatch: runs the incident sweep (window ends, updates, digests)',
      schedule: events.Schedule.rate(SWEEP_PERIOD),
      targets: [new eventsTargets.LambdaFunction(this.sweepFunction, { retryAttempts: 2 })],
    });

    // ---- Log sources -------------------------------------------------------------------------------------------
    const watched = this.addSubscriptionFilters(stack, props.logGroups ?? [], filterPattern);
    this.subscriptionFilters = watched.filters;
    this.subscriptionStacks = watched.shards;
    if (watched.permission) this.logsInvokePermission = watched.permission;
    this.assertArnsMatchDeployment(props, stack);

    // ---- Slack -------------------------------------------------------------------------------------------------
    if (props.slackWebhookSecretName !== undefined) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, 'SlackWebhookSecret', props.slackWebhookSecretName);
      this.slackForwarderFailureQueue = this.newFailureQueue('SlackForwarderFailureQueue', removalPolicy);
      this.slackForwarderLogGroup = new logs.LogGroup(this, 'SlackForwarderLogGroup', { retention, removalPolicy });
      const role = this.newFunctionRole('SlackForwarderRole', this.slackForwarderLogGroup);
      secret.grantRead(role);
      this.slackForwarder = new nodejs.NodejsFunction(this, 'SlackForwarder', {
        description: 'FtpBounceWatch: posts alerts to a Slack incoming webhook',
        ...lambdaBase(FORWARDER_ENTRY, FORWARDER_HANDLER),
        role,
        logGroup: this.slackForwarderLogGroup,
        // One small JSON message per invocation; the time is spent waiting on Slack (bounded retries inside).
        memorySize: 128,
        timeout: Duration.seconds(30),
        environment: {
          SLACK_WEBHOOK_SECRET_NAME: props.slackWebhookSecretName,
          POWERTOOLS_SERVICE_NAME: 'ftp-bounce-watch-slack',
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        },
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
        maxEventAge,
        // A queue suffices here: the event is one SNS notification (at most 256 KiB of alert JSON, escaped at most
        // 2x inside the SNS envelope of about 2 KB), so the failure record stays well under SQS's 1 MiB.
        onFailure: new destinations.SqsDestination(this.slackForwarderFailureQueue),
      });
      // The dead-letter queue catches what SNS itself could not hand to Lambda; the on-failure destination what the
      // function could not post. Either way the alert is kept.
      this.alertTopic.addSubscription(
        new subscriptions.LambdaSubscription(this.slackForwarder, { deadLetterQueue: this.slackForwarderFailureQueue }),
      );
    }

    // ---- Account-wide policy -----------------------------------------------------------------------------------
    if (props.accountWide) {
      this.accountPolicy = this.addAccountPolicy(stack, filterPattern, props.chatbot);
    }

    // ---- Alarms ------------------------------------------------------------------------------------------------
    const sum = { period: ALARM_PERIOD, statistic: 'Sum' } as const;
    const alarms: cloudwatch.Alarm[] = [
      this.newAlarm('DetectorErrorsAlarm', this.detector.metricErrors(sum), RUNBOOKS.detectorErrors),
      this.newAlarm('DetectorThrottlesAlarm', this.detector.metricThrottles(sum), RUNBOOKS.detectorThrottles),
      this.newAlarm('DetectorEventsDroppedAlarm', this.detector.metric('AsyncEventsDropped', sum), RUNBOOKS.eventsDropped),
      this.newAlarm(
        'DetectorFailureDestinationAlarm',
        this.detector.metric('DestinationDeliveryFailures', sum),
        RUNBOOKS.destinationFailures,
      ),
      this.newAlarm(
        'DetectorFailureBucketAlarm',
        new cloudwatch.Metric({
          namespace: 'AWS/S3',
          metricName: 'PutRequests',
          dimensionsMap: { BucketName: this.failureBucket.bucketName, FilterId: FAILURE_BUCKET_METRICS_ID },
          ...sum,
        }),
        RUNBOOKS.failureBucket,
      ),
      this.newQueueAlarm('DetectorFailureQueueAlarm', this.failureQueue, RUNBOOKS.failureQueue),
      // Losses before our code runs: CloudWatch Logs could not invoke the detector (it then pauses delivery and
      // skips events). One query over every filter and the account policy of this name, however many groups.
      ...(['DeliveryErrors', 'DeliveryThrottling'] as const).map((metricName) =>
        this.newAlarm(
          `Logs${metricName}Alarm`,
          new cloudwatch.MathExpression({
            expression: logsDeliveryQuery(metricName, watched.filterNames),
            period: ALARM_PERIOD,
            label: `${metricName} of the ${SUBSCRIPTION_FILTER_NAME} subscriptions`,
          }),
          RUNBOOKS[metricName === 'DeliveryErrors' ? 'logsDeliveryErrors' : 'logsDeliveryThrottling'],
        )),
      this.newAlarm(
        'AlertTopicNotificationsFailedAlarm',
        this.alertTopic.metricNumberOfNotificationsFailed(sum),
        RUNBOOKS.notificationsFailed,
      ),
      this.newAlarm(
        'SweepErrorsAlarm',
        this.sweepFunction.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
        RUNBOOKS.sweepErrors,
      ),
      this.newAlarm(
        'SweepThrottlesAlarm',
        this.sweepFunction.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }),
        RUNBOOKS.sweepThrottles,
      ),
      this.newMissedRunsAlarm(),
      this.newAlarm(
        'AlertMemoryUnavailableAlarm',
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: STATE_STORE_UNAVAILABLE_METRIC,
          dimensionsMap: { service: SERVICE_NAME },
          period: ALARM_PERIOD,
          statistic: 'Sum',
        }),
        RUNBOOKS.alertMemoryUnavailable,
      ),
    ];
    if (this.centralIntake) {
      alarms.push(
        this.wireAlarm(
          new cloudwatch.Alarm(this, 'CentralIteratorAgeAlarm', {
            metric: this.detector.metric('IteratorAge', { period: ALARM_PERIOD, statistic: 'Maximum' }),
            alarmDescription:
              'The FtpBounceWatch detector is more than 10 minutes behind the central stream: alerts are late. Check '
              + 'detector errors, throttles and duration.',
            threshold: CENTRAL_ITERATOR_AGE_ALARM.toMilliseconds(),
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
        ),
        this.newAlarm(
          'CentralRecordFailuresAlarm',
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'KinesisRecordFailures',
            dimensionsMap: { service: SERVICE_NAME },
            period: ALARM_PERIOD,
            statistic: 'Sum',
          }),
          'The FtpBounceWatch detector reported a central stream record as failed: Lambda retries it, then describes '
          + 'it in the failure queue. Check the detector log group.',
        ),
      );
    }
    if (this.slackForwarder && this.slackForwarderFailureQueue) {
      alarms.push(
        this.newAlarm('SlackForwarderErrorsAlarm', this.slackForwarder.metricErrors(sum), RUNBOOKS.forwarderErrors),
        this.newQueueAlarm('SlackForwarderFailureQueueAlarm', this.slackForwarderFailureQueue, RUNBOOKS.forwarderQueue),
      );
    }
    this.alarms = alarms;

    // ---- Chatbot -----------------------------------------------------------------------------------------------
    if (props.chatbot) {
      this.chatbotChannel = this.addChatbot(stack, props.chatbot, alarms);
    }

    this.acknowledgeNagFindings();
  }

  private newFailureQueue(id: string, removalPolicy: RemovalPolicy): sqs.Queue {
    return new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // The longest SQS allows: time to notice the alarm, fix the cause and redrive.
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
  }

  /** A role that can write to its own log group and nothing else yet (no AWS managed policy with `*` resources). */
  private newFunctionRole(id: string, logGroup: logs.LogGroup): iam.Role {
    const role = new iam.Role(this, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return role;
  }

  /**
   * One filter per log group, all sending to the detector under one account-wide invoke permission. Up to
   * `INLINE_SUBSCRIPTION_LIMIT` groups the filters sit in this stack; beyond, in `SUBSCRIPTION_SHARDS` nested
   * stacks, each group's shard chosen by a hash of its name, so adding or removing a group never moves another one.
   * Crossing the limit (either way) moves every filter to another stack: a new resource, which CloudFormation creates
   * before it deletes the old one. The filter's name therefore names its stack (`subscriptionFilterName`): the new
   * filter takes the group's other slot for the length of the update, and deleting the old one leaves it in place.
   * A name shared by both would be one filter, updated in place and then deleted: the group silently unsubscribed.
   */
  private addSubscriptionFilters(
    stack: Stack,
    sources: ReadonlyArray<string | logs.ILogGroup>,
    filterPattern: string,
  ): { filters: logs.SubscriptionFilter[]; shards: NestedStack[]; filterNames: string[]; permission?: lambda.CfnPermission } {
    if (sources.length === 0) return { filters: [], shards: [], filterNames: [] };
    const permission = new lambda.CfnPermission(this, 'LogsInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: this.detector.functionArn,
      principal: 'logs.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
    });
    const destination = new DetectorDestination(this.detector.functionArn);
    const shards = new Map<number, NestedStack>();
    const sharded = sources.length > INLINE_SUBSCRIPTION_LIMIT;
    const shardOf = (index: number): Construct => {
      let shard = shards.get(index);
      if (!shard) {
        shard = new NestedStack(this, `Subscriptions${index}`, {
          description: `ftp-bounce-watch: subscription filters, shard ${index} of ${SUBSCRIPTION_SHARDS}`,
        });
        shards.set(index, shard);
      }
      return shard;
    };
    const filters: logs.SubscriptionFilter[] = [];
    for (const source of sources) {
      const key = logGroupKey(source);
      const index = sharded ? Number.parseInt(shortHash(key).slice(0, 8), 16) % SUBSCRIPTION_SHARDS : undefined;
      const scope = index === undefined ? this : shardOf(index);
      // The construct id derives from the log group, not its position, so reordering the list never replaces (and
      // thereby deletes, since the name is shared) a live filter.
      const filter = new logs.SubscriptionFilter(scope, `Subscription${shortHash(key)}`, {
        logGroup: importLogGroup(scope, source),
        destination,
        filterPattern: logs.FilterPattern.literal(filterPattern),
        filterName: subscriptionFilterName(index),
      });
      // CloudWatch Logs checks that it may invoke the destination when the filter is created.
      filter.node.addDependency(permission);
      filters.push(filter);
    }
    const crowded = [...shards.entries()]
      .map(([index, shard]) => ({ index, count: shard.node.children.filter((c) => c instanceof logs.SubscriptionFilter).length }))
      .filter(({ count }) => count > MAX_FILTERS_PER_NESTED_STACK);
    if (crowded.length > 0) {
      throw new FtpBounceWatchPropsError([
        `logGroups: ${sources.length} log groups put ${crowded.map((c) => c.count).join(', ')} filters in one nested stack `
        + `(at most ${MAX_FILTERS_PER_NESTED_STACK}); watch that many through accountWide instead`,
      ]);
    }
    const filterNames = sharded
      ? [...shards.keys()].sort((a, b) => a - b).map((i) => subscriptionFilterName(i))
      : [subscriptionFilterName()];
    return { filters, shards: [...shards.values()], filterNames, permission };
  }

  /**
   * Subscriptions cannot cross accounts or Regions. When the stack's environment is known, validateProps already
   * compared; when it is not (an environment-agnostic synth), CloudFormation checks at deploy time instead.
   */
  private assertArnsMatchDeployment(props: FtpBounceWatchProps, stack: Stack): void {
    const arns = (props.logGroups ?? []).flatMap((source) => {
      if (typeof source !== 'string') return [];
      const parsed = parseLogGroup(source);
      return 'ref' in parsed && parsed.ref.arn ? [parsed.ref.arn] : [];
    });
    const first = arns[0];
    if (!first || !(Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account))) return;
    new CfnRule(this, 'LogGroupArnsMatchDeployment', {
      assertions: [
        {
          assert: Fn.conditionAnd(
            Fn.conditionEquals(Aws.REGION, first.region),
            Fn.conditionEquals(Aws.ACCOUNT_ID, first.account),
          ),
          assertDescription: `The log group ARNs given to FtpBounceWatch are in account ${first.account}, Region ${first.region}: deploy the stack there (subscriptions cannot cross accounts or Regions).`,
        },
      ],
    });
  }

  private addAccountPolicy(
    stack: Stack,
    filterPattern: string,
    chatbotChannel: ChatbotSlackChannel | undefined,
  ): logs.CfnAccountPolicy {
    const permission = new lambda.CfnPermission(this, 'AccountPolicyInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: this.detector.functionArn,
      principal: 'logs.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
    });
    // Log groups whose events could contain alert text, which would feed the detector its own output forever.
    const excluded = [this.detectorLogGroup.logGroupName, this.sweepLogGroup.logGroupName];
    if (this.slackForwarderLogGroup) excluded.push(this.slackForwarderLogGroup.logGroupName);
    if (chatbotChannel) excluded.push(`/aws/chatbot/${this.chatbotConfigurationName(stack, chatbotChannel)}`);
    const policy = new logs.CfnAccountPolicy(this, 'AccountPolicy', {
      policyName: ACCOUNT_POLICY_NAME,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: stack.toJsonString({
        DestinationArn: this.detector.functionArn,
        FilterPattern: filterPattern,
        Distribution: 'Random',
      }),
      selectionCriteria: `LogGroupName NOT IN [${excluded.map((name) => `"${name}"`).join(', ')}]`,
    });
    // CloudWatch Logs checks that it may invoke the destination when the policy is created.
    policy.node.addDependency(permission);
    return policy;
  }

  private chatbotConfigurationName(stack: Stack, channel: ChatbotSlackChannel): string {
    // Chatbot is a global service: the name must be unique in the account, across Regions, hence the Region (a
    // token when the stack is environment-agnostic). Changing the workspace or channel replaces the configuration,
    // and CloudFormation creates the new one before deleting the old: the short hash of both gives it a new name,
    // so the two never collide. Allowed characters are letters, digits, - and _ (at most 128).
    const name = stack.stackName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 90);
    const channelHash = shortHash(`${channel.slackWorkspaceId}/${channel.slackChannelId}`).slice(0, 8);
    return `${name}-${stack.region}-${channelHash}`;
  }

  private addChatbot(
    stack: Stack,
    channel: ChatbotSlackChannel,
    alarms: readonly cloudwatch.Alarm[],
  ): chatbot.SlackChannelConfiguration {
    // The guardrail caps what the channel (and anyone typing commands in it) can do: read this stack's alarms, so
    // alarm notifications render; nothing else. Delivering SNS notifications needs no permission at all.
    const guardrail = new iam.ManagedPolicy(this, 'ChatbotGuardrail', {
      description: 'FtpBounceWatch: the most an AWS Chatbot channel may do (read this stack alarms)',
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: alarms.map((alarm) => alarm.alarmArn),
        }),
      ],
    });
    if (Token.isUnresolved(stack.region)) {
      // Environment-agnostic synth: the partition is only known at deploy time (validateProps checks a known one).
      new CfnRule(this, 'ChatbotOnlyInAwsPartition', {
        assertions: [
          {
            assert: Fn.conditionEquals(Aws.PARTITION, 'aws'),
            assertDescription:
              'AWS Chatbot exists only in the aws partition: deploy without slackWorkspaceId/slackChannelId (use '
              + 'slackWebhookSecretName) in GovCloud, China and the isolated partitions.',
          },
        ],
      });
    }
    const role = new iam.Role(this, 'ChatbotRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      managedPolicies: [guardrail],
    });
    return new chatbot.SlackChannelConfiguration(this, 'ChatbotChannel', {
      slackChannelConfigurationName: this.chatbotConfigurationName(stack, channel),
      slackWorkspaceId: channel.slackWorkspaceId,
      slackChannelId: channel.slackChannelId,
      notificationTopics: [this.alertTopic, this.operatorTopic],
      guardrailPolicies: [guardrail],
      role,
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
  }

  private newAlarm(id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm {
    return this.wireAlarm(
      new cloudwatch.Alarm(this, id, {
        metric,
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // No invocations means no datapoints, which is healthy.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );
  }

  /** No sweep ran for three periods: the schedule is disabled or broken, or every run was throttled or dropped. */
  private newMissedRunsAlarm(): cloudwatch.Alarm {
    // RUNBOOKS.sweepMissedRuns says 15 minutes: three periods of the 5-minute schedule.
    const periods = 3;
    return this.wireAlarm(
      new cloudwatch.Alarm(this, 'SweepMissedRunsAlarm', {
        metric: this.sweepFunction.metricInvocations({ period: SWEEP_PERIOD, statistic: 'Sum' }),
        alarmDescription: RUNBOOKS.sweepMissedRuns,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        // A sweep that never runs reports nothing at all: missing data is the failure itself.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );
  }

  /**
   * Least-privilege access to the incident table: the given actions on the table and on its `due` index, and the
   * use of the table's KMS key through DynamoDB only.
   */
  private grantIncidentTable(
    role: iam.Role,
    tableActions: readonly string[],
    indexActions: readonly string[],
  ): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...tableActions], resources: [this.incidentTable.tableArn] }),
    );
    if (indexActions.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...indexActions],
          resources: [`${this.incidentTable.tableArn}/index/${INCIDENT_TABLE_SCHEMA.dueIndexName}`],
        }),
      );
    }
    // DynamoDB decrypts the table key with the caller's credentials, and encrypts new data with it.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }

  private newQueueAlarm(id: string, queue: sqs.Queue, description: string): cloudwatch.Alarm {
    return this.wireAlarm(
      new cloudwatch.Alarm(this, id, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // SQS stops reporting idle queues; a gap must neither raise nor clear the alarm.
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      }),
    );
  }

  private wireAlarm(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    const action = new cloudwatchActions.SnsAction(this.operatorTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    return alarm;
  }

  /** cdk-nag AwsSolutions findings that are deliberate, each with its reason. */
  private acknowledgeNagFindings(): void {
    const stack = Stack.of(this);
    const bucketId = stack.resolve(stack.getLogicalId(this.failureBucket.node.defaultChild as s3.CfnBucket)) as string;
    Validations.of(this.detector.role ?? this.detector).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason:
        'Lambda names each failure record object itself (by date and request id), so the detector may s3:PutObject '
        + 'any key of its own failure bucket: write only, that one bucket.',
    });
    Validations.of(this.failureBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket only receives failed invocation records from the detector (write-only role) and is read by '
        + 'operators during an incident; CloudTrail records API access. A second, access-log bucket would itself '
        + 'need one, and would add cost and a resource to manage for no new evidence.',
    });
    const queues = [this.failureQueue, this.slackForwarderFailureQueue].filter((q) => q !== undefined);
    const deadLetterStore =
      'This queue is itself the dead-letter store: the on-failure destination of an asynchronous Lambda '
      + 'invocation. Nothing consumes it automatically; an alarm fires on any message and an operator redrives.';
    for (const queue of queues) {
      Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: deadLetterStore });
      Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: deadLetterStore });
    }
    const functions = [this.detector, this.slackForwarder].filter((f) => f !== undefined);
    for (const fn of functions) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'The function has an on-failure destination (the failure bucket or queue), which Lambda uses instead of a '
          + 'dead-letter queue and which keeps the error with the event.',
      });
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'Each invocation is one short, self-contained call (one SNS publish or one webhook post), already logged '
          + 'with its request id and counted in metrics; X-Ray would add a role permission on every resource and cost.',
      });
      // CDK makes the function depend on its role, which the role's GetAtt already implies; cfn-lint notes it.
      (fn.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', {
        config: { ignore_checks: ['W3005'] },
      });
    }
    // The sweep keeps nothing in its invocation: all it works on stays in the incident table, due until done.
    const sweepKeepsNothing =
      'A failed or missed sweep run loses nothing: the windows, digests and unsent messages it handles stay due in '
      + 'the incident table, and the next run (5 minutes later) takes them. Its errors, throttles and missed runs '
      + 'alarm to the operators; a dead-letter store would only hold empty schedule events.';
    Validations.of(this.sweepFunction).acknowledge({ id: 'Serverless-LambdaDLQ', reason: sweepKeepsNothing });
    Validations.of(this.sweepFunction).acknowledge({ id: 'Serverless-LambdaAsyncFailureDestination', reason: sweepKeepsNothing });
    Validations.of(this.sweepSchedule).acknowledge({ id: 'Serverless-EventBusDLQ', reason: sweepKeepsNothing });
    Validations.of(this.sweepFunction).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'One sweep is a few table reads and writes and at most a few publishes, logged with a summary line and '
        + 'counted in metrics; X-Ray would add a role permission and cost for no new evidence.',
    });
    (this.sweepFunction.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', {
      config: { ignore_checks: ['W3005'] },
    });
  }
}

/**
 * An S3 on-failure destination with only what Lambda needs to write a record (s3:PutObject on the objects,
 * s3:ListBucket on the bucket); `destinations.S3Destination` would grant read, delete and every `s3:Abort*`,
 * `s3:GetBucket*` and `s3:List*` action.
 */
class FailureBucketDestination implements lambda.IDestination {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    return { destination: this.bucket.bucketArn };
  }
}

/** NodejsFunction settings every function shares: runtime, architecture and the bundling of bundling-options.ts. */
function lambdaBase(entry: string, handler: string): nodejs.NodejsFunctionProps {
  return {
    entry,
    handler,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      minify: LAMBDA_ESBUILD_OPTIONS.minify,
      sourceMap: LAMBDA_ESBUILD_OPTIONS.sourcemap,
      target: LAMBDA_ESBUILD_OPTIONS.target,
      format: nodejs.OutputFormat.CJS,
      externalModules: [...LAMBDA_ESBUILD_OPTIONS.external],
      // Bundle with the esbuild in node_modules; never fall back to Docker (offline, and the same esbuild as the
      // benchmark).
      forceDockerBundling: false,
    },
  };
}

function importLogGroup(scope: Construct, source: string | logs.ILogGroup): logs.ILogGroup {
  if (typeof source !== 'string') return source;
  const id = `LogGroup${shortHash(source)}`;
  return source.startsWith('arn:')
    ? logs.LogGroup.fromLogGroupArn(scope, id, source)
    : logs.LogGroup.fromLogGroupName(scope, id, source);
}

/**
 * The detector as a subscription destination, without the per-log-group invoke permission `LambdaDestination` adds
 * (one statement per group overflows the function's 20 KB resource policy at about 50 groups): the construct's one
 * `log-group:*` permission covers them all.
 */
class DetectorDestination implements logs.ILogSubscriptionDestination {
  constructor(private readonly functionArn: string) {}
  bind(): logs.LogSubscriptionDestinationConfig {
    return { arn: this.functionArn };
  }
}

function logGroupKey(source: string | logs.ILogGroup): string {
  if (typeof source !== 'string') return source.node.path;
  const parsed = parseLogGroup(source);
  return 'ref' in parsed ? parsed.ref.name : source;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
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
  const age = props.maxEventAge;
  if (age && !age.isUnresolved() && (age.toSeconds() < 60 || age.toSeconds() > 6 * 3600)) {
    problems.push(`maxEventAge: expected 1 minute to 6 hours, got ${age.toHumanString()}`);
  }
  problems.push(...incidentSettingProblems(props));
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
