/**
 * Every AWS request of the CLI (CloudWatch Logs; SNS, SQS, S3 and CloudFormation for `status`) goes through
 * `callAws`: throttling, 5xx answers and dropped connections are retried with exponential backoff and jitter, a
 * bounded number of times; anything else, and whatever outlasts the retries, becomes a one-line CLI error.
 * Ctrl-C cancels the request or the wait and raises InterruptedError.
 *
 * A silent endpoint (a proxy or firewall that accepts the connection and never answers) is bounded by a
 * `SilenceBudget`: each attempt is cut after a third of `--timeout` (default 30 s), and once an endpoint has not
 * answered for the whole of it, the call ends with one line naming the endpoint and what to check, and later
 * calls to that endpoint end at once.
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
  /** For an attempt that got no answer: how long the endpoint has been silent, and the most it may be. */
  readonly silentMs?: number;
  readonly timeoutMs?: number;
}

/** `--timeout`'s default: how long an endpoint may stay silent before the command gives up on it. */
export const DEFAULT_SILENCE_TIMEOUT_MS = 30_000;
/** Each attempt gets this share of the timeout, so a silent endpoint is tried this many times. */
export const ATTEMPTS_PER_TIMEOUT = 3;

const ENDPOINT_VARIABLE: Readonly<Record<string, { readonly variable: string; readonly host: string }>> = {
  'CloudWatch Logs': { variable: 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', host: 'logs' },
  'SNS': { variable: 'AWS_ENDPOINT_URL_SNS', host: 'sns' },
  'SQS': { variable: 'AWS_ENDPOINT_URL_SQS', host: 'sqs' },
  'S3': { variable: 'AWS_ENDPOINT_URL_S3', host: 's3' },
  'CloudFormation': { variable: 'AWS_ENDPOINT_URL_CLOUDFORMATION', host: 'cloudformation' },
  'Secrets Manager': { variable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', host: 'secretsmanager' },
  'DynamoDB': { variable: 'AWS_ENDPOINT_URL_DYNAMODB', host: 'dynamodb' },
  'STS': { variable: 'AWS_ENDPOINT_URL_STS', host: 'sts' },
};

/** The endpoint a service's calls go to, as the SDK picks it from the environment, and where that came from. */
export function endpointOf(
  service: string,
  region: string,
  env: Readonly<Record<string, string | undefined>>,
): { readonly url: string; readonly source: string } {
  const known = ENDPOINT_VARIABLE[service];
  const specific = known === undefined ? undefined : env[known.variable];
  if (known !== undefined && specific !== undefined && specific !== '') return { url: specific, source: known.variable };
  const general = env.AWS_ENDPOINT_URL;
  if (general !== undefined && general !== '') return { url: general, source: 'AWS_ENDPOINT_URL' };
  return { url: `https://${known?.host ?? service.toLowerCase()}.${region}.amazonaws.com`, source: 'the default endpoint' };
}

/** An endpoint stayed silent for the whole timeout. */
export class EndpointSilentError extends AwsRequestError {
  override readonly name: string = 'EndpointSilentError';
}

/**
 * How long each endpoint has been silent, shared by every call of one command run: an answer of any kind resets
 * it; attempts cut by their timeout (or by the SDK's connection timeout) add up, backoff included.
 */
export class SilenceBudget {
  private readonly silentSince = new Map<string, number>();

  constructor(
    /** The most an endpoint may stay silent, in ms. */
    readonly timeoutMs: number = DEFAULT_SILENCE_TIMEOUT_MS,
    private readonly env: Readonly<Record<string, string | undefined>> = {},
    private readonly clock: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  }

  endpoint(context: AwsCallContext): { readonly url: string; readonly source: string } {
    return endpointOf(context.service ?? 'CloudWatch Logs', context.region, this.env);
  }

  /** Time the next attempt may take: a third of the timeout, less what the endpoint has already been silent. */
  attemptMs(endpoint: string): number {
    const share = Math.ceil(this.timeoutMs / ATTEMPTS_PER_TIMEOUT);
    return Math.min(share, this.remainingMs(endpoint));
  }

  remainingMs(endpoint: string): number {
    const since = this.silentSince.get(endpoint);
    return since === undefined ? this.timeoutMs : Math.max(0, since + this.timeoutMs - this.clock());
  }

  /** An attempt that got no answer, started at `startedAt` (this budget's clock). */
  silent(endpoint: string, startedAt: number): void {
    if (!this.silentSince.has(endpoint)) this.silentSince.set(endpoint, startedAt);
  }

  answered(endpoint: string): void {
    this.silentSince.delete(endpoint);
  }

  now(): number {
    return this.clock();
  }
}

/** The one line for an endpoint that never answered. */
export function silentEndpointMessage(
  context: AwsCallContext,
  endpoint: { readonly url: string; readonly source: string },
  timeoutMs: number,
  attempts: number,
): string {
  const service = context.service ?? 'CloudWatch Logs';
  const seconds = Math.round(timeoutMs / 100) / 10;
  const attemptsText = attempts === 0 ? 'no attempt left' : `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  return (
    `no answer from ${service} at ${endpoint.url} (${endpoint.source}) to ${context.operation}${callTarget(context)} `
    + `within ${seconds} s (${attemptsText}): check the network path to it (a proxy in HTTPS_PROXY, a firewall, a VPC `
    + `endpoint), ${ENDPOINT_VARIABLE[service]?.variable ?? 'AWS_ENDPOINT_URL'} and AWS_REGION; --timeout SECONDS waits longer`
  );
}

export interface CallOptions {
  readonly signal: AbortSignal;
  /** Bounds a silent endpoint; default: a budget of its own, 30 s. */
  readonly silence?: SilenceBudget;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly policy?: RetryPolicy;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Before each call (not each attempt): what is being asked, for a progress line. */
  readonly onStart?: (context: AwsCallContext) => void;
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

/** Our own per-attempt cut: the SDK sees an abort; we know it was the clock. */
class AttemptTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

function isSilence(error: unknown): boolean {
  const shape = awsErrorShape(error);
  return error instanceof AttemptTimeoutError || shape.name === 'TimeoutError' || shape.code === 'ETIMEDOUT';
}

/** Runs one attempt with a signal that fires on Ctrl-C or after `timeoutMs`. */
async function attemptWithin<T>(
  send: (signal: AbortSignal) => Promise<T>,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new AttemptTimeoutError(`no answer within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    return await send(controller.signal);
  } catch (error) {
    if (timedOut && !signal.aborted) throw new AttemptTimeoutError(`no answer within ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

export async function callAws<T>(
  context: AwsCallContext,
  send: (signal: AbortSignal) => Promise<T>,
  options: CallOptions,
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const silence = options.silence ?? new SilenceBudget();
  const endpoint = silence.endpoint(context);
  options.onStart?.(context);
  let silentAttempts = 0;
  for (let attempt = 1; ; attempt++) {
    if (options.signal.aborted) throw new InterruptedError(`${context.operation} interrupted`);
    const timeoutMs = silence.attemptMs(endpoint.url);
    if (timeoutMs <= 0) {
      throw new EndpointSilentError(silentEndpointMessage(context, endpoint, silence.timeoutMs, silentAttempts));
    }
    const startedAt = silence.now();
    try {
      const result = await attemptWithin(send, options.signal, timeoutMs);
      silence.answered(endpoint.url);
      return result;
    } catch (error) {
      if (options.signal.aborted) throw new InterruptedError(`${context.operation} interrupted`, { cause: error });
      if (isSilence(error)) {
        silence.silent(endpoint.url, startedAt);
        silentAttempts++;
      } else {
        silence.answered(endpoint.url);
      }
      if (!isRetryable(error)) throw cliErrorFor(error, context);
      const shape = awsErrorShape(error);
      const delayMs = backoff(policy, attempt, options.random);
      if (isSilence(error) && silence.remainingMs(endpoint.url) <= delayMs) {
        const message = silentEndpointMessage(context, endpoint, silence.timeoutMs, silentAttempts);
        throw new EndpointSilentError(message, { cause: error });
      }
      if (attempt >= policy.maxAttempts) {
        throw new AwsRequestError(
          `${context.service ?? 'CloudWatch Logs'} ${context.operation}${callTarget(context)} still failed after ${attempt} attempts `
          + `(${shape.name}: ${oneLine(shape.message, 160)}); try again later`
          // Only a backfill's search can be made smaller; the other calls are single reads and writes.
          + (context.operation === 'FilterLogEvents' ? ', or search a shorter time range' : ''),
          { cause: error },
        );
      }
      options.onRetry?.({
        operation: context.operation,
        attempt: attempt + 1,
        delayMs,
        reason: shape.name,
        ...(isSilence(error) && {
          silentMs: silence.timeoutMs - silence.remainingMs(endpoint.url),
          timeoutMs: silence.timeoutMs,
        }),
      });
      await options.sleep(delayMs, options.signal);
    }
  }
}
