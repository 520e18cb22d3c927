import {
  type Classification,
  detectLine,
  InvalidNetworkError,
  parseNetworks,
  RULE_11209_TEXT,
  type Severity,
  wellKnownTarget,
  type WellKnownTargetKind,
} from '../../../lambda/detector';

const internalNetworks = parseNetworks('10.0.0.0/16, 2001:db8:1::/48');

function portFrom(src: string, ip: string, port: number, reason = 'address mismatch'): string {
  const [a, b, c, d] = ip.split('.');
  return `proftpd[1]: srv (c[${src}]) - Refused PORT ${a},${b},${c},${d},${port >> 8},${port & 255} (${reason})`;
}

function eprtFrom(src: string, ip: string, port: number, reason = 'address mismatch'): string {
  return `proftpd[1]: srv (c[${src}]) - Refused EPRT |2|${ip}|${port}| (${reason})`;
}

describe('round 2 classification order (docs/design.md section 4): internal-target and proxy-address-mismatch', () => {
  it.each<[string, string, Classification, Classification]>([
    // name, line, with internalNetworks, without
    ['bounce still wins inside your network', portFrom('198.51.100.4', '10.0.3.99', 80), 'bounce-attempt', 'bounce-attempt'],
    ['nmap -b on a high port of your subnet', portFrom('198.51.100.4', '10.0.3.99', 8080), 'internal-target', 'nat-misconfiguration'],
    ['a NAT client elsewhere in 10/8 stays NAT', portFrom('198.51.100.4', '10.1.3.99', 8080), 'nat-misconfiguration', 'nat-misconfiguration'],
    ['internal beats the address-family reason', eprtFrom('198.51.100.4', '2001:db8:1::9', 5000, 'IPv4/IPv6 address mismatch'), 'internal-target', 'address-family-mismatch'],
    ['IPv6 target in an IPv6 internal network', eprtFrom('2001:db8::4', '2001:db8:1:2::9', 5000), 'internal-target', 'foreign-public-target'],
    ['IPv4-mapped target in an IPv4 internal network', eprtFrom('2001:db8::4', '::ffff:10.0.3.99', 5000), 'internal-target', 'nat-misconfiguration'],
    ['IPv4-mapped hex form too', eprtFrom('2001:db8::4', '::ffff:a00:363', 5000), 'internal-target', 'nat-misconfiguration'],
    ['proxy: private client, public target', portFrom('10.0.1.17', '203.0.113.7', 50000), 'proxy-address-mismatch', 'proxy-address-mismatch'],
    ['proxy: loopback client (local TLS terminator)', portFrom('127.0.0.1', '203.0.113.7', 50000), 'proxy-address-mismatch', 'proxy-address-mismatch'],
    ['proxy: CGNAT client', portFrom('100.64.0.9', '203.0.113.7', 50000), 'proxy-address-mismatch', 'proxy-address-mismatch'],
    ['proxy: IPv4-mapped private client', portFrom('::ffff:172.16.0.5', '203.0.113.7', 50000), 'proxy-address-mismatch', 'proxy-address-mismatch'],
    ['proxy: unique-local IPv6 client', eprtFrom('fd12::5', '2001:db8:9::7', 50000), 'proxy-address-mismatch', 'proxy-address-mismatch'],
    ['public client, CGNAT target → NAT', portFrom('198.51.100.4', '100.127.0.1', 50000), 'nat-misconfiguration', 'nat-misconfiguration'],
    ['public client just outside CGNAT → third party', portFrom('100.128.0.1', '203.0.113.7', 50000), 'foreign-public-target', 'foreign-public-target'],
    ['IPv4-mapped public client → third party', portFrom('::ffff:198.51.100.4', '203.0.113.7', 50000), 'foreign-public-target', 'foreign-public-target'],
    ['private client, private target → NAT, not proxy', portFrom('10.0.1.17', '192.168.1.5', 50000), 'nat-misconfiguration', 'nat-misconfiguration'],
    ['private client, privileged public port → bounce', portFrom('10.0.1.17', '203.0.113.7', 25), 'bounce-attempt', 'bounce-attempt'],
    ['malformed argument from a private client', 'proftpd[1]: s (c[10.0.0.5]) - Refused PORT 10,0,0,1,4 (address mismatch)', 'malformed-argument', 'malformed-argument'],
  ])('%s', (_name, line, withNetworks, without) => {
    expect(detectLine(line, { internalNetworks })?.classification).toBe(withNetworks);
    expect(detectLine(line)?.classification).toBe(without);
  });

  it.each<[Classification, Severity]>([
    ['internal-target', 'high'],
    ['proxy-address-mismatch', 'medium'],
  ])('%s has severity %s, its own summary and runbook', (classification, severity) => {
    const text = RULE_11209_TEXT.classifications[classification];
    expect(text.severity).toBe(severity);
    expect(text.summary.length).toBeGreaterThan(40);
    expect(text.runbook.length).toBeGreaterThan(1);
  });

  it('the proxy runbook names client IP preservation, PROXY protocol and passive mode', () => {
    const runbook = RULE_11209_TEXT.classifications['proxy-address-mismatch'].runbook.join(' ');
    expect(runbook).toMatch(/client IP preservation/);
    expect(runbook).toMatch(/mod_proxy_protocol/);
    expect(runbook).toMatch(/AllowForeignAddress/);
    expect(runbook).toMatch(/passive/);
  });
});

describe('internalNetworks parsing', () => {
  it.each([
    ['', 0],
    ['10.0.0.0/16', 1],
    ['10.0.0.0/16,172.16.0.0/12 2001:db8::/32', 3],
    [' 192.0.2.7 ', 1],
    ['::/0', 1],
  ])('%j → %d networks', (text, n) => {
    expect(parseNetworks(text).size).toBe(n);
  });

  it.each([
    ['10.0.0.0/33', /prefix length/],
    ['2001:db8::/129', /prefix length/],
    ['10.0.0.1/16', /host bits/],
    ['10.0.0/16', /not an IPv4 or IPv6 address/],
    ['vpc', /not an IPv4 or IPv6 address/],
    ['10.0.0.0/x', /prefix length/],
  ])('%j is refused with a reason', (text, reason) => {
    expect(() => parseNetworks(text)).toThrow(InvalidNetworkError);
    expect(() => parseNetworks(text)).toThrow(reason);
  });
});

describe('well-known targets', () => {
  it.each<[string, WellKnownTargetKind | null]>([
    ['169.254.169.254', 'instance-metadata'],
    ['::ffff:169.254.169.254', 'instance-metadata'],
    ['fd00:ec2::254', 'instance-metadata'],
    ['FD00:EC2:0::254', 'instance-metadata'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.253', 'vpc-dns'],
    ['10.0.0.2', 'vpc-dns'],
    ['10.0.1.2', null],
    ['169.254.169.252', null],
    ['203.0.113.7', null],
    ['not-an-ip', null],
  ])('%s → %s', (ip, kind) => {
    expect(wellKnownTarget(ip, internalNetworks)?.kind ?? null).toBe(kind);
  });

  it('names the VPC range the resolver belongs to', () => {
    expect(wellKnownTarget('10.0.0.2', internalNetworks)).toEqual({ kind: 'vpc-dns', network: '10.0.0.0/16' });
    expect(wellKnownTarget('10.0.0.2')).toBeNull();
  });
});
