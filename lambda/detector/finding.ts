/**
 * The Finding contract (docs/design.md section 4): one per log line on which proftpd refused a PORT/EPRT command.
 * Field names and values are relied on by the CLI's jsonl output, the alerts and downstream consumers.
 */

export type FtpCommand = 'PORT' | 'EPRT';

export type Classification =
  | 'nat-misconfiguration'
  | 'foreign-public-target'
  | 'bounce-attempt'
  | 'internal-target'
  | 'proxy-address-mismatch'
  | 'address-family-mismatch'
  | 'malformed-argument';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** The data-channel address the client asked the server to connect to. */
export interface DataTarget {
  readonly ip: string;
  readonly port: number;
}

export interface Finding {
  readonly ruleId: '11209';
  readonly level: 14;
  readonly command: FtpCommand;
  /** The client's address exactly as logged (may be `::ffff:1.2.3.4`); null when the line has no `(name[ip])` group. */
  readonly srcIp: string | null;
  /** The client's remote name from proftpd's serverinfo; null when absent. */
  readonly clientName: string | null;
  /** The virtual host name from proftpd's serverinfo; null when absent. */
  readonly server: string | null;
  /** Where the line was seen: the syslog or SystemLog host field, or journald's `_HOSTNAME`; null when absent. */
  readonly host: string | null;
  /** The decoded PORT/EPRT argument; null when it is malformed or out of range. */
  readonly target: DataTarget | null;
  readonly rawArgument: string;
  /** proftpd's reason in parentheses, e.g. `address mismatch`; null when the line gives none. */
  readonly reason: string | null;
  readonly classification: Classification;
  readonly severity: Severity;
  /** How many refusals the line stands for: N for rsyslog's `message repeated N times: [ ... ]`, otherwise 1. */
  readonly occurrences: number;
  /** The original log line (without its line terminator). */
  readonly line: string;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

/** `ip:port`, with IPv6 addresses in brackets (`[2001:db8::1]:21`) so the port stays unambiguous. */
export function formatTarget(target: DataTarget): string {
  return target.ip.includes(':') ? `[${target.ip}]:${target.port}` : `${target.ip}:${target.port}`;
}
