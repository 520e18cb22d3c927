/**
 * Enforced timeouts against real HTTP: a loopback endpoint that never answers, one that answers after the
 * timeout, with the real SDK clients (SNS, Secrets Manager, CloudWatch Logs) built from `sdkClientOptions`.
 */
import { DescribeLogGroupsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  DeadlineExceededError,
  InvocationBudget,
  type OutboundTimeouts,
  SNS_TIMEOUTS,
  SnsAlertPublisher,
  sdkClientOptions,
  SECRETS_MANAGER_TIMEOUTS,
  DYNAMODB_TIMEOUTS,
  worstCaseMs,
} from '../../lambda/adapters';
import { type SlowServer, startSlowServer } from '../support/slow-server';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';
// The request timeout is what these tests cut at; the connection timeout is far above anything a loopback connect
// takes, even on a loaded machine, so a slow event loop cannot turn an attempt into a connection timeout.
const FAST: OutboundTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 300, maxAttempts: 2 };
/** An answer this late is at least 10x past FAST's request timeout: it cannot win the race however slow the machine. */
const LATE_MS = 10 * FAST.requestTimeoutMs;
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

let server: SlowServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const snsMessage = {
  subject: 'FTP bounce',
  message: JSON.stringify({ default: '{}', email: 'x', https: '{}' }),
  messageStructure: 'json' as const,
  messageAttributes: { ruleId: '11209' },
};

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('sdkClientOptions', () => {
  it.each([
    ['SNS', new SNSClient({}), new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [] })],
    ['Secrets Manager', new SecretsManagerClient({}), new GetSecretValueCommand({ SecretId: 'slack' })],
    ['CloudWatch Logs', new CloudWatchLogsClient({}), new DescribeLogGroupsCommand({})],
  ] as const)('makes a %s request to an endpoint that never answers fail with TimeoutError', async (_name, template, command) => {
    server = await startSlowServer();
    const Client = template.constructor as new (config: object) => { send(c: unknown): Promise<unknown> };
    const client = new Client({ region: 'eu-west-1', endpoint: server.url, credentials, ...sdkClientOptions(FAST) });
    const started = Date.now();
    const error = await failure(client.send(command));
    expect(error.name).toBe('TimeoutError');
    // Each attempt is cut at the request timeout; the SDK tried exactly maxAttempts times.
    expect(server.requests()).toBe(FAST.maxAttempts);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 15_000);

  it('fails an answer that comes after the request timeout', async () => {
    server = await startSlowServer({ delayMs: LATE_MS });
    const client = new SNSClient({ region: 'eu-west-1', endpoint: server.url, credentials, ...sdkClientOptions({ ...FAST, maxAttempts: 1 }) });
    const error = await failure(client.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [] })));
    expect(error.name).toBe('TimeoutError');
    expect(server.requests()).toBe(1);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => sdkClientOptions({ ...FAST, requestTimeoutMs: 0 })).toThrow('requestTimeoutMs must be a positive integer');
    expect(() => sdkClientOptions({ ...FAST, maxAttempts: 1.5 })).toThrow('maxAttempts');
  });

  it('keeps every client well inside the shortest function timeout it serves (30 s)', () => {
    for (const timeouts of [SNS_TIMEOUTS, SECRETS_MANAGER_TIMEOUTS, DYNAMODB_TIMEOUTS]) {
      expect(worstCaseMs(timeouts)).toBeLessThanOrEqual(15_000);
      expect(sdkClientOptions(timeouts).requestHandler.throwOnRequestTimeout).toBe(true);
    }
  });
});

describe('InvocationBudget', () => {
  it('starts from the remaining time minus the reserve', () => {
    let now = 1_000;
    const budget = new InvocationBudget({ reserveMs: 2_000, now: () => now });
    expect(budget.remainingMs()).toBe(Number.POSITIVE_INFINITY);
    budget.start({ getRemainingTimeInMillis: () => 10_000 });
    expect(budget.budgetMs).toBe(8_000);
    now += 5_000;
    expect(budget.remainingMs()).toBe(3_000);
    expect(() => budget.assertCanWait('backoff', 2_999)).not.toThrow();
    expect(() => budget.assertCanWait('backoff', 3_000)).toThrow(DeadlineExceededError);
  });

  it('reports the first deadline of an invocation once, and again after a new start', async () => {
    const reported: DeadlineExceededError[] = [];
    const budget = new InvocationBudget({ reserveMs: 0, onExceeded: (e) => reported.push(e) });
    budget.startWithMs(0);
    await expect(budget.call('a', async () => 1)).rejects.toThrow(DeadlineExceededError);
    expect(() => budget.assertCanWait('b', 1)).toThrow(DeadlineExceededError);
    expect(reported.map((e) => e.operation)).toEqual(['a']);
    budget.startWithMs(0);
    await expect(budget.call('c', async () => 1)).rejects.toThrow('c cut off');
    expect(reported.map((e) => e.operation)).toEqual(['a', 'c']);
  });

  it('passes other failures through unchanged and resolves in time', async () => {
    const budget = new InvocationBudget();
    budget.startWithMs(5_000);
    await expect(budget.call('ok', async () => 42)).resolves.toBe(42);
    await expect(budget.call('boom', async () => Promise.reject(new RangeError('no')))).rejects.toThrow(RangeError);
  });

  it('cuts off an SNS publish that hangs, long before the per-attempt timeouts would', async () => {
    server = await startSlowServer();
    const reported: DeadlineExceededError[] = [];
    const budget = new InvocationBudget({ reserveMs: 0, onExceeded: (e) => reported.push(e) });
    const client = new SNSClient({
      region: 'eu-west-1',
      endpoint: server.url,
      credentials,
      ...sdkClientOptions({ connectionTimeoutMs: 5_000, requestTimeoutMs: 20_000, maxAttempts: 3 }),
    });
    const publisher = new SnsAlertPublisher(client, TOPIC, { budget });
    budget.startWithMs(600);
    const started = Date.now();
    const error = await failure(publisher.publish([snsMessage]));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toContain('sns:PublishBatch cut off');
    // Cut at 0.6 s; the first attempt alone could have run 20 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(reported).toHaveLength(1);
  }, 15_000);

  it('stops the publisher from starting a retry its backoff would push past the deadline', async () => {
    server = await startSlowServer({ delayMs: LATE_MS });
    const budget = new InvocationBudget({ reserveMs: 0 });
    const client = new SNSClient({ region: 'eu-west-1', endpoint: server.url, credentials, ...sdkClientOptions({ ...FAST, maxAttempts: 1 }) });
    // random 0 draws the shortest backoff of [2.5 s, 5 s]: the case closest to fitting the deadline.
    const publisher = new SnsAlertPublisher(client, TOPIC, { budget, baseDelayMs: 5_000, maxDelayMs: 5_000, random: () => 0 });
    budget.startWithMs(2_000);
    const error = await failure(publisher.publish([snsMessage]));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    // One attempt cut off by its 300 ms timeout, then no retry: even a 2.5 s backoff would cross the 2 s deadline.
    expect(server.requests()).toBe(1);
  });
});
