/**
 * The knobs of alert memory (docs/design.md section 8), with their defaults and why. The CDK context keys of the
 * same names (infra/context.ts) set them through the environment; the CLI and the local run take `-c key=value`.
 */

export type LowSeverityMode = 'digest' | 'immediate';

export interface IncidentSettings {
  /** `alertWindow`: how long an incident counts quietly before one update, in ms (5 min to 24 h). */
  readonly windowMs: number;
  /** `lowSeverity`: `digest` lists low incidents once per digest interval; `immediate` alerts like the rest. */
  readonly lowSeverity: LowSeverityMode;
  /** `digestInterval`: how often low-severity incidents are listed, in ms (1 h to 7 days). Aligned to UTC. */
  readonly digestIntervalMs: number;
  /** `maxNewIncidentsPerHour`: new-incident messages per account and hour before the rest fold into a digest. */
  readonly maxNewIncidentsPerHour: number;
  /**
   * `scanPorts`: distinct service ports (below SCAN_PORT_FLOOR) on one host within a window that make a
   * client a `bounce-scan`.
   */
  readonly scanPorts: number;
  /** `scanHosts`: distinct target hosts at one service port within a window that make a client a `bounce-scan`. */
  readonly scanHosts: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Ports from here up are what client operating systems pick for active-mode data connections: Linux
 * 32768-60999, Windows since Vista, macOS and the BSDs 49152-65535 (IANA's dynamic range). A client behind
 * NAT therefore names one private host with ever-new ports up here, hundreds an hour, which must not read as
 * a scan; `nmap -b` walks service ports (its default list is the 1,000 most common, nearly all below it).
 */
export const SCAN_PORT_FLOOR = 32_768;

export const INCIDENT_DEFAULTS: IncidentSettings = {
  // The and OSSEC's scale: a steady source costs at most one message an hour.
  windowMs: 60 * MINUTE,
  lowSeverity: 'digest',
  digestIntervalMs: 24 * HOUR,
  maxNewIncidentsPerHour: 30,
  // nmap -b probes ~2 ports a second through a bounce: 10 distinct service ports are reached in seconds,
  // while no NAT client ever names a service port of its own address, and a user's one-off FXP to a
  // partner names one or two.
  scanPorts: 10,
  // A sweep of a subnet names dozens of hosts at one service port; real clients (behind NAT or a balancer) name
  // ephemeral ports, so their number never matters (scan.ts).
  scanHosts: 5,
};

/** The accepted ranges, shared by the environment reader and the context validation's messages. */
export const INCIDENT_LIMITS = {
  windowMinutes: { min: 5, max: 24 * 60 },
  digestIntervalMinutes: { min: 60, max: 7 * 24 * 60 },
  maxNewIncidentsPerHour: { min: 1, max: 10_000 },
  scanPorts: { min: 2, max: 1000 },
  scanHosts: { min: 2, max: 1000 },
} as const;

export const MINUTE_MS = MINUTE;
export const HOUR_MS = HOUR;
