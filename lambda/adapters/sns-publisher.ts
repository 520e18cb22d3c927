import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { SNS_MAX_PAYLOAD_BYTES, snsPayloadBytes } from '../alerts';
import { awsErrorShape, oneLine } from './aws-error';
import { equalJitterDelay, type RetryTiming } from './batch-export';
import type { AlertPublisher, SnsAlertMessage } from './ports';
import { DeadlineExceededError, type InvocationBudget } from './timeouts';

/** SNS PublishBatch limits (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html). */
export const SNS_MAX_BATCH_ENTRIES = 10;
/** 256 KiB, both for one message and for the sum of a batch's messages. */

export interface PublishRetryInfo {
  /** The attempt about to start (2 for the first retry). */
  readonly attempt: number;
  /** How many alerts are retried. */
  readonly entries: number;
  readonly delayMs: number;
}

export interface SnsAlertPublisherOptions extends RetryTiming {
  /** Attempts per alert, the first included (default 5). The SDK client retries each request on its own too. */
  readonly maxAttempts?: number;
  /** Called before each retry round, e.g. to count a metric. Must not throw. */
  readonly onRetry?: (info: PublishRetryInfo) => void;
  /**
   * The invocation's time budget: each request is cut off at its deadline and no retry starts that would cross
   * it; publish then rejects with DeadlineExceededError. @default - no deadline (the SDK client's own per-attempt
   * timeouts still apply)
   */
  readonly budget?: InvocationBudget;
}

/** One alert that could not be published, as reported by `AlertPublishError`. */
export interface FailedAlert {
  /** The batch entry id (`alert-<index in the publish call>`). */
  readonly id: string;
  readonly subject: string;
  /** SNS's error code (e.g. `InternalError`, `KMSThrottling`) or the thrown error's name. */
  readonly code: string;
  readonly message: string;
  /** True when SNS blamed the request itself: such alerts are not retried. */
  readonly senderFault: boolean;
}

/** Some alerts could not be published; the invocation must fail so that the batch is retried or kept. */
export class AlertPublishError extends Error {
  override readonly name = 'AlertPublishError';
  readonly failures: readonly FailedAlert[];
  readonly total: number;
  /** Indexes, in the list given to `publish`, of the alerts not published (PartialPublishFailure). */
  readonly unpublishedIndexes: ReadonlySet<number>;

  constructor(
    failures: readonly FailedAlert[],
    total: number,
    maxAttempts: number,
    options?: { cause?: unknown },
  ) {
    const listed = failures
      .slice(0, 5)
      .map((f) => `${f.id} "${oneLine(f.subject, 100)}" (${oneLine(f.code, 60)}: ${oneLine(f.message, 160)})`)
      .join('; ');
    const more = failures.length > 5 ? `; and ${failures.length - 5} more` : '';
    super(
      `${failures.length} of ${total} alerts not published to SNS (up to ${maxAttempts} attempts each): ${listed}${more}`,
      options,
    );
    this.failures = failures;
    this.total = total;
    this.unpublishedIndexes = new Set(failures.map((f) => Number(f.id.slice('alert-'.length))));
  }
}

interface Entry {
  readonly id: string;
  readonly message: SnsAlertMessage;
  readonly bytes: number;
  lastFailure?: Omit<FailedAlert, 'id' | 'subject'>;
}

const PUBLISH_OPERATION = 'sns:PublishBatch';

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Publishes rendered alerts to one SNS topic with PublishBatch, retrying what SNS did not accept. */
export class SnsAlertPublisher implements AlertPublisher {
  readonly #client: SNSClient;
  readonly #topicArn: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onRetry: ((info: PublishRetryInfo) => void) | undefined;
  readonly #budget: InvocationBudget | undefined;

  constructor(client: SNSClient, topicArn: string, options: SnsAlertPublisherOptions = {}) {
    this.#client = client;
    this.#topicArn = topicArn;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 5_000;
    this.#sleep = options.sleep ?? sleepFor;
    this.#random = options.random ?? Math.random;
    this.#onRetry = options.onRetry;
    this.#budget = options.budget;
    if (!Number.isSafeInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${this.#maxAttempts}`);
    }
  }

  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    const rejected: FailedAlert[] = [];
    let pending: Entry[] = [];
    messages.forEach((message, index) => {
      const entry: Entry = { id: `alert-${index}`, message, bytes: snsPayloadBytes(message) };
      // SNS would reject the whole request, taking the other alerts of the chunk down with it.
      if (entry.bytes > SNS_MAX_PAYLOAD_BYTES) {
        rejected.push(
          failed(entry, 'MessageTooLong', `${entry.bytes} bytes exceed ${SNS_MAX_PAYLOAD_BYTES}`, true),
        );
      } else {
        pending.push(entry);
      }
    });

    let lastThrown: unknown;
    for (let attempt = 1; attempt <= this.#maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        const delayMs = this.#backoff(attempt - 1);
        this.#budget?.assertCanWait(PUBLISH_OPERATION, delayMs);
        this.#onRetry?.({ attempt, entries: pending.length, delayMs });
        await this.#sleep(delayMs);
      }
      const retry: Entry[] = [];
      for (const chunk of chunks(pending)) {
        try {
          await this.#publishChunk(chunk, retry, rejected);
        } catch (error) {
          // Out of time: the invocation must end now, with the entries still pending left to Lambda's retry.
          if (error instanceof DeadlineExceededError) throw error;
          lastThrown = error;
          const failure = describeThrown(error);
          if (failure.senderFault) {
            for (const entry of chunk) rejected.push(failed(entry, failure.code, failure.message, true));
          } else {
            for (const entry of chunk) entry.lastFailure = failure;
            retry.push(...chunk);
          }
        }
      }
      pending = retry;
    }

    for (const entry of pending) {
      const last = entry.lastFailure ?? { code: 'Unknown', message: 'not published', senderFault: false };
      rejected.push(failed(entry, last.code, last.message, last.senderFault));
    }
    if (rejected.length > 0) {
      rejected.sort((a, b) => entryIndex(a.id) - entryIndex(b.id));
      throw new AlertPublishError(
        rejected,
        messages.length,
        this.#maxAttempts,
        lastThrown === undefined ? undefined : { cause: lastThrown },
      );
    }
  }

  async #publishChunk(chunk: readonly Entry[], retry: Entry[], rejected: FailedAlert[]): Promise<void> {
    const command = new PublishBatchCommand({
      TopicArn: this.#topicArn,
      PublishBatchRequestEntries: chunk.map(toRequestEntry),
    });
    const response = this.#budget
      ? await this.#budget.call(PUBLISH_OPERATION, (abortSignal) => this.#client.send(command, { abortSignal }))
      : await this.#client.send(command);
    const succeeded = new Set((response.Successful ?? []).map((s) => s.Id));
    const failures = new Map((response.Failed ?? []).map((f) => [f.Id, f]));
    for (const entry of chunk) {
      if (succeeded.has(entry.id)) continue;
      const failure = failures.get(entry.id);
      if (failure === undefined) {
        // Neither acknowledged nor refused: treat as not published rather than assume success.
        entry.lastFailure = {
          code: 'NotAcknowledged',
          message: 'missing from the response',
          senderFault: false,
        };
        retry.push(entry);
      } else if (failure.SenderFault === true && !THROTTLING_CODES.has(failure.Code ?? '')) {
        // A throttled KMS key is flagged as the sender's fault, yet the next try may well pass: it is retried.
        rejected.push(failed(entry, failure.Code ?? 'Unknown', failure.Message ?? '', true));
      } else {
        entry.lastFailure = {
          code: failure.Code ?? 'Unknown',
          message: failure.Message ?? '',
          senderFault: false,
        };
        retry.push(entry);
      }
    }
  }

  #backoff(retry: number): number {
    return equalJitterDelay(retry, this.#baseDelayMs, this.#maxDelayMs, this.#random);
  }
}

function* chunks(entries: readonly Entry[]): Generator<Entry[]> {
  let chunk: Entry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (
      chunk.length === SNS_MAX_BATCH_ENTRIES
      || (chunk.length > 0 && bytes + entry.bytes > SNS_MAX_PAYLOAD_BYTES)
    ) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += entry.bytes;
  }
  if (chunk.length > 0) yield chunk;
}

function toRequestEntry(entry: Entry): PublishBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(entry.message.messageAttributes)) {
    attributes[name] = { DataType: 'String', StringValue: value };
  }
  return {
    Id: entry.id,
    Message: entry.message.message,
    Subject: entry.message.subject,
    MessageStructure: entry.message.messageStructure,
    MessageAttributes: attributes,
  };
}

const THROTTLING_CODES = new Set([
  'Throttled',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'KMSThrottling',
  'KMSThrottlingException',
]);

/**
 * A thrown error is retried unless SNS blamed the request (a client fault other than throttling: bad
 * parameters, missing topic, denied access, KMS key disabled) or no credentials could be found, which no
 * retry can fix. Other errors without a fault (connection refused or reset, timeouts) are transient.
 */
function describeThrown(error: unknown): Omit<FailedAlert, 'id' | 'subject'> {
  const { name, message, fault, status, code: nodeCode } = awsErrorShape(error);
  const code = nodeCode !== undefined && name === 'Error' ? nodeCode : name;
  const throttled = THROTTLING_CODES.has(name) || status === 429;
  // No credentials at all is a configuration fault, raised before any request: retrying cannot fix it.
  const unconfigured = name === 'CredentialsProviderError';
  return { code, message, senderFault: unconfigured || (fault === 'client' && !throttled) };
}

function failed(entry: Entry, code: string, message: string, senderFault: boolean): FailedAlert {
  return { id: entry.id, subject: entry.message.subject, code, message, senderFault };
}

function entryIndex(id: string): number {
  return Number(id.slice('alert-'.length));
}
