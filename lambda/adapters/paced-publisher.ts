/**
 * Keeps the alert topic under SNS's email rate. SNS suspends an email subscription that receives more than 10
 * messages a second (it returns to PendingConfirmation and is deleted 48 hours later: docs/operations.md), and
 * a sweep or a flood can have dozens of messages due at once, from several invocations. So every publisher of
 * a deployment takes its messages from one shared per-second counter (the incident table), and each process
 * from its own as well (the floor when the table cannot be used). A message that finds no room before the
 * invocation's deadline is deferred: the caller keeps it for the next sweep.
 */
import { type AlertPublisher, PublishIncompleteError, type SnsAlertMessage, unpublishedIndexesOf } from './ports';
import { SNS_MAX_BATCH_ENTRIES } from './sns-publisher';
import type { InvocationBudget } from './timeouts';

/** The shared counter: takes up to `wanted` of the `limit` messages of this epoch second. */
export interface SendSlots {
  takeSendSlots(second: number, wanted: number, limit: number): Promise<number>;
}

export interface PacedPublisherOptions {
  /** Messages per second across every publisher of the deployment. */
  readonly perSecond: number;
  /** The shared counter. @default none: this process's own pacing only */
  readonly shared?: SendSlots;
  /** How long the caller may still wait. @default no deadline */
  readonly budget?: InvocationBudget;
  /** Time kept free after a wait for the publish itself. @default 2000 ms */
  readonly reserveMs?: number;
  /** The shared counter failed: this process paces alone for this message. Must not throw. */
  readonly onSharedError?: (error: unknown) => void;
  /** Wall clock, ms. @default Date.now */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class PacedPublisher implements AlertPublisher {
  private readonly perSecond: number;
  private readonly reserveMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private second = -1;
  private usedThisSecond = 0;

  constructor(
    private readonly inner: AlertPublisher,
    private readonly options: PacedPublisherOptions,
  ) {
    if (!Number.isInteger(options.perSecond) || options.perSecond < 1) {
      throw new RangeError(`perSecond must be a positive integer, got ${options.perSecond}`);
    }
    this.perSecond = options.perSecond;
    this.reserveMs = options.reserveMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    let next = 0;
    while (next < messages.length) {
      const now = this.now();
      const second = Math.floor(now / 1000);
      if (second !== this.second) {
        this.second = second;
        this.usedThisSecond = 0;
      }
      const want = Math.min(messages.length - next, SNS_MAX_BATCH_ENTRIES, this.perSecond - this.usedThisSecond);
      const granted = want > 0 ? await this.shared(second, want) : 0;
      if (granted > 0) {
        this.usedThisSecond += granted;
        await this.publishChunk(messages, next, granted);
        next += granted;
        continue;
      }
      const wait = (second + 1) * 1000 - now;
      const remaining = this.options.budget?.remainingMs() ?? Number.POSITIVE_INFINITY;
      if (remaining < wait + this.reserveMs) {
        const deferred = new Set(messages.map((_, i) => i).slice(next));
        throw new PublishIncompleteError(
          `${deferred.size} of ${messages.length} alerts left for the next sweep: the send rate (${this.perSecond}/s) allowed no more before the deadline`,
          deferred,
          true,
        );
      }
      await this.sleep(wait);
    }
  }

  private async shared(second: number, want: number): Promise<number> {
    if (this.options.shared === undefined) return want;
    try {
      return await this.options.shared.takeSendSlots(second, want, this.perSecond);
    } catch (error) {
      this.options.onSharedError?.(error);
      return want;
    }
  }

  /** One chunk; a failure names every message not published, the chunk's and all after it. */
  private async publishChunk(messages: readonly SnsAlertMessage[], from: number, count: number): Promise<void> {
    try {
      await this.inner.publish(messages.slice(from, from + count));
    } catch (error) {
      // The whole list in one chunk: the inner error's indexes are already the caller's.
      if (from === 0 && count === messages.length) throw error;
      const inChunk = unpublishedIndexesOf(error) ?? new Set(Array.from({ length: count }, (_, i) => i));
      const missing = new Set([...inChunk].map((i) => i + from));
      for (let i = from + count; i < messages.length; i++) missing.add(i);
      const reason = error instanceof Error ? error.message : String(error);
      throw new PublishIncompleteError(`${missing.size} of ${messages.length} alerts not published: ${reason}`, missing, false, {
        cause: error,
      });
    }
  }
}
