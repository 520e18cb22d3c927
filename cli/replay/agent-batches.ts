/**
 * Log lines as the CloudWatch agent ships them: per log stream, one batch per flush interval of the lines' own
 * time (the agent's default force_flush_interval is 5 s), within CloudWatch's per-batch limits. Lines without
 * a timestamp take the previous line's time.
 */
export const AGENT_FLUSH_MS = 5_000;
/** CloudWatch's limits for one subscription batch, and PutLogEvents' per-event overhead. */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1024 * 1024;
const EVENT_OVERHEAD_BYTES = 26;

export interface TimedLine {
  readonly message: string;
  /** ms since the epoch. */
  readonly timestamp: number;
  readonly id: string;
}

export interface AgentBatch {
  /** The last event's time: when the deployment would see the batch. */
  readonly at: number;
  readonly events: readonly TimedLine[];
}

/** Splits one stream's lines (in file order) into flush batches. */
export function agentBatches(lines: readonly TimedLine[], flushMs = AGENT_FLUSH_MS): AgentBatch[] {
  const batches: AgentBatch[] = [];
  let events: TimedLine[] = [];
  let bytes = 0;
  let flushAt = 0;
  const close = (): void => {
    if (events.length === 0) return;
    let at = -Infinity;
    for (const event of events) at = Math.max(at, event.timestamp);
    batches.push({ at, events });
    events = [];
    bytes = 0;
  };
  for (const line of lines) {
    const size = Buffer.byteLength(line.message) + EVENT_OVERHEAD_BYTES;
    const full = events.length === MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES;
    if (events.length > 0 && (line.timestamp >= flushAt || full)) close();
    if (events.length === 0) flushAt = line.timestamp + flushMs;
    events.push(line);
    bytes += size;
  }
  close();
  return batches;
}
