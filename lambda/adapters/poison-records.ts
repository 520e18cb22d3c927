/**
 * The central detector's failure store for poison records: a Kinesis record whose payload can never be decoded
 * is written whole to the failure bucket, so the shard moves on at once and nothing is lost. One JSON object per
 * record under `kinesis/poison/<date>/<sequence number>.json`, with the base64 payload as it came (the redrive in
 * docs/operations.md puts it back on the stream).
 */
import { PutObjectCommand, type PutObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { MalformedPayloadError } from '../awslogs';
import type { KinesisRecordRef } from '../kinesis';
import { InvocationBudget } from './timeouts';

/** The object a poison record is kept as. */
export interface PoisonRecordObject {
  readonly kind: 'ftp-bounce-watch/kinesis-poison-record';
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  /** Why it could not be decoded (the error's reason and message; never the payload). */
  readonly reason: string;
  readonly error: string;
  readonly keptAt: string;
  /** The record's data, base64, exactly as the stream held it. */
  readonly data: string;
}

export class S3PoisonRecordStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly budget: InvocationBudget = new InvocationBudget(),
    private readonly now: () => number = Date.now,
  ) {}

  /** The object key of a record kept at `at` (ms). */
  static keyOf(sequenceNumber: string, at: number): string {
    return `kinesis/poison/${new Date(at).toISOString().slice(0, 10)}/${sequenceNumber}.json`;
  }

  async keep(record: KinesisRecordRef, error: MalformedPayloadError): Promise<void> {
    const at = this.now();
    const body: PoisonRecordObject = {
      kind: 'ftp-bounce-watch/kinesis-poison-record',
      sequenceNumber: record.sequenceNumber,
      partitionKey: record.partitionKey,
      reason: error.reason,
      error: error.message,
      keptAt: new Date(at).toISOString(),
      data: record.data,
    };
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: S3PoisonRecordStore.keyOf(record.sequenceNumber, at),
      Body: JSON.stringify(body),
      ContentType: 'application/json',
    });
    await this.budget.call<PutObjectCommandOutput>('s3:PutObject', (abortSignal) => this.s3.send(command, { abortSignal }));
  }
}
