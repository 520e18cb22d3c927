/**
 * What the EventBridge and Security Hub exporters share: send items in batches, retry the items a batch call
 * reported as failed (or all of a call that threw) with backoff, a bounded number of times, and report what never
 * went out instead of throwing: an export must not fail the batch whose alerts SNS already accepted.
 */
import { awsErrorShape, oneLine } from './aws-error';
import type { ExportFailure, ExportOutcome } from './ports';
import { DeadlineExceededError, type InvocationBudget } from './timeouts';

/** One item's result in a batch call: accepted (null), or refused with a code. */
export interface ItemRefusal {
  readonly code: string;
  readonly message: string;
  /** False for refusals that a retry cannot change (the request itself is wrong, or access is denied). */
  readonly retryable: boolean;
}

/** How the adapters' retries wait (`equalJitterDelay`); the publisher and the exporters share it. */
export interface RetryTiming {
  /** Backoff before retry n is drawn from [d/2, d] with d = min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected in tests to skip real waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests for deterministic jitter; returns a number in [0, 1). */
  readonly random?: () => number;
}

export interface BatchExportOptions extends RetryTiming {
  /** Attempts per item, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** The invocation's time budget: no call or retry crosses its deadline. @default - none */
  readonly budget?: InvocationBudget;
}

/** "Equal jitter": spreads concurrent invocations apart without ever retrying immediately. */
export function equalJitterDelay(retry: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const NOT_ACKNOWLEDGED: ItemRefusal = { code: 'NotAcknowledged', message: 'missing from the response', retryable: true };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Error codes a thrown SDK error carries that mean retrying is useless. */
const NOT_RETRYABLE_THROWN = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'InvalidAccessException',
  'InvalidInputException',
  'ValidationException',
  'ResourceNotFoundException',
  'UnrecognizedClientException',
]);

export interface BatchSender<T> {
  /** The operation's name for the budget and messages, e.g. `events:PutEvents`. */
  readonly operation: string;
  /** The item's id in failures (the alert or finding id). */
  idOf(item: T): string;
  /** Splits items into requests within the service's limits. */
  batches(items: readonly T[]): T[][];
  /** One request: a refusal (or null) per item, in order. */
  send(batch: readonly T[], abortSignal: AbortSignal | undefined): Promise<ReadonlyArray<ItemRefusal | null>>;
}

/** Sends every item, retrying refusals; resolves with the count accepted and every failure. Never rejects. */
export async function sendBatchesWithRetries<T>(
  items: readonly T[],
  sender: BatchSender<T>,
  options: BatchExportOptions = {},
): Promise<ExportOutcome> {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  const budget = options.budget;
  const failures: ExportFailure[] = [];
  let exported = 0;
  let pending: Array<{ item: T; last: ItemRefusal }> = items.map((item) => ({
    item,
    last: { code: 'NotSent', message: 'not sent', retryable: true },
  }));

  for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) {
      const delayMs = equalJitterDelay(attempt - 1, baseDelayMs, maxDelayMs, random);
      try {
        budget?.assertCanWait(sender.operation, delayMs);
      } catch (error) {
        if (!(error instanceof DeadlineExceededError)) throw error;
        break;
      }
      await sleep(delayMs);
    }
    const retry: typeof pending = [];
    for (const batch of sender.batches(pending.map((p) => p.item))) {
      const byItem = new Map(pending.map((p) => [p.item, p]));
      let results: ReadonlyArray<ItemRefusal | null>;
      try {
        results = budget
          ? await budget.call(sender.operation, (signal) => sender.send(batch, signal))
          : await sender.send(batch, undefined);
      } catch (error) {
        const refusal = thrownRefusal(error);
        results = batch.map(() => refusal);
      }
      batch.forEach((item, i) => {
        const result = i < results.length ? (results[i] ?? null) : NOT_ACKNOWLEDGED;
        const entry = byItem.get(item) as { item: T; last: ItemRefusal };
        if (result === null) {
          exported++;
        } else if (result.retryable) {
          entry.last = result;
          retry.push(entry);
        } else {
          failures.push({ id: sender.idOf(item), code: result.code, message: oneLine(result.message, 300) });
        }
      });
    }
    pending = retry;
  }
  for (const { item, last } of pending) {
    failures.push({ id: sender.idOf(item), code: last.code, message: oneLine(last.message, 300) });
  }
  return { exported, failures };
}

function thrownRefusal(error: unknown): ItemRefusal {
  if (error instanceof DeadlineExceededError) return { code: error.name, message: error.message, retryable: false };
  const shape = awsErrorShape(error);
  // A request AWS blamed on itself, a throttle, or no answer at all (connection, timeout): worth another try.
  const throttled = /Throttl|TooMany|LimitExceeded/.test(shape.name);
  const retryable = !NOT_RETRYABLE_THROWN.has(shape.name) && (shape.fault !== 'client' || throttled);
  return { code: shape.name, message: shape.message, retryable };
}
