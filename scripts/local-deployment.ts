/**
 * A whole deployment on loopback, on the log's own clock: the REAL Lambda runtime (detector and sweep, built
 * by lambda/runtime.ts), the real DynamoDB client against an embedded DynamoDB-compatible server (dynalite),
 * the real SNS client against the loopback SNS server. Log streams are cut into batches as the CloudWatch
 * agent ships them; each batch is one invocation of the detector; the sweep runs every 5 minutes of log time;
 * at the end the clock runs on until every window has closed and every digest has gone out.
 *
 * Used by `npm start` (scripts/local-run.ts) and the end-to-end tests, so both exercise the same path.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { INCIDENT_ENV_VARS } from '../infra/incident-settings';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { AGENT_FLUSH_MS, agentBatches, type AgentBatch, type TimedLine } from '../cli/replay/agent-batches';
import { replay } from '../cli/replay/replay-clock';
import { DynamoDbIncidentStore } from '../lambda/adapters/dynamodb-incident-store';
import { encodeSubscriptionEvent } from '../lambda/awslogs';
import { CANARY_STREAM, canaryLine, newNonce, signCanary } from '../lambda/canary/proof';
import type { CanaryRecord } from '../lambda/canary/service';
import { dueAt } from '../lambda/incidents';
import type { PipelineSummary } from '../lambda/pipeline';
import { createRuntime } from '../lambda/runtime';
import { createIncidentTable, startLocalDynamoDb } from './local-dynamodb';
import { createStream, putPayloads, ShardReader, startLocalKinesis } from './local-kinesis';
import { type ReceivedEntry, startLocalSnsServer } from './local-sns/server';

export const LOCAL_ACCOUNT = '123456789012';
const TABLE = 'ftp-bounce-watch-local-incidents';
const FUNCTION_NAME = 'ftp-bounce-watch-local';
const STREAM = 'ftp-bounce-watch-local';

export interface LogStreamInput {
  readonly logGroup: string;
  readonly logStream: string;
  readonly lines: readonly TimedLine[];
}

export interface LocalDeploymentOptions {
  /** Environment the stack would set from CDK context (ALERT_WINDOW_MINUTES, LOW_SEVERITY, ...). */
  readonly settingsEnv?: Readonly<Record<string, string>>;
  /** False: no incident table (alert memory off), every batch judged alone. Default true. */
  readonly memory?: boolean;
  /** Deliver every batch twice, as a retried invocation would. */
  readonly redeliver?: boolean;
  readonly region?: string;
  /**
   * How batches reach the detector: `subscription` (default) invokes it with each CloudWatch Logs event, as a
   * subscription filter does; `kinesis` puts each payload as one record into an embedded Kinesis-compatible stream
   * (kinesalite), reads it back with GetRecords as the event source mapping does, and invokes the detector's
   * Kinesis entry point (the central mode, docs/design.md section 9).
   */
  readonly via?: 'subscription' | 'kinesis';
  /** Called after each detector invocation, and after each sweep that published something. */
  readonly onInvocation?: (report: InvocationReport) => void;
}

export interface InvocationReport {
  readonly kind: 'detector' | 'sweep';
  readonly at: number;
  readonly batch?: { readonly logGroup: string; readonly logStream: string; readonly events: number };
  readonly summary?: PipelineSummary;
  /** Entries the SNS server accepted during this invocation. */
  readonly published: readonly ReceivedEntry[];
}

export interface LocalDeploymentReport {
  /** The canary's round trip per log group: one canary written into each as the replay starts. */
  readonly canaries: readonly CanaryRecord[];
  readonly invocations: number;
  readonly sweeps: number;
  readonly published: readonly ReceivedEntry[];
  /** Log time at which the replay ended (everything due had been sent). */
  readonly endedAt: number;
}

/** Thrown when the handler or the sweep fails: the replay stops there, as a stuck deployment would alert. */
export class LocalInvocationError extends Error {
  override readonly name = 'LocalInvocationError';
}

function fakeContext(region: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

interface StreamBatch extends AgentBatch {
  readonly logGroup: string;
  readonly logStream: string;
}

/** Points the SDK at loopback with fake credentials; nothing here can reach AWS. Returns a restore function. */
function loopbackEnvironment(vars: Record<string, string | undefined>): () => void {
  const saved = { ...process.env };
  // The settings come from the settings reader (settingsEnv) alone, never from the caller's shell.
  const settingVariables = [...Object.values(INCIDENT_ENV_VARS), 'INTERNAL_NETWORKS', 'SUPPRESSIONS'];
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', 'INCIDENT_TABLE_NAME', ...settingVariables]) {
    delete process.env[name];
  }
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    process.env = saved;
  };
}

export async function replayLocalDeployment(
  streams: readonly LogStreamInput[],
  options: LocalDeploymentOptions = {},
): Promise<LocalDeploymentReport> {
  const region = options.region ?? 'eu-west-1';
  const memory = options.memory ?? true;
  const topicArn = `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:ftp-bounce-watch-local`;
  const sns = await startLocalSnsServer({ topicArn });
  const dynamo = memory ? await startLocalDynamoDb() : null;
  const kinesis = options.via === 'kinesis' ? await startLocalKinesis(region) : null;
  // The canary's key for this run only; a deployment keeps it in Secrets Manager.
  const canaryKey = randomBytes(32).toString('hex');
  const restore = loopbackEnvironment({
    CANARY_KEY: memory ? canaryKey : undefined,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo?.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALRUN',
    AWS_SECRET_ACCESS_KEY: 'local-run-not-a-secret',
    ALERT_TOPIC_ARN: topicArn,
    INCIDENT_TABLE_NAME: memory ? TABLE : undefined,
    // Quiet defaults for a readable terminal; the caller's own settings win.
    LOG_LEVEL: process.env.LOG_LEVEL || 'ERROR',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED || 'true',
    ...options.settingsEnv,
  });
  let dynamodb: DynamoDBClient | null = null;
  try {
    let store: DynamoDbIncidentStore | null = null;
    if (dynamo !== null) {
      dynamodb = new DynamoDBClient({ region, endpoint: dynamo.endpoint });
      await createIncidentTable(dynamodb, TABLE);
      store = new DynamoDbIncidentStore(dynamodb, TABLE);
    }
    let clock = 0;
    const runtime = createRuntime(process.env, { now: () => clock });
    let reader: ShardReader | null = null;
    if (kinesis !== null) {
      await createStream(kinesis.client, STREAM);
      reader = await ShardReader.open(kinesis.client, STREAM, { region });
    }
    /** One delivery of a batch, by the chosen path; the summary when the path gives one. */
    const deliver = async (event: { awslogs: { data: string } }, logStream: string): Promise<PipelineSummary | undefined> => {
      if (kinesis === null || reader === null) return runtime.detect(event, fakeContext(region));
      await putPayloads(kinesis.client, STREAM, [{ data: Buffer.from(event.awslogs.data, 'base64'), partitionKey: logStream }]);
      const records = await reader.next();
      if (records === null) throw new Error('the record put into the local stream could not be read back');
      const response = await runtime.detectKinesis(records, fakeContext(region));
      const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
      if (failed.length > 0) throw new Error(`records reported failed: ${failed.join(', ')}`);
      return undefined;
    };
    const batches: StreamBatch[] = streams.flatMap((s) =>
      agentBatches(s.lines).map((b) => ({ ...b, logGroup: s.logGroup, logStream: s.logStream })),
    );
    let invocations = 0;
    let sweeps = 0;

    // The canary, as the canary function writes it into each group when the replay starts, and as the agent ships
    // it, one flush later: the detector proves it and records the round trip (docs/design.md section 10).
    const groups = [...new Set(streams.map((s) => s.logGroup))];
    const start = Math.min(...batches.map((b) => b.at));
    if (store !== null && groups.length > 0 && Number.isFinite(start)) {
      for (const logGroup of groups) {
        const writtenAt = start - AGENT_FLUSH_MS;
        const canary = signCanary(Buffer.from(canaryKey), { logGroup, logStream: CANARY_STREAM, writtenAt, nonce: newNonce() });
        await store.updateCanary(logGroup, { writtenAt, firstWrittenAt: writtenAt });
        clock = start;
        const event = encodeSubscriptionEvent({
          messageType: 'DATA_MESSAGE',
          owner: LOCAL_ACCOUNT,
          logGroup,
          logStream: CANARY_STREAM,
          subscriptionFilters: ['ftp-bounce-watch-local'],
          logEvents: [{ id: cloudWatchEventId(writtenAt, 0, 0), timestamp: writtenAt, message: canaryLine(canary) }],
        });
        for (let delivery = 0; delivery < (options.redeliver === true ? 2 : 1); delivery++) {
          try {
            await deliver(event, CANARY_STREAM);
          } catch (error) {
            throw new LocalInvocationError(`the detector failed on the canary of ${logGroup}: ${describe(error)}`, { cause: error });
          }
          invocations++;
        }
      }
    }

    const endedAt = await replay<StreamBatch>(batches, {
      runBatch: async (batch, now) => {
        clock = now;
        const event = encodeSubscriptionEvent({
          messageType: 'DATA_MESSAGE',
          owner: LOCAL_ACCOUNT,
          logGroup: batch.logGroup,
          logStream: batch.logStream,
          subscriptionFilters: ['ftp-bounce-watch-local'],
          logEvents: batch.events.map((e) => ({ id: e.id, timestamp: e.timestamp, message: e.message })),
        });
        for (let delivery = 0; delivery < (options.redeliver === true ? 2 : 1); delivery++) {
          const before = sns.published.length;
          let summary: PipelineSummary | undefined;
          try {
            summary = await deliver(event, batch.logStream);
          } catch (error) {
            throw new LocalInvocationError(`the detector failed on ${batch.logStream}: ${describe(error)}`, { cause: error });
          }
          invocations++;
          options.onInvocation?.({
            kind: 'detector',
            at: now,
            batch: { logGroup: batch.logGroup, logStream: batch.logStream, events: batch.events.length },
            ...(summary && { summary }),
            published: sns.published.slice(before),
          });
        }
      },
      sweep: async (now) => {
        if (!memory) return;
        clock = now;
        const before = sns.published.length;
        try {
          await runtime.sweep({}, fakeContext(region));
        } catch (error) {
          throw new LocalInvocationError(`the sweep failed: ${describe(error)}`, { cause: error });
        }
        sweeps++;
        if (sns.published.length > before) {
          options.onInvocation?.({ kind: 'sweep', at: now, published: sns.published.slice(before) });
        }
      },
      nextDue: async () => {
        if (store === null) return null;
        const { records: [next] } = await store.due(Number.MAX_SAFE_INTEGER, 1);
        return next === undefined ? null : dueAt(next.state);
      },
    });
    const canaries = store === null ? [] : [...(await store.canaryRecords(groups)).values()];
    return { canaries, invocations, sweeps, published: [...sns.published], endedAt };
  } finally {
    restore();
    dynamodb?.destroy();
    await Promise.all([sns.close(), dynamo?.close(), kinesis?.close()]);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** CloudWatch event ids are 56-digit decimal strings ordered by time; unique per event. */
export function cloudWatchEventId(timestamp: number, streamIndex: number, lineIndex: number): string {
  const value = BigInt(timestamp) * 10n ** 43n + BigInt(streamIndex) * 10n ** 20n + BigInt(lineIndex);
  return value.toString().padStart(56, '0');
}

/** A deployment on loopback that stays up, on the wall clock: what `ftp-bounce-watch test` runs against in tests. */
export interface LiveLocalDeployment {
  readonly region: string;
  /** The canary's HMAC key (a deployment keeps it in Secrets Manager). */
  readonly canaryKey: string;
  readonly tableName: string;
  /** The incident table's endpoint (dynalite). */
  readonly dynamoDbEndpoint: string;
  readonly alertTopicArn: string;
  readonly canaryTopicArn: string;
  /** Every message SNS accepted, on either topic. */
  readonly published: readonly ReceivedEntry[];
  /** Invokes the detector with these events as a subscription filter delivers them. */
  deliver(batch: {
    logGroup: string;
    logStream: string;
    logEvents: ReadonlyArray<{ id: string; timestamp: number; message: string }>;
  }): Promise<PipelineSummary>;
  close(): Promise<void>;
}

/** The detector of `replayLocalDeployment`, with the canary topic, kept running until `close`. */
export async function startLocalDeployment(options: { readonly region?: string } = {}): Promise<LiveLocalDeployment> {
  const region = options.region ?? 'eu-west-1';
  const alertTopicArn = `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:ftp-bounce-watch-local`;
  const canaryTopicArn = `arn:aws:sns:${region}:${LOCAL_ACCOUNT}:ftp-bounce-watch-local-canary`;
  const sns = await startLocalSnsServer();
  const dynamo = await startLocalDynamoDb();
  const canaryKey = randomBytes(32).toString('hex');
  const restore = loopbackEnvironment({
    CANARY_KEY: canaryKey,
    CANARY_TOPIC_ARN: canaryTopicArn,
    AWS_REGION: region,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALRUN',
    AWS_SECRET_ACCESS_KEY: 'local-run-not-a-secret',
    ALERT_TOPIC_ARN: alertTopicArn,
    INCIDENT_TABLE_NAME: TABLE,
    LOG_LEVEL: process.env.LOG_LEVEL || 'ERROR',
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED || 'true',
  });
  const dynamodb = new DynamoDBClient({ region, endpoint: dynamo.endpoint });
  try {
    await createIncidentTable(dynamodb, TABLE);
  } catch (error) {
    restore();
    dynamodb.destroy();
    await Promise.all([sns.close(), dynamo.close()]);
    throw error;
  }
  const runtime = createRuntime(process.env);
  return {
    region,
    canaryKey,
    tableName: TABLE,
    dynamoDbEndpoint: dynamo.endpoint,
    alertTopicArn,
    canaryTopicArn,
    published: sns.published,
    deliver: (batch) =>
      runtime.detect(
        encodeSubscriptionEvent({
          messageType: 'DATA_MESSAGE',
          owner: LOCAL_ACCOUNT,
          logGroup: batch.logGroup,
          logStream: batch.logStream,
          subscriptionFilters: ['ftp-bounce-watch-local'],
          logEvents: [...batch.logEvents],
        }),
        fakeContext(region),
      ),
    close: async () => {
      restore();
      dynamodb.destroy();
      await Promise.all([sns.close(), dynamo.close()]);
    },
  };
}
