/**
 * The Alert contract (docs/design.md section 5): one per log group x client IP x classification, built from the
 * findings of one batch (or one CLI scan). This is the SNS `default` JSON; the email, Slack and Chatbot
 * renderings are derived from it. String fields taken from log lines are raw data, not display text: the
 * renderers sanitise them for their medium.
 */
import type { Classification, Finding, FtpCommand, Severity } from '../detector/finding';
import { type NetworkSet, wellKnownTarget, type WellKnownTargetKind } from '../detector/networks';

export type AlertCommand = FtpCommand | 'PORT/EPRT';

/**
 * What an alert is about: a finding's classification, or `bounce-scan`, which no single line has: a client
 * that aimed at many ports or hosts within one window (docs/design.md section 8).
 */
export type AlertClassification = Classification | 'bounce-scan';

/**
 * Which message of an incident this is (docs/design.md section 8): `new` opens it, `escalation` opens a more severe
 * one for a client that already had one, `update` closes a window in which more findings arrived, `digest`
 * lists low-severity incidents (or those folded by the flood guard) over an interval.
 */
export type AlertKind = 'new' | 'update' | 'escalation' | 'digest';

/**
 * Whether alert memory decided this message: `on` (the state store was used), `off` (no state store
 * configured: each batch judged alone, as before incidents), `unavailable` (the store could not be reached, so
 * the alert was sent without suppression: fail open).
 */
export type AlertMemory = 'on' | 'off' | 'unavailable';

/** A target with how many findings aimed at it. */
export interface TargetCount {
  readonly target: string;
  readonly count: number;
}

/** The totals of an incident's window, carried by updates (and by escalations to a scan). */
export interface WindowTotals {
  /** Refusals in this window. */
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Distinct `ip:port` targets and distinct ports in the window; `+` in `distinctCapped` when more were not tracked. */
  readonly distinctTargets: number;
  readonly distinctPorts: number;
  readonly distinctHosts: number;
  readonly distinctCapped: boolean;
  /** The most aimed-at targets, most first. */
  readonly topTargets: readonly TargetCount[];
  /**
   * Updates: refusals since the incident's last message (the first alert or the previous update), what "how many
   * more" means. Absent on a scan's announcement and in alerts from before it was added.
   */
  readonly sinceLastMessage?: number;
}

/**
 * The incident an escalation escalates, carried by the escalation and every later message of the escalated
 * incident: named in their first lines, and the thread they stay in (docs/design.md section 8).
 */
export interface EscalatedFrom {
  /** The escalated incident's id and title, as its own messages carried them. */
  readonly incidentId: string;
  readonly title: string;
  readonly classification: AlertClassification;
  readonly severity: Severity;
  /** The thread: the first incident of the chain (the escalated one unless the client escalated twice). */
  readonly threadId: string;
  /** What the thread's first incident was, which its email subject was built from. */
  readonly threadClassification: AlertClassification;
  readonly threadSeverity: Severity;
}

/** One line of a digest: an incident and what it did during the digest's interval. */
export interface DigestEntry {
  readonly incidentId: string;
  readonly logGroup: string;
  readonly srcIp: string | null;
  readonly classification: AlertClassification;
  readonly severity: Severity;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** The incident's first refusal (ISO-8601), over all its windows; absent in digests from before it was added. */
  readonly incidentFirstSeen?: string;
  /** Every refusal of the incident so far (`count` is this digest's); absent in digests from before it was added. */
  readonly incidentTotal?: number;
  /** The most aimed-at targets, most first (at most five). */
  readonly topTargets: readonly TargetCount[];
  /** Suppressed: which suppression and its reason; acknowledged: by whom, when, and the note. Absent otherwise. */
  readonly note?: string;
}

export interface AlertDigest {
  /**
   * `low-severity`: the periodic digest of low incidents; `flood-guard`: new incidents beyond the hourly cap;
   * `suppressed`: incidents a suppression covers; `acknowledged`: acknowledged incidents' updates.
   */
  readonly reason: 'low-severity' | 'flood-guard' | 'suppressed' | 'acknowledged';
  readonly entries: readonly DigestEntry[];
  /** Entries left out of `entries`: always 0 since every entry is listed in some part (kept for consumers). */
  readonly entriesTruncated: number;
  /** Which message of this digest (1-based), when its entries needed several; absent or 1 of 1 otherwise. */
  readonly part?: number;
  readonly parts?: number;
  /**
   * True when earlier messages of the same digest (bucket) already went out and these entries came late: a
   * slow or retried invocation, or a client record the sweep could not update in time.
   */
  readonly continued?: boolean;
}

export interface AlertSample {
  /** CloudWatch Logs event id (or the caller's locator, e.g. `file:line` from the CLI). */
  readonly eventId: string;
  readonly logStream: string;
  /** ISO-8601, from the event timestamp. */
  readonly timestamp: string;
  readonly finding: Finding;
  /**
   * True when the finding's text fields (line, names, argument) were shortened to keep the alert within SNS
   * limits; the event id leads to the original.
   */
  readonly truncated: boolean;
}

export interface AlertLinks {
  /** CloudWatch console: the log group. */
  readonly logGroup: string;
  /** CloudWatch console: the log stream, only when all findings come from exactly one stream. */
  readonly logStream?: string;
  /** Logs Insights on this log group, filtered on the client address, around the time of the alert. */
  readonly insights: string;
  /**
   * The log group's events filtered on the client address (an exact filter-pattern term), same time range: the
   * short link email shows. Absent in alerts from before it was added.
   */
  readonly clientEvents?: string;
}

export interface Alert {
  readonly ruleId: '11209';
  /** OSSEC/Wazuh level of rule 11209. */
  readonly level: 14;
  /** Deterministic id of this alert (group key + the event ids in it): a retried batch yields the same id. */
  readonly id: string;
  /** Deterministic id of the group key alone (log group, client, classification): for threading and dedup. */
  readonly fingerprint: string;
  /** One-line headline, display-safe: classification label, client, server. */
  readonly title: string;
  /** The OSSEC/Wazuh rule title, verbatim, for people who search for it. */
  readonly ruleTitle: string;
  /** Highest severity among the findings. */
  readonly severity: Severity;
  readonly classification: AlertClassification;
  readonly command: AlertCommand;
  readonly logGroup: string;
  /** Distinct log streams, sorted; capped (see logStreamsTruncated). */
  readonly logStreams: readonly string[];
  /** How many distinct streams were left out of logStreams. */
  readonly logStreamsTruncated: number;
  /** The client address as logged; null when the lines carry none. */
  readonly srcIp: string | null;
  /** The proftpd vhost when all findings agree on it, else null. */
  readonly server: string | null;
  /** Number of findings (refused commands) in this alert. */
  readonly count: number;
  /** ISO-8601 timestamps of the earliest and latest finding. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Distinct data-channel targets (`ip:port`, IPv6 as `[ip]:port`): IPv4 numerically, then IPv6, each by port; capped. */
  readonly targets: readonly string[];
  /** How many distinct targets were left out of targets. */
  readonly targetsTruncated: number;
  /** Up to five findings, earliest first, with their log event ids. */
  readonly samples: readonly AlertSample[];
  /** Samples removed to fit the SNS size limit (0 unless buildSnsMessage had to drop some). */
  readonly samplesDropped: number;
  /** True when the description was shortened to fit the SNS size limit. */
  readonly textTruncated: boolean;
  /** The rule's explanation followed by what this classification most likely means. */
  readonly description: string;
  /** What to do, in order, for this classification. */
  readonly runbook: readonly string[];
  readonly links: AlertLinks;
  /** The AWS account the log group belongs to (the batch's `owner`); null when unknown (a local file scan). */
  readonly account: string | null;
  /** The AWS Region of the log group. */
  readonly region: string;
  /**
   * The hosts (instances) the lines were logged on, sorted, at most ALERT_LIMITS.hosts: the syslog/SystemLog host
   * field or journald's `_HOSTNAME`. Empty when the lines name none (and on digests, whose entries differ).
   */
  readonly hosts: readonly string[];
  /** Targets at well-known addresses (instance metadata, loopback, VPC DNS resolver), whatever the classification. */
  readonly wellKnownTargets: readonly WellKnownTargetHit[];
  /** The incident this message belongs to: identical on every message of one incident (threads on it). */
  readonly incidentId: string;
  readonly kind: AlertKind;
  /** The incident window this message covers (ISO-8601). Without memory: the alert's first and last finding. */
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly alertMemory: AlertMemory;
  /** Updates: every refusal of the incident so far (count is the window's); otherwise equal to count. */
  readonly incidentTotal: number;
  /**
   * The incident's first refusal (ISO-8601), over all its windows: set on messages decided with alert memory, so an
   * update (whose `firstSeen` is its window's) still says when the incident began. Absent without memory.
   */
  readonly incidentFirstSeen?: string;
  /** Updates and scans: the window's totals. */
  readonly window?: WindowTotals;
  /** Escalations, and the later messages of an escalated incident: the incident escalated and its thread. */
  readonly escalatedFrom?: EscalatedFrom;
  /** Digests only. */
  readonly digest?: AlertDigest;
  /**
   * Only on the alert of `ftp-bounce-watch test --deliver`: nothing happened; it proves email and Slack work. Its
   * subject starts `[TEST]`, its headlines `TEST ·`; it stays outside alert memory.
   */
  readonly test?: true;
}

/** A target host at a well-known address. `network`: for a VPC resolver at `.2`, the internal network it belongs to. */
export interface WellKnownTargetHit {
  readonly ip: string;
  readonly kind: WellKnownTargetKind;
  readonly network: string | null;
}

/**
 * Where a finding was logged. The Finding's `host` field comes with the detector's round 2 (docs/design.md section
 * 4); read optionally so alerts work with findings that carry it and with those that do not.
 */
export function hostOf(finding: Finding): string | null {
  const host = (finding as { readonly host?: string | null }).host;
  return typeof host === 'string' && host !== '' ? host : null;
}

/** Only these can be well-known (loopback, link-local .253/.254, any IPv6, a `.2`): skips the rest cheaply. */
const MAYBE_WELL_KNOWN = /^(?:127\.|169\.254\.169\.25[34]$)|:|\.2$/;

/** The well-known addresses among target hosts, in a stable order, at most five. */
export function wellKnownTargetsOf(hosts: Iterable<string>, internalNetworks: NetworkSet): WellKnownTargetHit[] {
  const hits: WellKnownTargetHit[] = [];
  for (const ip of hosts) {
    if (!MAYBE_WELL_KNOWN.test(ip)) continue;
    const known = wellKnownTarget(ip, internalNetworks);
    if (known !== null) hits.push({ ip, kind: known.kind, network: known.network });
  }
  return hits.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0)).slice(0, 5);
}

/** Caps applied when building alerts; exported so renderers and tests agree on them. */
export const ALERT_LIMITS = {
  samples: 5,
  /** Distinct hosts (instances) named per alert. */
  hosts: 10,
  targets: 20,
  logStreams: 20,
  /** Sample lines longer than this are shortened in the alert (a refusal line is normally < 300 chars). */
  sampleLine: 4096,
  /** Names and other short fields taken from lines (server, client name, reason, argument). */
  sampleField: 256,
  /** srcIp and server as alert fields; longer values cannot be addresses or DNS names. */
  name: 256,
  /** Log group and stream names: CloudWatch allows 512; a little room for CLI-provided names. */
  resourceName: 1024,
} as const;
