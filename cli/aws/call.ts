/**
 * Every AWS request of the CLI (CloudWatch Logs; SNS, SQS, S3 and CloudFormation for `status`) goes through
 * `callAws`: throttling, 5xx answers and dropped connections are retried with exponential backoff and jitter, a
 * bounded number of times; anything else, and whatever outlasts the retries, becomes a one-line CLI error.
 * Ctrl-C cancels the request or the wait and raises InterruptedError.
 */
import {
  type AwsCallContext,
  AwsRequestError,
  awsErrorShape,
  callTarget,
  cliErrorFor,
  InterruptedError,
  oneLine,
} from './errors';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Backoff before retry n is drawn from [d/2, d] with d = min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** About 8 s of waiting in all: FilterLogEvents allows 5 requests per second per account and Region. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 4_000 };

export interface RetryInfo {
  readonly operation: string;
  /** The attempt about to start (2 for the first retry). */
  readonly attempt: number;
  readonly delayMs: number;
  /** The error name, e.g. ThrottlingException. */
  readonly reason: string;
}

export interface CallOptions {
  readonly signal: AbortSignal;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly policy?: RetryPolicy;
  readonly onRetry?: (info: RetryInfo) => void;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'InternalServerException',
]);
/** Network failures worth another try; `TimeoutError` is the SDK's name for a request timeout. */
const TRANSIENT_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

export function isRetryable(error: unknown): boolean {
  const shape = awsErrorShape(error);
  if (THROTTLING.has(shape.name) || shape.name === 'TimeoutError') return true;
  if (shape.status === 429 || (shape.status !== undefined && shape.status >= 500)) return true;
  if (shape.fault === 'server') return true;
  return shape.code !== undefined && TRANSIENT_NETWORK.has(shape.code);
}

function backoff(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  // "Equal jitter": spreads clients apart without ever retrying at once.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export async function callAws<T>(
  context: AwsCallContext,
  send: (signal: AbortSignal) => Promise<T>,
  options: CallOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  for (let attempt = 1; ; attempt++) {
    if (options.signal.aborted) throw new InterruptedError(`${context.operation} interrupted`);
    try {
      return await send(options.signal);
    } catch (error) {
      if (options.signal.aborted) throw new InterruptedError(`${context.operation} interrupted`, { cause: error });
      if (!isRetryable(error)) throw cliErrorFor(error, context);
      const shape = awsErrorShape(error);
      if (attempt >= policy.maxAttempts) {
        throw new AwsRequestError(
          `${context.service ?? 'CloudWatch Logs'} ${context.operation}${callTarget(context)} still failed after ${attempt} attempts `
          + `(${shape.name}: ${oneLine(shape.message, 160)}); try again later, or search a shorter time range`,
          { cause: error },
        );
      }
      const delayMs = backoff(policy, attempt, options.random);
      options.onRetry?.({ operation: context.operation, attempt: attempt + 1, delayMs, reason: shape.name });
      await options.sleep(delayMs, options.signal);
    }
  }
}
