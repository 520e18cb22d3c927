/**
 * What alert memory keeps between invocations: one record per client (account, region, log group, client
 * IP), holding that client's open incidents (one per classification), its scan tracking, the digest lines it
 * owes, the messages decided but not yet confirmed sent (the outbox), and the batches already applied (so a
 * retried batch changes nothing). One record per client, not per incident, because escalation, absorption
 * and scans are decided per client, and one conditional write per client keeps those decisions atomic
 * without transactions. Plain JSON data: the stores serialise it as it is.
 */
import type { Alert, AlertClassification, AlertCommand, EscalatedFrom } from '../alerts/alert';
import type { Severity } from '../detector/finding';

export interface ClientKey {
  /** The batch's `owner`. */
  readonly account: string;
  readonly region: string;
  readonly logGroup: string;
  readonly srcIp: string | null;
}

/** Findings of one window of an incident. */
export interface WindowState {
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
  /** `ip:port` -> findings, for at most MAX_TRACKED_TARGETS targets. */
  targets: Record<string, number>;
  /** Findings whose target was not tracked (the map was full): the distinct counts are then floors. */
  untracked: number;
}

/**
 * Why an incident's findings are listed in a digest instead of sent one by one: low severity, the flood guard,
 * a suppression covering the client, or an acknowledgement (its updates, until it escalates).
 */
export type DigestReason = 'low-severity' | 'flood-guard' | 'suppressed' | 'acknowledged';

/** Who acknowledged an incident (`ftp-bounce-watch incidents ack`): its updates then go to the digest. */
export interface Acknowledgement {
  /** Epoch ms. */
  readonly at: number;
  /** The caller's ARN. */
  readonly by: string;
  readonly note: string;
}

export interface IncidentState {
  /** Names the key and when it opened: a key that closes and opens again is a new incident. */
  id: string;
  classification: AlertClassification;
  severity: Severity;
  openedAt: number;
  windowStart: number;
  windowEnd: number;
  /** Every finding of the incident, all windows. */
  total: number;
  firstSeen: number;
  lastSeen: number;
  /** Findings counted since the last message about this incident: an update is owed when positive. */
  sinceMessage: number;
  window: WindowState;
  /** `alert`: messages per incident; `digest`: listed in a digest instead (low severity, or folded by the flood guard). */
  mode: 'alert' | 'digest';
  digestReason: DigestReason | null;
  /** The vhost of the first finding (null when absent). */
  server: string | null;
  /** Up to MAX_STREAMS distinct log streams, first seen first. */
  logStreams: string[];
  /** Up to STATE_LIMITS.hosts distinct hosts (instances) the lines were logged on; absent in older records. */
  hosts?: string[];
  command: AlertCommand;
  /** Set when the incident opened as an escalation: the incident it escalated and the thread it stays in. */
  escalatedFrom?: EscalatedFrom;
  /** The suppression covering it (its findings go to the digest's `suppressed` section); absent when none. */
  suppressedBy?: { readonly id: string; readonly reason: string };
  /** Absent until someone acknowledges it. */
  acknowledged?: Acknowledgement;
}

/** What one incident did within one digest bucket. */
export interface PendingDigestLine {
  reason: DigestReason;
  /** The bucket's end (ms): the digest is due then. */
  bucketEnd: number;
  incidentId: string;
  classification: AlertClassification;
  severity: Severity;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The incident's first refusal (ms), over all its windows; absent in lines stored before it was added. */
  incidentFirstSeen?: number;
  /** Every refusal of the incident so far, as of the line's last addition; absent in lines stored before it was added. */
  incidentTotal?: number;
  targets: Record<string, number>;
  /** For `suppressed` and `acknowledged` lines: which suppression and why, or who acknowledged and their note. */
  note?: string;
}

/** Distinct service ports per target host within the client's scan window. */
export interface ScanState {
  windowStart: number;
  ports: Record<string, number[]>;
  /** Host:port pairs tracked, across hosts (bounded by MAX_SCAN_PAIRS). */
  pairs: number;
}

/**
 * Who is publishing an outbox entry, and until when: an invocation claims the entries it is about to publish
 * in the same conditional write as its decision, so a redelivery, a retry or a sweep running at the same time
 * leaves them alone. The claim ends at the claimer's deadline (after it, the claimer can publish nothing), or
 * earlier when the claimer gives the entry back after a failed publish.
 */
export interface OutboxClaim {
  /** A token of the claiming invocation (random per call). */
  readonly by: string;
  /** On the decision clock (ms): after this, anyone may claim the entry again. */
  readonly until: number;
}

export interface OutboxEntry {
  readonly alert: Alert;
  /** Who decided it: the batch (its retries and redeliveries may publish it too), or the sweep. */
  readonly origin: string;
  readonly createdAt: number;
  /** Absent: free to claim (records written before claims existed count as claimed until `createdAt` + grace). */
  readonly claim?: OutboxClaim;
}

export interface AppliedBatch {
  readonly id: string;
  readonly at: number;
}

export interface ClientState {
  readonly key: ClientKey;
  incidents: IncidentState[];
  scan: ScanState | null;
  digests: PendingDigestLine[];
  outbox: OutboxEntry[];
  applied: AppliedBatch[];
}

/** A state as a store holds it: the version is what a conditional write compares. */
export interface StoredClient {
  readonly state: ClientState;
  /** 1 for the first write; a write expecting 0 creates the record. */
  readonly version: number;
}

export const STATE_LIMITS = {
  /** Targets with counts per window; beyond them findings are counted, not itemised. */
  trackedTargets: 256,
  streams: 5,
  hosts: 5,
  /** Targets kept per digest line. */
  digestTargets: 20,
  /** Host:port pairs tracked for scan detection; reaching this many distinct service targets is a scan anyway. */
  scanPairs: 4096,
  /**
   * Applied batch ids are kept this long: Lambda retries an asynchronous event for at most 6 hours
   * (MaximumEventAgeInSeconds), so an older id cannot come back except by a manual redrive.
   */
  appliedMs: 7 * 60 * 60 * 1000,
  /**
   * ...and at most this many per client (the record is rewritten on every batch, and billed per KB): at one
   * batch every 20 s, the busiest realistic client, that still covers the last hour. An older redelivery may
   * count twice, but cannot announce twice while its incident is open.
   */
  appliedCount: 200,
  /**
   * An outbox entry without a claim, in a record written before claims existed, counts as claimed for this
   * long after it was decided (that code's grace for a failed invocation's retries).
   */
  outboxGraceMs: 15 * 60 * 1000,
  /** How long a claim lasts when the caller has no deadline of its own (the CLI's backfill, tests). */
  defaultClaimMs: 60 * 1000,
} as const;

export function emptyWindow(): WindowState {
  return { count: 0, firstSeen: null, lastSeen: null, targets: {}, untracked: 0 };
}

export function emptyClient(key: ClientKey): ClientState {
  return { key, incidents: [], scan: null, digests: [], outbox: [], applied: [] };
}
