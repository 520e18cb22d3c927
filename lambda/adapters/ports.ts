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

/**
 * Where published alerts are also exported (EventBridge events, Security Hub findings: docs/export.md). An export
 * never fails the batch: it resolves with what went out and what did not (counted, logged, alarmed), because the
 * alert itself already reached the topic and a retried batch would send it twice.
 */
export interface AlertExporter {
  /** A short name for logs and metrics, e.g. `eventbridge`. */
  readonly name: string;
  /** Exports each alert, given as its JSON (the SNS `default` text, passed through unchanged). Never rejects. */
  export(alertJsons: readonly string[]): Promise<ExportOutcome>;
}

export interface ExportFailure {
  /** The alert's id (or the finding's id), or `?` when the JSON had none. */
  readonly id: string;
  /** The service's error code, or the thrown error's name. */
  readonly code: string;
  readonly message: string;
}

export interface ExportOutcome {
  /** Items the service accepted (events, or findings: a digest gives one finding per incident). */
  readonly exported: number;
  readonly failures: readonly ExportFailure[];
}
