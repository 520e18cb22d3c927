import type { Alert } from '../../../lambda/alerts';
import { addServiceTargets, normaliseHost, scanVerdict, type ServicePortsByHost } from '../../../lambda/incidents/scan';
import { Deployment, MIN, T0 } from '../../support/deployment';

const THRESHOLDS = { scanPorts: 10, scanHosts: 5 } as const;

/** host -> ports, as one batch's tally holds them (each target aimed at once). */
function tally(targets: ReadonlyArray<readonly [string, readonly number[]]>): Map<string, Map<number, number>> {
  const byHost = new Map<string, Map<number, number>>();
  for (const [host, ports] of targets) {
    const known = byHost.get(host) ?? new Map<number, number>();
    for (const port of ports) known.set(port, (known.get(port) ?? 0) + 1);
    byHost.set(host, known);
  }
  return byHost;
}

function verdictOf(targets: ReadonlyArray<readonly [string, readonly number[]]>) {
  const tracked: ServicePortsByHost = {};
  const pairs = addServiceTargets(tracked, 0, tally(targets), 4096);
  return scanVerdict(tracked, THRESHOLDS, pairs, 4096);
}

const range = (n: number, from: number, step = 1): number[] => Array.from({ length: n }, (_, i) => from + i * step);
/** 40 clients behind a load balancer: each its own public address, each at ephemeral ports its system picked. */
const population = range(40, 0).map((i) => [`198.51.100.${i + 10}`, [33_000 + i * 577, 49_152 + i * 311]] as const);

describe('scan rules (lambda/incidents/scan.ts)', () => {
  it.each([
    ['vertical: 10 service ports of one host', [['10.0.3.99', range(10, 20)]], { kind: 'vertical', host: '10.0.3.99', ports: 10 }],
    ['vertical below the threshold: 9 ports', [['10.0.3.99', range(9, 20)]], null],
    ['vertical counts service ports only: 9 of them and 50 ephemeral', [['10.0.3.99', [...range(9, 20), ...range(50, 40_000)]]], null],
    ['horizontal: 5 hosts at port 3306', range(5, 10).map((i) => [`10.0.3.${i}`, [3306]] as const), { kind: 'horizontal', port: 3306, hosts: 5 }],
    ['horizontal below the threshold: 4 hosts', range(4, 10).map((i) => [`10.0.3.${i}`, [3306]] as const), null],
    ['not horizontal: 5 hosts each at a different service port', range(5, 10).map((i) => [`10.0.3.${i}`, [2000 + i]] as const), null],
    ['population: 40 hosts each at ephemeral ports', population, null],
    ['population with one scanned host: the vertical scan is found', [...population, ['203.0.113.7', range(12, 1)] as const], { kind: 'vertical', host: '203.0.113.7', ports: 12 }],
    ['population with 4 hosts at port 22: below the horizontal threshold', [...population, ...range(4, 1).map((i) => [`203.0.113.${i}`, [22]] as const)], null],
    ['population with 6 hosts at port 22: a horizontal scan', [...population, ...range(6, 1).map((i) => [`203.0.113.${i}`, [22]] as const)], { kind: 'horizontal', port: 22, hosts: 6 }],
    ['IPv6 vertical, one host spelled three ways', [['2001:db8::7', range(4, 20)], ['2001:0DB8:0:0:0:0:0:7', range(4, 30)], ['2001:db8:0::0:7', range(2, 40)]], { kind: 'vertical', host: '2001:db8::7', ports: 10 }],
    ['IPv6 population: 40 hosts at ephemeral ports', range(40, 1).map((i) => [`2001:db8::${i.toString(16)}`, [50_000 + i]] as const), null],
    ['IPv4-mapped and plain IPv4 are one host', [['::ffff:10.0.3.99', range(5, 20)], ['10.0.3.99', range(5, 30)]], { kind: 'vertical', host: '10.0.3.99', ports: 10 }],
    ['IPv6 horizontal: 5 hosts at port 22', range(5, 1).map((i) => [`2001:db8::${i}`, [22]] as const), { kind: 'horizontal', port: 22, hosts: 5 }],
  ] as const)('%s', (_label, targets, expected) => {
    expect(verdictOf(targets)).toEqual(expected);
  });

  it('calls the tracking bound a scan: that many distinct service targets is more than any client needs', () => {
    const tracked: ServicePortsByHost = {};
    const pairs = addServiceTargets(tracked, 0, tally(range(8, 1).map((i) => [`10.0.${i}.1`, range(8, 100 * i)] as const)), 20);

    expect(scanVerdict(tracked, { scanPorts: 100, scanHosts: 100 }, pairs, 20)).toEqual({ kind: 'too-many-targets', pairs: 20 });
  });

  it.each([
    ['010.000.003.099', '10.0.3.99'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['0:0:0:0:0:ffff:c633:6407', '198.51.100.7'],
    ['::1', '::1'],
    ['not-an-address', 'not-an-address'],
  ])('normalises %s as %s', (written, expected) => {
    expect(normaliseHost(written)).toBe(expected);
  });
});

describe('incidents: a load balancer\'s clients are not a scan', () => {
  const kinds = (alerts: readonly Alert[]): string[] => alerts.map((a) => `${a.kind}/${a.classification}`);

  it('40 real clients behind an NLB (one private address, public targets at ephemeral ports): proxy mismatch, never a scan', async () => {
    const d = new Deployment();
    const clients = Array.from({ length: 40 }, (_, i) => ({
      client: '10.0.1.5',
      target: `198.51.100.${i + 10}`,
      port: 33_000 + ((i * 7919) % 30_000),
      offset: i * 1000,
    }));

    await d.batch(T0, clients.slice(0, 20));
    await d.batch(T0 + MIN, clients.slice(20));
    const swept = await d.sweep(T0 + 65 * MIN);

    expect(d.stream).toEqual(['new/proxy-address-mismatch', 'update/proxy-address-mismatch']);
    expect(kinds(swept)).toEqual(['update/proxy-address-mismatch']);
  });

  it('the same balancer relaying a scan of one host\'s services: a bounce scan that says why', async () => {
    const d = new Deployment();

    await d.batch(T0, Array.from({ length: 10 }, (_, i) => ({ client: '10.0.1.5', target: '203.0.113.7', port: 2000 + i, offset: i })));

    expect(d.stream).toEqual(['new/bounce-scan']);
    expect(d.publisher.alerts[0]?.description).toContain('10 distinct service ports of one host (203.0.113.7)');
  });
});
