/**
 * When a client's refusals are a bounce scan (docs/design.md section 8), as pure functions over the service
 * ports it aimed at per target host within one window. A bounce scan maps a network through the FTP server:
 * either one host's many services (vertical: `nmap -b host`) or one service on many hosts (horizontal: a subnet's
 * port 22). Many hosts each named at ephemeral ports is what real clients do behind a load balancer or proxy
 * (each a different public address, each at a data port its operating system picked): a client population,
 * never a scan. So ports from SCAN_PORT_FLOOR up are not tracked at all, and hosts count only at a shared port.
 */
import { parseIpv4, parseIpv6 } from '../detector/ftp-address';
import { SCAN_PORT_FLOOR } from './settings';

/** The service ports aimed at per normalised host (the state's `scan.ports`). */
export type ServicePortsByHost = Record<string, number[]>;

export interface ScanThresholds {
  /** Distinct service ports of one host that make a vertical scan. */
  readonly scanPorts: number;
  /** Distinct hosts at one service port that make a horizontal scan. */
  readonly scanHosts: number;
}

export type ScanVerdict =
  | { readonly kind: 'vertical'; readonly host: string; readonly ports: number }
  | { readonly kind: 'horizontal'; readonly port: number; readonly hosts: number }
  | { readonly kind: 'too-many-targets'; readonly pairs: number };

/** Why a client is a scan, in words (the scan alert's first lines say it). */
export const SCAN_VERDICT_TEXT: { readonly [K in ScanVerdict['kind']]: (v: Extract<ScanVerdict, { kind: K }>) => string } = {
  'vertical': (v) => `${v.ports} distinct service ports of one host (${v.host}) within one window: a vertical scan`,
  'horizontal': (v) => `${v.hosts} distinct hosts at the same service port ${v.port} within one window: a horizontal scan`,
  'too-many-targets': (v) => `${v.pairs} distinct host and service-port pairs within one window: more than any client needs`,
};

export function describeVerdict(verdict: ScanVerdict): string {
  switch (verdict.kind) {
    case 'vertical':
      return SCAN_VERDICT_TEXT.vertical(verdict);
    case 'horizontal':
      return SCAN_VERDICT_TEXT.horizontal(verdict);
    case 'too-many-targets':
      return SCAN_VERDICT_TEXT['too-many-targets'](verdict);
  }
}

/** A service port: below the ephemeral ranges client systems pick active-mode data ports from. */
export function isServicePort(port: number): boolean {
  return port < SCAN_PORT_FLOOR;
}

function hex(groups: readonly number[]): string {
  // RFC 5952: lower case, no leading zeros, the longest run of two or more zero groups (the first of equals) as `::`.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(':');
  return best < 0 ? text(0, 8) : `${text(0, best)}::${text(best + bestLength, 8)}`;
}

/**
 * One spelling per address, so a scanner cannot split one host into many (or many into one) by how it writes
 * them: IPv4 without leading zeros, IPv6 in RFC 5952 form, an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
 * any spelling) as its IPv4 address. Text that is no address is kept, lower-cased.
 */
export function normaliseHost(ip: string): string {
  const v4 = parseIpv4(ip);
  if (v4 !== null) return v4.join('.');
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const groups = parseIpv6(bare);
  if (groups === null) return ip.toLowerCase();
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
    return [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join('.');
  }
  return hex(groups);
}

/**
 * Adds a batch's targets (host -> port -> findings) to the tracked service ports, in place. Returns the pairs tracked
 * after it; stops adding at `maxPairs` (the caller calls that many distinct service targets a scan anyway).
 */
export function addServiceTargets(
  tracked: ServicePortsByHost,
  pairs: number,
  targets: ReadonlyMap<string, ReadonlyMap<number, number>>,
  maxPairs: number,
): number {
  let count = pairs;
  for (const [ip, ports] of targets) {
    const host = normaliseHost(ip);
    for (const port of ports.keys()) {
      if (!isServicePort(port)) continue;
      const known = (tracked[host] ??= []);
      if (known.includes(port)) continue;
      if (count >= maxPairs) return count;
      known.push(port);
      count++;
    }
  }
  return count;
}

/**
 * The scan a client's tracked service ports show, or null: vertical (one host, `scanPorts` ports) first, then
 * horizontal (one port, `scanHosts` hosts), then the tracking bound reached. Hosts are normalised here too, so
 * state written before normalisation reads the same.
 */
export function scanVerdict(
  tracked: Readonly<ServicePortsByHost>,
  thresholds: ScanThresholds,
  pairs = 0,
  maxPairs = Number.POSITIVE_INFINITY,
): ScanVerdict | null {
  const portsByHost = new Map<string, Set<number>>();
  for (const [ip, ports] of Object.entries(tracked)) {
    const host = normaliseHost(ip);
    const set = portsByHost.get(host) ?? new Set<number>();
    for (const port of ports) if (isServicePort(port)) set.add(port);
    portsByHost.set(host, set);
  }
  // The busiest host, then the busiest port: the verdict names the clearest evidence.
  let vertical: { host: string; ports: number } | null = null;
  const hostsByPort = new Map<number, number>();
  for (const [host, ports] of portsByHost) {
    if (ports.size >= thresholds.scanPorts && (vertical === null || ports.size > vertical.ports)) {
      vertical = { host, ports: ports.size };
    }
    for (const port of ports) hostsByPort.set(port, (hostsByPort.get(port) ?? 0) + 1);
  }
  if (vertical !== null) return { kind: 'vertical', ...vertical };
  let horizontal: { port: number; hosts: number } | null = null;
  for (const [port, hosts] of hostsByPort) {
    if (hosts >= thresholds.scanHosts && (horizontal === null || hosts > horizontal.hosts)) horizontal = { port, hosts };
  }
  if (horizontal !== null) return { kind: 'horizontal', ...horizontal };
  return pairs >= maxPairs ? { kind: 'too-many-targets', pairs } : null;
}
