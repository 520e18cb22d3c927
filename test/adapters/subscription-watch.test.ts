/**
 * The pending-subscription check's adapters and one run: SNS through aws-sdk-client-mock, the state store through
 * the real DynamoDB client against dynalite on loopback.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDbPendingStateStore,
  keyOf,
  listPendingSubscriptions,
  PENDING_STATE_KEY_PREFIX,
  PendingStateDecodeError,
} from '../../lambda/adapters/subscription-watch';
import { DeadlineExceededError, InvocationBudget } from '../../lambda/adapters/timeouts';
import {
  checkPendingSubscriptions,
  PendingWarningPublishError,
  readSubscriptionWatchConfig,
  SubscriptionWatchConfigError,
} from '../../lambda/subscriptions/check';
import { HOUR_MS } from '../../lambda/subscriptions/pending';
import { createIncidentTable, type LocalDynamoDb, startLocalDynamoDb } from '../../scripts/local-dynamodb';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';

jest.setTimeout(20_000);

const ALERTS = 'arn:aws:sns:eu-west-1:123456789012:FtpBounceWatch-AlertTopic-ABC';
const OPERATORS = 'arn:aws:sns:eu-west-1:123456789012:FtpBounceWatch-OperatorTopic-DEF';
const T0 = Date.parse('2026-12-01T08:00:00Z');
const sns = mockClient(SNSClient);
const snsClient = new SNSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

let dynamo: LocalDynamoDb;
let ddb: DynamoDBClient;
let tableSeq = 0;
beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  ddb = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  ddb.destroy();
  await dynamo.close();
});
beforeEach(() => sns.reset());

async function freshTable(): Promise<string> {
  const name = `pending-${++tableSeq}`;
  await createIncidentTable(ddb, name);
  return name;
}

const pending = (endpoint: string) => ({ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: endpoint, TopicArn: ALERTS });
const confirmed = (endpoint: string) => ({ SubscriptionArn: `${ALERTS}:1b2c`, Protocol: 'email', Endpoint: endpoint, TopicArn: ALERTS });

describe('listPendingSubscriptions', () => {
  it('reads every page and keeps only the subscriptions pending confirmation', async () => {
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: ALERTS, NextToken: undefined })
      .resolves({ Subscriptions: [pending('a@example.com'), confirmed('b@example.com')], NextToken: 'page2' });
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: ALERTS, NextToken: 'page2' })
      .resolves({ Subscriptions: [pending('c@example.com')] });
    const listed = await listPendingSubscriptions(snsClient, ALERTS, new InvocationBudget());
    expect(listed.map((s) => s.endpoint)).toEqual(['a@example.com', 'c@example.com']);
  });

  it('is cut off by the invocation budget (the call gets its abort signal)', async () => {
    // A client that hangs until its request is aborted, as the SDK's HTTP handler does.
    const hanging = {
      send: (_command: unknown, options: { abortSignal: AbortSignal }) => new Promise((_resolve, reject) => {
        options.abortSignal.addEventListener('abort', () => reject(new Error('Request aborted')));
      }),
    } as unknown as SNSClient;
    const budget = new InvocationBudget({ reserveMs: 0 });
    budget.startWithMs(50);
    await expect(listPendingSubscriptions(hanging, ALERTS, budget)).rejects.toBeInstanceOf(DeadlineExceededError);
  });
});

describe('DynamoDbPendingStateStore', () => {
  it('stores one record per topic under its own key prefix, with a TTL, and reads it back', async () => {
    const table = await freshTable();
    const store = new DynamoDbPendingStateStore(ddb, table, new InvocationBudget());
    expect(await store.load(ALERTS)).toBeUndefined();
    const state = { topicArn: ALERTS, entries: { 'email:a@example.com': { firstSeenAt: T0, warnedAt: T0 + 24 * HOUR_MS } } };
    await store.save(state, T0);
    expect(await store.load(ALERTS)).toEqual(state);
    expect(keyOf(ALERTS).startsWith(PENDING_STATE_KEY_PREFIX)).toBe(true);
  });

  it('refuses a record it did not write, naming it', async () => {
    const table = await freshTable();
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: keyOf(ALERTS) }, entries: { S: '{"x":{}}' } } }));
    const store = new DynamoDbPendingStateStore(ddb, table, new InvocationBudget());
    await expect(store.load(ALERTS)).rejects.toThrow(PendingStateDecodeError);
    await expect(store.load(ALERTS)).rejects.toThrow(/entry "x" has no numeric firstSeenAt/);
  });
});

describe('checkPendingSubscriptions', () => {
  const logger = { info: jest.fn(), error: jest.fn() };
  const config = { watchedTopicArns: [ALERTS, OPERATORS], operatorTopicArn: OPERATORS, tableName: '' };

  it('remembers, then warns the operator topic once after 24 hours, and never twice', async () => {
    const tableName = await freshTable();
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: ALERTS }).resolves({ Subscriptions: [pending('ops@example.com')] });
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: OPERATORS }).resolves({ Subscriptions: [] });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    let now = T0;
    const deps = () => ({ sns: snsClient, ddb, budget: new InvocationBudget(), logger, now: () => now });
    const run = () => checkPendingSubscriptions({ ...config, tableName }, deps());

    expect(await run()).toEqual({ pending: 1, warned: 0 });
    now = T0 + 23 * HOUR_MS;
    expect(await run()).toEqual({ pending: 1, warned: 0 });
    now = T0 + 24 * HOUR_MS;
    expect(await run()).toEqual({ pending: 1, warned: 1 });
    now = T0 + 25 * HOUR_MS;
    expect(await run()).toEqual({ pending: 1, warned: 0 });

    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ TopicArn: OPERATORS, Subject: '[ftp-bounce-watch] Subscription still unconfirmed: ops@example.com' });
  });

  it('fails the run when a warning cannot be published, keeps the first-seen time, and warns on the next run', async () => {
    const tableName = await freshTable();
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [pending('ops@example.com')] });
    sns.on(PublishCommand).rejectsOnce(new Error('KMS throttled')).resolves({ MessageId: 'm-2' });
    let now = T0;
    const run = () => checkPendingSubscriptions(
      { watchedTopicArns: [ALERTS], operatorTopicArn: OPERATORS, tableName },
      { sns: snsClient, ddb, budget: new InvocationBudget(), logger, now: () => now },
    );
    await run();
    now = T0 + 24 * HOUR_MS;
    await expect(run()).rejects.toBeInstanceOf(PendingWarningPublishError);
    now = T0 + 25 * HOUR_MS;
    expect(await run()).toEqual({ pending: 1, warned: 1 });
  });
});

describe('readSubscriptionWatchConfig', () => {
  const env = { WATCHED_TOPIC_ARNS: `${ALERTS},${OPERATORS}`, OPERATOR_TOPIC_ARN: OPERATORS, INCIDENT_TABLE_NAME: 't' };
  const cases: Array<[string, Record<string, string | undefined>, RegExp]> = [
    ['no watched topics', { ...env, WATCHED_TOPIC_ARNS: undefined }, /^WATCHED_TOPIC_ARNS: required/],
    ['a bad watched topic', { ...env, WATCHED_TOPIC_ARNS: 'topic' }, /^WATCHED_TOPIC_ARNS: expected an SNS topic ARN/],
    ['no operator topic', { ...env, OPERATOR_TOPIC_ARN: '' }, /^OPERATOR_TOPIC_ARN: required/],
    ['no table', { ...env, INCIDENT_TABLE_NAME: undefined }, /^INCIDENT_TABLE_NAME: required/],
  ];
  it.each(cases)('refuses %s, naming the variable', (_name, bad, message) => {
    expect(() => readSubscriptionWatchConfig(bad)).toThrow(SubscriptionWatchConfigError);
    expect(() => readSubscriptionWatchConfig(bad)).toThrow(message);
  });

  it('reads the topics once each', () => {
    expect(readSubscriptionWatchConfig({ ...env, WATCHED_TOPIC_ARNS: `${ALERTS}, ${ALERTS}` }).watchedTopicArns).toEqual([ALERTS]);
  });
});
