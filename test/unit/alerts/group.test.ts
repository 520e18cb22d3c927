import fc from 'fast-check';
import { ALERT_LIMITS } from '../../../lambda/alerts/alert';
import { AlertAccumulator, groupFindings, InvalidTimestampError, type LocatedFinding } from '../../../lambda/alerts/group';
import { InvalidRegionError } from '../../../lambda/alerts/links';
import { RULE_11209_TEXT } from '../../../lambda/detector';
import { alertOf, finding, located, portArgument, REGION, T0 } from './builders';

const NAT = { argument: '192,168,1,34,206,55' };
const BOUNCE = { argument: portArgument('203.0.113.7', 25) };

describe('groupFindings: keys', () => {
  it('returns no alerts for no findings', () => {
    expect(groupFindings([], { region: REGION })).toEqual([]);
  });

  it('groups per log group x client IP x classification', () => {
    const alerts = groupFindings(
      [
        located(finding(), { logGroup: '/a' }),
        located(finding(), { logGroup: '/a', logStream: 'other' }),
        located(finding(), { logGroup: '/b' }),
        located(finding({ client: '198.51.100.5' }), { logGroup: '/a' }),
        located(finding(NAT), { logGroup: '/a' }),
        located(finding({}, { srcIp: null }), { logGroup: '/a' }),
        located(finding({}, { srcIp: null }), { logGroup: '/a' }),
      ],
      { region: REGION },
    );
    const keys = alerts.map((a) => [a.logGroup, a.srcIp, a.classification, a.count]);
    expect(keys).toEqual([
      ['/a', '198.51.100.4', 'foreign-public-target', 2],
      ['/a', '198.51.100.5', 'foreign-public-target', 1],
      ['/a', null, 'foreign-public-target', 2],
      ['/b', '198.51.100.4', 'foreign-public-target', 1],
      ['/a', '198.51.100.4', 'nat-misconfiguration', 1],
    ]);
  });

  it('counts findings per classification across groups', () => {
    const accumulator = new AlertAccumulator({ region: REGION });
    for (const each of [
      located(finding(), { logGroup: '/a' }),
      located(finding({ client: '198.51.100.5' }), { logGroup: '/a' }),
      located(finding(), { logGroup: '/b' }),
      located(finding(NAT), { logGroup: '/a' }),
      located(finding(BOUNCE), { logGroup: '/a' }),
      located(finding(BOUNCE), { logGroup: '/a' }),
    ]) {
      accumulator.add(each);
    }
    expect(accumulator.findings).toBe(6);
    expect(accumulator.findingsByClassification()).toEqual({
      'foreign-public-target': 3,
      'nat-misconfiguration': 1,
      'bounce-attempt': 2,
    });
  });

  it('orders by severity, then log group, then client (none last)', () => {
    const alerts = groupFindings(
      [
        located(finding(NAT), { logGroup: '/a' }),
        located(finding({ ...NAT, client: '10.0.0.1' }), { logGroup: '/z' }),
        located(finding({}, { srcIp: null }), { logGroup: '/b' }),
        located(finding(), { logGroup: '/b' }),
        located(finding(BOUNCE), { logGroup: '/z' }),
        located(finding({ argument: 'garbage' }), { logGroup: '/a' }),
      ],
      { region: REGION },
    );
    expect(alerts.map((a) => [a.severity, a.logGroup, a.srcIp])).toEqual([
      ['critical', '/z', '198.51.100.4'],
      ['high', '/b', '198.51.100.4'],
      ['high', '/b', null],
      ['medium', '/a', '198.51.100.4'],
      ['low', '/a', '198.51.100.4'],
      ['low', '/z', '10.0.0.1'],
    ]);
  });

  it('is deterministic: any input order gives the same alerts (property)', () => {
    const findings: LocatedFinding[] = [
      located(finding(), { timestamp: T0 + 5, eventId: 'a', logStream: 's2' }),
      located(finding(), { timestamp: T0 + 5, eventId: 'b', logStream: 's1' }),
      located(finding({ argument: portArgument('203.0.113.9', 3000) }), { timestamp: T0, eventId: 'c' }),
      located(finding(NAT), { timestamp: T0 + 1, eventId: 'd' }),
      located(finding(BOUNCE, {}), { timestamp: T0 + 9, eventId: 'e', logGroup: '/other' }),
      located(finding({ command: 'EPRT', argument: '|2|2001:db8::1|2121|' }), { timestamp: T0 + 2, eventId: 'f' }),
      located(finding({}, { srcIp: null }), { timestamp: T0 + 3, eventId: 'g' }),
    ];
    const expected = groupFindings(findings, { region: REGION });
    fc.assert(
      fc.property(fc.shuffledSubarray(findings, { minLength: findings.length }), (shuffled) => {
        expect(groupFindings(shuffled, { region: REGION })).toEqual(expected);
      }),
    );
  });
});

describe('groupFindings: one alert', () => {
  it('counts, first and last seen, streams, command, links', () => {
    const alert = alertOf([
      located(finding(), { timestamp: T0 + 120_000, logStream: 'b' }),
      located(finding({ command: 'EPRT', argument: '|1|203.0.113.7|1025|' }), { timestamp: T0, logStream: 'a' }),
      located(finding(), { timestamp: T0 + 60_000, logStream: 'b' }),
    ]);
    expect(alert).toMatchObject({
      ruleId: '11209',
      level: 14,
      count: 3,
      firstSeen: '2024-05-01T10:00:00.000Z',
      lastSeen: '2024-05-01T10:02:00.000Z',
      logStreams: ['a', 'b'],
      logStreamsTruncated: 0,
      command: 'PORT/EPRT',
      targets: ['203.0.113.7:1025'],
      targetsTruncated: 0,
      server: 'ftp.example.com',
      srcIp: '198.51.100.4',
      ruleTitle: RULE_11209_TEXT.title,
      samplesDropped: 0,
      textTruncated: false,
    });
    expect(alert.links.logStream).toBeUndefined();
    expect(alert.links.logGroup).toContain('#logsV2:log-groups/log-group/$252Fftp$252Fproftpd');
    expect(alert.links.insights).toContain('logs-insights');
  });

  it('links the stream when there is exactly one', () => {
    const alert = alertOf([located(finding(), { logStream: 'i-0abc/proftpd' })]);
    expect(alert.links.logStream).toMatch(/\/log-events\/i-0abc\$252Fproftpd$/);
    expect(alert.command).toBe('PORT');
  });

  it('explains the classification', () => {
    const alert = alertOf([located(finding(BOUNCE))]);
    const text = RULE_11209_TEXT.classifications['bounce-attempt'];
    expect(alert.description).toBe(`${RULE_11209_TEXT.description}\n\n${text.summary}`);
    expect(alert.runbook).toEqual(text.runbook);
    // Display-safe, and the operator's own server name as it is (not `ftp[.]example[.]com`).
    expect(alert.title).toBe('FTP bounce attempt: 198.51.100.4 on ftp.example.com');
  });

  it('takes the highest severity of its findings', () => {
    const alert = alertOf([
      located(finding({}, { severity: 'medium' })),
      located(finding({}, { severity: 'critical' })),
      located(finding({}, { severity: 'low' })),
    ]);
    expect(alert.severity).toBe('critical');
  });

  it('keeps the server only when all findings agree', () => {
    expect(alertOf([located(finding()), located(finding({ server: 'other.example' }))]).server).toBeNull();
    expect(alertOf([located(finding()), located(finding({}, { server: null }))]).server).toBeNull();
    expect(alertOf([located(finding()), located(finding())]).server).toBe('ftp.example.com');
  });

  it('lists distinct targets in address order, capped, counting the rest', () => {
    const findings = Array.from({ length: 30 }, (_, i) =>
      located(finding({ argument: portArgument(`203.0.113.${i % 25}`, 2000) }), { timestamp: T0 + i }),
    );
    findings.push(
      located(finding({ command: 'EPRT', argument: '|2|2001:db8::1|2121|' }), { timestamp: T0 + 100 }),
      located(finding({ argument: 'junk' }, { classification: 'foreign-public-target' }), { timestamp: T0 + 101 }),
    );
    const alert = alertOf(findings);
    expect(alert.count).toBe(32);
    expect(alert.targets).toHaveLength(ALERT_LIMITS.targets);
    expect(alert.targets[0]).toBe('203.0.113.0:2000');
    expect(alert.targets[19]).toBe('203.0.113.19:2000');
    expect(new Set(alert.targets).size).toBe(alert.targets.length);
    // 25 distinct IPv4 targets + one IPv6 target; the malformed argument has none.
    expect(alert.targetsTruncated).toBe(6);
  });

  it('lists the lowest ports of a scanned host in order, however many and in whatever order they came', () => {
    // A bounce port scan: 600 ports of one host (beyond the point where ports are kept as a bitmap), shuffled,
    // each twice, and a second host with a few ports.
    const ports = Array.from({ length: 600 }, (_, i) => ((i * 7919) % 600) + 2000);
    const findings = [...ports, ...ports].map((port, i) =>
      located(finding({ argument: portArgument('203.0.113.9', port) }), { timestamp: T0 + i }));
    findings.push(located(finding({ argument: portArgument('198.51.100.1', 4000) }), { timestamp: T0 }));

    const alert = alertOf(findings);

    expect(alert.targets).toEqual([
      '198.51.100.1:4000',
      ...Array.from({ length: ALERT_LIMITS.targets - 1 }, (_, i) => `203.0.113.9:${2000 + i}`),
    ]);
    expect(alert.targetsTruncated).toBe(601 - ALERT_LIMITS.targets);
    expect(alert.count).toBe(1201);
  });

  it('lists any mix of hosts and ports as sorting all distinct targets would (property)', () => {
    // More hosts than an alert shows, so that some are left out; IPv4 in several /8s, and IPv6.
    const HOSTS = [
      ...Array.from({ length: 24 }, (_, i) => `${[203, 10, 198][i % 3]}.0.${i * 9}.${250 - i}`),
      '2001:db8::1',
      '2001:db8::a',
      'fe80::1',
    ];
    const target = fc.tuple(fc.constantFrom(...HOSTS), fc.integer({ min: 1024, max: 1040 }));
    fc.assert(
      fc.property(fc.array(target, { minLength: 1, maxLength: 80 }), (targets) => {
        const findings = targets.map(([ip, port], i) => {
          const argument = ip.includes(':') ? `|2|${ip}|${port}|` : portArgument(ip, port);
          return located(finding({ command: ip.includes(':') ? 'EPRT' : 'PORT', argument }, { classification: 'foreign-public-target' }), {
            timestamp: T0 + i,
          });
        });
        const hostRank = (ip: string) => (ip.includes(':') ? 0 : 1);
        const ipv4 = (ip: string) => ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
        const distinct = [...new Map(targets.map(([ip, port]) => [`${ip} ${port}`, { ip, port }])).values()].sort(
          (a, b) =>
            hostRank(b.ip) - hostRank(a.ip)
            || (hostRank(a.ip) === 1 ? ipv4(a.ip) - ipv4(b.ip) : a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0)
            || a.port - b.port,
        );
        const expected = distinct.slice(0, ALERT_LIMITS.targets).map(({ ip, port }) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`));

        const alert = alertOf(findings);

        expect(alert.targets).toEqual(expected);
        expect(alert.targetsTruncated).toBe(distinct.length - expected.length);
      }),
      { numRuns: 300 },
    );
  });

  it('lists the lowest of a flood of hosts that came highest first', () => {
    const hosts = Array.from({ length: 300 }, (_, i) => `10.0.${Math.floor((299 - i) / 256)}.${(299 - i) % 256}`);
    const alert = alertOf(hosts.map((ip, i) => located(finding({ argument: portArgument(ip, 5000) }), { timestamp: T0 + i })));

    expect(alert.targets).toEqual(Array.from({ length: ALERT_LIMITS.targets }, (_, i) => `10.0.0.${i}:5000`));
    expect(alert.targetsTruncated).toBe(300 - ALERT_LIMITS.targets);
  });

  it('formats IPv6 targets with brackets', () => {
    const alert = alertOf([located(finding({ command: 'EPRT', argument: '|2|2001:db8::1|2121|' }))]);
    expect(alert.targets).toEqual(['[2001:db8::1]:2121']);
  });

  it('keeps the five earliest samples with their event ids, ties broken by event id', () => {
    const findings = [9, 3, 7, 1, 5, 3, 8].map((minute, i) =>
      located(finding(), { timestamp: T0 + minute * 60_000, eventId: `id-${minute}-${String.fromCharCode(122 - i)}` }),
    );
    const alert = alertOf(findings);
    expect(alert.samples).toHaveLength(ALERT_LIMITS.samples);
    expect(alert.samples.map((s) => s.eventId)).toEqual(['id-1-w', 'id-3-u', 'id-3-y', 'id-5-v', 'id-7-x']);
    expect(alert.samples[0]).toMatchObject({
      logStream: 'ftp1',
      timestamp: '2024-05-01T10:01:00.000Z',
      truncated: false,
    });
    expect(alert.samples[0]?.finding.line).toContain('Refused PORT');
  });

  it('caps logStreams and counts the rest', () => {
    const findings = Array.from({ length: 25 }, (_, i) => located(finding(), { logStream: `s${String(i).padStart(2, '0')}` }));
    const alert = alertOf(findings);
    expect(alert.logStreams).toHaveLength(ALERT_LIMITS.logStreams);
    expect(alert.logStreams[0]).toBe('s00');
    expect(alert.logStreamsTruncated).toBe(5);
  });

  it('shortens a megabyte sample line and says so', () => {
    const huge = `${'x'.repeat(1_048_576)} Refused PORT`;
    const alert = alertOf([located(finding({}, { line: huge, server: 's'.repeat(5000) }))]);
    const sample = alert.samples[0];
    expect(sample?.truncated).toBe(true);
    expect(sample?.finding.line.length).toBe(ALERT_LIMITS.sampleLine);
    expect(sample?.finding.server?.length).toBe(ALERT_LIMITS.sampleField);
    expect(alert.server?.length).toBe(ALERT_LIMITS.name);
  });

  it('gives a retried batch the same id and the same group the same fingerprint', () => {
    const batch = [located(finding(), { eventId: 'x1' }), located(finding(), { eventId: 'x2' })];
    const first = alertOf(batch);
    expect(alertOf([...batch].reverse()).id).toBe(first.id);
    const later = alertOf([located(finding(), { eventId: 'x3' })]);
    expect(later.id).not.toBe(first.id);
    expect(later.fingerprint).toBe(first.fingerprint);
    expect(first.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('makes the title display-safe: no mention, no Slack control, no scheme, whatever the server name says', () => {
    const alert = alertOf([located(finding({}, { server: '<!channel>&<https://evil.com/login|x> @here' }))]);
    expect(alert.title).toBe('FTP data channel aimed at a third party: 198.51.100.4 on ‹!channel›＆‹hxxps[:]//evil.com/login|x› [@]here');
    expect(alert.server).toBe('<!channel>&<https://evil.com/login|x> @here'); // raw data, for the renderers
  });

  it('cleans the title of control characters', () => {
    const alert = alertOf([located(finding({}, { server: 'evil\u202E\r\nBcc: x' }))]);
    expect(alert.title).toBe('FTP data channel aimed at a third party: 198.51.100.4 on evil\uFFFD Bcc: x');
  });
});

describe('groupFindings: bad input', () => {
  it.each(['', 'us-east-1/../x', 'EU-WEST-1', 'eu-west-1 '])('rejects region %j', (region) => {
    expect(() => groupFindings([located()], { region })).toThrow(InvalidRegionError);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1, 8.64e15])('rejects timestamp %p', (timestamp) => {
    expect(() => groupFindings([located(finding(), { timestamp })], { region: REGION })).toThrow(
      InvalidTimestampError,
    );
  });
});
