/**
 * The central mode's entry (docs/design.md section 9): a Kinesis event whose records are each one CloudWatch Logs
 * subscription payload, as a CloudWatch Logs destination writes them (the same gzip JSON, base64 in the record).
 * Every record runs through the subscription pipeline unchanged; its account is the payload's `owner`.
 *
 * Records of a shard are processed in order. The first record that fails (malformed, or its alerts not all
 * published) stops the batch and is reported in `batchItemFailures`: Lambda then retries from that record (the ones
 * before it are done and not replayed), bisecting and at most the event source mapping's retry count, after which
 * the record goes to the on-failure destination and the shard moves on. Records after the failed one are left for
 * that retry rather than processed now, since processing them would publish them twice.
 */
import type { KinesisStreamBatchResponse } from 'aws-lambda';
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

export interface KinesisOutcome {
  readonly response: KinesisStreamBatchResponse;
  /** The summaries of the records processed, in order. */
  readonly summaries: readonly PipelineSummary[];
  /** The first failed record and why; null when every record was processed. */
  readonly failure: { readonly sequenceNumber: string; readonly error: unknown } | null;
  /** Records left for Lambda's retry because an earlier one failed. */
  readonly deferred: number;
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
 * Processes a Kinesis batch in order. Never rejects for a bad record (it is reported instead); rejects with
 * KinesisEventError when the event itself is not a Kinesis event.
 */
export async function processKinesisEvent(event: unknown, deps: PipelineDeps): Promise<KinesisOutcome> {
  const records = decodeKinesisEvent(event);
  const summaries: PipelineSummary[] = [];
  for (const [index, record] of records.entries()) {
    try {
      summaries.push(await processSubscriptionEvent({ awslogs: { data: record.data } }, deps));
    } catch (error) {
      return {
        response: { batchItemFailures: [{ itemIdentifier: record.sequenceNumber }] },
        summaries,
        failure: { sequenceNumber: record.sequenceNumber, error },
        deferred: records.length - index - 1,
      };
    }
  }
  return { response: { batchItemFailures: [] }, summaries, failure: null, deferred: 0 };
}
