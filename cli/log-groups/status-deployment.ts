/**
 * `status`, beyond the log groups: what the deployment itself says is wrong. It finds the stack's resources by
 * its outputs (infra/deployment-names.ts, the keys the stack writes) and reports
 *   - email subscriptions still waiting for confirmation on the alert and operator topics (they receive nothing);
 *   - what waits in the places the deployment keeps failures: the email dead-letter queue (which also takes the
 *     Kinesis records the detector gave up on in central mode), the detector's failure bucket, the Slack
 *     forwarder's failure queue;
 *   - ERROR lines of the detector, the sweep and the forwarder over the last 24 hours.
 *
 * Verdict: a pending subscription or anything waiting in a failure store is a problem (an alert did not reach
 * someone, or a batch was set aside and waits for a person). Recent ERROR lines are a warning: the invocation
 * was retried, and what the retries could not save is counted in the failure stores above. A check that could
 * not run (access denied, a timeout) is named in one line and never hides the others.
 */
import { type CloudFormationClient, DescribeStacksCommand, type DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { STACK_OUTPUT_KEYS } from '../../infra/deployment-names';
import { DynamoDbIncidentStore } from '../../lambda/adapters/dynamodb-incident-store';
import { activeSuppressions, type Suppression } from '../../lambda/incidents';
import { SNS_TOPIC_ARN } from '../../lambda/aws-names';
import { type CallOptions, callAws } from '../aws/call';
import { type AwsCallContext, awsErrorShape, InterruptedError, oneLine } from '../aws/errors';
import { pages } from '../aws/pages';
import { cliDynamoTransport, storeCall } from '../oncall/dynamo-transport';
import { UsageError } from '../io';
import { cappedCount } from '../render/scan-text';
import { isoSeconds } from './time-range';

/** How far back `status` looks for ERROR lines. */
export const RECENT_ERRORS_WINDOW_MS = 24 * 60 * 60_000;
/** ERROR lines counted per function at most (the count is then a lower bound, "≥"). */
export const RECENT_ERRORS_CAP = 1_000;
/** FilterLogEvents pages read per function at most: a busy log group is scanned in many small pages. */
const RECENT_ERRORS_MAX_PAGES = 20;
/** The latest ERROR lines shown per function. */
export const LATEST_ERRORS_SHOWN = 3;
/** Objects counted in the failure bucket at most: one ListObjectsV2 page. */
export const FAILURE_BUCKET_CAP = 1_000;
/**
 * Narrows the search on the server; `isErrorLine` decides. Our functions log Powertools JSON (`"level":"ERROR"`);
 * the Lambda runtime writes uncaught errors as `<time>\t<request id>\tERROR\t...` and timeouts as `Task timed out`.
 */
export const ERROR_FILTER_PATTERN = '?ERROR ?"Task timed out"';
/**
 * SNS deletes a subscription left in PendingConfirmation after 48 hours (docs/operations.md cites the source); the
 * confirmation link's 3-day validity therefore never matters here.
 */
export const PENDING_SUBSCRIPTION_LIFETIME_MS = 48 * 60 * 60_000;

export type TopicRole = 'alert' | 'operator';

export interface TopicSubscriptions {
  readonly topic: TopicRole;
  readonly topicArn: string;
  /** Confirmed subscriptions of any protocol; null when the topic could not be read. */
  readonly confirmed: number | null;
  /** Endpoints (email addresses) of the subscriptions waiting for confirmation. */
  readonly pending: readonly string[];
  /**
   * The latest time SNS deletes the pending subscriptions (48 h after the stack's last deploy, which made them),
   * ISO-8601; null when nothing is pending or it cannot be known (`pendingNote` says why).
   */
  readonly pendingDeletedBy: string | null;
  /** One line on when SNS deletes the pending subscriptions; null when nothing is pending. */
  readonly pendingNote: string | null;
  /** Why the topic could not be read, one line; null when it was. */
  readonly error: string | null;
}

export type FailureStoreName = 'failure-queue' | 'failure-bucket' | 'slack-forwarder-failure-queue';

export interface FailureStore {
  readonly store: FailureStoreName;
  readonly kind: 'sqs-queue' | 's3-bucket';
  /** The queue URL, or s3://bucket. */
  readonly location: string;
  /** Messages (visible plus in flight) or objects; null when it could not be read. */
  readonly waiting: number | null;
  /** For a queue: the part of `waiting` received by someone and not yet deleted. */
  readonly inFlight: number | null;
  /** True when `waiting` is a lower bound (the bucket holds more than one listing page). */
  readonly capped: boolean;
  /** The newest object's time (bucket only), ISO-8601. */
  readonly newest: string | null;
  readonly error: string | null;
}

export type FunctionName = 'detector' | 'sweep' | 'slack-forwarder';

export interface ErrorLine {
  readonly time: string;
  /** One line, capped; untrusted text (it may quote log input), made terminal-safe when printed. */
  readonly message: string;
}

export interface RecentErrors {
  readonly function: FunctionName;
  readonly logGroup: string;
  readonly since: string;
  /** ERROR lines found; null when the log group could not be searched. */
  readonly count: number | null;
  /** True when the search stopped at the cap: `count` is a lower bound and `latest` may not be the very latest. */
  readonly capped: boolean;
  /** The latest few, newest first. */
  readonly latest: readonly ErrorLine[];
  readonly error: string | null;
}

/** The canary's last round trip in one log group (docs/design.md section 10), as the detector recorded it. */
export interface CanaryRoundTrip {
  readonly logGroup: string;
  /** When the canary function last wrote a canary there (ISO-8601); null when it never did. */
  readonly writtenAt: string | null;
  /** When the detector last proved one, and the write-to-detector time then. */
  readonly seenAt: string | null;
  readonly seenLatencyMs: number | null;
  /** When that canary reached the canary topic, and the write-to-SNS time. */
  readonly publishedAt: string | null;
  readonly publishLatencyMs: number | null;
  /**
   * When the canary function told the operator topic that this group's canary is overdue (ISO-8601); null when it
   * is not overdue, or came back since.
   */
  readonly overdueWarnedAt: string | null;
}

/** The table's active suppressions (`suppress list`), as `status` shows them. */
export interface SuppressionsSummary {
  readonly table: string;
  /** Active ones; null when the table could not be read. */
  readonly active: number | null;
  /** The first few, soonest to expire first. */
  readonly soonest: readonly Suppression[];
  readonly error: string | null;
}

/** Suppressions `status` lists by name; `suppress list` shows them all. */
export const SUPPRESSIONS_SHOWN = 3;

export interface DeploymentStatus {
  readonly stackName: string;
  /** False when no such stack exists in the Region (nothing else was checked). */
  readonly found: boolean;
  /** No problem found (warnings and unchecked parts aside). */
  readonly healthy: boolean;
  /** Each with what to do; any makes the exit status 1. */
  readonly problems: readonly string[];
  /** Worth acting on, not a verdict (recent errors). */
  readonly warnings: readonly string[];
  /** Checks that could not run, each with why (access denied, a timeout); exit status 2 when nothing else is wrong. */
  readonly unchecked: readonly string[];
  readonly notes: readonly string[];
  readonly subscriptions: readonly TopicSubscriptions[];
  readonly failureStores: readonly FailureStore[];
  readonly recentErrors: readonly RecentErrors[];
  /** Per log group with a canary record; empty when the table could not be read (a note says why). */
  readonly canaries: readonly CanaryRoundTrip[];
  /** Null when the stack names no table (an older deployment) or it was not asked for. */
  readonly suppressions?: SuppressionsSummary | null;
}

export interface DeploymentCheck {
  readonly stackName: string;
  /** True when the user named the stack: then a missing stack is an error, not a note. */
  readonly stackNamed: boolean;
  readonly region: string;
  readonly now: number;
  readonly call: CallOptions;
  readonly logs: CloudWatchLogsClient;
  readonly cloudFormation: () => CloudFormationClient;
  readonly sns: (region: string) => SNSClient;
  readonly sqs: () => SQSClient;
  readonly s3: () => S3Client;
  /** The log groups whose canary round trips to read (with `dynamodb`); the canary's own group is added. */
  readonly logGroups?: readonly string[];
  /** The alert-memory table's client, for its suppressions and the canary's round trips; absent: not checked. */
  readonly dynamodb?: () => DynamoDBClient;
}

async function suppressionsSummary(
  table: string,
  dynamodb: () => DynamoDBClient,
  check: DeploymentCheck,
): Promise<SuppressionsSummary> {
  const outcome = await attempt(async () => {
    const client = dynamodb();
    const store = new DynamoDbIncidentStore(client, table, { send: cliDynamoTransport(client, table, check.region, check.call) });
    return (await storeCall(table, () => store.loadSuppressions())).suppressions;
  });
  if (outcome.error !== undefined) return { table, active: null, soonest: [], error: outcome.error };
  const active = activeSuppressions(outcome.value, check.now);
  return { table, active: active.length, soonest: active.slice(0, SUPPRESSIONS_SHOWN), error: null };
}

export interface PendingDeletion {
  /** ISO-8601, or null when unknown. */
  readonly deletedBy: string | null;
  readonly note: string;
}

/** Why the time SNS deletes a pending subscription cannot be known, beside the rule (`pendingDeletion`). */
const PENDING_UNKNOWN = {
  noDeployTime: 'when SNS deletes them is not known (the stack reports no deploy time); at most 48 h after they were made',
  madeSinceDeploy: (deployed: string) =>
    `when SNS deletes them is not known: the stack's last deploy (${deployed}) is over 48 h ago, so they were made `
    + 'since (by aws sns subscribe, or SNS set a subscription back to pending); at most 48 h after that',
} as const;

/**
 * ListSubscriptionsByTopic gives no creation time for a pending subscription. CloudFormation makes email
 * subscriptions during a deploy, so the stack's last deploy (LastUpdatedTime, else CreationTime) bounds when they
 * were made, and 48 h after it bounds when SNS deletes them. A deploy over 48 h ago means they were made since.
 */
export function pendingDeletion(lastDeploy: number | undefined, now: number): PendingDeletion {
  if (lastDeploy === undefined) return { deletedBy: null, note: PENDING_UNKNOWN.noDeployTime };
  const deployed = isoSeconds(new Date(lastDeploy).toISOString());
  const deadline = lastDeploy + PENDING_SUBSCRIPTION_LIFETIME_MS;
  if (deadline <= now) return { deletedBy: null, note: PENDING_UNKNOWN.madeSinceDeploy(deployed) };
  const deletedBy = new Date(deadline).toISOString();
  const hours = Math.floor((deadline - now) / 3_600_000);
  const left = hours === 0 ? `${Math.max(1, Math.ceil((deadline - now) / 60_000))} min` : `${hours} h`;
  return {
    deletedBy,
    note: `SNS deletes them at the latest ${isoSeconds(deletedBy)} (in ${left}; 48 h after the stack's last deploy at ${deployed})`,
  };
}

/** The stack is not there; raised only when the user named it. */
export class StackNotFoundError extends UsageError {
  override readonly name: string = 'StackNotFoundError';
}

type Outcome<T> = { readonly value: T; readonly error?: undefined } | { readonly error: string };

/** An AWS failure that is no bug becomes one line; Ctrl-C and bugs still stop the run. */
async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { value: await run() };
  } catch (error) {
    if (error instanceof InterruptedError || !(error instanceof UsageError)) throw error;
    return { error: error.message };
  }
}

export interface StackFacts {
  readonly outputs: Map<string, string>;
  /** LastUpdatedTime, else CreationTime, in milliseconds; undefined when the stack reports neither. */
  readonly lastDeploy: number | undefined;
}

function stackFacts(check: DeploymentCheck): Promise<StackFacts | undefined> {
  return describeStack(check.stackName, check.region, check.cloudFormation(), check.call);
}

/** The stack's outputs and last deploy; undefined when no such stack exists in the Region. */
export async function describeStack(
  stackName: string,
  region: string,
  client: CloudFormationClient,
  call: CallOptions,
): Promise<StackFacts | undefined> {
  const context: AwsCallContext = {
    operation: 'DescribeStacks',
    region,
    service: 'CloudFormation',
    permission: 'cloudformation:DescribeStacks',
    resource: `stack ${JSON.stringify(stackName)}`,
  };
  const request = new DescribeStacksCommand({ StackName: stackName });
  const page = await callAws(
    context,
    async (abortSignal): Promise<DescribeStacksCommandOutput | undefined> => {
      try {
        return await client.send(request, { abortSignal });
      } catch (error) {
        // CloudFormation answers a missing stack with a ValidationError; that is an answer, not a failure.
        const shape = awsErrorShape(error);
        if (shape.name === 'ValidationError' && /does not exist/i.test(shape.message)) return undefined;
        throw error;
      }
    },
    call,
  );
  const stack = page?.Stacks?.[0];
  if (stack === undefined) return undefined;
  const outputs = new Map<string, string>();
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined) outputs.set(output.OutputKey, output.OutputValue);
  }
  return { outputs, lastDeploy: (stack.LastUpdatedTime ?? stack.CreationTime)?.getTime() };
}

async function topicSubscriptions(
  topic: TopicRole,
  topicArn: string,
  lastDeploy: number | undefined,
  check: DeploymentCheck,
): Promise<TopicSubscriptions> {
  const region = SNS_TOPIC_ARN.exec(topicArn)?.[1] ?? check.region; // the topic's Region, else the run's
  const context: AwsCallContext = {
    operation: 'ListSubscriptionsByTopic',
    region,
    service: 'SNS',
    permission: 'sns:ListSubscriptionsByTopic',
    resource: `topic ${topicArn}`,
  };
  const outcome = await attempt(async () => {
    const client = check.sns(region);
    let confirmed = 0;
    const pending: string[] = [];
    const listing = pages(async (nextToken) => {
      const request = new ListSubscriptionsByTopicCommand({
        TopicArn: topicArn,
        ...(nextToken !== undefined && { NextToken: nextToken }),
      });
      const page = await callAws(context, (abortSignal) => client.send(request, { abortSignal }), check.call);
      return { ...page, nextToken: page.NextToken };
    });
    for await (const page of listing) {
      for (const subscription of page.Subscriptions ?? []) {
        if (subscription.SubscriptionArn === 'PendingConfirmation') pending.push(subscription.Endpoint ?? '(no endpoint)');
        else if (subscription.SubscriptionArn !== 'Deleted') confirmed++;
      }
    }
    return { confirmed, pending };
  });
  if (outcome.error !== undefined) {
    return { topic, topicArn, confirmed: null, pending: [], pendingDeletedBy: null, pendingNote: null, error: outcome.error };
  }
  const deletion = outcome.value.pending.length === 0 ? undefined : pendingDeletion(lastDeploy, check.now);
  return {
    topic,
    topicArn,
    ...outcome.value,
    pendingDeletedBy: deletion?.deletedBy ?? null,
    pendingNote: deletion?.note ?? null,
    error: null,
  };
}

async function queueDepth(store: FailureStoreName, queueUrl: string, check: DeploymentCheck): Promise<FailureStore> {
  const context: AwsCallContext = {
    operation: 'GetQueueAttributes',
    region: check.region,
    service: 'SQS',
    permission: 'sqs:GetQueueAttributes',
    resource: `queue ${queueUrl}`,
  };
  const base = { store, kind: 'sqs-queue', location: queueUrl, capped: false, newest: null } as const;
  const outcome = await attempt(async () => {
    const client = check.sqs();
    const request = new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    });
    const answer = await callAws(context, (abortSignal) => client.send(request, { abortSignal }), check.call);
    const count = (name: string): number => Number(answer.Attributes?.[name as keyof typeof answer.Attributes] ?? 0) || 0;
    const inFlight = count('ApproximateNumberOfMessagesNotVisible');
    return { waiting: count('ApproximateNumberOfMessages') + inFlight, inFlight };
  });
  if (outcome.error !== undefined) return { ...base, waiting: null, inFlight: null, error: outcome.error };
  return { ...base, ...outcome.value, error: null };
}

async function bucketObjects(bucket: string, check: DeploymentCheck): Promise<FailureStore> {
  const context: AwsCallContext = {
    operation: 'ListObjectsV2',
    region: check.region,
    service: 'S3',
    // ListObjectsV2 is authorised by s3:ListBucket.
    permission: 's3:ListBucket',
    resource: `bucket ${JSON.stringify(bucket)}`,
  };
  const base = { store: 'failure-bucket', kind: 's3-bucket', location: `s3://${bucket}`, inFlight: null } as const;
  const outcome = await attempt(async () => {
    const client = check.s3();
    const request = new ListObjectsV2Command({ Bucket: bucket, MaxKeys: FAILURE_BUCKET_CAP });
    const answer = await callAws(context, (abortSignal) => client.send(request, { abortSignal }), check.call);
    const objects = answer.Contents ?? [];
    let newest: number | undefined;
    for (const object of objects) {
      const time = object.LastModified?.getTime();
      if (time !== undefined && (newest === undefined || time > newest)) newest = time;
    }
    return {
      waiting: answer.KeyCount ?? objects.length,
      capped: answer.IsTruncated === true,
      newest: newest === undefined ? null : new Date(newest).toISOString(),
    };
  });
  if (outcome.error !== undefined) return { ...base, waiting: null, capped: false, newest: null, error: outcome.error };
  return { ...base, ...outcome.value, error: null };
}

/** A Powertools JSON line at level ERROR, or a runtime error or timeout line of the Lambda text format. */
export function errorLineSummary(message: string): string | undefined {
  const text = message.trim();
  if (text.startsWith('{')) {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      record = undefined;
    }
    if (typeof record === 'object' && record !== null) {
      const fields = record as Record<string, unknown>;
      if (fields.level !== 'ERROR') return undefined;
      const error = fields.error as { name?: unknown; message?: unknown } | undefined;
      const reason = typeof fields.error === 'string' ? fields.error : typeof error?.message === 'string' ? error.message : undefined;
      const summary = [String(fields.message ?? ''), reason].filter((part) => part !== undefined && part !== '').join(': ');
      return oneLine(summary, 200);
    }
  }
  // `2025-06-01T10:00:00.000Z\t<request id>\tERROR\tInvoke Error ...`, `... Task timed out after 60.00 seconds`.
  const fields = text.split('\t');
  if (fields[2] === 'ERROR') return oneLine(fields.slice(3).join(' '), 200);
  const timedOut = /Task timed out after [\d.]+ seconds/.exec(text);
  if (timedOut) return timedOut[0];
  return undefined;
}

async function recentErrors(fn: FunctionName, logGroup: string, check: DeploymentCheck): Promise<RecentErrors> {
  const startTime = check.now - RECENT_ERRORS_WINDOW_MS;
  const base = { function: fn, logGroup, since: new Date(startTime).toISOString() };
  const context: AwsCallContext = { operation: 'FilterLogEvents', region: check.region, logGroup };
  const outcome = await attempt(async () => {
    const lines: ErrorLine[] = [];
    let count = 0;
    let capped = false;
    let pageCount = 0;
    const listing = pages((nextToken) => {
      const request = new FilterLogEventsCommand({
        logGroupName: logGroup,
        startTime,
        endTime: check.now,
        filterPattern: ERROR_FILTER_PATTERN,
        ...(nextToken !== undefined && { nextToken }),
      });
      return callAws(context, (abortSignal) => check.logs.send(request, { abortSignal }), check.call);
    });
    for await (const page of listing) {
      for (const event of page.events ?? []) {
        const summary = errorLineSummary(event.message ?? '');
        if (summary === undefined) continue;
        count++;
        // The newest few, newest first: pages are in time order per stream, interleaved across streams.
        const line = { time: new Date(event.timestamp ?? 0).toISOString(), message: summary };
        const at = lines.findIndex((kept) => kept.time < line.time);
        lines.splice(at === -1 ? lines.length : at, 0, line);
        if (lines.length > LATEST_ERRORS_SHOWN) lines.pop();
      }
      pageCount++;
      if (count >= RECENT_ERRORS_CAP || (pageCount >= RECENT_ERRORS_MAX_PAGES && page.nextToken)) {
        capped = true;
        break;
      }
    }
    return { count, capped, latest: lines };
  });
  if (outcome.error !== undefined) return { ...base, count: null, capped: false, latest: [], error: outcome.error };
  return { ...base, ...outcome.value, error: null };
}

const BATCH_GET_MAX = 100;
const UNPROCESSED_ROUNDS = 4;

function msAt(item: Record<string, AttributeValue>, field: string): number | null {
  const text = item[field]?.N;
  return text === undefined || !Number.isFinite(Number(text)) ? null : Number(text);
}

/** The canary records (`Q#<log group>`) of these groups, read with BatchGetItem; groups without one are left out. */
async function canaryRoundTrips(
  table: string,
  groups: readonly string[],
  client: DynamoDBClient,
  check: DeploymentCheck,
): Promise<CanaryRoundTrip[]> {
  const context: AwsCallContext = {
    operation: 'BatchGetItem',
    region: check.region,
    service: 'DynamoDB',
    permission: 'dynamodb:BatchGetItem',
    resource: `table ${JSON.stringify(table)}`,
  };
  const found = new Map<string, CanaryRoundTrip>();
  const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
  for (let i = 0; i < groups.length; i += BATCH_GET_MAX) {
    let keys = groups.slice(i, i + BATCH_GET_MAX).map((group) => ({ pk: { S: `Q#${group}` } }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === UNPROCESSED_ROUNDS) throw new UsageError(`DynamoDB left ${keys.length} keys unprocessed on table ${table}; try again`);
      if (round > 0) await check.call.sleep(100 * 2 ** round, check.call.signal);
      const request = new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys } } });
      const answer = await callAws(context, (abortSignal) => client.send(request, { abortSignal }), check.call);
      for (const item of answer.Responses?.[table] ?? []) {
        const logGroup = (item.pk?.S ?? '').slice(2);
        found.set(logGroup, {
          logGroup,
          writtenAt: iso(msAt(item, 'writtenAt')),
          seenAt: iso(msAt(item, 'seenAt')),
          seenLatencyMs: msAt(item, 'seenLatencyMs'),
          publishedAt: iso(msAt(item, 'publishedAt')),
          publishLatencyMs: msAt(item, 'publishLatencyMs'),
          overdueWarnedAt: iso(msAt(item, 'warnedAt')),
        });
      }
      keys = (answer.UnprocessedKeys?.[table]?.Keys ?? []) as typeof keys;
    }
  }
  return groups.flatMap((group) => found.get(group) ?? []);
}

const TOPIC_LABEL: Record<TopicRole, string> = { alert: 'alert topic', operator: 'operator topic' };

function subscriptionProblem(topic: TopicSubscriptions): string | undefined {
  if (topic.pending.length === 0) return undefined;
  const n = topic.pending.length;
  const example = topic.pending[0] ?? 'ADDRESS';
  return (
    `${n} email subscription${n === 1 ? '' : 's'} to the ${TOPIC_LABEL[topic.topic]} ${n === 1 ? 'waits' : 'wait'} for `
    + `confirmation and receive${n === 1 ? 's' : ''} nothing: ${topic.pending.join(', ')}; ${topic.pendingNote ?? ''}. `
    + 'Each address must click the link in the "AWS Notification - Subscription Confirmation" email before then '
    + '(check spam); to send it again, or once SNS has deleted it: '
    + `aws sns subscribe --topic-arn ${topic.topicArn} --protocol email --notification-endpoint ${example}`
  );
}

const STORE_ADVICE: Record<FailureStoreName, (location: string) => string> = {
  'failure-queue': (url) =>
    `in the failure queue ${url}: alert or alarm emails SNS could not deliver after its retries (and, in central `
    + 'mode, Kinesis records the detector gave up on); kept 14 days. Look at them (aws sqs receive-message --queue-url '
    + `${url}), fix the cause (a bouncing address, the detector errors), then redrive or delete them`,
  'failure-bucket': (bucket) =>
    `in the failure bucket ${bucket}: log batches the detector failed on after its retries, kept whole (30 days by `
    + 'default). Read the detector errors, fix the cause, then replay each object into the detector and delete it '
    + '(README, "Operations")',
  'slack-forwarder-failure-queue': (url) =>
    `in the Slack forwarder's failure queue ${url}: alerts not posted to Slack; kept 14 days. Check the webhook `
    + 'secret and the forwarder errors, then replay them (README, "Operations")',
};

function storeProblem(store: FailureStore): string | undefined {
  if (store.waiting === null || store.waiting === 0) return undefined;
  const count = cappedCount(store.waiting, store.capped, store.kind === 's3-bucket' ? 'failed invocation' : 'message');
  const inFlight = store.inFlight ? ` (${store.inFlight} being read by someone now)` : '';
  return `${count}${inFlight} waiting ${STORE_ADVICE[store.store](store.location)}`;
}

function errorsWarning(errors: RecentErrors): string | undefined {
  if (errors.count === null || errors.count === 0) return undefined;
  const count = `${errors.capped ? '≥ ' : ''}${errors.count}`;
  const latest = errors.latest.map((line) => `${isoSeconds(line.time)} ${line.message}`).join(' | ');
  return (
    `${count} ERROR line${errors.count === 1 ? '' : 's'} from the ${errors.function} in the last 24 h (log group `
    + `${errors.logGroup}); latest: ${latest}. Read them (aws logs tail ${errors.logGroup} --since 24h `
    + '--filter-pattern ERROR); what their retries could not save is in the failure stores'
  );
}

/** Checks the deployment named by `check.stackName`; undefined parts of it (no Slack forwarder) are skipped. */
export async function checkDeployment(check: DeploymentCheck): Promise<DeploymentStatus> {
  const empty = { subscriptions: [], failureStores: [], recentErrors: [], canaries: [], problems: [], warnings: [] };
  const outputs = await attempt(() => stackFacts(check));
  if (outputs.error !== undefined) {
    const unchecked = [`${outputs.error}; --log-groups-only checks the log groups alone`];
    return { stackName: check.stackName, found: false, healthy: true, ...empty, unchecked, notes: [] };
  }
  if (outputs.value === undefined) {
    if (check.stackNamed) {
      throw new StackNotFoundError(`stack ${JSON.stringify(check.stackName)} does not exist in ${check.region} (check --stack and AWS_REGION)`);
    }
    return {
      stackName: check.stackName,
      found: false,
      healthy: true,
      ...empty,
      unchecked: [],
      notes: [
        `no stack ${check.stackName} in ${check.region}: subscriptions, failure stores and detector errors not checked `
        + '(pass --stack NAME if it is deployed under another name)',
      ],
    };
  }
  const { outputs: out, lastDeploy } = outputs.value;
  const output = (key: string): string | undefined => out.get(key);
  const notes: string[] = [];
  const missing = (key: string, what: string): void => {
    notes.push(`the stack has no ${key} output (deployed by an older version?): ${what} not checked; redeploy to add it`);
  };

  const topics: Array<[TopicRole, string]> = [];
  for (const [role, key] of [['alert', STACK_OUTPUT_KEYS.alertTopicArn], ['operator', STACK_OUTPUT_KEYS.operatorTopicArn]] as const) {
    const arn = output(key);
    if (arn === undefined) missing(key, `${TOPIC_LABEL[role]} subscriptions`);
    else topics.push([role, arn]);
  }
  const stores: Array<() => Promise<FailureStore>> = [];
  const queue = output(STACK_OUTPUT_KEYS.failureQueueUrl);
  if (queue === undefined) missing(STACK_OUTPUT_KEYS.failureQueueUrl, 'the failure queue');
  else stores.push(() => queueDepth('failure-queue', queue, check));
  const bucket = output(STACK_OUTPUT_KEYS.failureBucketName);
  if (bucket === undefined) missing(STACK_OUTPUT_KEYS.failureBucketName, 'the failure bucket');
  else stores.push(() => bucketObjects(bucket, check));
  const forwarderQueue = output(STACK_OUTPUT_KEYS.forwarderFailureQueueUrl);
  if (forwarderQueue !== undefined) stores.push(() => queueDepth('slack-forwarder-failure-queue', forwarderQueue, check));
  const functions: Array<[FunctionName, string]> = [];
  const detectorGroup = output(STACK_OUTPUT_KEYS.detectorLogGroupName);
  if (detectorGroup === undefined) missing(STACK_OUTPUT_KEYS.detectorLogGroupName, 'detector errors');
  else functions.push(['detector', detectorGroup]);
  const sweepGroup = output(STACK_OUTPUT_KEYS.sweepLogGroupName);
  if (sweepGroup === undefined) missing(STACK_OUTPUT_KEYS.sweepLogGroupName, 'sweep errors');
  else functions.push(['sweep', sweepGroup]);
  const forwarderGroup = output(STACK_OUTPUT_KEYS.forwarderLogGroupName);
  if (forwarderGroup !== undefined) functions.push(['slack-forwarder', forwarderGroup]);
  else if (output(STACK_OUTPUT_KEYS.forwarderFunctionName) !== undefined) {
    missing(STACK_OUTPUT_KEYS.forwarderLogGroupName, 'Slack forwarder errors');
  }

  // One at a time, like the log groups: a few calls, and the order of the report stays fixed.
  const subscriptions: TopicSubscriptions[] = [];
  for (const [role, arn] of topics) subscriptions.push(await topicSubscriptions(role, arn, lastDeploy, check));
  const failureStores: FailureStore[] = [];
  for (const read of stores) failureStores.push(await read());
  const errors: RecentErrors[] = [];
  for (const [fn, group] of functions) errors.push(await recentErrors(fn, group, check));
  const table = output(STACK_OUTPUT_KEYS.incidentTableName);
  if (table === undefined) missing(STACK_OUTPUT_KEYS.incidentTableName, 'active suppressions and the canary\'s round trips');
  const suppressions =
    table === undefined || check.dynamodb === undefined ? null : await suppressionsSummary(table, check.dynamodb, check);

  // The canary's round trips say how the path did; reading them is optional: a failure is one note, no verdict.
  let canaries: CanaryRoundTrip[] = [];
  const ownGroup = output(STACK_OUTPUT_KEYS.canaryLogGroupName);
  const canaryGroups = [...new Set([...(check.logGroups ?? []), ...(ownGroup === undefined ? [] : [ownGroup])])];
  if (check.dynamodb !== undefined && canaryGroups.length > 0 && table !== undefined) {
    const client = check.dynamodb;
    const read = await attempt(() => canaryRoundTrips(table, canaryGroups, client(), check));
    if (read.error === undefined) canaries = read.value;
    else notes.push(`the canary's round trips were not read: ${read.error}`);
  }

  const problems = [
    ...subscriptions.map(subscriptionProblem),
    ...failureStores.map(storeProblem),
  ].filter((p): p is string => p !== undefined);
  const warnings = errors.map(errorsWarning).filter((w): w is string => w !== undefined);
  const unchecked = [...subscriptions, ...failureStores, ...errors, ...(suppressions === null ? [] : [suppressions])]
    .map((part) => part.error)
    .filter((e): e is string => e !== null);
  return {
    stackName: check.stackName,
    found: true,
    healthy: problems.length === 0,
    problems,
    warnings,
    unchecked,
    notes,
    subscriptions,
    failureStores,
    recentErrors: errors,
    canaries,
    suppressions,
  };
}
