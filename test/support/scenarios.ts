/**
 * The three alert-stream scenarios of the incidents issue, as proftpd writes them to syslog: one NAT client in
 * active mode retrying for an hour (179 refusals), an `nmap -b` scan of 1,000 ports of a public host over ten
 * minutes, and the same scan aimed at an internal host. Deterministic (a fixed-seed generator).
 */
import { random } from '../../bench/synthetic-logs';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface ScenarioLine {
  readonly timestamp: number;
  readonly message: string;
}

/** Syslog's `Mmm dd hh:mm:ss` (day space-padded), in UTC. */
export function syslogStamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export function portArgumentOf(ip: string, port: number): string {
  return `${ip.split('.').join(',')},${Math.floor(port / 256)},${port % 256}`;
}

function refusal(ms: number, client: string, targetIp: string, port: number, pid: number): string {
  const reason = port < 1024 ? `port ${port} below 1024, possible bounce attack` : 'address mismatch';
  return `${syslogStamp(ms)} ip-10-0-3-17 proftpd[${pid}]: ftp.example.com (${client}[${client}]) - Refused PORT ${portArgumentOf(targetIp, port)} (${reason})`;
}

/** 2024-05-01 10:00:00 UTC: mid-day, so no digest boundary falls inside a scenario. */
export const SCENARIO_START = Date.UTC(2024, 4, 1, 10, 0, 0);

/** A NAT client (public 203.0.113.50, home address 192.168.1.20) retrying active mode every ~20 s for an hour. */
export function natHour(start = SCENARIO_START, count = 179): ScenarioLine[] {
  const lines: ScenarioLine[] = [];
  const step = Math.floor(3_600_000 / count);
  for (let i = 0; i < count; i++) {
    const t = start + i * step;
    // Each retry opens a new data connection on the next ephemeral port (Linux: 32768-60999).
    lines.push({ timestamp: t, message: refusal(t, '203.0.113.50', '192.168.1.20', 41_000 + i * 3, 5000 + Math.floor(i / 20)) });
  }
  return lines;
}

/**
 * The ports of an `nmap -b` default scan: 1,000 distinct ports, most common services first in nmap's sense
 * (a third below 1024, most of the rest registered ports, a few dynamic), probed in random order.
 */
export function scanPorts(count = 1000, seed = 11209): number[] {
  const next = random(seed);
  const ports = new Set<number>([
    21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 3306, 3389, 5900, 8080,
  ]);
  while (ports.size < count) {
    const r = next();
    const port =
      r < 0.35
        ? 1 + Math.floor(next() * 1023)
        : r < 0.95
          ? 1024 + Math.floor(next() * 31_744)
          : 32_768 + Math.floor(next() * 32_767);
    ports.add(port);
  }
  const list = [...ports];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [list[i], list[j]] = [list[j] as number, list[i] as number];
  }
  return list;
}

/** `nmap -b` through the server from 203.0.113.66 at `targetIp`: 1,000 ports over ten minutes. */
export function bounceScan(targetIp: string, start = SCENARIO_START, client = '203.0.113.66'): ScenarioLine[] {
  const ports = scanPorts();
  const step = 600_000 / ports.length;
  return ports.map((port, i) => {
    const t = start + Math.floor(i * step);
    return { timestamp: t, message: refusal(t, client, targetIp, port, 7000) };
  });
}
