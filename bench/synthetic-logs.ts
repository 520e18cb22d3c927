/**
 * Deterministic synthetic logs for the benchmark: realistic syslog traffic from an FTP host (sshd, cron,
 * systemd, the SSM agent, ordinary proftpd session lines) with a chosen share of proftpd PORT/EPRT refusals.
 */
import type { LogsBatch } from '../lambda/awslogs';

/** mulberry32: small, fast, reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST = 'ip-10-0-1-17';
const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const octet = (rand: () => number) => 1 + Math.floor(rand() * 253);
const publicIp = (rand: () => number) => `${pick(rand, [198, 203, 192, 81, 85, 24])}.${octet(rand)}.${octet(rand)}.${octet(rand)}`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${MONTHS[d.getUTCMonth()]} ${day} ${d.toISOString().slice(11, 19)}`;
}

function ordinaryLine(rand: () => number, ms: number, pid: number): string {
  const ip = publicIp(rand);
  const head = `${stamp(ms)} ${HOST}`;
  switch (Math.floor(rand() * 8)) {
    case 0:
      return `${head} sshd[${pid}]: Failed password for invalid user admin from ${ip} port ${30000 + (pid % 30000)} ssh2`;
    case 1:
      return `${head} sshd[${pid}]: Connection closed by authenticating user root ${ip} port ${40000 + (pid % 20000)} [preauth]`;
    case 2:
      return `${head} CRON[${pid}]: (root) CMD (/usr/lib/sa/sa1 1 1 >/dev/null 2>&1; test -x /usr/sbin/logrotate)`;
    case 3:
      return `${head} systemd[1]: Started session-${pid}.scope - Session ${pid} of User ec2-user on this host.`;
    case 4:
      return `${head} amazon-ssm-agent[${pid}]: 2026-11-20 10:00:00 INFO [MessageGatewayService] listening reply.`;
    case 5:
      return `${head} proftpd[${pid}]: ftp.example.com (${ip}[${ip}]) - FTP session opened.`;
    case 6:
      return `${head} proftpd[${pid}]: ftp.example.com (${ip}[${ip}]) - USER backup: Login successful.`;
    default:
      return `${head} proftpd[${pid}]: ftp.example.com (${ip}[${ip}]) - Transfer completed: 1048576 bytes in 0.42 seconds`;
  }
}

/**
 * What one client keeps doing. Real refusals cluster by client: a NAT'd client gets one per transfer attempt,
 * a scanner many in a row; a client does not switch between behaviours.
 */
type Behaviour = 'nat' | 'nat-eprt' | 'bounce' | 'third-party';
const BEHAVIOURS: readonly Behaviour[] = ['nat', 'nat', 'nat-eprt', 'nat', 'bounce', 'third-party'];

function refusalLine(rand: () => number, ms: number, pid: number, client: number): string {
  const ip = `198.51.${100 + (client >> 8)}.${client & 255}`;
  const head = `${stamp(ms)} ${HOST} proftpd[${pid}]: ftp.example.com (${ip}[${ip}]) - `;
  const port = 1024 + Math.floor(rand() * 60000);
  switch (BEHAVIOURS[client % BEHAVIOURS.length]) {
    case 'nat':
      return `${head}Refused PORT 192,168,1,${octet(rand)},${port >> 8},${port & 255} (address mismatch)`;
    case 'nat-eprt':
      return `${head}Refused EPRT |1|10.0.${octet(rand)}.${octet(rand)}|${port}| (address mismatch)`;
    case 'bounce': {
      const target = pick(rand, [21, 22, 25, 80, 443]);
      return `${head}Refused PORT 203,0,113,${octet(rand)},0,${target} (port ${target} below 1024, possible bounce attack)`;
    }
    default:
      return `${head}Refused PORT 203,0,113,${octet(rand)},${port >> 8},${port & 255} (address mismatch)`;
  }
}

/**
 * An FTP bounce port scan in progress (`nmap -b`): one client has the server probe one target host, port after
 * port, one PORT command each. This is what a stream of nothing but refusals looks like.
 */
function bounceScanLine(ms: number, pid: number, probe: number): string {
  const scanner = '203.0.113.66';
  const port = 1 + (probe % 65_535);
  const head = `${stamp(ms)} ${HOST} proftpd[${pid}]: ftp.example.com (${scanner}[${scanner}]) - `;
  const reason = port < 1024 ? `port ${port} below 1024, possible bounce attack` : 'address mismatch';
  return `${head}Refused PORT 198,51,100,20,${port >> 8},${port & 255} (${reason})`;
}

export interface SyntheticBatchOptions {
  readonly events: number;
  /** Share of events that are refusals, 0..1. */
  readonly refusalShare: number;
  /**
   * Where the refusals come from: `clients` (default), NAT clients and the odd bouncer, a handful per hundred
   * refusals; `scan`, one client's bounce port scan (the realistic all-refusals stream).
   */
  readonly refusals?: 'clients' | 'scan';
  readonly seed?: number;
}

/** How many distinct clients the refusals of a batch come from: a handful for a few, more for a flood. */
export function clientsFor(refusals: number): number {
  return Math.max(1, Math.round(Math.sqrt(refusals) / 2));
}

export function syntheticLines({ events, refusalShare, refusals = 'clients', seed = 42 }: SyntheticBatchOptions): string[] {
  const rand = random(seed);
  const start = Date.UTC(2026, 10, 20, 8, 0, 0);
  const every = refusalShare > 0 ? Math.round(1 / refusalShare) : 0;
  const clients = clientsFor(every > 0 ? Math.ceil(events / every) : 0);
  const lines: string[] = [];
  for (let i = 0; i < events; i++) {
    const ms = start + i * 250;
    const pid = 1000 + Math.floor(rand() * 30000);
    const client = 1 + Math.floor(rand() * clients);
    if (every === 0 || i % every !== 0) lines.push(ordinaryLine(rand, ms, pid));
    else lines.push(refusals === 'scan' ? bounceScanLine(ms, 4242, i / every) : refusalLine(rand, ms, pid, client));
  }
  return lines;
}

/** A CloudWatch Logs DATA_MESSAGE batch of the given lines, with ids shaped like the real 56-digit ones. */
export function syntheticBatch(lines: readonly string[]): LogsBatch {
  const start = Date.UTC(2026, 10, 20, 8, 0, 0);
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/ec2/proftpd/syslog',
    logStream: 'i-0123456789abcdef0',
    subscriptionFilters: ['ftp-bounce-watch'],
    logEvents: lines.map((message, i) => ({
      id: `${38000000000000000000000000000000000000000000000000000000n + BigInt(i) * 7919n}`,
      timestamp: start + i * 250,
      message,
    })),
  };
}
