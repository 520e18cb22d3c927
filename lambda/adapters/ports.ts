/**
 * The ports the pipeline publishes through, so that the Lambda, the local run and the benchmark can each
 * inject their own publisher (SNS, a loopback server, a no-op).
 */

import type { SnsAlertMessage as RenderedSnsMessage } from '../alerts';

/**
 * What a publisher needs of a rendered alert (`buildSnsMessage` in lambda/alerts): the same fields, with any
 * attribute names, since which attributes exist is the renderer's business, not the transport's.
 */
export type SnsAlertMessage = Omit<RenderedSnsMessage, 'messageAttributes'> & {
  readonly messageAttributes: Readonly<Record<string, string>>;
};

export interface AlertPublisher {
  /**
   * Publishes every message or rejects. Resolving means each message was accepted by the destination;
   * on rejection some may have been published (the caller's retry then duplicates them: at-least-once).
   */
  publish(messages: readonly SnsAlertMessage[]): Promise<void>;
}

/**
 * What a publisher's error may say when only some messages failed: the indexes (into the list given to
 * `publish`) of those not published. The others were accepted, so a caller that keeps an outbox can drop them
 * and a retry sends only what is missing.
 */
export interface PartialPublishFailure {
  readonly unpublishedIndexes: ReadonlySet<number>;
}

export function unpublishedIndexesOf(error: unknown): ReadonlySet<number> | null {
  const indexes = (error as Partial<PartialPublishFailure> | null)?.unpublishedIndexes;
  return indexes instanceof Set ? indexes : null;
}

/**
 * A publish that did not send every message: `unpublishedIndexes` says which not. `deferred` means none of those
 * failed: the send-rate limit left them for later (the caller keeps them for the next sweep, and succeeds).
 */
export class PublishIncompleteError extends Error implements PartialPublishFailure {
  override readonly name = 'PublishIncompleteError';
  constructor(
    message: string,
    readonly unpublishedIndexes: ReadonlySet<number>,
    readonly deferred: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when a publish error only deferred messages (nothing failed). */
export function isDeferredPublish(error: unknown): boolean {
  return error instanceof PublishIncompleteError && error.deferred;
}
