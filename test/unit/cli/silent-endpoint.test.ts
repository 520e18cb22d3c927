/**
 * A silent AWS endpoint (accepts the connection, never answers): every CLI call ends within `--timeout` (30 s by
 * default), shows its retries, and ends with one line naming the endpoint and what to check. Against a loopback
 * server that never answers, with the real SDK clients.
 */
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ATTEMPTS_PER_TIMEOUT, DEFAULT_SILENCE_TIMEOUT_MS, endpointOf, SilenceBudget } from '../../../cli/aws/call';
import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';
import { type SlowServer, startSlowServer } from '../../support/slow-server';
import { BOUNCE, event, logsClient as fixtureLogsClient, REGION } from './aws-fixtures';

// Each test waits out a real (short) timeout.
jest.setTimeout(20_000);

const CREDENTIALS = { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit-test-secret' };

describe('SilenceBudget: how long an endpoint may stay silent', () => {
  it('gives each attempt a third of the default 30 s, and nothing once 30 s of silence are spent', () => {
    let now = 0;
    const budget = new SilenceBudget(DEFAULT_SILENCE_TIMEOUT_MS, {}, () => now);
    const attempts: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const ms = budget.attemptMs('e');
      if (ms <= 0) break;
      budget.silent('e', now);
      now += ms;
      attempts.push(ms);
    }

    expect(DEFAULT_SILENCE_TIMEOUT_MS).toBe(30_000);
    expect(attempts).toEqual(Array.from({ length: ATTEMPTS_PER_TIMEOUT }, () => 10_000));
    expect(attempts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
    expect(budget.remainingMs('e')).toBe(0);
  });

  it('counts backoff as silence, and starts again once the endpoint answers', () => {
    let now = 0;
    const budget = new SilenceBudget(9_000, {}, () => now);
    budget.silent('e', 0);
    now = 7_000;

    expect(budget.attemptMs('e')).toBe(2_000);
    expect(budget.attemptMs('other')).toBe(3_000);
    budget.answered('e');
    expect(budget.attemptMs('e')).toBe(3_000);
  });

  it.each([
    ['CloudWatch Logs', { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: 'http://127.0.0.1:9' }, 'http://127.0.0.1:9', 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS'],
    ['SNS', { AWS_ENDPOINT_URL: 'http://127.0.0.1:8' }, 'http://127.0.0.1:8', 'AWS_ENDPOINT_URL'],
    ['SQS', { AWS_ENDPOINT_URL_SQS: '', AWS_ENDPOINT_URL: 'http://x' }, 'http://x', 'AWS_ENDPOINT_URL'],
    ['CloudFormation', {}, `https://cloudformation.${REGION}.amazonaws.com`, 'the default endpoint'],
    ['S3', {}, `https://s3.${REGION}.amazonaws.com`, 'the default endpoint'],
  ])('names the endpoint of %s as the SDK picks it', (service, env, url, source) => {
    expect(endpointOf(service, REGION, env)).toEqual({ url, source });
  });

  it.each([0, -1, Number.NaN])('refuses a timeout of %p', (ms) => {
    expect(() => new SilenceBudget(ms)).toThrow(RangeError);
  });
});

describe('a CloudWatch Logs endpoint that accepts and never answers', () => {
  let server: SlowServer;
  beforeEach(async () => {
    server = await startSlowServer();
  });
  afterEach(async () => {
    await server.close();
  });

  function silentIo(options: { tty?: boolean } = {}) {
    // The SDK's own per-attempt timeout is far longer (60 s): only the CLI's cut can end these runs in time.
    const client = new CloudWatchLogsClient({
      region: REGION,
      endpoint: server.url,
      credentials: CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    });
    return captureIo({
      ...(options.tty !== undefined && { tty: options.tty }),
      env: { AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: server.url },
      deps: { logsClient: () => client, sleep: async () => undefined, random: () => 0.5 },
    });
  }

  it.each([
    ['scan --log-group', ['scan', '--format', 'jsonl', '--log-group', '/ftp/proftpd', '--timeout', '1.5'], 'FilterLogEvents on log group "/ftp/proftpd"'],
    ['status', ['status', '--format', 'json', '--log-group', '/ftp/proftpd', '--timeout', '1.5'], 'DescribeLogGroups'],
  ])('%s ends after --timeout with one line naming the endpoint (exit 2)', async (_name, argv, call) => {
    const io = silentIo();
    const started = performance.now();

    const code = await main(argv, io);

    const elapsed = performance.now() - started;
    expect(code).toBe(2);
    expect(io.err()).toBe(
      `ftp-bounce-watch: no answer from CloudWatch Logs at ${server.url} (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS) to ${call} `
      + `within 1.5 s (${ATTEMPTS_PER_TIMEOUT} attempts): check the network path to it (a proxy in HTTPS_PROXY, a firewall, a `
      + 'VPC endpoint), AWS_ENDPOINT_URL_CLOUDWATCH_LOGS and AWS_REGION; --timeout SECONDS waits longer\n',
    );
    expect(server.requests()).toBe(ATTEMPTS_PER_TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(1_450);
    expect(elapsed).toBeLessThan(1_500 + 2_000);
  });

  it('shows each retry on the progress line, with how long the endpoint has been silent', async () => {
    const io = silentIo({ tty: true });

    expect(await main(['scan', '--log-group', '/ftp/proftpd', '--timeout', '3'], io)).toBe(2);

    const updates = io.err().split('\r\u001b[K').filter((u) => u.includes('no answer for'));
    expect(updates.map((u) => u.replace(/^.*?\(/, '('))).toEqual(
      expect.arrayContaining(['(no answer for 1s of 3s, retry in 0.2s)', '(no answer for 2s of 3s, retry in 0.4s)']),
    );
  });

  it('refuses a --timeout that is not seconds from 1 to 3600', async () => {
    const io = silentIo();

    expect(await main(['status', '--log-group', '/ftp/proftpd', '--timeout', '0'], io)).toBe(2);
    expect(io.err()).toBe('ftp-bounce-watch: --timeout takes seconds from 1 to 3600, not \'0\' (see \'ftp-bounce-watch status --help\')\n');
    expect(server.requests()).toBe(0);
  });
});

describe('an SNS endpoint that accepts and never answers, for scan --publish', () => {
  let server: SlowServer;
  beforeEach(async () => {
    server = await startSlowServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('ends within --timeout with one line naming the endpoint (exit 1: not every alert was sent)', async () => {
    const logsClient = fixtureLogsClient();
    mockClient(logsClient).on(FilterLogEventsCommand).resolves({ $metadata: {}, events: [event(BOUNCE, 0)] });
    // The SDK's own per-attempt timeout is far longer: only the CLI's deadline can end this run in time.
    const sns = new SNSClient({
      region: REGION,
      endpoint: server.url,
      credentials: CREDENTIALS,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
    });
    const io = captureIo({
      env: { AWS_ENDPOINT_URL_SNS: server.url },
      deps: { logsClient: () => logsClient, snsClient: () => sns, sleep: async () => undefined, random: () => 0.5 },
    });
    const topic = `arn:aws:sns:${REGION}:123456789012:ftp-bounce-watch-alerts`;
    const started = performance.now();

    const code = await main(['scan', '--publish', topic, '--format', 'jsonl', '--log-group', '/ftp/proftpd', '--timeout', '1.5'], io);

    const elapsed = performance.now() - started;
    expect(code).toBe(1);
    expect(io.err()).toMatch(
      new RegExp(`^ftp-bounce-watch: no answer from SNS at ${server.url.replace(/[.]/g, '\\.')} \\(AWS_ENDPOINT_URL_SNS\\) within 1\\.5 s`),
    );
    expect(io.err().trim().split('\n')).toHaveLength(1);
    expect(elapsed).toBeLessThan(1_500 + 2_000);
  });
});
