/**
 * `status` beyond the log groups: the deployed stack's unconfirmed subscriptions, waiting failures and recent
 * function errors, through `main` (real SDK clients with aws-sdk-client-mock; a loopback server that never
 * answers for the timeout).
 */
import {
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeSubscriptionFiltersCommand,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../../cli/main';
import { DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME } from '../../../infra/filter-pattern';
import { captureIo } from '../../support/cli-io';
import { startSlowServer } from '../../support/slow-server';
import { pendingDeletion } from '../../../cli/log-groups/status-deployment';
import { awsError, fakeTime, logsClient, NOW, REGION } from './aws-fixtures';
import {
  ALERT_TOPIC,
  type DeployedWorld,
  deployedClients,
  DETECTOR_LOG_GROUP,
  FAILURE_BUCKET,
  FAILURE_QUEUE,
  FORWARDER_LOG_GROUP,
  FORWARDER_QUEUE,
  FULL_OUTPUTS,
  INCIDENT_TABLE,
  OPERATOR_TOPIC,
  SWEEP_LOG_GROUP,
} from './deployment-fixtures';

// Real HTTP with 12 attempts cut at 100 ms in one test, and the SDK loading in the first: seconds on a loaded machine.
jest.setTimeout(20_000);

const DETECTOR = `arn:aws:lambda:${REGION}:123456789012:function:FtpBounceWatch-Detector`;
const OURS = { filterName: SUBSCRIPTION_FILTER_NAME, filterPattern: DEFAULT_FILTER_PATTERN, destinationArn: DETECTOR };
const meta = { $metadata: {} };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const CONFIRMED = [
  { endpoint: 'ops@example.com' },
  { endpoint: 'https://global.sns-api.chatbot.amazonaws.com', protocol: 'https' },
];

/** A Powertools JSON line as our functions write it. */
function powertools(level: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ level, message, timestamp: '2025-06-01T11:00:00.000Z', service: 'ftp-bounce-watch', ...extra });
}

function logEvent(message: string, minutesAgo: number): FilteredLogEvent {
  return { logStreamName: '2025/06/01/[$LATEST]abc', timestamp: NOW - minutesAgo * MINUTE, message };
}

interface World extends DeployedWorld {
  /** Events matching the error pattern, per function log group. */
  readonly logEvents?: Record<string, FilteredLogEvent[]>;
}

const HEALTHY: World = {
  outputs: FULL_OUTPUTS,
  subscriptions: { [ALERT_TOPIC]: CONFIRMED, [OPERATOR_TOPIC]: [{ endpoint: 'ops@example.com' }] },
};

function arrange(world: World, options: { tty?: boolean } = {}) {
  const client = logsClient();
  const logs = mockClient(client);
  logs.on(DescribeLogGroupsCommand).resolves({ ...meta, logGroups: [{ logGroupName: '/ftp/proftpd' }] });
  logs.on(DescribeSubscriptionFiltersCommand).resolves({
    ...meta,
    subscriptionFilters: [OURS],
  });
  logs.on(DescribeLogStreamsCommand).resolves({ ...meta, logStreams: [{ logStreamName: 's', lastEventTimestamp: NOW - MINUTE }] });
  logs.on(FilterLogEventsCommand).callsFake((input: { logGroupName: string }) => ({
    ...meta,
    events: world.logEvents?.[input.logGroupName] ?? [],
  }));
  const deployed = deployedClients(world);
  const time = fakeTime({ logsClient: () => client });
  const io = captureIo({ tty: options.tty ?? false, deps: { ...time.deps, ...deployed.deps } });
  return { io, logs, ...deployed.mocks };
}

interface Deployment {
  stackName: string;
  found: boolean;
  healthy: boolean;
  problems: string[];
  warnings: string[];
  unchecked: string[];
  notes: string[];
  subscriptions: Array<{
    topic: string;
    topicArn: string;
    confirmed: number | null;
    pending: string[];
    pendingDeletedBy: string | null;
    pendingNote: string | null;
    error: string | null;
  }>;
  failureStores: Array<{
    store: string;
    kind: string;
    location: string;
    waiting: number | null;
    inFlight: number | null;
    capped: boolean;
    newest: string | null;
    error: string | null;
  }>;
  recentErrors: Array<{
    function: string;
    logGroup: string;
    since: string;
    count: number | null;
    capped: boolean;
    latest: Array<{ time: string; message: string }>;
    error: string | null;
  }>;
  suppressions: { table: string; active: number | null; soonest: Array<{ id: string }>; error: string | null } | null;
}

async function statusJson(world: World, args: string[] = []) {
  const arranged = arrange(world);
  const code = await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd', ...args], arranged.io);
  const report = JSON.parse(arranged.io.out()) as { healthy: boolean; deployment: Deployment | null };
  return { ...arranged, code, report, deployment: report.deployment };
}

describe('status: the deployed stack', () => {
  it('reports a healthy deployment: exit 0, every part checked and named', async () => {
    const { code, report, deployment, io, cloudFormation, logs } = await statusJson(HEALTHY);

    expect(code).toBe(0);
    expect(report.healthy).toBe(true);
    expect(io.err()).toBe('');
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({ StackName: 'FtpBounceWatch' });
    expect(deployment).toEqual({
      stackName: 'FtpBounceWatch',
      found: true,
      healthy: true,
      problems: [],
      warnings: [],
      unchecked: [],
      notes: [],
      subscriptions: [
        { topic: 'alert', topicArn: ALERT_TOPIC, confirmed: 2, pending: [], pendingDeletedBy: null, pendingNote: null, error: null },
        { topic: 'operator', topicArn: OPERATOR_TOPIC, confirmed: 1, pending: [], pendingDeletedBy: null, pendingNote: null, error: null },
      ],
      failureStores: [
        { store: 'failure-queue', kind: 'sqs-queue', location: FAILURE_QUEUE, waiting: 0, inFlight: 0, capped: false, newest: null, error: null },
        { store: 'failure-bucket', kind: 's3-bucket', location: `s3://${FAILURE_BUCKET}`, waiting: 0, inFlight: null, capped: false, newest: null, error: null },
        {
          store: 'slack-forwarder-failure-queue',
          kind: 'sqs-queue',
          location: FORWARDER_QUEUE,
          waiting: 0,
          inFlight: 0,
          capped: false,
          newest: null,
          error: null,
        },
      ],
      recentErrors: [DETECTOR_LOG_GROUP, SWEEP_LOG_GROUP, FORWARDER_LOG_GROUP].map((logGroup, i) => ({
        function: ['detector', 'sweep', 'slack-forwarder'][i],
        logGroup,
        since: new Date(NOW - 24 * 60 * MINUTE).toISOString(),
        count: 0,
        capped: false,
        latest: [],
        error: null,
      })),
      canaries: [],
      suppressions: { table: INCIDENT_TABLE, active: 0, soonest: [], error: null },
    });
    // The error search: the last 24 hours, narrowed on the server by a pattern.
    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toEqual({
      logGroupName: DETECTOR_LOG_GROUP,
      startTime: NOW - 24 * 60 * MINUTE,
      endTime: NOW,
      filterPattern: '?ERROR ?"Task timed out"',
    });
  });

  it('names unconfirmed email subscriptions, when SNS deletes them at the latest, and what to do: exit 1', async () => {
    const { code, deployment, io } = await statusJson({
      ...HEALTHY,
      stackTimes: { created: new Date(NOW - 30 * 24 * 60 * MINUTE), updated: new Date(NOW - 2 * 60 * MINUTE) },
      subscriptions: {
        [ALERT_TOPIC]: [...CONFIRMED, { endpoint: 'bob@example.com', pending: true }, { endpoint: 'eve@example.com', pending: true }],
        [OPERATOR_TOPIC]: [{ endpoint: 'oncall@example.com', pending: true }],
      },
    });

    expect(code).toBe(1);
    expect(deployment?.subscriptions.map((s) => [s.topic, s.confirmed, s.pending, s.pendingDeletedBy])).toEqual([
      ['alert', 2, ['bob@example.com', 'eve@example.com'], '2025-06-03T10:00:00.000Z'],
      ['operator', 0, ['oncall@example.com'], '2025-06-03T10:00:00.000Z'],
    ]);
    expect(deployment?.problems).toEqual([
      '2 email subscriptions to the alert topic wait for confirmation and receive nothing: bob@example.com, '
      + 'eve@example.com; SNS deletes them at the latest 2025-06-03T10:00:00Z (in 46 h; 48 h after the stack\'s last '
      + 'deploy at 2025-06-01T10:00:00Z). Each address must click the link in the "AWS Notification - Subscription '
      + 'Confirmation" email before then (check spam); to send it again, or once SNS has deleted it: aws sns subscribe '
      + `--topic-arn ${ALERT_TOPIC} --protocol email --notification-endpoint bob@example.com`,
      expect.stringMatching(/^1 email subscription to the operator topic waits for confirmation and receives nothing: oncall@example\.com; SNS /),
    ]);
    expect(io.err().split('\n').filter((l) => l !== '')).toEqual(
      deployment?.problems.map((p) => `ftp-bounce-watch: stack FtpBounceWatch: ${p}`),
    );
  });

  it.each<[string, World, string, RegExp]>([
    [
      'the failure queue',
      { ...HEALTHY, queues: { [FAILURE_QUEUE]: [3, 1] } },
      'failure-queue',
      /^4 messages \(1 being read by someone now\) waiting in the failure queue https:\/\/sqs\..*: alert or alarm emails SNS could not deliver .*aws sqs receive-message --queue-url /,
    ],
    [
      'the Slack forwarder\'s failure queue',
      { ...HEALTHY, queues: { [FORWARDER_QUEUE]: [1, 0] } },
      'slack-forwarder-failure-queue',
      /^1 message waiting in the Slack forwarder's failure queue https:\/\/sqs\..*: alerts not posted to Slack; .*replay them/,
    ],
    [
      'the failure bucket (a few objects)',
      { ...HEALTHY, bucketObjects: 2 },
      'failure-bucket',
      /^2 failed invocations waiting in the failure bucket s3:\/\/ftpbouncewatch-detectorfailurebucket-abc123: log batches the detector failed on .*replay each object/,
    ],
    [
      'the failure bucket (more than one listing)',
      { ...HEALTHY, bucketObjects: 1500 },
      'failure-bucket',
      /^≥ 1000 failed invocations waiting in the failure bucket /,
    ],
  ])('counts what waits in %s: exit 1, where it is and what to do', async (_name, world, store, problem) => {
    const { code, deployment, s3 } = await statusJson(world);

    expect(code).toBe(1);
    expect(deployment?.problems).toHaveLength(1);
    expect(deployment?.problems[0]).toMatch(problem);
    const found = deployment?.failureStores.find((s) => s.store === store);
    expect(found?.waiting).toBeGreaterThan(0);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toEqual({ Bucket: FAILURE_BUCKET, MaxKeys: 1000 });
  });

  it('shows the capped bucket count and its newest object', async () => {
    const { deployment } = await statusJson({ ...HEALTHY, bucketObjects: 1500 });

    expect(deployment?.failureStores.find((s) => s.store === 'failure-bucket')).toMatchObject({
      waiting: 1000,
      capped: true,
      newest: '2025-06-01T09:00:59.000Z',
    });
  });

  it('reports recent ERROR lines as a warning (exit 0), newest 3, from JSON and runtime lines alike', async () => {
    const { code, deployment, io } = await statusJson({
      ...HEALTHY,
      logEvents: {
        [DETECTOR_LOG_GROUP]: [
          logEvent(powertools('ERROR', 'alerts not published', { error: { name: 'SnsPublishError', message: 'KMS throttled' } }), 300),
          // Matches the server-side pattern but is no error: an INFO line that mentions the word.
          logEvent(powertools('INFO', 'batch done', { note: 'ERROR rate 0' }), 200),
          logEvent('2025-06-01T10:00:00.000Z\tabc-123\tERROR\tInvoke Error \t{"errorType":"Error","errorMessage":"boom"}', 120),
          logEvent('2025-06-01T11:00:00.000Z abc-124 Task timed out after 60.00 seconds', 60),
          logEvent(powertools('ERROR', 'malformed subscription payload', { error: 'not gzip' }), 30),
        ],
        [SWEEP_LOG_GROUP]: [logEvent(powertools('ERROR', 'invocation failed'), 10)],
      },
    });

    expect(code).toBe(0);
    expect(deployment?.healthy).toBe(true);
    expect(deployment?.recentErrors[0]).toMatchObject({
      function: 'detector',
      count: 4,
      capped: false,
      latest: [
        { time: new Date(NOW - 30 * MINUTE).toISOString(), message: 'malformed subscription payload: not gzip' },
        { time: new Date(NOW - 60 * MINUTE).toISOString(), message: 'Task timed out after 60.00 seconds' },
        { time: new Date(NOW - 120 * MINUTE).toISOString(), message: 'Invoke Error {"errorType":"Error","errorMessage":"boom"}' },
      ],
    });
    expect(deployment?.recentErrors[1]).toMatchObject({ function: 'sweep', count: 1 });
    expect(deployment?.warnings).toEqual([
      expect.stringMatching(
        /^4 ERROR lines from the detector in the last 24 h \(log group \/aws\/lambda\/FtpBounceWatch-DetectorLogGroup\); latest: 2025-06-01T11:30:00Z malformed subscription payload: not gzip \| 2025-06-01T11:00:00Z Task timed out .*aws logs tail /,
      ),
      expect.stringMatching(/^1 ERROR line from the sweep in the last 24 h/),
    ]);
    expect(io.err()).toBe('');
  });

  it('names a check it may not run in one line and carries on: exit 2 when nothing else is wrong', async () => {
    const { io, sqs } = arrange(HEALTHY);
    sqs
      .on(GetQueueAttributesCommand, { QueueUrl: FAILURE_QUEUE })
      .rejects(awsError('AccessDenied', 'User: arn:aws:iam::123456789012:user/ro is not authorized', 403));

    const code = await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], io);

    expect(code).toBe(2);
    const { deployment } = JSON.parse(io.out()) as { deployment: Deployment };
    expect(deployment.unchecked).toEqual([
      `access denied: GetQueueAttributes on queue ${FAILURE_QUEUE} needs the IAM permission sqs:GetQueueAttributes `
      + '(User: arn:aws:iam::123456789012:user/ro is not authorized)',
    ]);
    expect(deployment.failureStores.map((s) => [s.store, s.waiting])).toEqual([
      ['failure-queue', null],
      ['failure-bucket', 0],
      ['slack-forwarder-failure-queue', 0],
    ]);
    expect(io.err()).toBe(`ftp-bounce-watch: stack FtpBounceWatch: not checked: ${deployment.unchecked[0]}\n`);
  });

  it('stops searching a busy log group at a page cap and says the count is a lower bound', async () => {
    const { io, logs } = arrange(HEALTHY);
    let page = 0;
    logs.on(FilterLogEventsCommand, { logGroupName: DETECTOR_LOG_GROUP }).callsFake(() => {
      page++;
      return { ...meta, events: [logEvent(powertools('ERROR', `failure ${page}`), 600 - page)], nextToken: `p${page}` };
    });

    expect(await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], io)).toBe(0);
    const { deployment } = JSON.parse(io.out()) as { deployment: Deployment };
    expect(page).toBe(20);
    expect(deployment.recentErrors[0]).toMatchObject({ count: 20, capped: true });
    expect(deployment.recentErrors[0]?.latest.map((l) => l.message)).toEqual(['failure 20', 'failure 19', 'failure 18']);
    expect(deployment.warnings[0]).toMatch(/^≥ 20 ERROR lines from the detector/);
  });

  it('says so in one line when it may not read the stack, after the log groups: exit 2', async () => {
    const { io, cloudFormation, sns } = arrange(HEALTHY, { tty: true });
    cloudFormation.on(DescribeStacksCommand).rejects(awsError('AccessDenied', 'not authorized to perform: cloudformation:DescribeStacks', 403));

    expect(await main(['status', '--log-group', '/ftp/proftpd'], io)).toBe(2);
    expect(io.out()).toContain('/ftp/proftpd  ok ');
    expect(io.out()).toContain(
      '\nstack FtpBounceWatch: not checked: access denied: DescribeStacks on stack "FtpBounceWatch" needs the IAM '
      + 'permission cloudformation:DescribeStacks (not authorized to perform: cloudformation:DescribeStacks); '
      + '--log-groups-only checks the log groups alone\n\nStack FtpBounceWatch: 1 check not run.\n',
    );
    expect(sns.calls()).toHaveLength(0);
  });

  it('exits 1, not 2, when a check could not run and another found a problem', async () => {
    const { io, sns } = arrange({ ...HEALTHY, bucketObjects: 1 });
    sns.on(ListSubscriptionsByTopicCommand).rejects(awsError('AuthorizationError', 'not authorized', 403));

    expect(await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], io)).toBe(1);
    const { deployment } = JSON.parse(io.out()) as { deployment: Deployment };
    expect(deployment.unchecked).toHaveLength(2);
    expect(deployment.unchecked[0]).toMatch(/^access denied: ListSubscriptionsByTopic on topic .* needs the IAM permission sns:ListSubscriptionsByTopic/);
  });

  it('gives up on a failure queue that never answers (the per-attempt timeout fires, the retries end)', async () => {
    const server = await startSlowServer();
    try {
      const { io } = arrange(HEALTHY);
      const hanging = new SQSClient({
        region: REGION,
        endpoint: server.url,
        credentials: { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit-test-secret' },
        maxAttempts: 1,
        requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true },
      });
      const timed = captureIo({ deps: { ...io.deps, sqsClient: () => hanging } });

      const code = await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], timed);

      expect(code).toBe(2);
      const { deployment } = JSON.parse(timed.out()) as { deployment: Deployment };
      expect(deployment.unchecked).toHaveLength(2);
      expect(deployment.unchecked[0]).toMatch(
        new RegExp(`^SQS GetQueueAttributes on queue ${FAILURE_QUEUE.replace(/[.]/g, '\\.')} still failed after 6 attempts \\(TimeoutError: `),
      );
      // The other stores were still read.
      expect(deployment.failureStores.find((s) => s.store === 'failure-bucket')?.waiting).toBe(0);
      expect(server.requests()).toBe(12);
    } finally {
      await server.close();
    }
  });

  it('notes a stack that does not exist and checks the log groups as before: exit 0', async () => {
    const { code, deployment, io } = await statusJson({});

    expect(code).toBe(0);
    expect(deployment).toMatchObject({
      found: false,
      healthy: true,
      unchecked: [],
      notes: [
        `no stack FtpBounceWatch in ${REGION}: subscriptions, failure stores and detector errors not checked `
        + '(pass --stack NAME if it is deployed under another name)',
      ],
    });
    expect(io.err()).toBe('');
  });

  it('reads the stack named by --stack; a named stack that is missing is an error (exit 2)', async () => {
    const named = await statusJson({ ...HEALTHY, stackName: 'FbwProd' }, ['--stack', 'FbwProd']);
    expect(named.code).toBe(0);
    expect(named.deployment?.stackName).toBe('FbwProd');

    const { io } = arrange(HEALTHY);
    expect(await main(['status', '--log-group', '/ftp/proftpd', '--stack', 'FbwTest'], io)).toBe(2);
    expect(io.err()).toBe(`ftp-bounce-watch: stack "FbwTest" does not exist in ${REGION} (check --stack and AWS_REGION)\n`);
  });

  it('skips the stack with --log-groups-only', async () => {
    const { code, report, cloudFormation } = await statusJson({ ...HEALTHY, bucketObjects: 3 }, ['--log-groups-only']);

    expect(code).toBe(0);
    expect(report.deployment).toBeNull();
    expect(cloudFormation.calls()).toHaveLength(0);
  });

  it('shows the active suppressions: how many, the next to expire, expired ones left out', async () => {
    const entry = (id: string, client: string, expiresAt: number) => ({
      id,
      client,
      target: null,
      severity: 'medium' as const,
      reason: `known ${id}`,
      author: 'arn:aws:iam::123456789012:user/oncall',
      createdAt: NOW - DAY,
      expiresAt,
    });
    const suppressions = [entry('s-00000001', '198.51.100.0/24', NOW + 6 * DAY), entry('s-00000002', '203.0.113.7/32', NOW + 2 * HOUR), entry('s-00000003', '192.0.2.1/32', NOW - MINUTE)];

    const { code, deployment } = await statusJson({ ...HEALTHY, suppressions });
    const text = arrange({ ...HEALTHY, suppressions }, { tty: true });
    await main(['status', '--log-group', '/ftp/proftpd'], text.io);

    expect(code).toBe(0);
    expect(deployment?.suppressions).toMatchObject({ active: 2, soonest: [{ id: 's-00000002' }, { id: 's-00000001' }], error: null });
    expect(text.io.out()).toMatch(/\nsuppressions +2 active +next to expire in 2 h: s-00000002 203\.0\.113\.7\/32\n/);
  });

  it('names the IAM action when the suppressions cannot be read: exit 2, nothing else hidden', async () => {
    const { code, deployment } = await statusJson({ ...HEALTHY, suppressions: 'denied' });

    expect(code).toBe(2);
    expect(deployment?.unchecked).toEqual([expect.stringMatching(/^access denied: GetItem on table "FtpBounceWatch-AlertMemoryIncidents-ABC123" needs the IAM permission dynamodb:GetItem /)]);
    expect(deployment?.failureStores).toHaveLength(3);
  });

  it('notes outputs an older stack lacks and checks the rest', async () => {
    const { SweepLogGroupName: _sweep, ...older } = FULL_OUTPUTS;
    const { code, deployment } = await statusJson({ ...HEALTHY, outputs: older });

    expect(code).toBe(0);
    expect(deployment?.notes).toEqual([
      'the stack has no SweepLogGroupName output (deployed by an older version?): sweep errors not checked; redeploy to add it',
    ]);
    expect(deployment?.suppressions).toEqual({ table: INCIDENT_TABLE, active: 0, soonest: [], error: null });
    expect(deployment?.recentErrors.map((e) => e.function)).toEqual(['detector', 'slack-forwarder']);
  });

  it.each<[string[], RegExp]>([
    [['--stack', 'bad name'], /^ftp-bounce-watch: --stack must be a CloudFormation stack name/],
    [['--stack', 'A', '--log-groups-only'], /^ftp-bounce-watch: give --stack or --log-groups-only, not both/],
  ])('refuses %j (exit 2)', async (args, message) => {
    const io = captureIo();
    expect(await main(['status', '--log-group', '/a', ...args], io)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});

describe('status: when SNS deletes a pending subscription (48 h after it was made; the last deploy bounds that)', () => {
  it.each([
    ['deployed 2 h ago', NOW - 2 * HOUR, '2025-06-03T10:00:00.000Z', /at the latest 2025-06-03T10:00:00Z \(in 46 h; 48 h after the stack's last deploy at 2025-06-01T10:00:00Z\)$/],
    ['deployed 47 h 30 min ago', NOW - 47.5 * HOUR, '2025-06-01T12:30:00.000Z', /at the latest 2025-06-01T12:30:00Z \(in 30 min;/],
    ['deployed 47 h 59 min 30 s ago', NOW - 48 * HOUR + 30_000, '2025-06-01T12:00:30.000Z', /\(in 1 min;/],
    ['deployed exactly 48 h ago', NOW - 48 * HOUR, null, /^when SNS deletes them is not known: the stack's last deploy \(2025-05-30T12:00:00Z\) is over 48 h ago, so they were made since/],
    ['deployed a month ago', NOW - 720 * HOUR, null, /by aws sns subscribe, or SNS set a subscription back to pending\); at most 48 h after that$/],
    ['no deploy time', undefined, null, /^when SNS deletes them is not known \(the stack reports no deploy time\)/],
  ])('%s', (_name, lastDeploy, deletedBy, note) => {
    const deletion = pendingDeletion(lastDeploy, NOW);

    expect(deletion.deletedBy).toBe(deletedBy);
    expect(deletion.note).toMatch(note);
  });

  it('takes LastUpdatedTime over CreationTime, and shows the time in the text table', async () => {
    const { io } = arrange(
      {
        ...HEALTHY,
        stackTimes: { created: new Date(NOW - 100 * HOUR), updated: new Date(NOW - 10 * HOUR) },
        subscriptions: { [ALERT_TOPIC]: [{ endpoint: 'bob@example.com', pending: true }], [OPERATOR_TOPIC]: [] },
      },
      { tty: true },
    );

    expect(await main(['status', '--log-group', '/ftp/proftpd'], io)).toBe(1);
    expect(io.out()).toContain(
      'alert topic subscriptions      PENDING  0 confirmed, 1 waiting for confirmation, deleted by SNS by\n'
      + '                                        2025-06-03T02:00:00Z\n',
    );
  });
});

describe('status: the deployed stack, as text', () => {
  it('adds a table of the checks, each problem with what to do, and a verdict line', async () => {
    const { io } = arrange(
      {
        ...HEALTHY,
        subscriptions: { [ALERT_TOPIC]: [...CONFIRMED, { endpoint: 'bob@example.com', pending: true }], [OPERATOR_TOPIC]: [] },
        queues: { [FORWARDER_QUEUE]: [2, 0] },
        bucketObjects: 1200,
        logEvents: { [DETECTOR_LOG_GROUP]: [logEvent(powertools('ERROR', 'alerts not published'), 90)] },
      },
      { tty: true },
    );

    expect(await main(['status', '--log-group', '/ftp/proftpd'], io)).toBe(1);
    const text = io.out();
    expect(text).toContain(
      [
        'Stack FtpBounceWatch',
        '',
        'CHECK                          STATUS   DETAIL',
        'alert topic subscriptions      PENDING  2 confirmed, 1 waiting for confirmation, deletion time',
        '                                        unknown',
        'operator topic subscriptions   ok       0 confirmed',
        'failure queue                  ok       empty',
        'failure bucket                 WAITING  ≥ 1000 objects, newest 2025-06-01T09:00:59Z',
        'Slack forwarder failure queue  WAITING  2 messages',
        'detector errors (24 h)         ERRORS   1, latest 2025-06-01T10:30:00Z',
        'sweep errors (24 h)            ok       none',
        'slack-forwarder errors (24 h)  ok       none',
        '',
      ].join('\n'),
    );
    expect(text).toMatch(/\nstack FtpBounceWatch: 1 email subscription to the alert topic waits for confirmation .*bob@example\.com/);
    expect(text).toMatch(/\nstack FtpBounceWatch: warning: 1 ERROR line from the detector in the last 24 h/);
    expect(text).toMatch(/\nStack FtpBounceWatch: 3 problems, 1 warning\.\n\nThe log group is attached\.\n$/);
  });

  it('says all is well when it is', async () => {
    const { io } = arrange(HEALTHY, { tty: true });

    expect(await main(['status', '--log-group', '/ftp/proftpd'], io)).toBe(0);
    expect(io.out()).toMatch(
      /\nStack FtpBounceWatch: no unconfirmed subscription, no failure waiting, no error in 24 h\.\n\nThe log group is attached\.\n$/,
    );
  });
});

describe('status: the canary\'s last round trip per log group', () => {
  const WRITTEN = NOW - 10 * MINUTE;
  const CANARIES = {
    '/ftp/proftpd': { writtenAt: WRITTEN, seenAt: WRITTEN + 1_800, seenLatencyMs: 1_800, publishedAt: WRITTEN + 2_100, publishLatencyMs: 2_100 },
  };

  it('reads the Q#<log group> records from the table the stack names, with BatchGetItem', async () => {
    const arranged = arrange({ ...HEALTHY, canaries: CANARIES });

    const code = await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], arranged.io);

    expect(code).toBe(0);
    expect(arranged.dynamodb.commandCalls(BatchGetItemCommand)[0]?.args[0].input).toEqual({
      RequestItems: { [INCIDENT_TABLE]: { Keys: [{ pk: { S: 'Q#/ftp/proftpd' } }] } },
    });
    const report = JSON.parse(arranged.io.out()) as { deployment: { canaries: unknown[] } };
    expect(report.deployment.canaries).toEqual([
      {
        logGroup: '/ftp/proftpd',
        writtenAt: new Date(WRITTEN).toISOString(),
        seenAt: new Date(WRITTEN + 1_800).toISOString(),
        seenLatencyMs: 1_800,
        publishedAt: new Date(WRITTEN + 2_100).toISOString(),
        publishLatencyMs: 2_100,
        overdueWarnedAt: null,
      },
    ]);
  });

  it.each([
    ['a round trip', CANARIES, /^canary \/ftp\/proftpd +ok +detector \+1\.8 s, SNS \+2\.1 s, 2025-06-01T11:50:01Z \(9m ago\)$/m],
    ['a canary never seen', { '/ftp/proftpd': { writtenAt: WRITTEN } }, /^canary \/ftp\/proftpd +NOT BACK +written 10m ago, never seen$/m],
    [
      'an overdue canary (the operator told), with its last round trip long ago',
      { '/ftp/proftpd': { ...CANARIES['/ftp/proftpd'], writtenAt: WRITTEN + 5 * 60_000, seenAt: WRITTEN - 3 * 3_600_000, warnedAt: WRITTEN } },
      /^canary \/ftp\/proftpd +OVERDUE +operator told 10m ago, last back 3h ago$/m,
    ],
  ])('shows %s as a row of the stack\'s table', async (_label, canaries, row) => {
    const { io } = arrange({ ...HEALTHY, canaries }, { tty: true });

    await main(['status', '--log-group', '/ftp/proftpd'], io);

    expect(io.out()).toMatch(row);
  });

  it('keeps the stack\'s table within 100 columns for a long log group, its detail wrapped under its column', async () => {
    const group = '/aws/ec2/production/ftp-cluster-a/proftpd/transfer-and-control-channel';
    const { io } = arrange({ ...HEALTHY, canaries: { [group]: CANARIES['/ftp/proftpd'] } }, { tty: true });

    await main(['status', '--log-group', group], io);

    const stackTable = io.out().split('\n\n').find((block) => block.startsWith('CHECK')) ?? '';
    expect(stackTable.split('\n').filter((line) => line.length > 100)).toEqual([]);
    const detailColumn = stackTable.indexOf('DETAIL');
    expect(stackTable).toContain(
      '\ncanary /aws/ec2/production/ftp-cluster-a/p…  ok      detector +1.8 s, SNS +2.1 s,\n'
      + `${' '.repeat(detailColumn)}2025-06-01T11:50:01Z (9m ago)\n`,
    );
  });

  it('says in one note that the table could not be read, and still gives its verdict', async () => {
    const arranged = arrange(HEALTHY);
    arranged.dynamodb.on(BatchGetItemCommand).rejects(awsError('AccessDeniedException', 'not authorized', 400));

    const code = await main(['status', '--format', 'json', '--log-group', '/ftp/proftpd'], arranged.io);

    expect(code).toBe(0);
    const report = JSON.parse(arranged.io.out()) as { deployment: { notes: string[]; canaries: unknown[] } };
    expect(report.deployment.canaries).toEqual([]);
    expect(report.deployment.notes).toEqual([
      expect.stringMatching(/^the canary's round trips were not read: access denied: BatchGetItem on table .* needs the IAM permission dynamodb:BatchGetItem/),
    ]);
  });
});
