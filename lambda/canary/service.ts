/**
 * The canary's two ends (docs/design.md section 10): the detector's, which proves a canary line and records its
 * round trip, and the writer's, which writes the next canary into each watched log group and says which groups'
 * canaries have not come back. The AWS calls are behind ports (adapters/), so both run against loopback servers
 * in tests and `npm start`.
 */
import type { AlertPublisher, SnsAlertMessage } from '../adapters/ports';
import { type CanaryRejection, canaryLine, checkCanary, newNonce, signCanary, type SignedCanary, CANARY_STREAM } from './proof';

/** What the table keeps per watched log group. */
export interface CanaryRecord {
  readonly logGroup: string;
  /** When the canary function last wrote a canary here (ms), and when it first did (the record's start). */
  readonly writtenAt: number | null;
  readonly firstWrittenAt: number | null;
  /** When the detector last proved a canary of this group, and the write-to-detector time then. */
  readonly seenAt: number | null;
  readonly seenLatencyMs: number | null;
  /** When that canary was published to the canary topic, and the write-to-published time. */
  readonly publishedAt: number | null;
  readonly publishLatencyMs: number | null;
  /** When the operator was told this group's canary is overdue (null: not told, or it came back since). */
  readonly warnedAt: number | null;
}

/** A test line's round trip (`ftp-bounce-watch test`), kept under its nonce for the CLI to read back. */
export interface TestRoundTrip {
  readonly logGroup: string;
  readonly seenAt: number;
  readonly seenLatencyMs: number;
  /** Set once published: to the canary topic, or (delivered) to the alert topic as an alert marked TEST. */
  readonly publishedAt?: number;
  readonly publishLatencyMs?: number;
  readonly delivered?: boolean;
}

export interface CanaryStore {
  /** Takes a nonce for this log event; false when another event already took it (a replay). */
  takeCanaryNonce(nonce: string, eventId: string, expiresAt: number): Promise<boolean>;
  /** Merges these fields into the group's record. */
  updateCanary(logGroup: string, fields: Partial<Omit<CanaryRecord, 'logGroup'>>): Promise<void>;
  canaryRecords(logGroups: readonly string[]): Promise<Map<string, CanaryRecord>>;
  /** Merges a test line's round trip into its nonce's record (taken first by `takeCanaryNonce`). */
  recordTest(nonce: string, fields: Partial<TestRoundTrip>): Promise<void>;
}

/** Three series (each custom metric costs $0.30 a month): overdue groups (alarmed), returns, their latency. */
export interface CanaryMetrics {
  count(name: 'CanaryReturned' | 'CanaryOverdue', value: number): void;
  milliseconds(name: 'CanaryLatency', value: number): void;
}

export interface DetectorCanaryDeps {
  readonly key: () => Promise<Uint8Array>;
  readonly store: CanaryStore;
  /** The canary topic (no person subscribed): proves the publish hop. Absent: that hop is not measured. */
  readonly canaryPublisher?: AlertPublisher;
  readonly metrics: CanaryMetrics;
  readonly now: () => number;
}

/**
 * The detector's end: prove, take the nonce, record, publish. Resolves to null when the line is the canary (or a
 * proven test line). `deliver` sends a `test --deliver` line's alert, marked TEST, to people; without it such a
 * line is published to the canary topic like a plain test.
 */
export class CanaryReceiver {
  constructor(private readonly deps: DetectorCanaryDeps) {}

  async accept(
    claim: SignedCanary,
    eventId: string,
    eventTime: number,
    deliver?: () => Promise<void>,
  ): Promise<CanaryRejection | null> {
    const { store, metrics, now } = this.deps;
    const seenAt = now();
    const rejection = checkCanary(await this.deps.key(), claim, eventTime, seenAt);
    if (rejection !== null) return rejection;
    // The same event delivered again (at least once) is the same canary; another event with its nonce is a copy.
    if (!(await store.takeCanaryNonce(claim.nonce, eventId, Math.ceil(seenAt / 1000) + 7 * 3600))) return 'replayed';
    const seenLatencyMs = Math.max(0, seenAt - claim.writtenAt);
    if (claim.purpose === 'test' || claim.purpose === 'test-deliver') {
      await this.acceptTest(claim, seenAt, seenLatencyMs, claim.purpose === 'test-deliver' ? deliver : undefined);
      return null;
    }
    metrics.count('CanaryReturned', 1);
    metrics.milliseconds('CanaryLatency', seenLatencyMs);
    await store.updateCanary(claim.logGroup, { seenAt, seenLatencyMs, warnedAt: null });
    const message = canaryMessage(claim, seenAt);
    if (this.deps.canaryPublisher !== undefined) {
      await this.deps.canaryPublisher.publish([message]);
      const publishedAt = now();
      await store.updateCanary(claim.logGroup, { publishedAt, publishLatencyMs: publishedAt - claim.writtenAt });
    }
    return null;
  }

  /** A test line: its round trip under its nonce (never the group's canary record, nor its metrics). */
  private async acceptTest(
    claim: SignedCanary,
    seenAt: number,
    seenLatencyMs: number,
    deliver?: () => Promise<void>,
  ): Promise<void> {
    const { store, now } = this.deps;
    await store.recordTest(claim.nonce, { logGroup: claim.logGroup, seenAt, seenLatencyMs });
    if (deliver !== undefined) await deliver();
    else if (this.deps.canaryPublisher !== undefined) await this.deps.canaryPublisher.publish([canaryMessage(claim, seenAt)]);
    else return;
    const publishedAt = now();
    const publishLatencyMs = publishedAt - claim.writtenAt;
    await store.recordTest(claim.nonce, { publishedAt, publishLatencyMs, delivered: deliver !== undefined });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The canary topic's message: what came back, when (no person reads it; `status` and `test` do). */
function canaryMessage(claim: SignedCanary, seenAt: number): SnsAlertMessage {
  const kind = claim.purpose === undefined || claim.purpose === 'canary' ? 'canary' : 'test';
  const body = { kind, logGroup: claim.logGroup, nonce: claim.nonce, writtenAt: iso(claim.writtenAt), seenAt: iso(seenAt) };
  return {
    subject: 'ftp-bounce-watch canary',
    message: JSON.stringify({ default: JSON.stringify(body) }),
    messageStructure: 'json',
    messageAttributes: { kind, logGroup: claim.logGroup.slice(0, 256) },
  };
}

export interface CanaryWriterDeps {
  readonly key: () => Promise<Uint8Array>;
  readonly store: CanaryStore;
  /** Writes one event into the group's canary stream (creating the stream when missing). */
  readonly write: (logGroup: string, stream: string, message: string, timestamp: number) => Promise<void>;
  /** The operator topic, told once per episode which groups' canaries are overdue. */
  readonly operator?: AlertPublisher;
  readonly metrics: CanaryMetrics;
  readonly now: () => number;
  readonly intervalMs: number;
}

export interface CanaryRun {
  readonly written: readonly string[];
  readonly failed: ReadonlyArray<{ readonly logGroup: string; readonly error: unknown }>;
  readonly overdue: readonly string[];
}

/**
 * The writer's end, once per interval: say which groups' canaries have not come back for two intervals (once per
 * episode), then write the next canary into each group. A group that cannot be written to is reported, and the
 * others are still written.
 */
export async function runCanary(logGroups: readonly string[], deps: CanaryWriterDeps): Promise<CanaryRun> {
  const now = deps.now();
  const records = await deps.store.canaryRecords(logGroups);
  const overdue = logGroups.filter((group) => isOverdue(records.get(group), now, deps.intervalMs));
  const untold = overdue.filter((group) => records.get(group)?.warnedAt === null || records.get(group)?.warnedAt === undefined);
  deps.metrics.count('CanaryOverdue', overdue.length);
  if (untold.length > 0 && deps.operator !== undefined) {
    await deps.operator.publish([overdueMessage(untold, records, now, deps.intervalMs)]);
    for (const group of untold) await deps.store.updateCanary(group, { warnedAt: now });
  }
  const key = await deps.key();
  const written: string[] = [];
  const failed: Array<{ logGroup: string; error: unknown }> = [];
  for (const logGroup of logGroups) {
    const canary = signCanary(key, { logGroup, logStream: CANARY_STREAM, writtenAt: now, nonce: newNonce() });
    try {
      await deps.write(logGroup, CANARY_STREAM, canaryLine(canary), now);
      const first = records.get(logGroup)?.firstWrittenAt ?? null;
      await deps.store.updateCanary(logGroup, { writtenAt: now, ...(first === null ? { firstWrittenAt: now } : {}) });
      written.push(logGroup);
    } catch (error) {
      failed.push({ logGroup, error });
    }
  }
  return { written, failed, overdue };
}

/** Two intervals since the canary last came back (or since the first one was written, if none ever did). */
export function isOverdue(record: CanaryRecord | undefined, now: number, intervalMs: number): boolean {
  if (record === undefined || record.firstWrittenAt === null) return false;
  const since = record.seenAt ?? record.firstWrittenAt;
  return now - since > 2 * intervalMs;
}

function overdueMessage(
  groups: readonly string[],
  records: ReadonlyMap<string, CanaryRecord>,
  now: number,
  intervalMs: number,
): SnsAlertMessage {
  const lines = groups.slice(0, 50).map((group) => {
    const seen = records.get(group)?.seenAt ?? null;
    return `- ${group}: ${seen === null ? 'never came back' : `last came back ${iso(seen)}`}`;
  });
  const more = groups.length > 50 ? [`- and ${groups.length - 50} more`] : [];
  const text = [
    `[WARNING] ftp-bounce-watch: the canary has not come back for over ${Math.round((2 * intervalMs) / 60_000)} minutes from ${groups.length} log group${groups.length === 1 ? '' : 's'}.`,
    'Refusals there would not be detected either. Check, for each group:',
    '- the subscription filter (`ftp-bounce-watch status --log-group NAME`): removed, or the group renamed or re-created;',
    '- the detector: its errors alarm and log group; the incident table and its key;',
    '- in organisation mode, the member account\'s account policy and the central stream.',
    '',
    ...lines,
    ...more,
    '',
    `Checked ${iso(now)}. This is said once; you are told again only after the canary came back and stopped again.`,
  ].join('\n');
  return {
    subject: `[WARNING] ftp-bounce-watch canary overdue in ${groups.length} log group${groups.length === 1 ? '' : 's'}`,
    message: JSON.stringify({ default: text }),
    messageStructure: 'json',
    messageAttributes: { kind: 'canary-overdue' },
  };
}
