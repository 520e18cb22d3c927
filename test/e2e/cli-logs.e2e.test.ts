/**
 * The CLI's AWS commands end to end: the real CloudWatchLogsClient (and SNSClient), real HTTP, real SigV4,
 * pointed by AWS_ENDPOINT_URL_CLOUDWATCH_LOGS at a loopback server speaking the CloudWatch Logs JSON 1.1
 * protocol. Run through `main(argv, io)`, and through the real executable.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { type LocalSnsServer, startLocalSnsServer } from '../../scripts/local-sns/server';
import { captureIo } from '../support/cli-io';
import { type LoopbackLogsServer, type StoredEvent, startLoopbackLogsServer } from '../support/loopback-logs-server';
import { deployedClients, DETECTOR_LOG_GROUP, FORWARDER_LOG_GROUP, FULL_OUTPUTS, SWEEP_LOG_GROUP } from '../unit/cli/deployment-fixtures';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/ftp-bounce-watch.js');
const REGION = 'eu-west-1';
const TOPIC = `arn:aws:sns:${REGION}:123456789012:ftp-bounce-watch-alerts`;
const DETECTOR = `arn:aws:lambda:${REGION}:123456789012:function:FtpBounceWatch-Detector`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// Every test talks real HTTP; some spawn the executable (Node, the bundle, the SDK): seconds on a loaded machine.
jest.setTimeout(30_000);

const FIXTURE_LINES = readFileSync(join(ROOT, 'test/fixtures/real-proftpd.log'), 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);
/** Beyond the fixture: EPRT, a bounce, a journald JSON event, and a forgery the filter lets through. */
const MORE_LINES = [
  '2025-05-29 18:50:01,120 ftp2 proftpd[4242] ftp.example.com (evil.example[203.0.113.9]): Refused PORT 198,51,100,7,0,25 (port 25 below 1024, possible bounce attack)',
  'Jun  2 09:15:00 ftp3 proftpd[777]: ftp.example.com (v6.example[2001:db8::5]) - Refused EPRT |2|2001:db8::99|40123| (address mismatch)',
  '{"MESSAGE":"ftp.example.com (c.example[198.51.100.4]) - Refused PORT 203,0,113,80,31,144 (address mismatch)","SYSLOG_IDENTIFIER":"proftpd","_PID":"99"}',
  'Jun  2 09:16:00 ftp3 sshd[1]: Invalid user Refused PORT 1,2,3,4,5,6 from 203.0.113.50',
];
const LINES = [...FIXTURE_LINES, ...MORE_LINES];
/**
 * Half an hour ago, one second apart, over two streams: the order in time is the order in the file. Far from the
 * hour, so `status` shows the last event as "NNm ago" however long the tests before it take.
 */
const START = Date.now() - 30 * MINUTE;
const EVENTS: StoredEvent[] = LINES.map((message, i) => ({
  logStreamName: i % 2 === 0 ? 'i-0aaa/proftpd.log' : 'i-0bbb/proftpd.log',
  timestamp: START + i * 1000,
  message,
}));
/** Older than --since 2d: must not be fetched. */
const OLD_EVENT: StoredEvent = {
  logStreamName: 'i-0aaa/proftpd.log',
  timestamp: Date.now() - 3 * 24 * HOUR,
  message: MORE_LINES[0] as string,
};

const dir = mkdtempSync(join(tmpdir(), 'fbw-e2e-'));
const LOG_FILE = join(dir, 'proftpd.log');
writeFileSync(LOG_FILE, `${LINES.join('\n')}\n`);

let logs: LoopbackLogsServer;
let sns: LocalSnsServer;
const savedEnv = { ...process.env };

/** The environment a user would have, pointed at the loopback servers; nothing from this machine's AWS setup. */
function awsEnv(): Record<string, string> {
  return {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDLOOPBACK',
    AWS_SECRET_ACCESS_KEY: 'loopback-secret',
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: logs.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_MAX_ATTEMPTS: '1',
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function withoutAwsSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('AWS_')));
}

beforeAll(async () => {
  logs = await startLoopbackLogsServer({
    region: REGION,
    pageSize: 3,
    logGroups: {
      '/ftp/proftpd': {
        events: [OLD_EVENT, ...EVENTS],
        filters: [{ filterName: SUBSCRIPTION_FILTER_NAME, filterPattern: DEFAULT_FILTER_PATTERN, destinationArn: DETECTOR }],
      },
      '/ftp/proftpd-archive': {},
      // The detector's own log group: what `status` searches for ERROR lines (the pattern runs on the server).
      [DETECTOR_LOG_GROUP]: {
        events: [
          { logStreamName: 'd', timestamp: Date.now() - 2 * HOUR, message: '{"level":"INFO","message":"batch done"}' },
          {
            logStreamName: 'd',
            timestamp: Date.now() - HOUR,
            message: '{"level":"ERROR","message":"alerts not published","error":{"name":"SnsPublishError","message":"throttled"}}',
          },
          { logStreamName: 'd', timestamp: Date.now() - 25 * HOUR, message: '{"level":"ERROR","message":"too old"}' },
        ],
      },
      [SWEEP_LOG_GROUP]: {},
      '/ftp/full': {
        events: [{ logStreamName: 's', timestamp: START, message: 'hello' }],
        filters: [
          { filterName: 'siem', filterPattern: '', destinationArn: `arn:aws:firehose:${REGION}:123456789012:deliverystream/siem` },
          { filterName: 'errors', filterPattern: 'ERROR', destinationArn: `arn:aws:lambda:${REGION}:123456789012:function:pager` },
        ],
      },
    },
  });
  sns = await startLocalSnsServer({ topicArn: TOPIC });
  process.env = { ...withoutAwsSettings(savedEnv), ...awsEnv() };
});

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([logs.close(), sns.close()]);
});

/**
 * Real clients (from the environment), instant backoff so the suite stays fast. The stack, its topics, queues
 * and bucket (no loopback here) come from `deployedClients` when `stack` is given (`{}`: no stack deployed).
 */
function loopbackIo(options: { tty?: boolean; stack?: Parameters<typeof deployedClients>[0] } = {}) {
  const sleeps: number[] = [];
  const io = captureIo({
    ...(options.tty !== undefined && { tty: options.tty }),
    deps: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...(options.stack !== undefined && deployedClients(options.stack).deps),
    },
  });
  return { io, sleeps };
}

const jsonl = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The Finding alone: a file scan places it by file and line, a log group scan by group, stream, event and time. */
function withoutPlace(found: Record<string, unknown>): Record<string, unknown> {
  const { file: _f, lineNumber: _l, logGroup: _g, logStream: _s, eventId: _e, timestamp: _t, ...finding } = found;
  return finding;
}

async function fileFindings(): Promise<Record<string, unknown>[]> {
  const io = captureIo();
  expect(await main(['scan', '--format', 'jsonl', LOG_FILE], io)).toBe(0);
  return jsonl(io.out());
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real executable; asynchronous, since the loopback servers live in this process. */
function runBin(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('scan --log-group against CloudWatch Logs (loopback)', () => {
  it('finds exactly what a file scan of the same lines finds, across pages and a throttled request', async () => {
    const expected = await fileFindings();
    const before = logs.requests.length;
    logs.failNext('FilterLogEvents', { type: 'ThrottlingException', message: 'Rate exceeded' }, (body) => body.nextToken !== undefined);
    const { io, sleeps } = loopbackIo();

    const code = await main(['scan', '--format', 'jsonl', '--log-group', '/ftp/proftpd', '--since', '2d'], io);

    expect(code).toBe(0);
    expect(io.err()).toBe('');
    const found = jsonl(io.out());
    expect(found.map(withoutPlace)).toEqual(expected.map(withoutPlace));
    expect(found).toHaveLength(7);
    expect(found.every((f) => f.logGroup === '/ftp/proftpd' && typeof f.eventId === 'string')).toBe(true);
    expect(found.map((f) => f.timestamp)).toEqual(
      expected.map((f) => new Date(START + ((f.lineNumber as number) - 1) * 1000).toISOString()),
    );
    expect(found.map((f) => f.logStream)).toEqual(
      expected.map((f) => ((f.lineNumber as number) % 2 === 1 ? 'i-0aaa/proftpd.log' : 'i-0bbb/proftpd.log')),
    );

    const requests = logs.requests.slice(before);
    // 8 of the 15 lines hold a keyword (the forged sshd line among them): pages of 3, plus one throttled retry.
    expect(requests.map((r) => [r.operation, r.failedWith ?? 'ok'])).toEqual([
      ['FilterLogEvents', 'ok'],
      ['FilterLogEvents', 'ThrottlingException'],
      ['FilterLogEvents', 'ok'],
      ['FilterLogEvents', 'ok'],
    ]);
    expect(requests.every((r) => r.body.filterPattern === DEFAULT_FILTER_PATTERN)).toBe(true);
    expect(sleeps).toHaveLength(1);
  });

  it('publishes the alerts through SNS with --publish', async () => {
    const { io } = loopbackIo();

    const code = await main(['scan', '--format', 'jsonl', '--publish', TOPIC, '--log-group', '/ftp/proftpd', '--since', '2d'], io);

    expect(code).toBe(0);
    const alerts = jsonl(io.out());
    expect(alerts.length).toBeGreaterThan(0);
    expect(sns.published.map((entry) => JSON.parse(entry.message).default)).toEqual(alerts.map((alert) => JSON.stringify(alert)));
    expect(sns.published.every((entry) => entry.messageAttributes.logGroup?.StringValue === '/ftp/proftpd')).toBe(true);
    expect(io.err()).toBe(`ftp-bounce-watch: published ${alerts.length} alerts to ${TOPIC}\n`);
  });

  it('names an unknown log group in one line, exit 2', async () => {
    const { io } = loopbackIo();

    const code = await main(['scan', '--log-group', '/ftp/nope'], io);

    expect(code).toBe(2);
    expect(io.err()).toBe(
      'ftp-bounce-watch: log group "/ftp/nope" does not exist in eu-west-1 (check the name, and AWS_REGION or the profile\'s region)\n',
    );
  });
});

describe('status against CloudWatch Logs (loopback)', () => {
  it.each<[string, string, number, RegExp | null]>([
    ['a healthy log group', '/ftp/proftpd', 0, null],
    ['a log group whose 2 filter slots are taken by others', '/ftp/full', 1, /both of the 2 filter slots are taken/],
    ['a missing log group', '/ftp/missing', 1, /does not exist in eu-west-1/],
  ])('%s', async (_name, group, exitCode, problem) => {
    const { io } = loopbackIo({ stack: {} });

    const code = await main(['status', '--format', 'json', '--log-group', group], io);

    expect(code).toBe(exitCode);
    const report = JSON.parse(io.out()) as { logGroups: Array<{ logGroup: string; healthy: boolean; problems: string[] }> };
    expect(report.logGroups).toEqual([expect.objectContaining({ logGroup: group, healthy: exitCode === 0 })]);
    if (problem === null) expect(io.err()).toBe('');
    else expect(io.err()).toMatch(problem);
  });

  it('reads the log groups from cdk.json in the working directory', async () => {
    const app = mkdtempSync(join(tmpdir(), 'fbw-app-'));
    writeFileSync(join(app, 'cdk.json'), JSON.stringify({ app: 'npx tsx infra/app.ts', context: { logGroups: '/ftp/proftpd' } }));
    const io = captureIo({ tty: true, deps: { cwd: app, ...deployedClients({}).deps } });

    expect(await main(['status'], io)).toBe(0);
    expect(io.out()).toMatch(/\n\/ftp\/proftpd {2}ok {6}filter ftp-bounce-watch {2}1\/2 {6}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+m ago\)\n/);
  });

  it('finds the detector\'s ERROR lines of the last 24 hours with the real FilterLogEvents', async () => {
    const { io } = loopbackIo({ stack: { outputs: FULL_OUTPUTS } });

    const code = await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], io);

    // The forwarder's log group is not on the server: named in one line, the rest still reported.
    expect(code).toBe(2);
    const report = JSON.parse(io.out()) as {
      deployment: {
        unchecked: string[];
        recentErrors: Array<{ function: string; count: number; latest: Array<{ message: string }> }>;
      };
    };
    expect(report.deployment.recentErrors.map((e) => [e.function, e.count, e.latest.map((l) => l.message)])).toEqual([
      ['detector', 1, ['alerts not published: throttled']],
      ['sweep', 0, []],
      ['slack-forwarder', null, []],
    ]);
    expect(report.deployment.unchecked).toEqual([
      `log group "${FORWARDER_LOG_GROUP}" does not exist in eu-west-1 (check the name, and AWS_REGION or the profile's region)`,
    ]);
  });
});

describe('the executable against CloudWatch Logs (loopback)', () => {
  it('prints the same jsonl findings as main does', async () => {
    const expected = await fileFindings();

    const run = await runBin(['scan', '--format', 'jsonl', '--log-group', '/ftp/proftpd', '--since', '2d'], process.env);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(jsonl(run.stdout).map(withoutPlace)).toEqual(expected.map(withoutPlace));
  });

  it('exits 1 from status for a log group we cannot attach to', async () => {
    const run = await runBin(
      ['status', '--format', 'json', '--log-group', '/ftp/full', '--log-group', '/ftp/proftpd', '--log-groups-only'],
      process.env,
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ftp-bounce-watch: \/ftp\/full: no ftp-bounce-watch subscription filter, and ours cannot be added/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    [
      'no credentials',
      { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      'ftp-bounce-watch: no AWS credentials found: set AWS_PROFILE (and run `aws sso login` if it uses SSO) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ],
    [
      'no Region',
      { AWS_REGION: undefined },
      'ftp-bounce-watch: no AWS Region configured: set AWS_REGION (e.g. AWS_REGION=eu-west-1) or a region in your AWS profile',
    ],
  ])('exits 2 with one line with %s', async (_name, change, message) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(change)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }

    const run = await runBin(['status', '--log-group', '/ftp/proftpd'], env);

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${message}\n`);
  });
});
