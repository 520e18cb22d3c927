/**
 * The exporters with the real SDK clients (EventBridge JSON 1.1, Security Hub REST-JSON) against a loopback server,
 * pointed there by AWS_ENDPOINT_URL_EVENTBRIDGE and AWS_ENDPOINT_URL_SECURITYHUB as the runtime builds them:
 * batching, partial failures retried then counted, whole-request errors, timeouts, and the publisher that exports
 * what the topic accepted without ever failing the batch.
 */
import '../support/quiet-sdk-warning';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { STSClient } from '@aws-sdk/client-sts';
import { EventBridgeExporter } from '../../lambda/adapters/eventbridge-exporter';
import { MemberAccountDestinations } from '../../lambda/adapters/finding-destinations';
import {
  type AlertExporter,
  type AlertPublisher,
  type ExportOutcome,
  PublishIncompleteError, type SnsAlertMessage } from '../../lambda/adapters/ports';
import { InvocationBudget, sdkClientOptions } from '../../lambda/adapters/timeouts';
import type { Alert } from '../../lambda/alerts/alert';
import { buildSnsMessage } from '../../lambda/alerts/render/sns-message';
import { ExportingPublisher } from '../../lambda/export/exporting-publisher';
import { createExporters } from '../../lambda/exports-runtime';
import { alertOf, finding, located, portArgument, T0 } from '../unit/alerts/builders';
import { type LoopbackExportServer, startLoopbackExportServer } from '../support/loopback-export-server';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const PRODUCT_ARN = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;

let server: LoopbackExportServer;
const saved = { ...process.env };

beforeEach(async () => {
  server = await startLoopbackExportServer();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: server.endpoint,
    AWS_ENDPOINT_URL_SECURITYHUB: server.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_REGION: REGION,
  });
});

afterEach(async () => {
  await server.close();
  process.env = { ...saved };
});

/** `n` distinct alerts (one client each), as the SNS `default` JSON. */
function alerts(n: number): Alert[] {
  return Array.from({ length: n }, (_, i) => ({
    ...alertOf([located(finding({ client: `198.51.100.${i + 1}`, argument: portArgument('203.0.113.7', 25) }), { timestamp: T0, eventId: `e${i}` })]),
    account: ACCOUNT,
  }));
}
const jsonOf = (list: readonly Alert[]) => list.map((a) => JSON.stringify(a));

function exporters(): { events: AlertExporter; findings: AlertExporter } {
  const [events, findings] = createExporters({ eventBus: 'default', securityHubProductArn: PRODUCT_ARN, securityHubMemberRole: null }, REGION, new InvocationBudget());
  return { events: events as AlertExporter, findings: findings as AlertExporter };
}

describe('EventBridge exporter', () => {
  it('sends 25 alerts as 3 PutEvents requests of at most 10, each alert once with its JSON as the detail', async () => {
    const list = alerts(25);

    const outcome = await exporters().events.export(jsonOf(list));

    expect(outcome).toEqual({ exported: 25, failures: [] });
    expect(server.requests.map((r) => r.items.length)).toEqual([10, 10, 5]);
    expect(server.events.map((e) => JSON.parse(String(e.Detail)).id)).toEqual(list.map((a) => a.id));
    expect(server.events[0]).toMatchObject({ Source: 'ftp-bounce-watch', DetailType: 'FTP Bounce Watch Incident Opened', EventBusName: 'default' });
  });

  it.each([
    ['a throttled entry, accepted on the retry', { code: 'ThrottlingException' }, 1, 0],
    ['an entry failing every attempt: counted, the others sent', { code: 'InternalFailure' }, 99, 1],
    ['an entry refused as malformed: not retried, counted', { code: 'MalformedDetail' }, 99, 1],
  ])('%s', async (_label, refusal, times, failed) => {
    const list = alerts(3);
    const target = list[1] as Alert;
    server.refuseItems('PutEvents', refusal, (entry) => JSON.parse(String(entry.Detail)).id === target.id, times);

    const outcome = await exporters().events.export(jsonOf(list));

    expect(outcome.exported).toBe(3 - failed);
    expect(outcome.failures).toEqual(failed === 0 ? [] : [expect.objectContaining({ id: target.id, code: refusal.code })]);
    const attempts = server.requests.filter((r) => r.items.some((e) => JSON.parse(String(e.Detail)).id === target.id)).length;
    expect(attempts).toBe(refusal.code === 'MalformedDetail' ? 1 : Math.min(times + 1, 3));
  });

  it('counts every entry of a request EventBridge refused whole after the retries, and resolves', async () => {
    // Three exporter attempts, each two SDK attempts (EVENTBRIDGE_TIMEOUTS.maxAttempts).
    for (let i = 0; i < 6; i++) server.failNext('PutEvents', { status: 500, type: 'InternalException' });

    const outcome = await exporters().events.export(jsonOf(alerts(2)));

    expect(outcome.exported).toBe(0);
    expect(outcome.failures.map((f) => f.code)).toEqual(['InternalException', 'InternalException']);
    expect(server.requests.length).toBe(6);
  });

  it('ends a request that never answers at the client\'s timeout and counts it', async () => {
    server.stallNext('PutEvents', 10);
    const timeouts = { connectionTimeoutMs: 500, requestTimeoutMs: 300, maxAttempts: 1 };
    const client = new EventBridgeClient({ region: REGION, ...sdkClientOptions(timeouts) });
    const exporter = new EventBridgeExporter(client, { eventBusName: 'default', maxAttempts: 2, baseDelayMs: 1 });

    const outcome = await exporter.export(jsonOf(alerts(1)));

    expect(outcome.exported).toBe(0);
    expect(outcome.failures).toEqual([expect.objectContaining({ code: 'TimeoutError' })]);
    expect(server.requests.length).toBe(2);
  });
});

describe('Security Hub exporter', () => {
  it('imports one finding per incident; an update of the incident imports the same Id again', async () => {
    const [first] = alerts(1) as [Alert];
    const update: Alert = { ...first, id: 'later', kind: 'update', lastSeen: new Date(T0 + 3_600_000).toISOString(), incidentTotal: 5 };

    const outcome = await exporters().findings.export(jsonOf([first]));
    const again = await exporters().findings.export(jsonOf([update]));

    expect([outcome, again]).toEqual([{ exported: 1, failures: [] }, { exported: 1, failures: [] }]);
    expect([...server.findings.keys()]).toEqual([`ftp-bounce-watch/${REGION}/${first.incidentId}`]);
    expect(server.findings.get(`ftp-bounce-watch/${REGION}/${first.incidentId}`)).toMatchObject({
      AwsAccountId: ACCOUNT,
      ProductArn: PRODUCT_ARN,
      UpdatedAt: update.lastSeen,
      FindingProviderFields: { Severity: { Label: 'CRITICAL' }, Types: ['TTPs/Initial Access/FTP Bounce Attempt'] },
    });
  });

  describe('an incident\'s older state never replaces its newer one, in whatever order they are exported', () => {
    const [first] = alerts(1) as [Alert];
    const newer: Alert = { ...first, id: 'update', kind: 'update', lastSeen: new Date(T0 + 3_600_000).toISOString(), incidentTotal: 50 };
    // A digest line of the same incident (it was suppressed for a while), covering refusals before the update's last.
    const older: Alert = {
      ...first,
      id: 'digest',
      kind: 'digest',
      incidentId: 'digest-bucket',
      digest: {
        reason: 'suppressed',
        entriesTruncated: 0,
        entries: [{
          incidentId: first.incidentId, logGroup: first.logGroup, srcIp: first.srcIp, classification: first.classification,
          severity: first.severity, count: 3, firstSeen: first.firstSeen, lastSeen: new Date(T0 + 600_000).toISOString(),
          topTargets: [],
        }],
      },
    };
    const id = `ftp-bounce-watch/${REGION}/${first.incidentId}`;

    it.each([
      ['in one export, newer first', [[newer, older]]],
      ['in one export, older first', [[older, newer]]],
      ['in two exports, newer first', [[newer], [older]]],
      ['in two exports, older first', [[older], [newer]]],
    ])('%s', async (_label, exports) => {
      for (const list of exports) expect((await exporters().findings.export(jsonOf(list))).failures).toEqual([]);

      expect(server.findings.get(id)).toMatchObject({
        UpdatedAt: newer.lastSeen,
        ProductFields: expect.objectContaining({ 'ftp-bounce-watch/refusals': '50' }),
      });
    });
  });

  it('sends 150 incidents as requests of 100 and 50', async () => {
    const outcome = await exporters().findings.export(jsonOf(alerts(150)));

    expect(outcome).toEqual({ exported: 150, failures: [] });
    expect(server.requests.map((r) => r.items.length)).toEqual([100, 50]);
  });

  it.each([
    ['a finding failing once: imported on the retry', { code: 'InternalException' }, 1, 0],
    ['a finding refused as invalid: not retried, counted', { code: 'InvalidInput' }, 99, 1],
    ['a finding failing every attempt: counted', { code: 'LimitExceeded' }, 99, 1],
  ])('%s', async (_label, refusal, times, failed) => {
    const list = alerts(3);
    const targetId = `ftp-bounce-watch/${REGION}/${(list[2] as Alert).incidentId}`;
    server.refuseItems('BatchImportFindings', refusal, (f) => f.Id === targetId, times);

    const outcome = await exporters().findings.export(jsonOf(list));

    expect(outcome.exported).toBe(3 - failed);
    expect(outcome.failures).toEqual(failed === 0 ? [] : [expect.objectContaining({ id: targetId, code: refusal.code })]);
    expect(server.findings.has(targetId)).toBe(failed === 0);
  });
});

describe('ExportingPublisher', () => {
  const messages = (list: readonly Alert[]): SnsAlertMessage[] => list.map((a) => buildSnsMessage(a));

  it.each([
    ['the topic accepted every message: all exported', null, [0, 1, 2]],
    ['the send rate deferred one: the other two exported, the error passed on', new Set([1]), [0, 2]],
  ])('%s', async (_label, unpublished, exportedIndexes) => {
    const list = alerts(3);
    const inner: AlertPublisher = {
      publish: async () => {
        if (unpublished !== null) throw new PublishIncompleteError('deferred', unpublished, true);
      },
    };
    const reports: Array<[string, number, number]> = [];
    const { events, findings } = exporters();
    const report = (name: string, o: ExportOutcome) => reports.push([name, o.exported, o.failures.length]);
    const publisher = new ExportingPublisher(inner, [events, findings], report);

    const publishing = publisher.publish(messages(list));

    if (unpublished === null) await expect(publishing).resolves.toBeUndefined();
    else await expect(publishing).rejects.toBeInstanceOf(PublishIncompleteError);
    expect(server.events.map((e) => JSON.parse(String(e.Detail)).id)).toEqual(exportedIndexes.map((i) => (list[i] as Alert).id));
    expect(reports.sort()).toEqual([['eventbridge', exportedIndexes.length, 0], ['securityhub', exportedIndexes.length, 0]]);
  });

  it('never fails the publish when the exports fail: their failures are reported', async () => {
    server.failNext('PutEvents', { status: 400, type: 'AccessDeniedException' });
    const reports: Array<[string, number, number]> = [];
    const { events } = exporters();
    const report = (name: string, o: ExportOutcome) => reports.push([name, o.exported, o.failures.length]);
    const publisher = new ExportingPublisher({ publish: async () => undefined }, [events], report);

    await expect(publisher.publish(messages(alerts(2)))).resolves.toBeUndefined();

    expect(reports).toEqual([['eventbridge', 0, 2]]);
    expect(server.requests.length).toBe(1);
  });
});

describe('central mode: each member\'s findings imported as that member, through its role', () => {
  const CENTRAL = '999988887777';
  const CENTRAL_PRODUCT = `arn:aws:securityhub:${REGION}:${CENTRAL}:product/${CENTRAL}/default`;
  const ROLE = `ftp-bounce-watch-findings-${REGION}`;
  const MEMBER_A = '111111111111';
  const MEMBER_B = '222222222222';
  const roleOf = (account: string) => `arn:aws:iam::${account}:role/${ROLE}`;
  const productOf = (account: string) => `arn:aws:securityhub:${REGION}:${account}:product/${account}/default`;

  beforeEach(() => {
    process.env.AWS_ENDPOINT_URL_STS = server.endpoint;
  });

  const centralFindings = (): AlertExporter =>
    createExporters(
      { eventBus: null, securityHubProductArn: CENTRAL_PRODUCT, securityHubMemberRole: ROLE },
      REGION,
      new InvocationBudget(),
    )[0] as AlertExporter;
  const ofAccount = (list: readonly Alert[], account: string): Alert[] => list.map((a) => ({ ...a, account }));
  const imports = () => server.requests.filter((r) => r.operation === 'BatchImportFindings');

  it('imports a batch of two members as two requests, each with the member\'s account, product and credentials', async () => {
    server.allowRole(roleOf(MEMBER_A));
    server.allowRole(roleOf(MEMBER_B));
    const [a1, a2, b1] = alerts(3) as [Alert, Alert, Alert];
    const exporter = centralFindings();

    const outcome = await exporter.export(jsonOf([...ofAccount([a1, a2], MEMBER_A), ...ofAccount([b1], MEMBER_B)]));
    const again = await exporter.export(jsonOf(ofAccount([b1], MEMBER_B)));

    expect([outcome, again]).toEqual([{ exported: 3, failures: [] }, { exported: 1, failures: [] }]);
    expect(imports().map((r) => [r.accessKeyId, r.items.map((f) => [f.AwsAccountId, f.ProductArn])])).toEqual([
      [`ASIA${MEMBER_A}`, [[MEMBER_A, productOf(MEMBER_A)], [MEMBER_A, productOf(MEMBER_A)]]],
      [`ASIA${MEMBER_B}`, [[MEMBER_B, productOf(MEMBER_B)]]],
      [`ASIA${MEMBER_B}`, [[MEMBER_B, productOf(MEMBER_B)]]],
    ]);
    // Each role assumed once, by the function's own credentials; the second export reused B's.
    expect(server.assumeRoles).toEqual([
      { roleArn: roleOf(MEMBER_A), roleSessionName: 'ftp-bounce-watch-findings', durationSeconds: 900, accessKeyId: 'AKIDLOCAL' },
      { roleArn: roleOf(MEMBER_B), roleSessionName: 'ftp-bounce-watch-findings', durationSeconds: 900, accessKeyId: 'AKIDLOCAL' },
    ]);
  });

  it('imports the central account\'s own findings itself, without assuming a role', async () => {
    const outcome = await centralFindings().export(jsonOf(ofAccount(alerts(1), CENTRAL)));

    expect(outcome).toEqual({ exported: 1, failures: [] });
    expect(imports().map((r) => [r.accessKeyId, r.items[0]?.AwsAccountId])).toEqual([['AKIDLOCAL', CENTRAL]]);
    expect(server.assumeRoles).toEqual([]);
  });

  it('counts the findings of a member whose role cannot be assumed, names account and role, imports the others', async () => {
    server.allowRole(roleOf(MEMBER_A));
    const [a1, b1, b2] = alerts(3) as [Alert, Alert, Alert];
    const reports: ExportOutcome[] = [];
    const report = (_name: string, o: ExportOutcome) => reports.push(o);
    const publisher = new ExportingPublisher({ publish: async () => undefined }, [centralFindings()], report);
    const list = [...ofAccount([a1], MEMBER_A), ...ofAccount([b1, b2], MEMBER_B)];

    await expect(publisher.publish(list.map((a) => buildSnsMessage(a)))).resolves.toBeUndefined();

    expect(reports).toHaveLength(1);
    expect(reports[0]?.exported).toBe(1);
    expect(reports[0]?.failures).toEqual([b1, b2].map((b) => ({
      id: `ftp-bounce-watch/${REGION}/${b.incidentId}`,
      code: 'AssumeMemberRoleError',
      message: expect.stringMatching(new RegExp(`^could not assume ${roleOf(MEMBER_B)} for member account ${MEMBER_B} \\(AccessDenied: `)),
    })));
    expect(imports().map((r) => r.accessKeyId)).toEqual([`ASIA${MEMBER_A}`]);
  });

  it.each([
    ['10 minutes later: the cached credentials', 10, 1],
    ['14 minutes later, within 2 minutes of their expiry: assumed again', 14, 2],
  ])('%s', async (_label, minutes, assumed) => {
    server.allowRole(roleOf(MEMBER_A));
    let now = Date.now();
    const ownClient = new SecurityHubClient({ region: REGION });
    const destinations = new MemberAccountDestinations({
      ownAccount: CENTRAL,
      ownProductArn: CENTRAL_PRODUCT,
      ownClient,
      sts: new STSClient({ region: REGION }),
      roleName: ROLE,
      partition: 'aws',
      region: REGION,
      clientWith: (credentials) => new SecurityHubClient({ region: REGION, credentials }),
      now: () => now,
    });

    await destinations.clientFor(MEMBER_A);
    now += minutes * 60_000;
    await destinations.clientFor(MEMBER_A);

    expect(server.assumeRoles.length).toBe(assumed);
  });
});

describe('test alerts (ftp-bounce-watch test --deliver)', () => {
  it('go to EventBridge with test: true in the detail, and make no Security Hub finding', async () => {
    const testAlert: Alert = { ...(alerts(1)[0] as Alert), test: true as const };
    const { events, findings } = exporters();

    const outcomes = [await events.export(jsonOf([testAlert])), await findings.export(jsonOf([testAlert]))];

    expect(outcomes).toEqual([{ exported: 1, failures: [] }, { exported: 0, failures: [] }]);
    expect(JSON.parse(String(server.events[0]?.Detail))).toMatchObject({ id: testAlert.id, test: true });
    expect(server.requests.map((r) => r.operation)).toEqual(['PutEvents']);
  });
});
