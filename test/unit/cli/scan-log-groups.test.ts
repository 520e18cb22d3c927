import {
  AccessDeniedException,
  FilterLogEventsCommand,
  InvalidParameterException,
  ResourceNotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
} from '@aws-sdk/client-cloudwatch-logs';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_FILTER_PATTERN } from '../../../infra/filter-pattern';
import { buildSnsMessage } from '../../../lambda/alerts';
import { detectLine } from '../../../lambda/detector';
import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';
import { awsError, BOUNCE, event, fakeTime, FORGED, jsonl, logsClient, NAT, NOW, REGION, snsClient } from './aws-fixtures';

// The first command loads the SDK clients and the CLI: about a second alone, several on a loaded machine.
jest.setTimeout(20_000);

const GROUP = '/ftp/proftpd';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ftp-bounce-watch-alerts';
const DAY = 86_400_000;

function arrange(options: { tty?: boolean; stderrTty?: boolean; env?: Record<string, string> } = {}) {
  const client = logsClient();
  const logs = mockClient(client);
  const sns = snsClient();
  const snsMock = mockClient(sns);
  const time = fakeTime({ logsClient: () => client, snsClient: () => sns });
  const io = captureIo({ ...options, deps: time.deps });
  return { logs, snsMock, io, sleeps: time.sleeps };
}

const meta = { $metadata: {} };

const throttling = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });

describe('scan --log-group: fetching', () => {
  it('follows every nextToken page with the deployment pattern over the last 7 days, and prints jsonl', async () => {
    const { logs, io } = arrange();
    const e1 = event(NAT, 90);
    const e2 = event(FORGED, 80);
    const e3 = event(BOUNCE, 70, 'i-0def/proftpd.log');
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ ...meta, events: [e1], nextToken: 'page-2' })
      .resolvesOnce({ ...meta, events: [], nextToken: 'page-3' })
      .resolvesOnce({ ...meta, events: [e2, e3] });

    const code = await main(['scan', '--log-group', GROUP], io);

    expect(code).toBe(0);
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input)).toEqual([
      { logGroupName: GROUP, startTime: NOW - 7 * DAY, endTime: NOW, filterPattern: DEFAULT_FILTER_PATTERN },
      { logGroupName: GROUP, startTime: NOW - 7 * DAY, endTime: NOW, filterPattern: DEFAULT_FILTER_PATTERN, nextToken: 'page-2' },
      { logGroupName: GROUP, startTime: NOW - 7 * DAY, endTime: NOW, filterPattern: DEFAULT_FILTER_PATTERN, nextToken: 'page-3' },
    ]);
    expect(jsonl(io.out())).toEqual([
      {
        ...detectLine(NAT),
        logGroup: GROUP,
        logStream: 'i-0abc/proftpd.log',
        eventId: e1.eventId,
        timestamp: new Date(NOW - 90 * 60_000).toISOString(),
      },
      {
        ...detectLine(BOUNCE),
        logGroup: GROUP,
        logStream: 'i-0def/proftpd.log',
        eventId: e3.eventId,
        timestamp: new Date(NOW - 70 * 60_000).toISOString(),
      },
    ]);
    expect(io.err()).toBe('');
  });

  it.each<[string, string[], Record<string, unknown>]>([
    ['a duration in hours', ['--since', '12h'], { startTime: NOW - 12 * 3_600_000, endTime: NOW }],
    ['minutes and weeks', ['--since', '2w', '--until', '30m'], { startTime: NOW - 14 * DAY, endTime: NOW - 1_800_000 }],
    [
      'ISO dates (UTC) and times with offsets',
      ['--since', '2025-05-01', '--until', '2025-05-02T02:00:00+02:00'],
      { startTime: Date.UTC(2025, 4, 1), endTime: Date.UTC(2025, 4, 2) },
    ],
    ['a custom filter pattern', ['--filter-pattern', 'Refused'], { filterPattern: 'Refused' }],
  ])('passes %s to FilterLogEvents', async (_name, args, expected) => {
    const { logs, io } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [] });

    expect(await main(['scan', '--log-group', GROUP, ...args], io)).toBe(0);

    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input).toMatchObject(expected);
  });

  it('sends an ARN as logGroupIdentifier (without :*) and reports the name', async () => {
    const { logs, io } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [event(NAT, 5)] });

    await main(['scan', '--log-group', `arn:aws:logs:${REGION}:123456789012:log-group:${GROUP}:*`], io);

    const input = logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(input?.logGroupIdentifier).toBe(`arn:aws:logs:${REGION}:123456789012:log-group:${GROUP}`);
    expect(input?.logGroupName).toBeUndefined();
    expect(jsonl(io.out())[0]?.logGroup).toBe(GROUP);
  });

  it('scans each log group in turn, once each, even when named twice', async () => {
    const { logs, io } = arrange();
    logs.on(FilterLogEventsCommand, { logGroupName: '/a' }).resolves({ ...meta, events: [event(NAT, 3)] });
    logs.on(FilterLogEventsCommand, { logGroupName: '/b' }).resolves({ ...meta, events: [event(BOUNCE, 2)] });

    await main(['scan', '--format', 'jsonl', '--log-group', '/a', '--log-group', '/b', '--log-group', '/a'], io);

    expect(jsonl(io.out()).map((f) => [f.logGroup, f.classification])).toEqual([
      ['/a', 'nat-misconfiguration'],
      ['/b', 'bounce-attempt'],
    ]);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(2);
  });
});

describe('scan --log-group --format text', () => {
  it('prints the same grouped summary as a file scan, placing findings as group/stream@time', async () => {
    const { logs, io } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [event(NAT, 60), event(BOUNCE, 30), event(NAT, 10)] });

    await main(['scan', '--format', 'text', '--log-group', GROUP, '--since', '1d'], io);

    const out = io.out();
    expect(out).toMatch(/^\[CRITICAL\] FTP bounce attempt: 203\.0\.113\.9 \(x1\)/);
    expect(out).toContain(
      `seen at: ${GROUP}/i-0abc/proftpd.log@${new Date(NOW - 3_600_000).toISOString()}, ${GROUP}/i-0abc/proftpd.log@`,
    );
    const lines = out.trim().split('\n');
    expect(lines.at(-2)).toBe('3 findings (1 critical, 2 low) from 2 clients in 3 events of 1 log group.');
    expect(lines.at(-1)).toBe(
      `Searched ${new Date(NOW - DAY).toISOString()} to ${new Date(NOW).toISOString()} for events matching ${DEFAULT_FILTER_PATTERN}.`,
    );
  });

  it('colours the severity tags on a terminal, as a file scan does', async () => {
    const { logs, io } = arrange({ tty: true });
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [event(NAT, 60), event(BOUNCE, 30)] });

    await main(['scan', '--format', 'text', '--log-group', GROUP], io);

    const out = io.out();
    expect(out).toContain('\u001b[1;31m[CRITICAL]\u001b[0m FTP bounce attempt: 203.0.113.9');
    expect(out).toContain('\u001b[36m[LOW]\u001b[0m FTP client behind NAT');
  });

  it.each<[string, { tty: boolean; env?: Record<string, string> }, string[]]>([
    ['stdout is not a terminal', { tty: false }, []],
    ['NO_COLOR is set', { tty: true, env: { NO_COLOR: '1' } }, []],
    ['--no-color is given', { tty: true }, ['--no-color']],
  ])('no colour when %s', async (_name, options, flags) => {
    const { logs, io } = arrange(options);
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [event(BOUNCE, 30)] });

    await main(['scan', '--format', 'text', '--log-group', GROUP, ...flags], io);

    expect(io.out()).toMatch(/^\[CRITICAL\] FTP bounce attempt/);
    expect(io.out()).not.toContain('\u001b');
  });
});

describe('scan --log-group: retries', () => {
  it('retries throttling and 5xx with growing, jittered backoff, then carries on paging', async () => {
    const { logs, io, sleeps } = arrange();
    logs
      .on(FilterLogEventsCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(new ServiceUnavailableException({ message: 'try later', $metadata: { httpStatusCode: 503 } }))
      .resolvesOnce({ ...meta, events: [event(NAT, 9)], nextToken: 't2' })
      .rejectsOnce(awsError('TooManyRequestsException', 'slow down', 429))
      .resolvesOnce({ ...meta, events: [event(BOUNCE, 8)] });

    const code = await main(['scan', '--format', 'jsonl', '--log-group', GROUP], io);

    expect(code).toBe(0);
    expect(jsonl(io.out())).toHaveLength(2);
    // Ceilings 250 and 500 ms for the first and second retry of a request; random() = 0.5 gives 3/4 of each.
    expect(sleeps).toEqual([188, 375, 188]);
    expect(logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.nextToken)).toEqual([
      undefined,
      undefined,
      undefined,
      't2',
      't2',
    ]);
  });

  it('gives up on persistent throttling after 6 attempts with a one-line error and exit 2', async () => {
    const { logs, io, sleeps } = arrange();
    logs.on(FilterLogEventsCommand).rejects(throttling());

    const code = await main(['scan', '--log-group', GROUP], io);

    expect(code).toBe(2);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(6);
    expect(sleeps).toEqual([188, 375, 750, 1500, 3000]);
    expect(io.err()).toBe(
      `ftp-bounce-watch: CloudWatch Logs FilterLogEvents on log group "${GROUP}" still failed after 6 attempts `
      + '(ThrottlingException: Rate exceeded); try again later, or search a shorter time range\n',
    );
    expect(io.out()).toBe('');
  });
});

describe('scan --log-group: AWS errors (exit 2, one line, no retry)', () => {
  it.each<[string, () => Error, RegExp]>([
    [
      'access denied',
      () => new AccessDeniedException({ message: 'User: arn:aws:iam::1:user/x is not authorized', $metadata: {} }),
      /^ftp-bounce-watch: access denied: FilterLogEvents on log group "\/ftp\/proftpd" needs the IAM permission logs:FilterLogEvents \(User: .* is not authorized\)\n$/,
    ],
    [
      'an unknown log group',
      () => new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }),
      /^ftp-bounce-watch: log group "\/ftp\/proftpd" does not exist in eu-west-1 \(check the name, and AWS_REGION or the profile's region\)\n$/,
    ],
    [
      'missing credentials',
      () => Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^ftp-bounce-watch: no AWS credentials found: set AWS_PROFILE .* or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n$/,
    ],
    [
      'rejected credentials',
      () => awsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
      /^ftp-bounce-watch: AWS rejected the credentials \(UnrecognizedClientException\): The security token/,
    ],
    [
      'a bad request, with a multi-line message',
      () => new InvalidParameterException({ message: 'Invalid filter\npattern', $metadata: {} }),
      /^ftp-bounce-watch: CloudWatch Logs FilterLogEvents on log group "\/ftp\/proftpd" failed: InvalidParameterException: Invalid filter pattern\n$/,
    ],
  ])('%s', async (_name, error, message) => {
    const { logs, io, sleeps } = arrange();
    logs.on(FilterLogEventsCommand).rejects(error());

    const code = await main(['scan', '--log-group', GROUP], io);

    expect(code).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('names a missing Region before any request', async () => {
    const client = logsClient(async () => {
      throw new Error('Region is missing');
    });
    const logs = mockClient(client);
    const io = captureIo({ deps: fakeTime({ logsClient: () => client }).deps });

    const code = await main(['scan', '--log-group', GROUP], io);

    expect(code).toBe(2);
    expect(io.err()).toBe(
      'ftp-bounce-watch: no AWS Region configured: set AWS_REGION (e.g. AWS_REGION=eu-west-1) or a region in your AWS profile\n',
    );
    expect(logs.calls()).toHaveLength(0);
  });
});

describe('scan --log-group: usage errors (exit 2 before any AWS call)', () => {
  it.each<[string, string[], RegExp]>([
    ['a bad --since', ['--since', 'yesterday'], /^ftp-bounce-watch: --since expects a duration like 30m, 12h, 7d or 2w, or an ISO-8601 time like 2025-05-01 or 2025-05-01T12:00:00Z, not "yesterday"/],
    ['an impossible date', ['--since', '2025-02-30'], /^ftp-bounce-watch: --since expects a duration/],
    ['a bad --until', ['--until', '5 minutes ago'], /^ftp-bounce-watch: --until expects a duration/],
    ['--since after --until', ['--since', '1d', '--until', '2d'], /^ftp-bounce-watch: --since \(2025-05-31T12:00:00\.000Z\) must be before --until \(2025-05-30T12:00:00\.000Z\)\n$/],
    ['--since in the future', ['--since', '2099-01-01'], /^ftp-bounce-watch: --since \(2099-01-01T00:00:00\.000Z\) must be before --until/],
    ['a bad log group name', ['--log-group', 'bad name!'], /^ftp-bounce-watch: --log-group: expected a log group name \(1-512 characters/],
    ['an ARN in another Region', ['--log-group', 'arn:aws:logs:us-east-1:123456789012:log-group:/x'], /^ftp-bounce-watch: "arn:aws:logs:us-east-1:123456789012:log-group:\/x" is in us-east-1, but AWS calls go to eu-west-1; set AWS_REGION=us-east-1\n$/],
    ['an empty filter pattern', ['--filter-pattern', ' '], /^ftp-bounce-watch: --filter-pattern: expected a non-empty CloudWatch Logs filter pattern/],
    ['a --publish that is no topic ARN', ['--publish', 'alerts'], /^ftp-bounce-watch: --publish expects an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:ftp-bounce-watch-alerts, got "alerts"\n$/],
    ['a FIFO topic', ['--publish', `${TOPIC}.fifo`], /^ftp-bounce-watch: --publish: FIFO topics are not supported/],
  ])('%s', async (_name, args, message) => {
    const { logs, io } = arrange();

    const code = await main(['scan', '--log-group', GROUP, ...args], io);

    expect(code).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.err().split('\n')).toHaveLength(2);
    expect(logs.calls()).toHaveLength(0);
  });

  it.each<[string, string[], RegExp]>([
    ['FILEs and --log-group together', ['scan', 'a.log', '--log-group', GROUP], /^ftp-bounce-watch: give FILEs or --log-group, not both/],
    ['--since without --log-group', ['scan', '--since', '7d', 'a.log'], /^ftp-bounce-watch: --since applies to CloudWatch Logs searches: add --log-group NAME/],
    ['--alerts without --log-group', ['scan', '--alerts'], /^ftp-bounce-watch: --alerts applies to CloudWatch Logs searches/],
  ])('%s', async (_name, argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});

describe('scan --log-group: progress and Ctrl-C', () => {
  it('draws a progress line on a terminal stderr, rewritten in place and erased at the end', async () => {
    const { logs, io } = arrange({ stderrTty: true });
    logs
      .on(FilterLogEventsCommand)
      .rejectsOnce(throttling())
      .resolvesOnce({ ...meta, events: [event(NAT, 4)], nextToken: 'n' })
      .resolvesOnce({ ...meta, events: [event(NAT, 3)] });

    await main(['scan', '--format', 'jsonl', '--log-group', GROUP], io);

    const updates = io.err().split('\r\u001b[K');
    expect(updates).toEqual([
      '',
      `${GROUP}: 0 events, 0 pages, 0 findings, 0s`,
      // 79 columns at most: the counts and the retry win over the log group's name.
      '0 events, 0 pages, 0 findings, 0s (ThrottlingException, retry in 0.2s)',
      `${GROUP}: 1 event, 1 page, 1 finding, 0s`,
      `${GROUP}: 2 events, 2 pages, 2 findings, 0s`,
      '',
    ]);
    expect(jsonl(io.out())).toHaveLength(2);
  });

  it('keeps the counts visible when the log group name is long', async () => {
    const { logs, io } = arrange({ stderrTty: true });
    const long = `/very/long/${'x'.repeat(100)}/proftpd`;
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [] });

    await main(['scan', '--format', 'jsonl', '--log-group', long], io);

    const [, first] = io.err().split('\r\u001b[K');
    expect(first).toMatch(/^…x+\/proftpd: 0 events, 0 pages, 0 findings, 0s$/);
    expect(first?.length).toBe(79);
  });

  it('writes nothing to a piped stderr', async () => {
    const { logs, io } = arrange({ tty: false });
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [event(NAT, 4)] });

    await main(['scan', '--log-group', GROUP], io);

    expect(io.err()).toBe('');
  });

  it('stops paging on Ctrl-C and still prints what it found, marked partial, exit 130', async () => {
    const { logs, io } = arrange();
    logs
      .on(FilterLogEventsCommand)
      .callsFakeOnce(() => {
        io.abort();
        return { ...meta, events: [event(BOUNCE, 4)], nextToken: 'more' };
      })
      .resolves({ ...meta, events: [event(NAT, 1)] });

    const code = await main(['scan', '--format', 'text', '--log-group', GROUP], io);

    expect(code).toBe(130);
    expect(logs.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
    expect(io.out()).toContain('1 finding (1 critical) from 1 client in 1 event of 1 log group.');
    expect(io.err()).toBe('ftp-bounce-watch: interrupted after 1 page: the results below are partial\n');
  });
});

describe('scan --log-group --alerts / --publish', () => {
  // A NAT client twice (20 minutes apart) and a bounce attempt: with alert memory, the bounce is announced at
  // once and the NAT client waits for the day's low-severity digest, as the deployment would have done.
  const events = [event(NAT, 50), event(BOUNCE, 40, 'i-0def/proftpd.log'), event(NAT, 30)];

  it('prints the messages the deployment would have sent, as alert JSON with --format jsonl', async () => {
    const { logs, io, snsMock } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events });

    expect(await main(['scan', '--alerts', '--format', 'jsonl', '--log-group', GROUP], io)).toBe(0);

    type Printed = Record<string, unknown> & { digest?: { entries: Array<{ srcIp: string; count: number }> } };
    const alerts = jsonl(io.out()) as Printed[];
    expect(alerts.map((a) => `${a.kind}/${a.classification}`)).toEqual(['new/bounce-attempt', 'digest/nat-misconfiguration']);
    expect(alerts[0]).toMatchObject({ srcIp: '203.0.113.9', alertMemory: 'on', region: REGION, account: null });
    expect(alerts[1]?.digest?.entries).toEqual([expect.objectContaining({ srcIp: '198.51.100.4', count: 2 })]);
    expect(snsMock.calls()).toHaveLength(0);
  });

  it('takes alert memory\'s context keys: lowSeverity=immediate sends the NAT client at once', async () => {
    const { logs, io } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events });

    await main(['scan', '--alerts', '-c', 'lowSeverity=immediate', '--format', 'jsonl', '--log-group', GROUP], io);

    expect(jsonl(io.out()).map((a) => (a as { kind: string }).kind)).toEqual(['new', 'new', 'update']);
  });

  it('refuses a bad context value with one line naming the key', async () => {
    const { io } = arrange();

    expect(await main(['scan', '--alerts', '-c', 'scanPorts=1', '--log-group', GROUP], io)).toBe(2);
    expect(io.err()).toBe('ftp-bounce-watch: scanPorts: expected a whole number from 2 to 1000, got "1" (see \'ftp-bounce-watch scan --help\')\n');
  });

  it('takes the account from a log group ARN', async () => {
    const { logs, io } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events: [event(BOUNCE, 40)] });
    const arn = `arn:aws:logs:${REGION}:210987654321:log-group:${GROUP}`;

    await main(['scan', '--alerts', '--format', 'jsonl', '--log-group', arn], io);

    expect(jsonl(io.out())[0]).toMatchObject({ account: '210987654321' });
  });

  it('prints them as the email text on a terminal, and says nothing was sent', async () => {
    const { logs, io } = arrange({ tty: true });
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events });

    await main(['scan', '--alerts', '--log-group', GROUP], io);

    const out = io.out();
    expect(out).toContain('Alert 1 of 2\nSubject: [CRITICAL] FTP bounce attempt: 203.0.113.9 in /ftp/proftpd');
    expect(out).toContain('Alert 2 of 2\nSubject: [LOW] Digest: 1 low-severity FTP refusal incident (');
    expect(out).toContain('THEN');
    expect(out).toContain(
      '2 messages (as alert memory would have sent them) from 3 findings in 3 events of 1 log group. Nothing was sent (--publish TOPIC_ARN sends them).',
    );
  });

  it('publishes them through the SNS publisher to the topic given, as printed', async () => {
    const { logs, io, snsMock } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events });
    snsMock.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => ({
      Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
      Failed: [],
    }));

    const code = await main(['scan', '--publish', TOPIC, '--format', 'jsonl', '--log-group', GROUP], io);

    expect(code).toBe(0);
    const printed = jsonl(io.out()) as unknown as Parameters<typeof buildSnsMessage>[0][];
    const [call] = snsMock.commandCalls(PublishBatchCommand);
    expect(call?.args[0].input.TopicArn).toBe(TOPIC);
    expect(call?.args[0].input.PublishBatchRequestEntries?.map((e) => [e.Subject, e.Message])).toEqual(
      printed.map((alert) => {
        const message = buildSnsMessage(alert);
        return [message.subject, message.message];
      }),
    );
    expect(io.err()).toBe(`ftp-bounce-watch: published 2 alerts to ${TOPIC}\n`);
  });

  it('exits 1 with one line when SNS does not take every alert', async () => {
    const { logs, io, snsMock } = arrange();
    logs.on(FilterLogEventsCommand).resolves({ ...meta, events });
    snsMock.on(PublishBatchCommand).rejects(awsError('AuthorizationError', 'not allowed to publish', 403));

    const code = await main(['scan', '--publish', TOPIC, '--format', 'jsonl', '--log-group', GROUP], io);

    expect(code).toBe(1);
    expect(io.err()).toMatch(/^ftp-bounce-watch: 2 of 2 alerts not published to SNS .*AuthorizationError: not allowed to publish.*\n$/);
    expect(io.err().split('\n')).toHaveLength(2);
  });

  it('publishes nothing after Ctrl-C', async () => {
    const { logs, io, snsMock } = arrange();
    logs.on(FilterLogEventsCommand).callsFake(() => {
      io.abort();
      return { ...meta, events, nextToken: 'more' };
    });

    const code = await main(['scan', '--publish', TOPIC, '--format', 'jsonl', '--log-group', GROUP], io);

    expect(code).toBe(130);
    expect(snsMock.calls()).toHaveLength(0);
    expect(jsonl(io.out())).toHaveLength(2);
    expect(io.err()).toBe(
      'ftp-bounce-watch: interrupted after 1 page: the results below are partial and nothing was published\n',
    );
  });
});

describe('scan --help', () => {
  it('explains log group searches with examples', async () => {
    const io = captureIo();
    expect(await main(['scan', '--help'], io)).toBe(0);
    for (const text of ['--log-group NAME|ARN', '--since WHEN', '--alerts', '--publish TOPIC_ARN', DEFAULT_FILTER_PATTERN]) {
      expect(io.out()).toContain(text);
    }
    expect(io.out()).toContain('ftp-bounce-watch scan --log-group /ftp/proftpd --since 30d');
  });
});
