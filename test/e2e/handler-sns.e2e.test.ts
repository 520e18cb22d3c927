/**
 * The real handler, the real SNSClient, real HTTP: AWS_ENDPOINT_URL_SNS points the SDK at a loopback server
 * that speaks the SNS query protocol and enforces SNS's limits. Events are genuine CloudWatch Logs
 * subscription payloads (gzip + base64 of the documented JSON).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { encodeSubscriptionEvent, type LogsBatch } from '../../lambda/awslogs';
import type { PipelineSummary } from '../../lambda/pipeline';
import { type LocalSnsServer, type ReceivedEntry, startLocalSnsServer } from '../../scripts/local-sns/server';
import { startSlowServer } from '../support/slow-server';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ftp-bounce-watch-alerts';

// Each describe loads a fresh copy of the handler and the SDK (jest.isolateModules): seconds on a loaded machine.
jest.setTimeout(30_000);
const FIXTURE_LINES = readFileSync(join(__dirname, '..', 'fixtures', 'real-proftpd.log'), 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);

const NAT =
  'May 29 18:49:42 valhalla proftpd[16661]: valhalla.example (85.103.107.214[85.103.107.214]) - '
  + 'Refused PORT 192,168,1,33,4,83 (address mismatch)';
const BOUNCE =
  'Jun  3 02:14:07 ftp1 proftpd[20311]: ftp.example.com (scan.example.net[198.51.100.23]) - '
  + 'Refused PORT 203,0,113,7,0,25 (port 25 below 1024, possible bounce attack)';
const ORDINARY =
  'Jun  1 11:51:24 valhalla proftpd[7301]: valhalla.example (81.215.6.178[81.215.6.178]) - '
  + 'Maximum login attempts (3) exceeded';

type Handler = (event: unknown, context: Context) => Promise<PipelineSummary>;

interface Loaded {
  readonly handler: Handler;
  /** Error classes from the same module registry as the handler (jest isolates registries). */
  readonly MalformedPayloadError: new (...args: never[]) => Error;
  readonly AlertPublishError: new (...args: never[]) => Error;
}

const savedEnv = { ...process.env };

/** Sets the environment, then loads a fresh copy of the handler, which reads its configuration at load. */
function loadHandler(env: Record<string, string | undefined>): Loaded {
  process.env = { ...savedEnv };
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    // The SDK's own retries would multiply ours; one attempt per request keeps failures fast and countable.
    AWS_MAX_ATTEMPTS: '1',
    ALERT_TOPIC_ARN: TOPIC,
    PUBLISH_MAX_ATTEMPTS: '3',
    LOG_LEVEL: 'INFO',
  });
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  let loaded: Loaded | undefined;
  // requireActual honours the isolated registry; a dynamic import() would bypass jest's module system.
  jest.isolateModules(() => {
    loaded = {
      handler: jest.requireActual<typeof import('../../lambda/handler')>('../../lambda/handler').handler,
      MalformedPayloadError:
        jest.requireActual<typeof import('../../lambda/awslogs')>('../../lambda/awslogs').MalformedPayloadError,
      AlertPublishError:
        jest.requireActual<typeof import('../../lambda/adapters')>('../../lambda/adapters').AlertPublishError,
    };
  });
  if (loaded === undefined) throw new Error('handler did not load');
  return loaded;
}

const context = {
  functionName: 'ftp-bounce-watch-detector',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ftp-bounce-watch-detector',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/ftp-bounce-watch-detector',
  logStreamName: '2025/05/29/[$LATEST]0123456789abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

let eventSeq = 0;
function subscriptionEvent(messages: readonly string[], logGroup = '/ftp/proftpd') {
  const start = Date.UTC(2025, 4, 29, 18, 49, 42);
  const batch: LogsBatch = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: 'i-0123456789abcdef0/var/log/proftpd/proftpd.log',
    subscriptionFilters: ['ftp-bounce-watch'],
    logEvents: messages.map((message, i) => ({
      id: `${37_953_062_134_507n * 10n ** 42n + BigInt(++eventSeq)}`,
      timestamp: start + i * 1000,
      message,
    })),
  };
  return encodeSubscriptionEvent(batch);
}

interface Captured<T> {
  readonly result: T | undefined;
  readonly error: unknown;
  readonly lines: Record<string, unknown>[];
}

/** Captures what Powertools writes (JSON log lines and EMF metric documents) during `run`. */
async function captureOutput<T>(run: () => Promise<T>): Promise<Captured<T>> {
  const written: string[] = [];
  const record = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // Powertools writes INFO and metrics to stdout, WARN and ERROR to stderr.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(record),
    jest.spyOn(process.stderr, 'write').mockImplementation(record),
  ];
  let result: T | undefined;
  let error: unknown;
  try {
    result = await run();
  } catch (e) {
    error = e;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  const lines = written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { result, error, lines };
}

const metricValue = (lines: Record<string, unknown>[], name: string): number | undefined =>
  lines.filter((line) => '_aws' in line && name in line).map((line) => line[name] as number).at(-1);

let sns: LocalSnsServer;
let loaded: Loaded;

beforeAll(async () => {
  sns = await startLocalSnsServer({ topicArn: TOPIC });
  loaded = loadHandler({ AWS_ENDPOINT_URL_SNS: sns.endpoint });
});

afterAll(async () => {
  process.env = savedEnv;
  await sns.close();
});

async function invoke(event: unknown) {
  const { result, error, lines } = await captureOutput(() => loaded.handler(event, context));
  if (error !== undefined) throw error;
  return { summary: result as PipelineSummary, lines };
}

function newlyPublished<T>(run: () => Promise<T>): Promise<{ value: T; entries: ReceivedEntry[] }> {
  const before = sns.published.length;
  return run().then((value) => ({ value, entries: sns.published.slice(before) }));
}

describe('handler -> SNS over the wire', () => {
  it('publishes the real fixture refusals as json-structured messages SNS accepts', async () => {
    const { value, entries } = await newlyPublished(() => invoke(subscriptionEvent(FIXTURE_LINES)));

    // Lines 1-4 are refusals from four clients, all NAT cases; the other seven lines are ordinary.
    expect(value.summary).toMatchObject({ kind: 'data', events: 11, findings: 4, alertsPublished: 4 });
    expect(entries).toHaveLength(4);
    for (const entry of entries) {
      expect(entry.topicArn).toBe(TOPIC);
      expect(entry.messageStructure).toBe('json');
      const body = JSON.parse(entry.message) as Record<string, string>;
      expect(Object.keys(body).sort()).toEqual(['default', 'email', 'https']);
      const alert = JSON.parse(body.default ?? '');
      expect(alert).toMatchObject({ ruleId: '11209', classification: 'nat-misconfiguration', logGroup: '/ftp/proftpd' });
      expect(JSON.parse(body.https ?? '')).toMatchObject({ version: '1.0', source: 'custom' });
      expect(body.email).toContain(alert.srcIp);
      expect(entry.messageAttributes).toEqual({
        ruleId: { DataType: 'String', StringValue: '11209' },
        severity: { DataType: 'String', StringValue: alert.severity },
        classification: { DataType: 'String', StringValue: 'nat-misconfiguration' },
        logGroup: { DataType: 'String', StringValue: '/ftp/proftpd' },
        account: { DataType: 'String', StringValue: '123456789012' },
      });
      expect([...(entry.subject ?? '')].length).toBeLessThan(100);
      // eslint-disable-next-line no-control-regex -- asserting their absence.
      expect(entry.subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
    expect(entries.map((e) => JSON.parse(JSON.parse(e.message).default).srcIp).sort()).toEqual(
      ['1.2.3.4', '85.102.240.252', '85.103.107.214', '::ffff:1.2.3.4'].sort(),
    );
  });

  it('keeps hostile log text out of subjects and attributes', async () => {
    const hostile =
      'Jun  3 02:14:07 ftp1 proftpd[20311]: ftp\u001b[31m.example.com (evil\u0007<!channel>@here[198.51.100.66]) - '
      + 'Refused PORT 203,0,113,9,0,21 (address mismatch)';

    const { entries } = await newlyPublished(() => invoke(subscriptionEvent([hostile], '/ftp/\u0007proftpd')));

    expect(entries).toHaveLength(1);
    const [entry] = entries;
    // eslint-disable-next-line no-control-regex -- asserting their absence.
    expect(entry?.subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    // eslint-disable-next-line no-control-regex -- asserting their absence.
    expect(entry?.messageAttributes.logGroup?.StringValue).not.toMatch(/[\u0000-\u001f]/);
  });

  it('logs one summary line and emits EMF metrics per invocation', async () => {
    const { lines } = await invoke(subscriptionEvent([ORDINARY, NAT, BOUNCE]));

    const logs = lines.filter((line) => !('_aws' in line));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'INFO',
      message: 'batch processed',
      service: 'ftp-bounce-watch',
      function_request_id: context.awsRequestId,
      summary: { events: 3, findings: 2, alertsPublished: 2, fastPath: false },
    });
    expect(metricValue(lines, 'Batches')).toBe(1);
    expect(metricValue(lines, 'LogEvents')).toBe(3);
    expect(metricValue(lines, 'AlertsPublished')).toBe(2);
    const byClassification = lines.filter((line) => '_aws' in line && 'classification' in line);
    expect(byClassification.map((line) => [line.classification, line.Findings]).sort()).toEqual([
      ['bounce-attempt', 1],
      ['nat-misconfiguration', 1],
    ]);
  });

  it('takes the fast path for a batch without refusals and publishes nothing', async () => {
    const { value, entries } = await newlyPublished(() => invoke(subscriptionEvent([ORDINARY, ORDINARY])));

    expect(value.summary).toMatchObject({ kind: 'no-candidates', fastPath: true });
    expect(metricValue(value.lines, 'FastPathBatches')).toBe(1);
    expect(entries).toEqual([]);
  });

  it('retries an entry SNS reports as failed, then succeeds, publishing each alert once', async () => {
    const bounce = (e: ReceivedEntry) => e.messageAttributes.classification?.StringValue === 'bounce-attempt';
    sns.failEntries(bounce, 1);
    const receivedBefore = sns.received.length;

    const { value, entries } = await newlyPublished(() => invoke(subscriptionEvent([NAT, BOUNCE])));

    expect(value.summary.alertsPublished).toBe(2);
    expect(entries).toHaveLength(2);
    const attempts = sns.received.slice(receivedBefore);
    expect(attempts.map((e) => [bounce(e), e.outcome])).toEqual(
      expect.arrayContaining([
        [true, { code: 'InternalError', senderFault: false }],
        [true, 'published'],
        [false, 'published'],
      ]),
    );
    expect(attempts).toHaveLength(3);
    expect(metricValue(value.lines, 'PublishRetries')).toBe(1);
  });

  it('retries after an HTTP 500 and after throttling', async () => {
    sns.failRequests(1, { status: 500, code: 'InternalError' });
    sns.failRequests(1, { status: 400, code: 'Throttling', message: 'Rate exceeded' });

    const { value, entries } = await newlyPublished(() => invoke(subscriptionEvent([BOUNCE])));

    expect(value.summary.alertsPublished).toBe(1);
    expect(entries).toHaveLength(1);
  });

  it('fails the invocation when an alert stays unpublished after every attempt', async () => {
    sns.failEntries(() => true, 3);

    const { error, lines } = await captureOutput(() => loaded.handler(subscriptionEvent([BOUNCE]), context));

    expect(error).toBeInstanceOf(loaded.AlertPublishError);
    expect((error as Error).message).toMatch(/1 of 1 alerts not published.*InternalError/);
    expect(lines.find((line) => line.message === 'alerts not published')).toMatchObject({ level: 'ERROR' });
  });

  it('rejects a malformed payload with MalformedPayloadError, logging the reason without the payload', async () => {
    const secret = 'payload-secret-4242';
    const garbage = { awslogs: { data: Buffer.from(`{"logEvents":"${secret}"}`).toString('base64') } };

    const { error, lines } = await captureOutput(() => loaded.handler(garbage, context));

    expect(error).toBeInstanceOf(loaded.MalformedPayloadError);
    expect((error as Error).name).toBe('MalformedPayloadError');
    const logged = lines.find((line) => line.message === 'malformed subscription payload');
    expect(logged).toMatchObject({ level: 'ERROR', reason: 'not-gzip' });
    expect(JSON.stringify(lines)).not.toContain(secret);
    expect(metricValue(lines, 'MalformedBatches')).toBe(1);
  });

  it('resolves on a control message without publishing', async () => {
    const control = encodeSubscriptionEvent({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [{ id: '', timestamp: Date.now(), message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda.' }],
    } as unknown as LogsBatch);

    const { value, entries } = await newlyPublished(() => invoke(control));

    expect(value.summary.kind).toBe('control');
    expect(entries).toEqual([]);
  });
});

describe('handler with SNS unreachable', () => {
  it('rejects the invocation when nothing listens on the SNS endpoint', async () => {
    const closed = await startLocalSnsServer();
    const endpoint = closed.endpoint;
    await closed.close();
    const unreachable = loadHandler({ AWS_ENDPOINT_URL_SNS: endpoint, PUBLISH_MAX_ATTEMPTS: '2' });

    const { error } = await captureOutput(() => unreachable.handler(subscriptionEvent([BOUNCE]), context));

    expect(error).toBeInstanceOf(unreachable.AlertPublishError);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });
});

describe('handler with SNS hanging', () => {
  it.each([
    ['never answers', undefined],
    // After SNS's 5 s request timeout, and 10x the 1.5 s the handler's calls get: never inside the deadline.
    ['answers after the request timeout', 15_000],
  ])('ends the invocation before the function timeout when SNS %s, with a named error, a log line and a metric', async (_case, delayMs) => {
    const server = await startSlowServer(delayMs === undefined ? {} : { delayMs });
    try {
      const hanging = loadHandler({ AWS_ENDPOINT_URL_SNS: server.url, PUBLISH_MAX_ATTEMPTS: '5' });
      // 4.5 s left before the function's timeout; the handler keeps 3 s back, so its calls get 1.5 s.
      const shortContext = { ...context, getRemainingTimeInMillis: () => 4_500 } as Context;
      const started = Date.now();

      const { error, lines } = await captureOutput(() => hanging.handler(subscriptionEvent([BOUNCE]), shortContext));

      // Ended before the function's timeout (the 4.5 s left), not after the publisher's 5 attempts of up to 5 s each.
      expect(Date.now() - started).toBeLessThan(4_500);
      expect(error).toMatchObject({ name: 'DeadlineExceededError', operation: 'sns:PublishBatch' });
      const logged = lines.filter((l) => l.message === 'outbound call cut off by the invocation deadline');
      expect(logged).toEqual([expect.objectContaining({ level: 'ERROR', operation: 'sns:PublishBatch' })]);
      expect(lines.find((l) => 'DeadlineExceeded' in l)).toMatchObject({ DeadlineExceeded: 1 });
    } finally {
      await server.close();
    }
  });
});

describe('handler configuration', () => {
  it('refuses to load without ALERT_TOPIC_ARN, naming the variable', () => {
    expect(() => loadHandler({ ALERT_TOPIC_ARN: undefined })).toThrow(
      expect.objectContaining({ name: 'ConfigError', variable: 'ALERT_TOPIC_ARN' }),
    );
  });
});
