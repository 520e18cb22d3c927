/**
 * The export shapes (docs/export.md): an alert as an EventBridge entry, an incident as an ASFF finding, over every
 * classification and kind, with attacker-chosen text in every field a log line fills.
 */
import type { Alert, AlertClassification, AlertKind } from '../../../lambda/alerts/alert';
import { clientEventsUrl } from '../../../lambda/alerts/links';
import { renderAlertJson } from '../../../lambda/alerts/render/json';
import type { Severity } from '../../../lambda/detector/finding';
import {
  ASFF_LIMITS,
  alertFindings,
  FINDING_TYPES,
  findingBytes,
  findingIdOf,
  parseProductArn,
} from '../../../lambda/export/asff-finding';
import {
  alertEventEntry,
  AlertJsonError,
  batchEventEntries,
  DETAIL_TYPES,
  EVENT_SOURCE,
  eventEntryBytes,
  FALLBACK_DETAIL_TYPE,
} from '../../../lambda/export/event-entry';
import {
  expectSlackInert,
  finding,
  HOSTILE,
  located,
  onHost,
  portArgument,
  stringsIn,
  T0,
  alertOf,
} from '../alerts/builders';

const PRODUCT_ARN = 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default';
const ACCOUNT = '444455556666';

const CLASSIFICATIONS: ReadonlyArray<readonly [AlertClassification, Severity]> = [
  ['bounce-attempt', 'critical'],
  ['bounce-scan', 'critical'],
  ['internal-target', 'high'],
  ['foreign-public-target', 'high'],
  ['malformed-argument', 'medium'],
  ['proxy-address-mismatch', 'medium'],
  ['nat-misconfiguration', 'low'],
  ['address-family-mismatch', 'low'],
];
const KINDS: readonly AlertKind[] = ['new', 'escalation', 'update', 'digest'];

/** An alert of this classification and kind whose log-filled fields all hold `hostile`. */
function hostileAlert(classification: AlertClassification, severity: Severity, kind: AlertKind, hostile: string): Alert {
  const f = onHost(
    finding({ argument: portArgument('203.0.113.7', 25) }, { server: hostile, clientName: hostile, srcIp: hostile, rawArgument: hostile, reason: hostile, line: hostile }),
    hostile,
  );
  const base = alertOf([located(f, { timestamp: T0, eventId: 'e1', logStream: hostile })]);
  const alert: Alert = { ...base, classification, severity, kind, account: ACCOUNT, incidentId: `inc-${classification}` };
  if (kind === 'update') {
    const window = {
      count: 3,
      firstSeen: alert.firstSeen,
      lastSeen: alert.lastSeen,
      distinctTargets: 1,
      distinctPorts: 1,
      distinctHosts: 1,
      distinctCapped: false,
      topTargets: [{ target: hostile, count: 3 }],
    };
    return { ...alert, incidentTotal: 42, window };
  }
  if (kind === 'digest') {
    return {
      ...alert,
      incidentId: 'digest-bucket',
      digest: {
        reason: 'low-severity',
        entriesTruncated: 0,
        entries: [
          { incidentId: `inc-a-${classification}`, logGroup: '/ftp/proftpd', srcIp: hostile, classification, severity, count: 7, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, topTargets: [{ target: hostile, count: 7 }] },
          { incidentId: `inc-b-${classification}`, logGroup: '/ftp/proftpd', srcIp: '198.51.100.9', classification, severity, count: 1, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, topTargets: [] },
        ],
      },
    };
  }
  return alert;
}

const OVERLONG = `${'A'.repeat(3000)} @here <!channel> https://evil.example/${'x'.repeat(3000)}`;
const HOSTILE_TEXTS: ReadonlyArray<readonly [string, string]> = [...HOSTILE, ['overlong', OVERLONG], ['markdown', '# Title\n**bold** [link](https://evil.example) ![img](x)']];

/** Every classification and kind; each case runs over every hostile text. */
const CASES = CLASSIFICATIONS.flatMap(([classification, severity]) =>
  KINDS.map((kind) => [classification, severity, kind] as const));

describe('alertEventEntry over every classification, kind and hostile text', () => {
  it.each(CASES)('%s %s (%s): the alert JSON passes through as the detail', (classification, severity, kind) => {
    for (const [label, text] of HOSTILE_TEXTS) {
      const alert = hostileAlert(classification, severity, kind, text);
      const json = renderAlertJson(alert);

      const entry = alertEventEntry(json, 'default');

      expect({ label, entry }).toEqual({ label, entry: {
        Source: EVENT_SOURCE,
        DetailType: DETAIL_TYPES[kind],
        Detail: json,
        EventBusName: 'default',
        Resources: [`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ftp/proftpd`],
      } });
      expect(JSON.parse(entry.Detail)).toMatchObject({ id: alert.id, kind, classification, severity });
    }
  });
});

describe('alertFindings over every classification, kind and hostile text', () => {
  it.each(CASES)('%s %s (%s): bounded, inert text; provider severity and types', (classification, severity, kind) => {
    for (const [, text] of HOSTILE_TEXTS) {
      expectSafeFindings(hostileAlert(classification, severity, kind, text), classification, severity, kind);
    }
  });
});

function expectSafeFindings(alert: Alert, classification: AlertClassification, severity: Severity, kind: AlertKind): void {
  const findings = alertFindings(alert, { productArn: PRODUCT_ARN });

  expect(findings.length).toBe(kind === 'digest' ? 2 : 1);
  for (const f of findings) {
    expect(f).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: PRODUCT_ARN,
      AwsAccountId: '111122223333',
      FindingProviderFields: { Severity: { Label: severity.toUpperCase() }, Types: [FINDING_TYPES[classification]] },
      RecordState: 'ACTIVE',
    });
    expect(f.Id).toMatch(/^ftp-bounce-watch\/eu-west-1\/inc-/);
    expect((f.Title ?? '').length).toBeLessThanOrEqual(ASFF_LIMITS.title);
    expect((f.Description ?? '').length).toBeLessThanOrEqual(ASFF_LIMITS.description);
    expect((f.Remediation?.Recommendation?.Text ?? '').length).toBeLessThanOrEqual(ASFF_LIMITS.recommendation);
    for (const value of Object.values(f.ProductFields ?? {})) {
      expect(value.length).toBeLessThanOrEqual(ASFF_LIMITS.productFieldValue);
    }
    expect(findingBytes(f)).toBeLessThan(ASFF_LIMITS.findingBytes);
    // Every string a person or a SOAR tool reads is inert, whatever the log line said (URLs are ours).
    for (const s of stringsIn(f, ['SourceUrl'])) expectSlackInert(s);
    // A client address that is not an address (hostile text) is no network source.
    if (f.ProductFields?.['ftp-bounce-watch/client'] !== '198.51.100.9') expect(f.Network).toBeUndefined();
  }
}

describe('alertFindings, what a finding says', () => {
  const alert: Alert = { ...alertOf([located(onHost(finding(), 'i-0123456789abcdef0'), { timestamp: T0, eventId: 'e1' })]), account: ACCOUNT };

  it('has one stable Id per incident: an update of the same incident imports the same Id, later', () => {
    const update: Alert = { ...alert, kind: 'update', lastSeen: new Date(T0 + 3_600_000).toISOString(), incidentTotal: 9 };

    const [first] = alertFindings(alert, { productArn: PRODUCT_ARN });
    const [second] = alertFindings(update, { productArn: PRODUCT_ARN });

    expect(second?.Id).toBe(first?.Id);
    expect(first?.Id).toBe(findingIdOf('eu-west-1', alert.incidentId));
    expect((second?.UpdatedAt ?? '') > (first?.UpdatedAt ?? '')).toBe(true);
    expect(second?.ProductFields?.['ftp-bounce-watch/refusals']).toBe('9');
  });

  describe('CreatedAt is when the incident began, the same on every import; UpdatedAt the message\'s last refusal', () => {
    const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
    const entry = (incidentFirstSeen: string | undefined) => ({
      incidentId: alert.incidentId, logGroup: alert.logGroup, srcIp: alert.srcIp, classification: alert.classification,
      severity: alert.severity, count: 2, firstSeen: at(130), lastSeen: at(140), topTargets: [],
      ...(incidentFirstSeen === undefined ? {} : { incidentFirstSeen }),
    });
    const digestOf = (incidentFirstSeen: string | undefined): Alert => ({
      ...alert, kind: 'digest', digest: { reason: 'acknowledged', entriesTruncated: 0, entries: [entry(incidentFirstSeen)] },
    });

    it.each([
      ['the first message', { ...alert, incidentFirstSeen: alert.firstSeen }, alert.firstSeen, alert.lastSeen],
      ['an update of a later window',
        { ...alert, kind: 'update' as const, firstSeen: at(70), lastSeen: at(80), incidentFirstSeen: at(0) }, at(0), at(80)],
      ['a message without alert memory (no incidentFirstSeen)', { ...alert, firstSeen: at(70), lastSeen: at(80) }, at(70), at(80)],
      ['a digest line of the incident', digestOf(at(0)), at(0), at(140)],
      ['a digest line from before incidentFirstSeen', digestOf(undefined), at(130), at(140)],
      ['an incidentFirstSeen that is no time',
        { ...alert, firstSeen: at(70), lastSeen: at(80), incidentFirstSeen: 'soon' }, at(70), at(80)],
    ])('%s', (_label, message, createdAt, updatedAt) => {
      const [f] = alertFindings(message, { productArn: PRODUCT_ARN });

      expect(f).toMatchObject({
        CreatedAt: createdAt, FirstObservedAt: createdAt, UpdatedAt: updatedAt, LastObservedAt: updatedAt,
      });
    });
  });

  it.each([
    ['a digest line that knows the incident\'s total: that total', { incidentTotal: 57 }, '57'],
    ['a digest line from before incidentTotal: its own count', {}, '2'],
  ])('counts as refusals, for %s', (_label, extra, refusals) => {
    const entry = {
      incidentId: alert.incidentId, logGroup: alert.logGroup, srcIp: alert.srcIp, classification: alert.classification,
      severity: alert.severity, count: 2, firstSeen: alert.firstSeen, lastSeen: alert.lastSeen, topTargets: [], ...extra,
    };
    const digest: Alert = { ...alert, kind: 'digest', digest: { reason: 'acknowledged', entriesTruncated: 0, entries: [entry] } };

    const [f] = alertFindings(digest, { productArn: PRODUCT_ARN });

    expect(f?.ProductFields?.['ftp-bounce-watch/refusals']).toBe(refusals);
    expect(f?.Title).toContain(`(${refusals} refused)`);
    expect(f?.Description).toContain('2 refused PORT/EPRT commands');
  });

  it('names the log group by ARN and an EC2 instance host as the instance, and the client as the network source', () => {
    const [f] = alertFindings(alert, { productArn: PRODUCT_ARN });

    expect(f?.Resources).toEqual([
      expect.objectContaining({ Type: 'Other', Id: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ftp/proftpd` }),
      expect.objectContaining({ Type: 'AwsEc2Instance', Id: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0` }),
    ]);
    expect(f?.Network).toEqual({ Direction: 'IN', Protocol: 'TCP', SourceIpV4: '198.51.100.4' });
  });

  it.each([
    ['an IPv4 address', '198.51.100.4', { Direction: 'IN', Protocol: 'TCP', SourceIpV4: '198.51.100.4' }],
    ['an IPv6 address', '2001:db8::7', { Direction: 'IN', Protocol: 'TCP', SourceIpV6: '2001:db8::7' }],
    ['an IPv4-mapped IPv6 address', '::ffff:198.51.100.4', { Direction: 'IN', Protocol: 'TCP', SourceIpV6: '::ffff:198.51.100.4' }],
    ['zone-scoped IPv6 text (no address)', 'fe80::1%eth0', undefined],
    ['a zone naming hostile text', 'fe80::1%<!channel>', undefined],
    ['a host name', 'ftp.example.com', undefined],
    ['an address with a leading zero', '01.2.3.4', undefined],
  ])('takes as the network source %s only when it is one', (_label, srcIp, network) => {
    const [f] = alertFindings({ ...alert, srcIp }, { productArn: PRODUCT_ARN });

    expect(f?.Network).toEqual(network);
    expect(f?.ProductFields?.['ftp-bounce-watch/client']).not.toBe('unknown');
  });

  it('links each incident a digest lists to its own log group and client, not the digest\'s first entry', () => {
    const entry = (incidentId: string, logGroup: string, srcIp: string) => ({
      incidentId, logGroup, srcIp, classification: 'nat-misconfiguration' as const, severity: 'low' as const, count: 2,
      firstSeen: new Date(T0).toISOString(), lastSeen: new Date(T0 + 60_000).toISOString(), topTargets: [],
    });
    const entries = [entry('inc-a', '/ftp/proftpd', '198.51.100.4'), entry('inc-b', '/other/ftp', '203.0.113.9')];
    const digest: Alert = { ...alert, kind: 'digest', digest: { reason: 'low-severity', entriesTruncated: 0, entries } };

    const findings = alertFindings(digest, { productArn: PRODUCT_ARN });

    expect(findings.map((f) => f.SourceUrl)).toEqual(
      entries.map((e) => clientEventsUrl('eu-west-1', e.logGroup, e.srcIp, T0, T0 + 60_000)),
    );
    expect(findings[1]?.SourceUrl).toContain('other');
    expect(findings[1]?.SourceUrl).toContain('203.0.113.9');
  });

  it('names the log group by name when the account is unknown (a local scan)', () => {
    const [f] = alertFindings({ ...alert, account: null }, { productArn: PRODUCT_ARN });

    expect(f?.Resources?.[0]).toMatchObject({ Type: 'Other', Id: 'log-group:/ftp/proftpd' });
  });

  it('refuses a product ARN that is not a default product', () => {
    expect(() => alertFindings(alert, { productArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/aws/guardduty' })).toThrow(RangeError);
  });

  it.each([
    [PRODUCT_ARN, { partition: 'aws', region: 'eu-west-1', account: '111122223333' }],
    ['arn:aws-cn:securityhub:cn-north-1:111122223333:product/111122223333/default', { partition: 'aws-cn', region: 'cn-north-1', account: '111122223333' }],
    ['arn:aws:securityhub:eu-west-1:111122223333:product/999999999999/default', null],
    ['arn:aws:securityhub:eu-west-1:111122223333:product/aws/guardduty', null],
  ])('parseProductArn(%s)', (text, expected) => {
    expect(parseProductArn(text)).toEqual(expected);
  });
});

describe('alertEventEntry, edge cases', () => {
  it('exports a kind this version does not know under the generic detail-type', () => {
    const json = JSON.stringify({ id: 'a1', kind: 'suppressed-digest', account: null });

    expect(alertEventEntry(json, 'bus').DetailType).toBe(FALLBACK_DETAIL_TYPE);
    expect(alertEventEntry(json, 'bus').Resources).toEqual([]);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['no id', '{"kind":"new"}'],
    ['no kind', '{"id":"a1"}'],
  ])('refuses alert JSON that is %s', (_label, json) => {
    expect(() => alertEventEntry(json, 'default')).toThrow(AlertJsonError);
  });
});

describe('batchEventEntries', () => {
  const entry = (bytes: number) => alertEventEntry(JSON.stringify({ id: 'x', kind: 'new', pad: 'p'.repeat(bytes) }), 'default');

  it.each([
    ['25 small entries: 10, 10, 5', Array.from({ length: 25 }, () => entry(10)), [10, 10, 5], 0],
    ['three of 100 KB: 2, 1 (256 KB per request)', [entry(100_000), entry(100_000), entry(100_000)], [2, 1], 0],
    ['one over 256 KB alone: set aside', [entry(10), entry(300_000), entry(10)], [2], 1],
  ])('%s', (_label, entries, sizes, oversized) => {
    const result = batchEventEntries(entries);

    expect(result.batches.map((b) => b.length)).toEqual(sizes);
    expect(result.oversized.length).toBe(oversized);
    for (const batch of result.batches) expect(batch.reduce((n, e) => n + eventEntryBytes(e), 0)).toBeLessThan(256 * 1024);
  });
});
