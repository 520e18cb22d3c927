/**
 * `ftp-bounce-watch test` end to end against the local deployment `npm start` runs (scripts/local-deployment.ts:
 * the real detector runtime, the incident table in dynalite, the loopback SNS server), with real SDK clients and
 * real HTTP: CloudWatch Logs is the loopback server, whose PutLogEvents hands the written events to the detector as
 * a subscription filter would; the canary key comes from a loopback Secrets Manager; the stack's outputs from a
 * mocked DescribeStacks.
 */
import { CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STACK_OUTPUT_KEYS } from '../../infra/deployment-names';
import { main } from '../../cli/main';
import { CANARY_STREAM, canaryLine, newNonce, signCanary } from '../../lambda/canary/proof';
import { type LiveLocalDeployment, startLocalDeployment } from '../../scripts/local-deployment';
import { captureIo } from '../support/cli-io';
import { type LoopbackLogsServer, startLoopbackLogsServer } from '../support/loopback-logs-server';
import { type LoopbackSecretsServer, startLoopbackSecretsServer } from '../support/loopback-secrets-server';
import { deployedClients, FULL_OUTPUTS } from '../unit/cli/deployment-fixtures';

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALRUN', secretAccessKey: 'local-run-not-a-secret' };
const SUBSCRIBED = '/ftp/proftpd';
/** A log group with no subscription: what it holds never reaches the detector. */
const UNSUBSCRIBED = '/ftp/forgotten';
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:123456789012:secret:FtpBounceWatchCanaryKey-AbCdEf`;

// Real HTTP to four loopback servers and the detector's cold start: seconds on a loaded machine.
jest.setTimeout(60_000);

let deployment: LiveLocalDeployment;
let logs: LoopbackLogsServer;
let secrets: LoopbackSecretsServer;
const deliveries: Array<Promise<unknown>> = [];

beforeAll(async () => {
  deployment = await startLocalDeployment({ region: REGION });
  secrets = await startLoopbackSecretsServer({ [SECRET_ARN]: deployment.canaryKey });
  logs = await startLoopbackLogsServer({
    region: REGION,
    logGroups: { [SUBSCRIBED]: {}, [UNSUBSCRIBED]: {} },
    onPut: (batch) => {
      if (batch.logGroup === SUBSCRIBED) deliveries.push(deployment.deliver(batch));
    },
  });
});

afterAll(async () => {
  await Promise.allSettled(deliveries);
  await Promise.all([logs?.close(), secrets?.close(), deployment?.close()]);
});

function logsClient(): CloudWatchLogsClient {
  return new CloudWatchLogsClient({ region: REGION, endpoint: logs.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
}

async function runTest(argv: readonly string[], options: { stderrTty?: boolean; interruptAfterPut?: boolean } = {}) {
  const { deps: deployed } = deployedClients({
    outputs: {
      ...FULL_OUTPUTS,
      [STACK_OUTPUT_KEYS.incidentTableName]: deployment.tableName,
      [STACK_OUTPUT_KEYS.canarySecretArn]: SECRET_ARN,
    },
  });
  const loopback = { region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
  const io = captureIo({
    stderrTty: options.stderrTty ?? false,
    deps: {
      cloudFormationClient: deployed.cloudFormationClient,
      logsClient,
      secretsManagerClient: () => new SecretsManagerClient({ ...loopback, endpoint: secrets.endpoint }),
      dynamodbClient: () => new DynamoDBClient({ ...loopback, endpoint: deployment.dynamoDbEndpoint }),
    },
  });
  const puts = logs.requests.filter((r) => r.operation === 'PutLogEvents').length;
  const run = main(['test', ...argv], io);
  if (options.interruptAfterPut === true) {
    // Ctrl-C once the line is written, while the command waits for the detector.
    while (logs.requests.filter((r) => r.operation === 'PutLogEvents').length === puts) await new Promise((r) => setTimeout(r, 10));
    io.abort();
  }
  const code = await run;
  await Promise.all(deliveries);
  return { code, out: io.out(), err: io.err() };
}

/** The alert JSON of each message the alert topic received since `from`. */
function alertsSince(from: number): Array<{ subject: string | undefined; alert: Record<string, unknown> }> {
  return deployment.published
    .slice(from)
    .filter((entry) => entry.topicArn === deployment.alertTopicArn)
    .map((entry) => {
      const json = (JSON.parse(entry.message) as { default: string }).default;
      return { subject: entry.subject, alert: JSON.parse(json) as Record<string, unknown> };
    });
}

describe('ftp-bounce-watch test', () => {
  it('sees every hop: written, seen by the detector, published to the canary topic, and alerts nobody', async () => {
    const before = deployment.published.length;

    const { code, out, err } = await runTest(['--log-group', SUBSCRIBED]);

    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain(`${SUBSCRIBED}: log group -> detector -> SNS`);
    expect(out).toMatch(/\n {2}detector {3}\+\d+\.\d s\n/);
    expect(out).toMatch(/\n {2}SNS {8}\+\d+\.\d s \(the canary topic, no person\)\n/);
    const sent = deployment.published.slice(before);
    expect(sent.map((e) => [e.topicArn, e.messageAttributes.kind?.StringValue])).toEqual([[deployment.canaryTopicArn, 'test']]);
  });

  it('with --deliver sends people one alert marked TEST, outside alert memory', async () => {
    const before = deployment.published.length;

    const { code, out } = await runTest(['--log-group', SUBSCRIBED, '--deliver']);

    expect(code).toBe(0);
    expect(out).toContain('(the alert topic: an alert marked TEST, to people)');
    const alerts = alertsSince(before);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toMatch(/^\[TEST\] \[CRITICAL\] /);
    expect(alerts[0]?.alert).toMatchObject({ test: true, alertMemory: 'off', logGroup: SUBSCRIBED, srcIp: '192.0.2.1' });
  });

  it('says which hop was not seen when the detector never sees the line (exit 1)', async () => {
    const { code, out, err } = await runTest(['--log-group', UNSUBSCRIBED, '--timeout', '2']);

    expect(code).toBe(1);
    expect(out).toContain('  detector   NOT SEEN');
    expect(err.trim().split('\n')).toEqual([
      expect.stringMatching(/^ftp-bounce-watch: not seen within 2 s: log group -> detector: .*subscription filter \(ftp-bounce-watch status --log-group \/ftp\/forgotten\)/),
    ]);
  });

  it('shows a progress line on a terminal while it waits, and erases it', async () => {
    const { code, err } = await runTest(['--log-group', UNSUBSCRIBED, '--timeout', '2'], { stderrTty: true });

    expect(code).toBe(1);
    const erase = '\r\u001b[K';
    expect(err).toContain(`${erase}waiting for the detector (0 of 1 log groups done): `);
    expect(err).toContain(`${erase}ftp-bounce-watch: not seen within 2 s: log group -> detector`);
  });

  it('stops at Ctrl-C while it waits, saying where (exit 130)', async () => {
    const { code, err } = await runTest(['--log-group', UNSUBSCRIBED, '--timeout', '60'], { interruptAfterPut: true });

    expect(code).toBe(130);
    expect(err).toMatch(/^ftp-bounce-watch: interrupted while (writing into \/ftp\/forgotten|waiting for the detector \(0 of 1 log groups done\)), before every hop was seen\n$/);
  });

  it('names the IAM action it was denied, in one line (exit 2)', async () => {
    logs.failNext('PutLogEvents', { status: 400, type: 'AccessDeniedException', message: 'User is not authorized to perform: logs:PutLogEvents' });

    const { code, out, err } = await runTest(['--log-group', SUBSCRIBED]);

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toEqual([expect.stringContaining('needs the IAM permission logs:PutLogEvents')]);
  });

  it('alerts a forged test line as the refusal it is, never marked TEST', async () => {
    const before = deployment.published.length;
    const forged = signCanary(Buffer.from('an-attacker-key-that-is-not-the-canary-key'), {
      purpose: 'test-deliver', logGroup: SUBSCRIBED, logStream: CANARY_STREAM, writtenAt: Date.now(), nonce: newNonce(),
    });

    await logsClient().send(new PutLogEventsCommand({
      logGroupName: SUBSCRIBED,
      logStreamName: CANARY_STREAM,
      logEvents: [{ timestamp: forged.writtenAt, message: canaryLine(forged) }],
    }));
    await Promise.all(deliveries);

    const alerts = alertsSince(before);
    expect(alerts.map((a) => [a.alert.classification, a.alert.test, a.subject?.startsWith('[TEST]')])).toEqual([['bounce-attempt', undefined, false]]);
  });
});
