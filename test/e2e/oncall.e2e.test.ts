/**
 * The on-call commands end to end: `suppress` and `incidents` through the real CLI, the real DynamoDB adapter and
 * SDK clients against dynalite (behind the fault proxy, for refusals), STS and CloudFormation on loopback; and the
 * detector reading the suppressions the CLI wrote, failing open when the table does not answer.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { main } from '../../cli/main';
import { DynamoDbIncidentStore } from '../../lambda/adapters/dynamodb-incident-store';
import { type Suppression, SuppressionCache } from '../../lambda/incidents';
import { createIncidentTable, type LocalDynamoDb, startLocalDynamoDb } from '../../scripts/local-dynamodb';
import { captureIo } from '../support/cli-io';
import { Deployment, MIN, repeated, T0 } from '../support/deployment';
import { type FaultProxy, startFaultProxy } from '../support/dynamodb-fault-proxy';
import { type LoopbackQueryServer, startLoopbackQueryServer } from '../support/loopback-query-server';
import { startSlowServer } from '../support/slow-server';

// dynalite and real SDK clients over loopback; a loaded machine takes several times as long.
jest.setTimeout(60_000);

const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };
const CALLER = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const HIGH = { client: '198.51.100.9', target: '203.0.113.7', port: 4000 } as const;
const MEDIUM = { client: '10.0.0.5', target: '198.51.100.20', port: 50_000 } as const;
const HOUR = 60 * MIN;

let dynamo: LocalDynamoDb;
let proxy: FaultProxy;
let query: LoopbackQueryServer;
let dynamodb: DynamoDBClient;
let sts: STSClient;
let cloudFormation: CloudFormationClient;
let tableSeq = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  proxy = await startFaultProxy(dynamo.endpoint, 23);
  query = await startLoopbackQueryServer({ callerArn: CALLER, stacks: {} });
  dynamodb = new DynamoDBClient({ region: REGION, endpoint: proxy.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  const loopback = { region: REGION, endpoint: query.endpoint, credentials: CREDENTIALS, maxAttempts: 1 };
  sts = new STSClient(loopback);
  cloudFormation = new CloudFormationClient(loopback);
});

afterAll(async () => {
  dynamodb.destroy();
  sts.destroy();
  cloudFormation.destroy();
  await query.close();
  await proxy.close();
  await dynamo.close();
});

async function freshTable(): Promise<string> {
  const name = `oncall-${++tableSeq}`;
  await createIncidentTable(dynamodb, name);
  return name;
}

async function cli(args: readonly string[], now = T0): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({
    deps: {
      dynamodbClient: () => dynamodb,
      stsClient: () => sts,
      cloudFormationClient: () => cloudFormation,
      now: () => now,
      // The retries' backoff, skipped: a refusal scripted six times would otherwise cost seconds.
      sleep: async () => {},
    },
  });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

async function listed(table: string, now = T0): Promise<Suppression[]> {
  const { code, out } = await cli(['suppress', 'list', '--table', table, '--format', 'json'], now);
  expect(code).toBe(0);
  return (JSON.parse(out) as { suppressions: Suppression[] }).suppressions;
}

describe('suppress', () => {
  it('adds with the caller as author and the expiry, lists, and removes, finding the table by the stack output', async () => {
    const table = await freshTable();
    query.world.stacks.FtpBounceWatch = { IncidentTableName: table };

    const added = await cli(['suppress', 'add', '198.51.100.0/24', '--for', '30d', '--reason', 'Acme FXP partner, OPS-1234', '--format', 'json']);
    const text = await cli(['suppress', 'list', '--format', 'text']);
    const { id } = JSON.parse(added.out) as Suppression;
    const removed = await cli(['suppress', 'remove', id.toUpperCase(), '--format', 'text']);

    expect(added.code).toBe(0);
    expect(JSON.parse(added.out)).toEqual({
      id: expect.stringMatching(/^s-[0-9a-f]{8}$/),
      client: '198.51.100.0/24',
      target: null,
      severity: 'medium',
      reason: 'Acme FXP partner, OPS-1234',
      author: CALLER,
      createdAt: T0,
      expiresAt: T0 + 30 * 24 * HOUR,
    });
    expect(text.out).toContain(`1 active suppression in table ${table}`);
    expect(text.out).toContain(
      `${id}    198.51.100.0/24  up to medium  until 2024-05-31 10:00 (in 30 d)\n              by ${CALLER}: Acme FXP partner, OPS-1234\n`,
    );
    expect(removed.code).toBe(0);
    expect(await listed(table)).toEqual([]);
  });

  it('loses no entry to concurrent adds (each write is conditional on the version it read)', async () => {
    const table = await freshTable();

    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => cli(['suppress', 'add', `192.0.2.${n}`, '--reason', `client ${n}`, '--table', table])),
    );

    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    expect((await listed(table)).map((s) => s.client).sort()).toEqual(['192.0.2.1/32', '192.0.2.2/32', '192.0.2.3/32', '192.0.2.4/32', '192.0.2.5/32']);
  });

  it('drops expired entries from the list and refuses to remove one', async () => {
    const table = await freshTable();
    await cli(['suppress', 'add', '192.0.2.1', '--for', '1h', '--reason', 'short', '--table', table]);
    const [entry] = await listed(table);

    const later = await listed(table, T0 + 2 * HOUR);
    const removal = await cli(['suppress', 'remove', entry?.id ?? '', '--table', table], T0 + 2 * HOUR);

    expect(later).toEqual([]);
    expect(removal.code).toBe(2);
    expect(removal.err).toMatch(/^ftp-bounce-watch: no active suppression "s-[0-9a-f]{8}" in table oncall-\d+ \(suppress list shows them\)\n$/);
  });

  it.each([
    [['suppress', 'add', '198.51.100.9'], /a reason is required/],
    [['suppress', 'add', '198.51.100.9', '--reason', 'x', '--for', '91d'], /duration "91d" is too long: it must be from 1m to 90d$/],
    [['suppress', 'add', '198.51.100.9', '--reason', 'x', '--for', '0d'], /duration "0d" is zero: it must be from 1m to 90d$/],
    [['suppress', 'add', '198.51.100.9', '--reason', 'x', '--for', '3x'], /duration "3x" must be a number with m, h or d/],
    [['suppress', 'add', '198.51.100.9/24', '--reason', 'x'], /client "198\.51\.100\.9\/24" .*host bits are set after the prefix: write the network address\)$/],
    [['suppress', 'add', '198.51.100.9', '--reason', '  '], /a reason is required/],
    [['suppress', 'add', '198.51.100.9', '--reason', 'x', '--bogus'], /^ftp-bounce-watch: Unknown option '--bogus' \(see 'ftp-bounce-watch suppress --help'\)$/],
    [['suppress', 'add', 'ftp.example.com', '--reason', 'x'], /client "ftp\.example\.com" is not an IP address or CIDR/],
    [['suppress', 'add', '198.51.100.9', '--reason', 'x', '--severity', 'low'], /severity must be one of medium, high, critical/],
    [['suppress', 'list', '--reason', 'x'], /--reason is for suppress add/],
    [['suppress'], /suppress needs an action: add, list or remove/],
  ])('refuses %j with one line, exit 2, before any AWS call', async (args, pattern) => {
    const before = proxy.injected.size + query.actions.length;

    const { code, err } = await cli(args);

    expect(code).toBe(2);
    expect(err.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(pattern)]);
    expect(proxy.injected.size + query.actions.length).toBe(before);
  });

  it('says which IAM action was refused, in one line', async () => {
    const table = await freshTable();
    proxy.script('GetItem', 'denied');

    const { code, err } = await cli(['suppress', 'list', '--table', table]);

    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^ftp-bounce-watch: access denied: GetItem on table "${table}" needs the IAM permission dynamodb:GetItem \\(.*\\)\\n$`));
  });
});

describe('access denied for the table\'s KMS key', () => {
  it('names kms:Decrypt, the action AWS says was refused, not the DynamoDB one', async () => {
    const table = await freshTable();
    proxy.script('Scan', 'kms-denied');

    const { code, err } = await cli(['incidents', '--table', table]);

    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^ftp-bounce-watch: access denied: Scan on table "${table}" needs the IAM permission kms:Decrypt \\(User: .*\\)\\n$`));
  });
});

describe('incidents', () => {
  async function deployedWithIncidents(table: string): Promise<Deployment> {
    const d = new Deployment({}, new DynamoDbIncidentStore(dynamodb, table));
    await d.batch(T0, [HIGH]);
    await d.batch(T0 + MIN, [MEDIUM]);
    return d;
  }

  it('lists the open incidents, most severe first, shows one by its id prefix, and acknowledges it', async () => {
    const table = await freshTable();
    const d = await deployedWithIncidents(table);

    const list = await cli(['incidents', '--table', table, '--format', 'json'], T0 + 2 * MIN);
    type Listed = { incidents: Array<{ id: string; status: string; srcIp: string; severity: string }> };
    const { incidents } = JSON.parse(list.out) as Listed;
    const high = incidents[0]?.id ?? '';
    const show = await cli(['incidents', 'show', high.slice(0, 8), '--table', table, '--format', 'text'], T0 + 2 * MIN);
    const ack = await cli(['incidents', 'ack', high.slice(0, 8), '--note', 'talking to Acme, OPS-1234', '--table', table, '--format', 'json'], T0 + 3 * MIN);
    const after = await cli(['incidents', 'list', '--table', table, '--format', 'text'], T0 + 4 * MIN);
    const shownAfter = await cli(['incidents', 'show', high, '--table', table, '--format', 'text'], T0 + 4 * MIN);

    expect(incidents.map((i) => [i.srcIp, i.severity, i.status])).toEqual([
      ['198.51.100.9', 'high', 'open'],
      ['10.0.0.5', 'medium', 'open'],
    ]);
    expect(show.out).toContain(`Incident ${high}`);
    expect(show.out).toMatch(/severity +high \(foreign-public-target\)/);
    expect(ack.code).toBe(0);
    expect(JSON.parse(ack.out)).toMatchObject({
      id: high,
      status: 'acknowledged',
      acknowledged: { at: new Date(T0 + 3 * MIN).toISOString(), by: CALLER, note: 'talking to Acme, OPS-1234' },
    });
    expect(shownAfter.out).toContain('\n  heard as        updates in the digest\'s "acknowledged" section; an escalation alerts at once\n');
    expect(after.out).toContain(`${high.slice(0, 12)}  high      acknowledged  1       198.51.100.9\n`);
    expect(after.out).toContain(`\n              acknowledged by ${CALLER} at 2024-05-01\n              10:03: talking to Acme, OPS-1234\n`);

    // The detector honours it: more findings, no update at the window's end, and the acknowledged digest lists them.
    await d.batch(T0 + 10 * MIN, repeated(4, HIGH));
    const windowEnd = await d.sweep(T0 + HOUR + MIN);
    const digest = await d.sweep(Date.UTC(2024, 4, 2, 0, 0, 0));
    expect(windowEnd.filter((a) => a.srcIp === HIGH.client)).toEqual([]);
    expect(digest.find((a) => a.digest?.reason === 'acknowledged')?.digest?.entries).toEqual([
      expect.objectContaining({ incidentId: high, count: 4 }),
    ]);
  });

  it.each([
    [['incidents', 'show', 'abc'], /incident id "abc" must be 6 to 32 hex digits/],
    [['incidents', 'show', 'abcdef12'], /no open incident abcdef12 in table oncall-\d+/],
    [['incidents', 'ack', 'abcdef12'], /a note is required/],
    [['incidents', 'close', 'abcdef12'], /unknown incidents action 'close'/],
  ])('refuses %j with one line, exit 2', async (args, pattern) => {
    const table = await freshTable();

    const { code, err } = await cli([...args, '--table', table]);

    expect(code).toBe(2);
    expect(err.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(pattern)]);
  });

  it.each([
    [['incidents']],
    [['incidents', 'ack', 'abcdef12', '--note', 'x']],
    [['suppress', 'list']],
    [['suppress', 'add', '192.0.2.1', '--reason', 'x']],
  ])('%j names a table that does not exist, in one line, exit 2', async (args) => {
    const { code, err } = await cli([...args, '--table', 'no-such-table']);

    expect(code).toBe(2);
    expect(err).toBe(
      'ftp-bounce-watch: DynamoDB table "no-such-table" does not exist in eu-west-1 (check the name: --table, or the '
      + 'stack\'s IncidentTableName output; and AWS_REGION or the profile\'s region)\n',
    );
  });

  it('refuses an id that two open incidents start with, and takes one more digit', async () => {
    // Two incidents whose ids share their first 6 hex digits (found by trying clients and times: ids are hashes).
    const table = await freshTable();
    const d = new Deployment({}, new DynamoDbIncidentStore(dynamodb, table));
    await d.batch(T0, [{ ...HIGH, client: '198.51.100.126' }]);
    await d.batch(T0 + 2 * MIN, [{ ...HIGH, client: '198.51.100.58' }]);

    const ambiguous = await cli(['incidents', 'ack', 'ec1326', '--note', 'x', '--table', table], T0 + 3 * MIN);
    const longer = await cli(['incidents', 'show', 'ec1326b', '--table', table, '--format', 'json'], T0 + 3 * MIN);

    expect(ambiguous.code).toBe(2);
    expect(ambiguous.err).toBe('ftp-bounce-watch: 2 open incidents start with ec1326: give more of the id\n');
    expect(longer.code).toBe(0);
    expect(JSON.parse(longer.out)).toMatchObject({ id: 'ec1326b5904640282759e3abff246bb4', srcIp: '198.51.100.126', status: 'open' });
  });

  it('names the stack or the output that is missing', async () => {
    query.world.stacks.Older = { AlertTopicArn: 'arn:aws:sns:eu-west-1:123456789012:t' };

    const missing = await cli(['incidents', '--stack', 'Nowhere']);
    const older = await cli(['incidents', '--stack', 'Older']);

    expect(missing.err).toBe('ftp-bounce-watch: no stack "Nowhere" in eu-west-1: give --stack NAME, --table NAME, or check AWS_REGION\n');
    expect(older.err).toBe('ftp-bounce-watch: stack Older has no IncidentTableName output (deployed by an older version?): redeploy, or give --table NAME\n');
  });

  it('says which IAM action was refused, in one line', async () => {
    const table = await freshTable();
    proxy.script('Scan', 'denied');

    const { code, err } = await cli(['incidents', '--table', table]);

    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^ftp-bounce-watch: access denied: Scan on table "${table}" needs the IAM permission dynamodb:Scan \\(.*\\)\\n$`));
  });
});

describe('text output', () => {
  const LONG_CALLER = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_SecurityOnCallAdministrators_0123456789abcdef/alice.long-surname@example.com';
  const IPV6_CLIENT = { client: '2001:db8:1234:5678:9abc:def0:1234:5678', target: '203.0.113.7', port: 4000 } as const;

  afterEach(() => {
    query.world.callerArn = CALLER;
  });

  it('keeps every line within 100 columns, however long the ARN, note, reason, client or log group', async () => {
    const table = await freshTable();
    query.world.callerArn = LONG_CALLER;
    const d = new Deployment({}, new DynamoDbIncidentStore(dynamodb, table));
    await d.batch(T0, [IPV6_CLIENT]);
    const note = 'called the partner, who will move their FXP transfers to passive mode by the end of the month; OPS-1234';
    const { incidents } = JSON.parse((await cli(['incidents', '--table', table, '--format', 'json'])).out) as { incidents: Array<{ id: string }> };
    const id = incidents[0]?.id ?? '';

    const outputs = [
      await cli(['incidents', 'ack', id, '--note', note, '--table', table, '--format', 'text'], T0 + MIN),
      await cli(['incidents', 'ack', id, '--note', `${note}, again`, '--table', table, '--format', 'text'], T0 + 2 * MIN),
      await cli(['incidents', '--table', table, '--format', 'text'], T0 + 3 * MIN),
      await cli(['incidents', 'show', id, '--table', table, '--format', 'text'], T0 + 3 * MIN),
      await cli(['suppress', 'add', `${IPV6_CLIENT.client}`, '--target', '2001:db8:1234:5678:9abc:def0:1234:0/112',
        '--severity', 'critical', '--reason', note, '--table', table, '--format', 'text']),
      await cli(['suppress', 'list', '--table', table, '--format', 'text']),
    ];
    const [added] = (JSON.parse((await cli(['suppress', 'list', '--table', table, '--format', 'json'])).out) as { suppressions: Suppression[] }).suppressions;
    outputs.push(await cli(['suppress', 'remove', added?.id ?? '', '--table', table, '--format', 'text']));

    expect(outputs.map((o) => [o.code, o.err])).toEqual(outputs.map(() => [0, '']));
    const long = outputs.flatMap((o) => o.out.split('\n')).filter((line) => [...line].length > 100);
    expect(long).toEqual([]);
    // Wrapped, not cut short: the whole ARN and the whole note are there.
    const unwrapped = (text: string | undefined): string => (text ?? '').replace(/\s+/g, '');
    expect(unwrapped(outputs[2]?.out)).toContain(unwrapped(`acknowledged by ${LONG_CALLER} at 2024-05-01 10:02: ${note}, again`));
  });

  it('says that acknowledging again replaces the earlier acknowledgement, naming it', async () => {
    const table = await freshTable();
    const d = new Deployment({}, new DynamoDbIncidentStore(dynamodb, table));
    await d.batch(T0, [HIGH]);
    const { incidents } = JSON.parse((await cli(['incidents', '--table', table, '--format', 'json'])).out) as { incidents: Array<{ id: string }> };
    const id = incidents[0]?.id ?? '';

    const first = await cli(['incidents', 'ack', id.slice(0, 8), '--note', 'looking', '--table', table, '--format', 'text'], T0 + MIN);
    const again = await cli(['incidents', 'ack', id.slice(0, 8).toUpperCase(), '--note', 'blocked, OPS-9', '--table', table, '--format', 'text'], T0 + 2 * MIN);

    expect(first.out).toBe(
      `Acknowledged ${id} (high foreign-public-target of 198.51.100.9).\nIts updates go to the digest until it escalates.\n`,
    );
    expect(again.out).toBe(
      `Acknowledged ${id} (high foreign-public-target of 198.51.100.9).\n`
      + `It replaces the acknowledgement by ${CALLER} at 2024-05-01\n    10:01 UTC: looking\n`
      + 'Its updates go to the digest until it escalates.\n',
    );
  });

  it('refuses to remove a suppression twice, in one line, exit 2', async () => {
    const table = await freshTable();
    const { id } = JSON.parse((await cli(['suppress', 'add', '192.0.2.1', '--reason', 'x', '--table', table, '--format', 'json'])).out) as Suppression;
    await cli(['suppress', 'remove', id, '--table', table]);

    const again = await cli(['suppress', 'remove', id, '--table', table]);

    expect(again.code).toBe(2);
    expect(again.err).toBe(`ftp-bounce-watch: no active suppression "${id}" in table ${table} (suppress list shows them)\n`);
  });

  it('gives up on a table that keeps failing in one line that suggests nothing beside the point (exit 2)', async () => {
    const table = await freshTable();
    proxy.script('GetItem', 'server-error', 'server-error', 'server-error', 'server-error', 'server-error', 'server-error');

    const { code, err } = await cli(['suppress', 'list', '--table', table]);

    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^ftp-bounce-watch: DynamoDB GetItem on table "${table}" still failed after 6 attempts \\(.*\\); try again later\\n$`));
  });
});

describe('Ctrl-C', () => {
  it('stops at once and says where: exit 130, one line naming the call and the table', async () => {
    const silent = await startSlowServer();
    const client = new DynamoDBClient({ region: REGION, endpoint: silent.url, credentials: CREDENTIALS, maxAttempts: 1 });
    const io = captureIo({ deps: { dynamodbClient: () => client, stsClient: () => sts } });
    const run = main(['incidents', '--table', 'oncall-silent', '--format', 'text'], io);
    while (silent.requests() === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    io.abort();
    const code = await run;

    client.destroy();
    await silent.close();
    expect(code).toBe(130);
    expect(io.err()).toBe('ftp-bounce-watch: interrupted during Scan on table "oncall-silent"\n');
  });
});

describe('the detector with the suppressions the CLI wrote', () => {
  async function detector(table: string) {
    const store = new DynamoDbIncidentStore(dynamodb, table);
    const unavailable: unknown[] = [];
    const cache = new SuppressionCache({
      read: async (signal) => (await store.loadSuppressions(signal)).suppressions,
      unavailable: (error) => unavailable.push(error),
    });
    return { d: new Deployment({}, store, cache), unavailable };
  }

  it('lists a suppressed client under "suppressed" with the reason instead of alerting', async () => {
    const table = await freshTable();
    await cli(['suppress', 'add', '198.51.100.9', '--severity', 'high', '--reason', 'Acme FXP partner', '--table', table]);
    const { d, unavailable } = await detector(table);

    const alerts = await d.batch(T0 + MIN, repeated(3, HIGH));
    const digest = await d.sweep(Date.UTC(2024, 4, 2, 0, 0, 0));

    expect(alerts).toEqual([]);
    expect(unavailable).toEqual([]);
    expect(digest.find((a) => a.digest?.reason === 'suppressed')?.digest?.entries).toEqual([
      expect.objectContaining({ srcIp: HIGH.client, count: 3, note: expect.stringMatching(/^suppressed by s-[0-9a-f]{8}: Acme FXP partner$/) }),
    ]);
  });

  it('fails open when the suppressions cannot be read: the alert goes out, and the failure is reported', async () => {
    const table = await freshTable();
    await cli(['suppress', 'add', '198.51.100.9', '--severity', 'high', '--reason', 'Acme FXP partner', '--table', table]);
    const { d, unavailable } = await detector(table);
    proxy.script('GetItem', 'server-error');

    const alerts = await d.batch(T0 + MIN, [HIGH]);

    expect(alerts.map((a) => `${a.kind}/${a.classification}`)).toEqual(['new/foreign-public-target']);
    expect(unavailable).toHaveLength(1);
  });
});
