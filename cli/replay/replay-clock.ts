/**
 * A clock that follows the log's own time, so an hour of log replays in seconds and window ends, updates and
 * digests happen when the deployment would have made them: batches run in time order, and the sweep runs on
 * the deployment's schedule (every SWEEP_INTERVAL_MS of log time) between them. When the batches are done the
 * clock runs on until nothing is due any more, so the replay shows everything that would eventually be sent.
 */

/** The deployment's sweep schedule (infra: EventBridge rate(5 minutes)). */
export const SWEEP_INTERVAL_MS = 5 * 60_000;

export interface TimedBatch {
  /** When the deployment would have processed it (ms): the last event's time of the agent's flush. */
  readonly at: number;
}

export interface ReplayDriver<B extends TimedBatch> {
  /** Process one batch at its time. */
  runBatch(batch: B, now: number): Promise<void>;
  /** One scheduled sweep at `now`. */
  sweep(now: number): Promise<void>;
  /** The earliest time anything is due (a window end, a digest, an unsent message), or null. */
  nextDue(): Promise<number | null>;
}

/** A bound on the run-on after the last batch: digests are at most 7 days apart, windows at most 24 hours. */
const MAX_TRAILING_SWEEPS = 10_000;

export class ReplayClockError extends Error {
  override readonly name = 'ReplayClockError';
}

/**
 * Runs `batches` (sorted here by time) and the sweeps between them; then sweeps on until nothing is due.
 * Returns the log time at which the replay ended.
 */
export async function replay<B extends TimedBatch>(batches: readonly B[], driver: ReplayDriver<B>): Promise<number> {
  const ordered = [...batches].sort((a, b) => a.at - b.at);
  const first = ordered[0];
  if (first === undefined) return 0;
  let nextSweep = (Math.floor(first.at / SWEEP_INTERVAL_MS) + 1) * SWEEP_INTERVAL_MS;
  let now = first.at;
  for (const batch of ordered) {
    while (nextSweep <= batch.at) {
      await driver.sweep(nextSweep);
      nextSweep += SWEEP_INTERVAL_MS;
    }
    now = Math.max(now, batch.at);
    await driver.runBatch(batch, now);
  }
  for (let sweeps = 0; ; sweeps++) {
    const due = await driver.nextDue();
    if (due === null) return now;
    if (sweeps >= MAX_TRAILING_SWEEPS) {
      throw new ReplayClockError(`still something due at ${new Date(due).toISOString()} after ${sweeps} sweeps`);
    }
    // Jump straight to the first sweep at or after the due time: nothing happens in between.
    if (due >= nextSweep) nextSweep = Math.ceil(due / SWEEP_INTERVAL_MS) * SWEEP_INTERVAL_MS;
    now = nextSweep;
    await driver.sweep(nextSweep);
    nextSweep += SWEEP_INTERVAL_MS;
  }
}
