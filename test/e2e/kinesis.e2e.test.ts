/**
 * The central mode's path on loopback: records put with the real Kinesis client into kinesalite (as a CloudWatch
 * Logs destination writes them: one subscription payload per record), read back with GetRecords as the event
 * source mapping does, turned into the Lambda event, and run through the REAL Kinesis entry point with alert memory
 * (dynalite) and the loopback SNS server. Also: `--via kinesis` replays publish what the subscription path does.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamBatchResponse } from 'aws-lambda';
import type { Alert } from '../../lambda/alerts';
import { encodeSubscriptionEvent, type LogsBatch } from '../../lambda/awslogs';
import { createIncidentTable, type LocalDynamoDb, startLocalDynamoDb } from '../../scripts/local-dynamodb';
import { cloudWatchEventId, replayLocalDeployment } from '../../scripts/local-deployment';
import { createStream, type LocalKinesis, putPayloads, ShardReader, startLocalKinesis } from '../../scripts/local-kinesis';
import { type LocalSnsServer, type ReceivedEntry, startLocalSnsServer } from '../../scripts/local-sns/server';
import { bounceScan, natHour } from '../support/scenarios';

jest.setTimeout(120_000);

const REGION = 'eu-west-1';
const TOPIC = `arn:aws:sns:${REGION}:111111111111:ftp-bounce-watch-alerts`;
const TABLE = 'incidents';
const STREAM = 'ftp-bounce-watch-central';
const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';

const BOUNCE = (client: string): string =>
  `Jun  3 02:14:07 ftp1 proftpd[20311]: ftp.example.com (scan.example.net[${client}]) - `
  + 'Refused PORT 203,0,113,7,0,25 (port 25 below 1024, possible bounce attack)';

const context = {
  functionName: 'ftp-bounce-watch-central-detector',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

let eventSeq = 0;
function payload(owner: string, messages: readonly string[], logStream = 'i-0abc/proftpd.log'): { data: Buffer; partitionKey: string } {
  const start = Date.UTC(2025, 5, 3, 2, 14, 7);
  const batch: LogsBatch = {
    messageType: 'DATA_MESSAGE',
    owner,
    logGroup: '/ftp/proftpd',
    logStream,
    subscriptionFilters: ['ftp-bounce-watch'],
    logEvents: messages.map((message, i) => ({ id: `${1_000_000 + ++eventSeq}`, timestamp: start + i * 1000, message })),
  };
  return { data: Buffer.from(encodeSubscriptionEvent(batch).awslogs.data, 'base64'), partitionKey: logStream };
}

type KinesisHandler = (event: unknown, context: Context) => Promise<KinesisStreamBatchResponse>;

// The SDK's Node 20 notice says nothing about this test.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const savedEnv = { ...process.env };
function loadHandler(env: Record<string, string>): KinesisHandler {
  process.env = { ...savedEnv };
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']) delete process.env[name];
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    AWS_MAX_ATTEMPTS: '1',
    ALERT_TOPIC_ARN: TOPIC,
    INCIDENT_TABLE_NAME: TABLE,
    LOG_LEVEL: 'CRITICAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...env,
  });
  let handler: KinesisHandler | undefined;
  jest.isolateModules(() => {
    handler = jest.requireActual<typeof import('../../lambda/kinesis-handler')>('../../lambda/kinesis-handler').handler;
  });
  if (handler === undefined) throw new Error('handler did not load');
  return handler;
}

function loadSweep(env: Record<string, string>): (event: unknown, context: Context) => Promise<unknown> {
  loadHandler(env); // sets the environment
  let sweep: ((event: unknown, context: Context) => Promise<unknown>) | undefined;
  jest.isolateModules(() => {
    sweep = jest.requireActual<typeof import('../../lambda/sweep-handler')>('../../lambda/sweep-handler').handler;
  });
  if (sweep === undefined) throw new Error('sweep did not load');
  return sweep;
}

function alertOf(entry: ReceivedEntry): Alert {
  return JSON.parse((JSON.parse(entry.message) as { default: string }).default) as Alert;
}

describe('the Kinesis entry point on kinesalite, with alert memory and loopback SNS', () => {
  let kinesis: LocalKinesis;
  let sns: LocalSnsServer;
  let dynamo: LocalDynamoDb;
  let handler: KinesisHandler;
  let sweep: (event: unknown, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    [kinesis, sns, dynamo] = await Promise.all([
      startLocalKinesis(REGION),
      startLocalSnsServer({ topicArn: TOPIC }),
      startLocalDynamoDb(),
    ]);
    const dynamodb = new DynamoDBClient({
      region: REGION,
      endpoint: dynamo.endpoint,
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    });
    await createIncidentTable(dynamodb, TABLE);
    dynamodb.destroy();
    await createStream(kinesis.client, STREAM);
    const endpoints = { AWS_ENDPOINT_URL_SNS: sns.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, PUBLISH_MAX_ATTEMPTS: '1' };
    handler = loadHandler(endpoints);
    sweep = loadSweep(endpoints);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await Promise.all([kinesis?.close(), sns?.close(), dynamo?.close()]);
  });

  it('processes every record around a poisoned one, reports it alone, and sends nothing twice on the retries', async () => {
    const poisoned = { data: Buffer.from('this is not gzip'), partitionKey: 'i-0abc/proftpd.log' };
    await putPayloads(kinesis.client, STREAM, [
      payload(ACCOUNT_A, [BOUNCE('198.51.100.23')]),
      payload(ACCOUNT_B, [BOUNCE('198.51.100.24')]),
      poisoned,
      payload(ACCOUNT_A, [BOUNCE('198.51.100.25')]),
    ]);
    const reader = await ShardReader.open(kinesis.client, STREAM, { region: REGION });
    const event = await reader.next(10);
    expect(event?.Records).toHaveLength(4);
    const poisonedSequence = event?.Records[2]?.kinesis.sequenceNumber ?? '';
    const sent = (): string[][] => sns.published.map(alertOf).map((a) => [a.account ?? '', a.srcIp ?? '']);
    const everyClient = [
      [ACCOUNT_A, '198.51.100.23'],
      [ACCOUNT_B, '198.51.100.24'],
      [ACCOUNT_A, '198.51.100.25'],
    ];

    const first = await handler(event, context);

    // Only the poisoned record is reported; the good one after it is not held back.
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: poisonedSequence }] });
    expect(sent()).toEqual(everyClient);

    // Lambda's retry, from the reported record (the lowest one reported): the good record after it is replayed,
    // recognised by alert memory, and sends nothing again.
    const retry = await (await ShardReader.open(kinesis.client, STREAM, {
      region: REGION,
      start: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: poisonedSequence },
    })).next(10);
    expect(retry?.Records).toHaveLength(2);
    expect(await handler(retry, context)).toEqual({ batchItemFailures: [{ itemIdentifier: poisonedSequence }] });
    expect(sent()).toEqual(everyClient);
  });

  it('alerts every client of a batch whose publishing failed through all retries, once SNS is back', async () => {
    const clients = ['198.51.100.31', '198.51.100.32', '198.51.100.33', '198.51.100.34', '198.51.100.35'];
    const before = sns.published.length;
    const payloads = clients.map((client, i) => payload(i % 2 === 0 ? ACCOUNT_A : ACCOUNT_B, [BOUNCE(client)]));
    await putPayloads(kinesis.client, STREAM, payloads);
    const events = await (await ShardReader.open(kinesis.client, STREAM, { region: REGION })).drain(100);
    const batch = { Records: events.flatMap((e) => e.Records).slice(-clients.length) };
    sns.failRequests(1_000);

    // The invocation and both of Lambda's retries: every record reported each time, nothing sent.
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await handler(batch, context);
      expect(response.batchItemFailures).toHaveLength(clients.length);
    }
    expect(sns.published.length).toBe(before);

    // SNS is back; the mapping gave the records up. The next sweep sends what each decided, once.
    sns.clearFailures();
    await sweep({}, context);
    await sweep({}, context);

    expect(sns.published.slice(before).map(alertOf).map((a) => a.srcIp).sort()).toEqual(clients);
  });

  it('keeps one incident state for all accounts: a client seen again in a later batch is not announced again', async () => {
    const before = sns.published.length;
    await putPayloads(kinesis.client, STREAM, [payload(ACCOUNT_A, [BOUNCE('198.51.100.23')])]);
    const reader = await ShardReader.open(kinesis.client, STREAM, { region: REGION });
    const events = await reader.drain(100);
    const last = events.at(-1);
    const latest = { Records: last?.Records.slice(-1) ?? [] };

    expect(await handler(latest, context)).toEqual({ batchItemFailures: [] });
    expect(sns.published).toHaveLength(before);
  });

  it('fails the invocation when the event is not a Kinesis event at all', async () => {
    await expect(handler({ awslogs: { data: '' } }, context)).rejects.toThrow(/^not a Kinesis event/);
  });
});

describe('replaying files through Kinesis (npm start -- --via kinesis)', () => {
  it('publishes exactly what the subscription path publishes for the same lines', async () => {
    const streams = [
      { logGroup: '/ftp/proftpd', logStream: 'nat', lines: natHour().map((l, i) => ({ ...l, id: cloudWatchEventId(l.timestamp, 0, i) })) },
      { logGroup: '/ftp/proftpd', logStream: 'scan', lines: bounceScan('10.0.3.99').map((l, i) => ({ ...l, id: cloudWatchEventId(l.timestamp, 1, i) })) },
    ];
    const viaSubscription = await replayLocalDeployment(streams);
    const viaKinesis = await replayLocalDeployment(streams, { via: 'kinesis' });

    expect(viaSubscription.published.length).toBeGreaterThan(2);
    expect(viaKinesis.published.map((e) => [e.subject, e.message])).toEqual(
      viaSubscription.published.map((e) => [e.subject, e.message]),
    );
    expect(viaKinesis.invocations).toBe(viaSubscription.invocations);
  });
});
