/**
 * POSTs one message to a Slack incoming webhook, retrying what Slack asks to be retried: 429 (honouring
 * Retry-After), 5xx, network errors and timeouts. Retries stop at a total time budget so that the function
 * finishes well inside its timeout and fails cleanly; Lambda's asynchronous retries and the on-failure queue
 * take it from there. Other 4xx answers (invalid_payload, channel_not_found, no_service, ...) fail at once.
 *
 * Only Slack's own success counts: HTTP 200 with the body `ok`. Redirects are never followed (a 302 would turn
 * the POST into a GET that "succeeds" without posting, a 307 would re-send the alert elsewhere), so a 3xx, or a
 * 2xx with another body, fails without a retry: the webhook URL or something in front of it is wrong.
 */
import type { InvocationBudget } from '../adapters/timeouts';

const POST_OPERATION = 'slack:PostWebhook';

/** Slack did not accept the message. Never carries the webhook URL. */
export class SlackPostError extends Error {
  override readonly name = 'SlackPostError';
  constructor(
    message: string,
    /** HTTP status of the last answer; undefined when there was none (network error, timeout). */
    readonly status: number | undefined,
    /** Whether another try later may succeed (429, 5xx, network) as opposed to a rejected request. */
    readonly retryable: boolean,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface PostOptions {
  readonly fetch?: FetchLike;
  /** Total time for all attempts and waits (default 20 s; the forwarder's timeout is 30 s). */
  readonly budgetMs?: number;
  /** One request's timeout (default 8 s). */
  readonly attemptTimeoutMs?: number;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected in tests to skip real waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Returns a number in [0, 1); injected in tests for deterministic jitter. */
  readonly random?: () => number;
  /** Called before each retry wait. Must not throw. */
  readonly onRetry?: (info: { attempt: number; status: number | undefined; delayMs: number }) => void;
  /**
   * The invocation's budget: a request still running at its deadline is aborted and no wait may cross it; the
   * post then rejects with DeadlineExceededError. @default - only `budgetMs`
   */
  readonly invocationBudget?: InvocationBudget;
}

export const POST_DEFAULTS = {
  budgetMs: 20_000,
  attemptTimeoutMs: 8_000,
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
} as const;

const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the number of attempts it took; rejects with SlackPostError. */
export async function postToSlack(url: string, payload: unknown, options: PostOptions = {}): Promise<number> {
  const fetchFn = options.fetch ?? ((u: string, init: RequestInit) => fetch(u, init));
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepReal;
  const random = options.random ?? Math.random;
  const budgetMs = options.budgetMs ?? POST_DEFAULTS.budgetMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? POST_DEFAULTS.attemptTimeoutMs;
  const maxAttempts = options.maxAttempts ?? POST_DEFAULTS.maxAttempts;
  const baseDelayMs = options.baseDelayMs ?? POST_DEFAULTS.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? POST_DEFAULTS.maxDelayMs;
  const body = JSON.stringify(payload);
  const deadline = now() + budgetMs;

  const invocation = options.invocationBudget;
  const send = async (signal: AbortSignal): Promise<{ status: number; text: string; retryAfter: string | null }> => {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
      // Never follow: the answer to this POST is the only one that says whether the alert was posted.
      redirect: 'manual',
      signal,
    });
    // Read the body in every case so the connection can be reused; Slack answers `ok` or an error code.
    return { status: response.status, text: await response.text(), retryAfter: response.headers.get('retry-after') };
  };

  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - now();
    let status: number | undefined;
    let retryAfterMs: number | undefined;
    let failure: string;
    let cause: unknown;
    try {
      const attemptSignal = AbortSignal.timeout(Math.max(1, Math.min(attemptTimeoutMs, remaining)));
      const answer = invocation
        ? await invocation.call(POST_OPERATION, (signal) => send(AbortSignal.any([signal, attemptSignal])))
        : await send(attemptSignal);
      status = answer.status;
      const { text } = answer;
      if (status === 200 && text.trim() === 'ok') return attempt;
      failure = `Slack answered HTTP ${status}${text ? ` ${describeBody(text)}` : ''}`;
      if (status >= 300 && status < 400) {
        throw new SlackPostError(`${failure}: a redirect, not followed (check the webhook URL)`, status, false, attempt);
      }
      if (status >= 200 && status < 300) {
        throw new SlackPostError(`${failure}: not Slack's "ok" (check the webhook URL)`, status, false, attempt);
      }
      if (status !== 429 && status < 500) throw new SlackPostError(failure, status, false, attempt);
      retryAfterMs = parseRetryAfter(answer.retryAfter, now());
    } catch (error) {
      if (error instanceof SlackPostError || isDeadline(error)) throw error;
      // fetch rejects with a TypeError ("fetch failed") or a TimeoutError; neither message includes the URL path.
      failure = `no answer from Slack (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})`;
      cause = error;
    }

    // Only retryable failures get here: 429, 5xx, no answer.
    if (attempt >= maxAttempts) {
      throw new SlackPostError(`${failure}; gave up after ${attempt} attempts`, status, true, attempt, { cause });
    }
    const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const delayMs = retryAfterMs ?? Math.round(backoff / 2 + (random() * backoff) / 2);
    if (now() + delayMs >= deadline) {
      const why = retryAfterMs === undefined ? 'the retry budget is spent' : `Retry-After ${delayMs} ms exceeds the budget`;
      throw new SlackPostError(`${failure}; ${why} after ${attempt} attempts`, status, true, attempt, { cause });
    }
    invocation?.assertCanWait(POST_OPERATION, delayMs);
    options.onRetry?.({ attempt: attempt + 1, status, delayMs });
    await sleep(delayMs);
  }
}

function isDeadline(error: unknown): boolean {
  return error instanceof Error && error.name === 'DeadlineExceededError';
}

/** Retry-After is seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date starts with the day name ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone would take "-3".
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Slack's error bodies are short codes (`invalid_payload`); anything else is cut and made printable. */
function describeBody(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return JSON.stringify(printable.length > 100 ? `${printable.slice(0, 97)}...` : printable);
}
