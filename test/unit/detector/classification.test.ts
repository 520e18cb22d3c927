import { type Classification, detectLine, RULE_11209_TEXT, type Severity } from '../../../lambda/detector';

function portRefusal(ip: string, port: number, reason = 'address mismatch'): string {
  const [a, b, c, d] = ip.split('.');
  return `proftpd[1]: srv (c[198.51.100.4]) - Refused PORT ${a},${b},${c},${d},${port >> 8},${port & 255} (${reason})`;
}

function eprtRefusal(ip: string, port: number, reason = 'address mismatch'): string {
  return `proftpd[1]: srv (c[2001:db8::4]) - Refused EPRT |2|${ip}|${port}| (${reason})`;
}

const classify = (line: string): Classification | undefined => detectLine(line)?.classification;

describe('classification at its boundaries (docs/design.md section 4, first match wins)', () => {
  it.each<[string, string, Classification]>([
    ['port 1023 → bounce', portRefusal('192.168.1.2', 1023), 'bounce-attempt'],
    ['port 1024, private → NAT', portRefusal('192.168.1.2', 1024), 'nat-misconfiguration'],
    ['port 0 → bounce', portRefusal('203.0.113.7', 0), 'bounce-attempt'],
    [
      '"bounce attack" reason wins over a high private port',
      portRefusal('192.168.1.2', 50000, 'bounce attack'),
      'bounce-attempt',
    ],
    [
      'privileged port wins over the address-family reason',
      eprtRefusal('2001:db8::1', 21, 'IPv4/IPv6 address mismatch'),
      'bounce-attempt',
    ],
    [
      'address-family reason wins over malformed',
      'proftpd[1]: s (c[1.2.3.4]) - Refused EPRT |2|nonsense|70000| (IPv4/IPv6 address mismatch)',
      'address-family-mismatch',
    ],
    [
      'malformed wins over the rest',
      'proftpd[1]: s (c[1.2.3.4]) - Refused PORT 10,0,0,1,4 (address mismatch)',
      'malformed-argument',
    ],
    ['172.15.255.255 → public', portRefusal('172.15.255.255', 5000), 'foreign-public-target'],
    ['172.16.0.0 → private', portRefusal('172.16.0.0', 5000), 'nat-misconfiguration'],
    ['172.31.255.255 → private', portRefusal('172.31.255.255', 5000), 'nat-misconfiguration'],
    ['172.32.0.0 → public', portRefusal('172.32.0.0', 5000), 'foreign-public-target'],
    ['100.63.255.255 → public', portRefusal('100.63.255.255', 5000), 'foreign-public-target'],
    ['100.64.0.0 → CGNAT', portRefusal('100.64.0.0', 5000), 'nat-misconfiguration'],
    ['100.127.255.255 → CGNAT', portRefusal('100.127.255.255', 5000), 'nat-misconfiguration'],
    ['100.128.0.0 → public', portRefusal('100.128.0.0', 5000), 'foreign-public-target'],
    ['10.255.255.255 → private', portRefusal('10.255.255.255', 5000), 'nat-misconfiguration'],
    ['11.0.0.0 → public', portRefusal('11.0.0.0', 5000), 'foreign-public-target'],
    ['192.168.0.0 → private', portRefusal('192.168.0.0', 5000), 'nat-misconfiguration'],
    ['192.169.0.0 → public', portRefusal('192.169.0.0', 5000), 'foreign-public-target'],
    ['127.0.0.1 → loopback', portRefusal('127.0.0.1', 5000), 'nat-misconfiguration'],
    ['169.254.1.1 → link-local', portRefusal('169.254.1.1', 5000), 'nat-misconfiguration'],
    ['169.253.1.1 → public', portRefusal('169.253.1.1', 5000), 'foreign-public-target'],
    ['fc00:: → unique-local', eprtRefusal('fc00::1', 5000), 'nat-misconfiguration'],
    ['fdff:ffff:: → unique-local', eprtRefusal('fdff:ffff::1', 5000), 'nat-misconfiguration'],
    ['fbff:: → public', eprtRefusal('fbff::1', 5000), 'foreign-public-target'],
    ['fe00:: → public', eprtRefusal('fe00::1', 5000), 'foreign-public-target'],
    ['fe80:: → link-local', eprtRefusal('fe80::1', 5000), 'nat-misconfiguration'],
    ['febf:ffff:: → link-local', eprtRefusal('febf:ffff::1', 5000), 'nat-misconfiguration'],
    ['fec0:: → public (not in fe80::/10)', eprtRefusal('fec0::1', 5000), 'foreign-public-target'],
    ['::1 → loopback', eprtRefusal('::1', 5000), 'nat-misconfiguration'],
    ['::2 → public', eprtRefusal('::2', 5000), 'foreign-public-target'],
    ['IPv4-mapped private', eprtRefusal('::ffff:192.168.1.2', 5000), 'nat-misconfiguration'],
    ['IPv4-mapped private, hex form', eprtRefusal('::ffff:c0a8:102', 5000), 'nat-misconfiguration'],
    ['IPv4-mapped public', eprtRefusal('::ffff:203.0.113.7', 5000), 'foreign-public-target'],
    ['IPv4-mapped CGNAT', eprtRefusal('::FFFF:100.64.1.1', 5000), 'nat-misconfiguration'],
    ['global IPv6 → public', eprtRefusal('2001:db8::7', 5000), 'foreign-public-target'],
  ])('%s', (_name, line, expected) => {
    expect(classify(line)).toBe(expected);
  });

  it.each<[Classification, Severity]>([
    ['bounce-attempt', 'critical'],
    ['foreign-public-target', 'high'],
    ['malformed-argument', 'medium'],
    ['nat-misconfiguration', 'low'],
    ['address-family-mismatch', 'low'],
  ])('%s has severity %s and a title, summary and runbook', (classification, severity) => {
    const text = RULE_11209_TEXT.classifications[classification];
    expect(text.severity).toBe(severity);
    expect(text.label.length).toBeGreaterThan(5);
    expect(text.summary.length).toBeGreaterThan(40);
    expect(text.runbook.length).toBeGreaterThan(0);
  });
});
