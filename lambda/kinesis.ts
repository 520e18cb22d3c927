/**
 * The central mode's entry (docs/design.md section 9): a Kinesis event whose records are each one CloudWatch Logs
 * subscription payload, as a CloudWatch Logs destination writes them (the same gzip JSON, base64 in the record).
 * Every record runs through the subscription pipeline unchanged; its account is the payload's `owner`.
 *
 * Every record of the batch is processed, in order, whatever happened to the ones before it: one bad record
 * must not hold back or lose the good ones after it.
 * - A poison record (a payload that can never be decoded) is kept whole in the failure store and counts as
 *   handled, so the shard moves on at once. Only when it cannot be kept is it reported.
 * - A record that failed for a reason that may pass (its alerts not all published, the deadline) is reported in
 *   `batchItemFailures`, all such records. Lambda checkpoints at the lowest one and retries from there; the
 *   records after it that were processed are recognised by alert memory on the retry (their batches are applied,
 *   their messages published) and change nothing. After the retries, the event source mapping's on-failure
 *   destination keeps the records (docs/operations.md).
 */
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { MalformedPayloadError } from './awslogs';
import { type PipelineDeps, type PipelineSummary, processSubscriptionEvent } from './pipeline';

/** A Kinesis event that is not one at all: no record can be reported, so the invocation fails. */
export class KinesisEventError extends Error {
  override readonly name = 'KinesisEventError';
}

export interface KinesisRecordRef {
  /** The record's sequence number: what `batchItemFailures` reports. */
  readonly sequenceNumber: string;
  /** The base64 CloudWatch Logs payload. */
  readonly data: string;
  readonly partitionKey: string;
}

/** Keeps a poison record whole (the failure bucket); rejects when it could not. */
export type PoisonRecordKeeper = (record: KinesisRecordRef, error: MalformedPayloadError) => Promise<void>;

export interface KinesisDeps extends PipelineDeps {
  /** Where poison records go. @default none: they are reported like any failed record */
  readonly keepPoisonRecord?: PoisonRecordKeeper;
}

export interface KinesisRecordFailure {
  readonly sequenceNumber: string;
  readonly error: unknown;
}

export interface KinesisOutcome {
  readonly response: KinesisStreamBatchResponse;
  /** The summaries of the records processed, in order. */
  readonly summaries: readonly PipelineSummary[];
  /** The records reported for Lambda's retry, in order, and why. */
  readonly failures: readonly KinesisRecordFailure[];
  /** Poison records kept whole in the failure store, and why. */
  readonly kept: readonly KinesisRecordFailure[];
}

/** Decodes the event's envelope; the payloads themselves are decoded by the pipeline, record by record. */
export function decodeKinesisEvent(event: unknown): KinesisRecordRef[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new KinesisEventError('not a Kinesis event: expected a Records array');
  return records.map((record: unknown, index) => {
    const kinesis = (record as { kinesis?: Record<string, unknown> } | null)?.kinesis;
    const { data, sequenceNumber, partitionKey } = kinesis ?? {};
    if (typeof data !== 'string' || typeof sequenceNumber !== 'string' || sequenceNumber === '') {
      throw new KinesisEventError(`not a Kinesis event: record ${index} has no kinesis.data or kinesis.sequenceNumber`);
    }
    return { data, sequenceNumber, partitionKey: typeof partitionKey === 'string' ? partitionKey : '' };
  });
}

/**
 * Processes a Kinesis batch, every record in order. Never rejects for a bad record (it is kept or reported);
 * rejects with KinesisEventError when the event itself is not a Kinesis event.
 */
export async function processKinesisEvent(event: unknown, deps: KinesisDeps): Promise<KinesisOutcome> {
  const records = decodeKinesisEvent(event);
  const summaries: PipelineSummary[] = [];
  const failures: KinesisRecordFailure[] = [];
  const kept: KinesisRecordFailure[] = [];
  for (const record of records) {
    try {
      summaries.push(await processSubscriptionEvent({ awslogs: { data: record.data } }, deps));
    } catch (error) {
      if (error instanceof MalformedPayloadError && deps.keepPoisonRecord !== undefined) {
        try {
          await deps.keepPoisonRecord(record, error);
          kept.push({ sequenceNumber: record.sequenceNumber, error });
          continue;
        } catch (keepError) {
          failures.push({ sequenceNumber: record.sequenceNumber, error: keepError });
          continue;
        }
      }
      failures.push({ sequenceNumber: record.sequenceNumber, error });
    }
  }
  return {
    response: { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.sequenceNumber })) },
    summaries,
    failures,
    kept,
  };
}
