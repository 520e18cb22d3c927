import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedException,
  DescribeAccountPoliciesCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeSubscriptionFiltersCommand,
  type SubscriptionFilter,
  ThrottlingException,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT_POLICY_NAME, DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME } from '../../../infra/filter-pattern';
import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';
import { fakeTime, logsClient, NOW } from './aws-fixtures';
import { deployedClients } from './deployment-fixtures';

const DETECTOR = 'arn:aws:lambda:eu-west-1:123456789012:function:FtpBounceWatch-Detector1A2B3C4D';
const OTHER_LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:log-shipper';
const KINESIS = 'arn:aws:kinesis:eu-west-1:123456789012:stream/siem';
const meta = { $metadata: {} };

const ours: SubscriptionFilter = {
  filterName: SUBSCRIPTION_FILTER_NAME,
  filterPattern: DEFAULT_FILTER_PATTERN,
  destinationArn: DETECTOR,
};
const siem: SubscriptionFilter = { filterName: 'siem', filterPattern: '', destinationArn: KINESIS };
const shipper: SubscriptionFilter = { filterName: 'shipper', filterPattern: 'ERROR', destinationArn: OTHER_LAMBDA };

interface World {
  /** Log groups that exist, with their subscription filters. */
  readonly groups: Record<string, SubscriptionFilter[]>;
  /** Minutes before NOW of each group's last event; absent: no events. */
  readonly lastEvent?: Record<string, number>;
  readonly accountPolicy?: { readonly destination: string; readonly pattern?: string; readonly excluded?: string[] };
  readonly accountPolicyDenied?: boolean;
}

function arrange(world: World, options: { tty?: boolean; cwd?: string } = {}) {
  const client = logsClient();
  const logs = mockClient(client);
  logs.on(DescribeLogGroupsCommand).callsFake((input: { logGroupNamePrefix?: string }) => ({
    ...meta,
    // Neighbours share the prefix: the exact name must be picked out.
    logGroups: [...Object.keys(world.groups), ...Object.keys(world.groups).map((name) => `${name}-archive`)]
      .filter((name) => name.startsWith(input.logGroupNamePrefix ?? ''))
      .sort()
      .map((logGroupName) => ({ logGroupName })),
  }));
  logs.on(DescribeSubscriptionFiltersCommand).callsFake((input: { logGroupName: string }) => ({
    ...meta,
    subscriptionFilters: world.groups[input.logGroupName] ?? [],
  }));
  logs.on(DescribeLogStreamsCommand).callsFake((input: { logGroupName: string }) => {
    const minutes = world.lastEvent?.[input.logGroupName];
    return {
      ...meta,
      logStreams: minutes === undefined ? [] : [{ logStreamName: 's', lastEventTimestamp: NOW - minutes * 60_000 }],
    };
  });
  if (world.accountPolicyDenied) {
    logs.on(DescribeAccountPoliciesCommand).rejects(new AccessDeniedException({ message: 'no', $metadata: {} }));
  } else {
    const policy = world.accountPolicy;
    logs.on(DescribeAccountPoliciesCommand).resolves({
      ...meta,
      accountPolicies:
        policy === undefined
          ? []
          : [
              {
                policyName: ACCOUNT_POLICY_NAME,
                policyType: 'SUBSCRIPTION_FILTER_POLICY',
                policyDocument: JSON.stringify({
                  DestinationArn: policy.destination,
                  FilterPattern: policy.pattern ?? DEFAULT_FILTER_PATTERN,
                  Distribution: 'Random',
                }),
                selectionCriteria: `LogGroupName NOT IN [${(policy.excluded ?? []).map((n) => `"${n}"`).join(', ')}]`,
              },
            ],
    });
  }
  const time = fakeTime({ logsClient: () => client });
  // No stack deployed: the deployment checks (status-deployment.test.ts) add a note and nothing else.
  const noStack = deployedClients({}).deps;
  const io = captureIo({
    tty: options.tty ?? false,
    deps: { ...time.deps, ...noStack, ...(options.cwd && { cwd: options.cwd }) },
  });
  return { logs, io };
}

type Report = {
  healthy: boolean;
  deployment: unknown;
  region: string;
  filterPattern: string;
  logGroups: Array<{
    logGroup: string;
    exists: boolean;
    healthy: boolean;
    problems: string[];
    notes: string[];
    attachedVia: string | null;
    destinationArn: string | null;
    filters: Array<{ name: string; ours: boolean }>;
    filterLimit: number;
    lastEventTime: string | null;
  }>;
};

async function statusJson(world: World, args: string[]) {
  const arranged = arrange(world);
  const code = await main(['status', '--format', 'json', ...args], arranged.io);
  const report = JSON.parse(arranged.io.out()) as Report;
  return { ...arranged, code, report, group: report.logGroups[0] };
}

describe('status: one log group', () => {
  it('is healthy with our filter attached: exit 0, with filter count and last event', async () => {
    const { code, report, io } = await statusJson({ groups: { '/ftp/proftpd': [ours, siem] }, lastEvent: { '/ftp/proftpd': 5 } }, [
      '--log-group',
      '/ftp/proftpd',
    ]);

    expect(code).toBe(0);
    expect(report).toEqual({
      deployment: expect.objectContaining({ stackName: 'FtpBounceWatch', found: false, healthy: true }),
      region: 'eu-west-1',
      filterPattern: DEFAULT_FILTER_PATTERN,
      healthy: true,
      logGroups: [
        {
          logGroup: '/ftp/proftpd',
          exists: true,
          healthy: true,
          problems: [],
          notes: [],
          attachedVia: 'subscription-filter',
          destinationArn: DETECTOR,
          filters: [
            { name: SUBSCRIPTION_FILTER_NAME, pattern: DEFAULT_FILTER_PATTERN, destinationArn: DETECTOR, ours: true },
            { name: 'siem', pattern: '', destinationArn: KINESIS, ours: false },
          ],
          filterLimit: 2,
          lastEventTime: new Date(NOW - 5 * 60_000).toISOString(),
        },
      ],
    });
    expect(io.err()).toBe('');
  });

  it.each<[string, World['groups'][string], boolean[]]>([
    ['a nested stack\'s filter (beyond 100 log groups)', [{ ...ours, filterName: 'ftp-bounce-watch-shard-7' }, siem], [true, false]],
    [
      'both, for the length of the deploy that moves the group between stacks',
      [ours, { ...ours, filterName: 'ftp-bounce-watch-shard-7' }],
      [true, true],
    ],
  ])('is healthy with %s', async (_label, filters, oursFlags) => {
    const { code, group } = await statusJson({ groups: { '/ftp/proftpd': filters }, lastEvent: { '/ftp/proftpd': 5 } }, [
      '--log-group',
      '/ftp/proftpd',
    ]);

    expect(code).toBe(0);
    expect(group).toMatchObject({ healthy: true, attachedVia: 'subscription-filter', problems: [] });
    expect(group?.filters.map((f) => f.ours)).toEqual(oursFlags);
  });

  it.each<[string, World, string[], Partial<Report['logGroups'][number]>, RegExp]>([
    [
      'a missing log group (only neighbours share its prefix)',
      { groups: { '/ftp/proftpd-old': [] } },
      [],
      { exists: false, attachedVia: null, lastEventTime: null },
      /^does not exist in eu-west-1: check the name and the Region/,
    ],
    [
      'both filter slots taken by others',
      { groups: { '/ftp/proftpd': [siem, shipper] } },
      [],
      { exists: true, attachedVia: null },
      /^no ftp-bounce-watch subscription filter, and ours cannot be added: both of the 2 filter slots are taken \("siem" -> arn:aws:kinesis:.*, "shipper" -> arn:aws:lambda:.*\); remove one, or merge two into one destination, or deploy with -c accountWide=true$/,
    ],
    [
      'no filter of ours, one slot free',
      { groups: { '/ftp/proftpd': [siem] } },
      [],
      { exists: true },
      /^no ftp-bounce-watch subscription filter: add the log group to the app's logGroups context and run cdk deploy \(1 of 2 filter slots free\)$/,
    ],
    [
      'our filter sending somewhere other than a Lambda function',
      { groups: { '/ftp/proftpd': [{ ...ours, destinationArn: KINESIS }] } },
      [],
      { exists: true, destinationArn: KINESIS },
      /^subscription filter "ftp-bounce-watch" sends to "arn:aws:kinesis:.*", not to a Lambda function: redeploy the stack/,
    ],
    [
      'our filter with another pattern',
      { groups: { '/ftp/proftpd': [{ ...ours, filterPattern: 'Refused' }] } },
      [],
      { exists: true },
      /^subscription filter "ftp-bounce-watch" uses the pattern "Refused", not .*: redeploy \(cdk deploy\), or pass --filter-pattern/,
    ],
    [
      'a log group the account policy excludes',
      { groups: { '/ftp/proftpd': [] }, accountPolicy: { destination: DETECTOR, excluded: ['/ftp/proftpd'] } },
      [],
      { exists: true, notes: ['the account-level policy ftp-bounce-watch excludes this log group', 'no log events yet'] },
      /^no ftp-bounce-watch subscription filter/,
    ],
    [
      'an account policy that cannot be read',
      { groups: { '/ftp/proftpd': [] }, accountPolicyDenied: true },
      [],
      {
        notes: [
          'could not read the account-level policy: access denied (logs:DescribeAccountPolicies)',
          'no log events yet',
        ],
      },
      /^no ftp-bounce-watch subscription filter/,
    ],
  ])('is unhealthy with %s: exit 1, named on stderr with why', async (_name, world, args, expected, problem) => {
    const { code, report, group, io } = await statusJson(world, ['--log-group', '/ftp/proftpd', ...args]);

    expect(code).toBe(1);
    expect(report.healthy).toBe(false);
    expect(group).toMatchObject({ logGroup: '/ftp/proftpd', healthy: false, ...expected });
    expect(group?.problems).toHaveLength(1);
    expect(group?.problems[0]).toMatch(problem);
    expect(io.err()).toBe(`ftp-bounce-watch: /ftp/proftpd: ${group?.problems[0]}\n`);
  });

  it.each<[string, World, string[], string]>([
    [
      'a filter with the deployment pattern under another name',
      { groups: { '/ftp/proftpd': [siem, { ...ours, filterName: 'old-name' }] } },
      [],
      'subscription-filter',
    ],
    [
      'our filter with a custom pattern passed as --filter-pattern',
      { groups: { '/ftp/proftpd': [{ ...ours, filterPattern: 'Refused' }] } },
      ['--filter-pattern', 'Refused'],
      'subscription-filter',
    ],
    [
      'the account-level policy (accountWide=true)',
      { groups: { '/ftp/proftpd': [siem, shipper] }, accountPolicy: { destination: DETECTOR, excluded: ['/aws/lambda/x'] } },
      [],
      'account-policy',
    ],
  ])('is healthy with %s', async (_name, world, args, via) => {
    const { code, group } = await statusJson(world, ['--log-group', '/ftp/proftpd', ...args]);

    expect(code).toBe(0);
    expect(group).toMatchObject({ healthy: true, attachedVia: via, destinationArn: DETECTOR });
  });

  it('accepts an ARN and follows DescribeLogGroups pages to the exact name', async () => {
    const client = logsClient();
    const logs = mockClient(client);
    logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({ ...meta, logGroups: [{ logGroupName: '/ftp/proftpd-a' }], nextToken: 'p2' })
      .resolvesOnce({ ...meta, logGroups: [{ logGroupName: '/ftp/proftpd' }] });
    logs.on(DescribeSubscriptionFiltersCommand).resolves({ ...meta, subscriptionFilters: [ours] });
    logs.on(DescribeLogStreamsCommand).resolves({ ...meta, logStreams: [] });
    const io = captureIo({ deps: { ...fakeTime({ logsClient: () => client }).deps, ...deployedClients({}).deps } });

    const code = await main(
      ['status', '--format', 'json', '--log-group', 'arn:aws:logs:eu-west-1:123456789012:log-group:/ftp/proftpd:*'],
      io,
    );

    expect(code).toBe(0);
    expect(logs.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input)).toEqual([
      { logGroupNamePrefix: '/ftp/proftpd' },
      { logGroupNamePrefix: '/ftp/proftpd', nextToken: 'p2' },
    ]);
    expect(logs.commandCalls(DescribeSubscriptionFiltersCommand)[0]?.args[0].input).toEqual({ logGroupName: '/ftp/proftpd' });
    expect(logs.commandCalls(DescribeLogStreamsCommand)[0]?.args[0].input).toEqual({
      logGroupName: '/ftp/proftpd',
      orderBy: 'LastEventTime',
      descending: true,
      limit: 1,
    });
  });

  it('retries throttled Describe calls', async () => {
    const { logs, io } = arrange({ groups: { '/ftp/proftpd': [ours] } });
    logs
      .on(DescribeSubscriptionFiltersCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .resolves({ ...meta, subscriptionFilters: [ours] });

    expect(await main(['status', '--log-group', '/ftp/proftpd'], io)).toBe(0);
    expect(logs.commandCalls(DescribeSubscriptionFiltersCommand)).toHaveLength(2);
  });
});

describe('status: several log groups, as a table', () => {
  it('lists each, names the unhealthy ones with why, and exits 1', async () => {
    const { io } = arrange(
      {
        groups: { '/ftp/a': [ours], '/ftp/full': [siem, shipper] },
        lastEvent: { '/ftp/a': 90, '/ftp/full': 3 * 24 * 60 },
      },
      { tty: true },
    );

    const code = await main(['status', '--log-group', '/ftp/a', '--log-group', '/ftp/full', '--log-group', '/ftp/gone'], io);

    expect(code).toBe(1);
    const lines = io.out().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      `Region eu-west-1, filter pattern ${DEFAULT_FILTER_PATTERN}`,
      '',
      'LOG GROUP  STATUS     ATTACHED                 FILTERS  LAST EVENT',
      '/ftp/a     ok         filter ftp-bounce-watch  1/2      2025-06-01T10:30:00Z (1h ago)',
      '/ftp/full  UNHEALTHY  no                       2/2      2025-05-29T12:00:00Z (3d ago)',
      '/ftp/gone  MISSING    -                        -        -',
    ]);
    expect(io.out()).toMatch(/\n\/ftp\/full: no ftp-bounce-watch subscription filter, and ours cannot be added/);
    expect(io.out()).toMatch(/\n\/ftp\/gone: does not exist in eu-west-1/);
    expect(lines.at(-2)).toBe('1 of 3 log groups healthy.');
    expect(io.err()).toBe('');
  });

  it('says so when all are attached', async () => {
    const { io } = arrange({ groups: { '/ftp/a': [ours], '/ftp/b': [ours] } }, { tty: true });

    expect(await main(['status', '--log-group', '/ftp/a', '--log-group', '/ftp/b'], io)).toBe(0);
    expect(io.out()).toContain('/ftp/b     ok      filter ftp-bounce-watch  1/2      none\n');
    expect(io.out()).toContain('/ftp/b: note: no log events yet\n');
    expect(io.out()).toMatch(/\nAll 2 log groups are attached\.\n$/);
  });
});

describe('status: log groups from cdk.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fbw-status-'));
  function cdkJson(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('reads logGroups and filterPattern from ./cdk.json when no --log-group is given', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'fbw-app-'));
    writeFileSync(
      join(cwd, 'cdk.json'),
      JSON.stringify({ app: 'npx tsx infra/app.ts', context: { logGroups: '/ftp/a,/ftp/b', filterPattern: 'Refused' } }),
    );
    const { io, logs } = arrange({ groups: { '/ftp/a': [{ ...ours, filterPattern: 'Refused' }], '/ftp/b': [] } }, { cwd });

    const code = await main(['status', '--format', 'json'], io);

    expect(code).toBe(1);
    const report = JSON.parse(io.out()) as Report;
    expect(report.filterPattern).toBe('Refused');
    expect(report.logGroups.map((g) => [g.logGroup, g.healthy])).toEqual([
      ['/ftp/a', true],
      ['/ftp/b', false],
    ]);
    expect(logs.commandCalls(DescribeLogGroupsCommand)).toHaveLength(2);
  });

  it('reads --cdk-json PATH, with logGroups as a JSON array', async () => {
    const path = cdkJson('array.json', { context: { logGroups: ['/ftp/a'] } });
    const { io } = arrange({ groups: { '/ftp/a': [ours] } });

    expect(await main(['status', '--cdk-json', path], io)).toBe(0);
  });

  it.each<[string, () => string[], RegExp]>([
    ['no cdk.json here', () => [], /^ftp-bounce-watch: no --log-group given and no cdk.json here \(.*cdk\.json\): pass --log-group NAME, or --cdk-json PATH of the app\n$/],
    ['a missing --cdk-json', () => ['--cdk-json', join(dir, 'nope.json')], /^ftp-bounce-watch: cannot read .*nope\.json: no such file\n$/],
    ['a cdk.json that is no JSON', () => ['--cdk-json', cdkJson('bad.json', '{ "context": ')], /^ftp-bounce-watch: .*bad\.json is not valid JSON: /],
    ['a cdk.json without logGroups', () => ['--cdk-json', cdkJson('empty.json', { context: {} })], /^ftp-bounce-watch: .*empty\.json lists no logGroups in its context: pass --log-group NAME/],
    [
      'an accountWide cdk.json',
      () => ['--cdk-json', cdkJson('wide.json', { context: { accountWide: 'true' } })],
      /^ftp-bounce-watch: .*wide\.json deploys with accountWide=true, which covers every log group: pass --log-group NAME to check some\n$/,
    ],
    [
      'a bad log group in cdk.json',
      () => ['--cdk-json', cdkJson('badgroup.json', { context: { logGroups: 'ok,bad name' } })],
      /^ftp-bounce-watch: .*badgroup\.json: logGroups: expected a log group name \(1-512 characters/,
    ],
  ])('exits 2 with one line for %s', async (_name, args, message) => {
    const cwd = mkdtempSync(join(tmpdir(), 'fbw-nocdk-'));
    const { io, logs } = arrange({ groups: {} }, { cwd });

    const code = await main(['status', ...args()], io);

    expect(code).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.err().split('\n')).toHaveLength(2);
    expect(logs.calls()).toHaveLength(0);
  });
});

describe('status: errors (exit 2)', () => {
  it.each<[string, string[], RegExp]>([
    ['a bad --format', ['--format', 'xml', '--log-group', '/a'], /^ftp-bounce-watch: --format must be 'text' or 'json', not 'xml'/],
    ['a positional argument', ['/ftp/a'], /^ftp-bounce-watch: unexpected argument '\/ftp\/a': name log groups with --log-group/],
    ['--log-group with --cdk-json', ['--log-group', '/a', '--cdk-json', 'x'], /^ftp-bounce-watch: give --log-group or --cdk-json, not both/],
    ['an unknown option', ['--group', '/a'], /^ftp-bounce-watch: Unknown option '--group' \(see 'ftp-bounce-watch status --help'\)/],
  ])('%s', async (_name, args, message) => {
    const io = captureIo();
    expect(await main(['status', ...args], io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });

  it.each<[string, () => Error, RegExp]>([
    [
      'access denied',
      () => new AccessDeniedException({ message: 'not authorized', $metadata: {} }),
      /^ftp-bounce-watch: access denied: DescribeLogGroups needs the IAM permission logs:DescribeLogGroups \(not authorized\)\n$/,
    ],
    [
      'missing credentials',
      () => Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      /^ftp-bounce-watch: no AWS credentials found/,
    ],
  ])('%s', async (_name, error, message) => {
    const { io, logs } = arrange({ groups: {} });
    logs.on(DescribeLogGroupsCommand).rejects(error());

    expect(await main(['status', '--log-group', '/ftp/a'], io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });

  it('explains itself with --help', async () => {
    const io = captureIo();
    expect(await main(['status', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: ftp-bounce-watch status');
    expect(io.out()).toContain('ftp-bounce-watch status --log-group /ftp/proftpd --log-group /var/log/syslog');
    expect(io.out()).toContain('Exit status: 0 when every log group is healthy and the deployment has nothing pending or waiting');
  });
});

describe('ftp-bounce-watch --help', () => {
  it('lists both commands with examples', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out()).toContain('scan --log-group NAME');
    expect(io.out()).toContain('status [--log-group NAME ...]');
    expect(io.out()).toContain('ftp-bounce-watch status --log-group /ftp/proftpd');
  });
});
