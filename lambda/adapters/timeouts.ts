/**
 * Enforced timeouts for every outbound call (SNS, Secrets Manager, DynamoDB, CloudWatch Logs, Slack), in two
 * layers:
 *
 * 1. **Per attempt**, in the SDK client: `sdkClientOptions()` gives the options of a client whose HTTP handler
 *    aborts a connection attempt after `connectionTimeoutMs` and a request after `requestTimeoutMs` with a
 *    `TimeoutError` (`throwOnRequestTimeout: true`: without it @smithy/node-http-handler only logs a warning and
 *    waits on), and whose own retries are bounded by `maxAttempts`.
 * 2. **Per invocation**, an `InvocationBudget`: started from `context.getRemainingTimeInMillis()` at the top of each
 *    invocation, it ends `reserveMs` before the function's timeout. `call()` hands each request an AbortSignal
 *    that fires at the deadline (cutting through the SDK's retries too), `assertCanWait()` stops a retry loop
 *    before a backoff would cross it. Either way the call ends with a `DeadlineExceededError`, and the budget's
 *    `onExceeded` hook writes the log line and counts the metric (once per invocation).
 *
 * Usage (a DynamoDB store, say):
 * ```ts
 * const ddb = new DynamoDBClient(sdkClientOptions(DYNAMODB_TIMEOUTS));     // at cold start
 * const budget = new InvocationBudget({ onExceeded: reportDeadlineExceeded(countMetric, logError) });
 * // in the handler, first thing:
 * budget.start(context);
 * // in the adapter, for each request:
 * await budget.call('dynamodb:UpdateItem', (abortSignal) => ddb.send(command, { abortSignal }));
 * ```
 * A budget never started (the CLI, `npm start`, unit tests) has no deadline; the per-attempt timeouts still hold.
 */

/** Per-attempt limits of one SDK client. */
export interface OutboundTimeouts {
  /** Time to open the TCP (and TLS) connection. */
  readonly connectionTimeoutMs: number;
  /** Time from sending the request to receiving the whole answer (one attempt). */
  readonly requestTimeoutMs: number;
  /** SDK attempts per request, the first included (the SDK's own retry of throttling, 5xx and timeouts). */
  readonly maxAttempts: number;
}

/** The detector's SNS client: the publisher retries entries itself, so the SDK tries each request twice. */
export const SNS_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, maxAttempts: 2 };
/** The forwarder's Secrets Manager client: one small read. */
export const SECRETS_MANAGER_TIMEOUTS: OutboundTimeouts = {
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 3_000,
  maxAttempts: 2,
};
/** A DynamoDB state store: single-item reads and writes answer in milliseconds. */
export const DYNAMODB_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 3 };

/** The failure bucket's client: one object of at most a payload's size. */
export const S3_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 2_000, requestTimeoutMs: 10_000, maxAttempts: 3 };

/**
 * The CLI's CloudWatch Logs client: one SDK attempt, because the CLI retries itself (cli/aws/call.ts) with a
 * bounded number of attempts; a FilterLogEvents page over a large group may take tens of seconds.
 */
export const CLI_LOGS_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 5_000, requestTimeoutMs: 60_000, maxAttempts: 1 };

/** Worst case of one request through a client with these limits, retries included (backoff excluded). */
export function worstCaseMs(timeouts: OutboundTimeouts): number {
  return timeouts.maxAttempts * (timeouts.connectionTimeoutMs + timeouts.requestTimeoutMs);
}

/** What an AWS SDK v3 client constructor takes to enforce `timeouts` (spread it into the client's config). */
export interface SdkTimeoutOptions {
  readonly maxAttempts: number;
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly throwOnRequestTimeout: true;
  };
}

export function sdkClientOptions(timeouts: OutboundTimeouts): SdkTimeoutOptions {
  const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = timeouts;
  for (const [name, value] of Object.entries({ connectionTimeoutMs, requestTimeoutMs, maxAttempts })) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return {
    maxAttempts,
    // A plain options object: the SDK builds its NodeHttpHandler from it (no direct @smithy dependency).
    requestHandler: { connectionTimeout: connectionTimeoutMs, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true },
  };
}

/** An outbound call was cut off because the invocation's time budget ran out. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  /** The call that was running or about to start, e.g. `sns:PublishBatch`. */
  readonly operation: string;
  /** The budget the invocation started with. */
  readonly budgetMs: number;
  /** Time spent in the invocation when the call was cut off. */
  readonly elapsedMs: number;

  constructor(operation: string, budgetMs: number, elapsedMs: number, options?: ErrorOptions) {
    super(
      `${operation} cut off: the invocation's ${budgetMs} ms budget for outbound calls ran out after ${elapsedMs} ms `
      + '(the function ends before its timeout so that the failure is logged and the event retried)',
      options,
    );
    this.operation = operation;
    this.budgetMs = budgetMs;
    this.elapsedMs = elapsedMs;
  }
}

/**
 * The `onExceeded` every function uses: the metric counted, then one ERROR line with the call's figures, so a
 * hanging dependency reads the same in the detector's logs as in the forwarder's.
 */
export function reportDeadlineExceeded(
  countMetric: () => void,
  logError: (message: string, attributes: Record<string, unknown>) => void,
): (error: DeadlineExceededError) => void {
  return (error) => {
    countMetric();
    logError('outbound call cut off by the invocation deadline', {
      error: error.message,
      operation: error.operation,
      budgetMs: error.budgetMs,
      elapsedMs: error.elapsedMs,
    });
  };
}

/** What an invocation context offers (Lambda's `Context` fits). */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

export interface InvocationBudgetOptions {
  /**
   * Time kept back from the function's timeout for what follows the last call: logging the failure, flushing
   * metrics, returning the error to Lambda. @default 3000
   */
  readonly reserveMs?: number;
  /**
   * Called once per invocation when the budget ends a call: log one line and count one metric here. Must not
   * throw.
   */
  readonly onExceeded?: (error: DeadlineExceededError) => void;
  /** Injected in tests. */
  readonly now?: () => number;
}

export const DEFAULT_RESERVE_MS = 3_000;

/**
 * The time one invocation may spend on outbound calls. Built once per container, `start()`ed at the top of each
 * invocation, shared by every adapter of that invocation (so that two calls in a row cannot each take the whole
 * budget).
 */
export class InvocationBudget {
  readonly #reserveMs: number;
  readonly #onExceeded: ((error: DeadlineExceededError) => void) | undefined;
  readonly #now: () => number;
  #startedAt = 0;
  #deadline = Number.POSITIVE_INFINITY;
  #reported = false;

  constructor(options: InvocationBudgetOptions = {}) {
    this.#reserveMs = options.reserveMs ?? DEFAULT_RESERVE_MS;
    this.#onExceeded = options.onExceeded;
    this.#now = options.now ?? Date.now;
    if (!Number.isSafeInteger(this.#reserveMs) || this.#reserveMs < 0) {
      throw new RangeError(`reserveMs must be a non-negative integer, got ${this.#reserveMs}`);
    }
  }

  /** Starts the budget of a new invocation: it ends `reserveMs` before the function times out. */
  start(context: RemainingTime): void {
    this.startWithMs(context.getRemainingTimeInMillis() - this.#reserveMs);
  }

  /** Starts a budget of `ms` from now (at least 0), e.g. for a caller that has no Lambda context. */
  startWithMs(ms: number): void {
    this.#startedAt = this.#now();
    this.#deadline = this.#startedAt + Math.max(0, Math.floor(ms));
    this.#reported = false;
  }

  /** The budget this invocation started with (Infinity when not started). */
  get budgetMs(): number {
    return this.#deadline - this.#startedAt;
  }

  /** Milliseconds left (Infinity when not started, 0 once spent). */
  remainingMs(): number {
    return Math.max(0, this.#deadline - this.#now());
  }

  /**
   * Runs one outbound call, handing it an AbortSignal that fires at the deadline (pass it to the SDK's
   * `send(command, { abortSignal })` or to `fetch`). When the deadline ends the call, or has already passed,
   * rejects with DeadlineExceededError (the call's own error as its cause); other failures pass through.
   */
  async call<T>(operation: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const remaining = this.remainingMs();
    if (remaining <= 0) throw this.exceeded(operation);
    if (remaining === Number.POSITIVE_INFINITY) return send(new AbortController().signal);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), remaining);
    try {
      return await send(controller.signal);
    } catch (error) {
      if (controller.signal.aborted) throw this.exceeded(operation, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Throws DeadlineExceededError when waiting `ms` (a retry's backoff) would leave no time for the retry. */
  assertCanWait(operation: string, ms: number): void {
    if (this.#now() + ms >= this.#deadline) throw this.exceeded(operation);
  }

  /** The error for a call the budget ends; reported through `onExceeded` once per invocation. */
  exceeded(operation: string, cause?: unknown): DeadlineExceededError {
    const error = new DeadlineExceededError(
      operation,
      this.budgetMs,
      this.#now() - this.#startedAt,
      cause === undefined ? undefined : { cause },
    );
    if (!this.#reported) {
      this.#reported = true;
      this.#onExceeded?.(error);
    }
    return error;
  }
}

/** EventBridge PutEvents: ten small entries; the exporter retries failed entries itself. */
export const EVENTBRIDGE_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 };
/** STS AssumeRole (central mode: a member's findings role), once per member and quarter hour at most. */
export const STS_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 2 };
/** Security Hub BatchImportFindings: up to 100 findings; the exporter retries failed findings itself. */
export const SECURITY_HUB_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 2 };
