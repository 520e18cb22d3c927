import fc from 'fast-check';
import type { Alert } from '../../../lambda/alerts/alert';
import { renderEmail, renderSubject, SUBJECT_MAX_LENGTH } from '../../../lambda/alerts/render/email';
import { RULE_11209_TEXT } from '../../../lambda/detector';
import {
  alertOf,
  finding,
  HOSTILE,
  LONE_SURROGATE,
  located,
  portArgument,
  T0,
  typicalAlert,
  UNSAFE_CHARS,
} from './builders';

function expectValidSubject(subject: string): void {
  expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
  expect(subject).not.toMatch(/[\r\n]/);
  expect(subject).not.toMatch(UNSAFE_CHARS);
  expect(subject).not.toMatch(LONE_SURROGATE);
  expect(subject).not.toContain('://');
}

describe('email subject', () => {
  it('says severity, what, target, client, server and count', () => {
    const alert = alertOf([
      located(finding({ argument: portArgument('203.0.113.7', 3000) })),
      located(finding({ argument: portArgument('203.0.113.7', 3000) })),
      located(finding({ argument: portArgument('203.0.113.7', 3000) })),
    ]);
    expect(renderSubject(alert)).toBe(
      '[HIGH] FTP PORT to third party 203.0.113.7:3000 refused for 198.51.100.4 on ftp.example.com (x3)',
    );
  });

  it.each([
    [{ argument: portArgument('203.0.113.7', 25) }, '[CRITICAL] FTP PORT bounce attempt to 203.0.113.7:25 refused for 198.51.100.4 on ftp.example.com'],
    [{ argument: '192,168,1,34,206,55' }, '[LOW] FTP PORT to internal address 192.168.1.34:52791 refused for 198.51.100.4 on ftp.example.com'],
    [{ argument: 'nonsense' }, '[MEDIUM] Malformed FTP PORT refused for 198.51.100.4 on ftp.example.com'],
    [
      { command: 'EPRT' as const, argument: '|2|2001:db8::1|2121|', reason: 'IPv4/IPv6 address mismatch' },
      '[LOW] FTP EPRT address-family mismatch refused for 198.51.100.4 on ftp.example.com',
    ],
  ])('words each classification (%j)', (parts, expected) => {
    expect(renderSubject(alertOf([located(finding(parts))]))).toBe(expected);
  });

  it('mentions further targets', () => {
    expect(renderSubject(typicalAlert())).toBe(
      '[HIGH] FTP PORT to third party 203.0.113.7:1025 +1 refused for 198.51.100.4 on ftp.example.com (x3)',
    );
  });

  it('gives up the count of other targets and the long wording before the server name', () => {
    const alert = alertOf([
      located(finding({ argument: portArgument('203.0.113.7', 25) })),
      located(finding({ argument: portArgument('203.0.113.8', 21) })),
      located(finding({ argument: portArgument('203.0.113.7', 25) })),
    ]);
    expect(renderSubject(alert)).toBe(
      '[CRITICAL] FTP bounce to 203.0.113.7:25 refused for 198.51.100.4 on ftp.example.com (x3)',
    );
  });

  it('shortens a long server name at a label boundary', () => {
    const server = 'ftp.a-very-long-customer-name.eu-west-1.internal.example.com';
    const subject = renderSubject(alertOf([located(finding({ server }))]));
    expectValidSubject(subject);
    expect(subject).toMatch(/^\[HIGH\] FTP PORT to third party 203\.0\.113\.7:1025 refused for 198\.51\.100\.4 on ftp\./);
    // Cut right after a label separator, never inside a label.
    expect(subject).toMatch(/ on ftp\.a-very-long-…$/);
  });

  it('keeps severity and the full IPv6 client when everything is long', () => {
    const client = '2001:db8:1234:5678:9abc:def0:1234:5678';
    const alert = alertOf(
      Array.from({ length: 12345 }, (_, i) =>
        located(
          finding(
            { client, server: 'x'.repeat(200), argument: portArgument(`203.0.113.${i % 200}`, 25) },
            { srcIp: client },
          ),
          { timestamp: T0 + i },
        ),
      ),
    );
    const subject = renderSubject(alert);
    expectValidSubject(subject);
    expect(subject.startsWith('[CRITICAL] ')).toBe(true);
    expect(subject).toContain(client);
    expect(subject.endsWith('(x12345)')).toBe(true);
  });

  it('always fits, keeps the severity and any real address (property)', () => {
    const address = fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4().map((ip) => `::ffff:${ip}`));
    fc.assert(
      fc.property(
        address,
        fc.option(fc.string({ unit: 'binary', maxLength: 300 })),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.constantFrom(portArgument('203.0.113.7', 25), portArgument('203.0.113.7', 4000), '10,0,0,1,4,1', 'x'),
        (ip, server, count, argument) => {
          const base = alertOf([located(finding({ argument }, { srcIp: ip, server }))]);
          const subject = renderSubject({ ...base, count });
          expectValidSubject(subject);
          expect(subject).toMatch(/^\[(LOW|MEDIUM|HIGH|CRITICAL)\] /);
          expect(subject).toContain(` refused for ${ip}`);
        },
      ),
    );
  });

  it('without a client address says so', () => {
    expect(renderSubject(alertOf([located(finding({}, { srcIp: null }))]))).toContain('refused for unknown client');
  });

  it.each(HOSTILE)('stays valid with hostile %s in the names', (_name, text) => {
    const alert = alertOf([located(finding({}, { server: text, srcIp: text, clientName: text }))]);
    const subject = renderSubject(alert);
    expectValidSubject(subject);
    expect(subject.startsWith('[HIGH] ')).toBe(true);
  });

  it('cuts a megabyte "client address" as a last resort', () => {
    const junk = 'z'.repeat(1_048_576);
    const subject = renderSubject(alertOf([located(finding({}, { srcIp: junk, server: junk }))]));
    expectValidSubject(subject);
    expect(subject).toMatch(/^\[HIGH\] .* refused for zzz+…$/);
  });
});

describe('email body', () => {
  const alert = typicalAlert();
  const { body } = renderEmail(alert);
  const lines = body.split('\n');

  it('says severity and what, who, that nothing was connected, where, the first step and the query in its first six lines', () => {
    // The client's reverse-DNS name is the attacker's choice (defanged); the server name is the operator's own.
    expect(lines.slice(0, 6)).toEqual([
      '[HIGH] FTP data channel aimed at a third party',
      'Who:    198.51.100.4 (host[.]isp[.]example) -> 203.0.113.7:1025, 203.0.113.8:2000 on ftp.example.com: '
      + '3 refused commands (PORT), 2024-05-01 10:00:00-10:02:00 UTC',
      'Result: proftpd refused every one of these commands: no data connection was made.',
      'Where:  account unknown · eu-west-1 · host ftp1 · log group /ftp/proftpd',
      `Do:     ${alert.runbook[0]}`,
      'Query:  fields @timestamp, @logStream, @message | filter @message like "[198.51.100.4]" | sort @timestamp desc',
    ]);
  });

  it('then gives the details, the rest of the runbook, the links, the samples and a short explanation, in that order', () => {
    const text = RULE_11209_TEXT.classifications['foreign-public-target'];
    const order = [
      'Log stream: ftp1',
      'THEN',
      `1. ${alert.runbook[1]}`,
      `${alert.runbook.length - 1}. ${alert.runbook[alert.runbook.length - 1]}`,
      'LINKS (sign in to eu-west-1 first)',
      `Log events (this client): ${alert.links.clientEvents}`,
      `Log group: ${alert.links.logGroup}`,
      'SAMPLE LINES (3 of 3',
      '2024-05-01T10:00:00.000Z  ftp1\n',
      // Sample lines are untrusted: names in them are defanged like every other untrusted text.
      `  ${alert.samples[0]?.finding.line.replace('ftp.example.com (host.isp.example', 'ftp[.]example[.]com (host[.]isp[.]example')}`,
      'ABOUT',
      `${text.summary} ${RULE_11209_TEXT.brief}`,
      RULE_11209_TEXT.falsePositives,
      `Alert ${alert.id}`,
    ];
    let at = 0;
    for (const part of order) {
      const found = body.indexOf(part, at);
      expect({ part, found: found >= 0 }).toEqual({ part, found: true });
      at = found + part.length;
    }
    // The explanation once, and no claim that the judgement cannot be wrong.
    expect(body.split(text.summary)).toHaveLength(2);
    expect(body).not.toMatch(/not possible|cannot be wrong|no false positive/i);
    expect(body).not.toContain(RULE_11209_TEXT.description);
  });

  it('links the client\'s own lines with a short link and an exact term: its address in brackets, not a prefix', () => {
    const url = alert.links.clientEvents ?? '';

    expect(url).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fftp$252Fproftpd'
      + '/log-events$3FfilterPattern$3D$2522$255B198.51.100.4$255D$2522'
      + `$26start$3D${Date.parse(alert.firstSeen) - 86_400_000}$26end$3D${Date.parse(alert.lastSeen) + 3_600_000}`,
    );
    expect(url.length).toBeLessThan(alert.links.insights.length / 2);
    expect(body).not.toContain(alert.links.insights);
  });

  it('names the account it happened in, and the links say to sign in there', () => {
    const text = renderEmail({ ...alert, account: '123456789012' }).body;
    expect(text.split('\n')[3]).toBe('Where:  account 123456789012 · eu-west-1 · host ftp1 · log group /ftp/proftpd');
    expect(text).toContain('LINKS (sign in to account 123456789012, eu-west-1 first)');
  });

  it('says when samples were dropped or the description shortened', () => {
    const reduced: Alert = { ...alert, samples: alert.samples.slice(0, 1), samplesDropped: 2, textTruncated: true };
    const text = renderEmail(reduced).body;
    expect(text).toContain('SAMPLE LINES (1 of 3');
    expect(text).toContain('2 sample lines were left out to keep the message under the SNS size limit');
    expect(text).toContain('(The description was shortened to fit the SNS size limit.)');
  });

  it.each(HOSTILE)('neutralises hostile %s in lines and names', (_name, text) => {
    const hostile = alertOf([
      located(
        finding({}, { line: `${text} Refused PORT ${text}`, server: text, clientName: text, srcIp: `1.2.3.4${text}` }),
        { logStream: `stream ${text}`, eventId: `id ${text}` },
      ),
    ]);
    const rendered = renderEmail(hostile).body;
    expect(rendered).not.toMatch(UNSAFE_CHARS);
    expect(rendered).not.toMatch(LONE_SURROGATE);
    // Every line break is ours: untrusted text cannot start a line (no header or paragraph injection).
    for (const line of rendered.split('\n')) expect(line).not.toMatch(/^(Subject|Bcc):/);
    // The only URLs are our own links and the rule's references.
    for (const url of rendered.match(/[a-z]+:\/\/\S+/gi) ?? []) {
      expect(url).toMatch(/^https:\/\/(eu-west-1\.console\.aws\.amazon\.com\/|wiki\.atomicorp\.com|www\.rfc-editor\.org)|^http:\/\/www\.proftpd\.org/);
    }
  });

  it('caps a megabyte sample line', () => {
    const huge = alertOf([located(finding({}, { line: 'A'.repeat(1_048_576) }))]);
    const rendered = renderEmail(huge).body;
    expect(rendered.length).toBeLessThan(20_000);
    expect(rendered).toContain(`  ${'A'.repeat(999)}…`);
  });
});
