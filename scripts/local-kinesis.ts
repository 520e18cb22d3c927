/**
 * An embedded Kinesis-compatible server (kinesalite, in process, in memory) on loopback, and the two halves of the
 * central mode's delivery around it: what a CloudWatch Logs destination does (each subscription payload becomes one
 * record) and what the event source mapping does (GetRecords in order, batches turned into the Lambda event shape).
 * Used by `npm start -- --via kinesis` and the tests, so the real Kinesis client runs against a real protocol.
 */
import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import kinesalite from 'kinesalite';

/** The event source mapping's batch size the central stack configures (records per invocation). */
export const KINESIS_BATCH_SIZE = 100;
/** PutRecords takes at most 500 records per call. */
const PUT_RECORDS_MAX = 500;

export interface LocalKinesis {
  /** `http://127.0.0.1:<port>` for AWS_ENDPOINT_URL_KINESIS or a client's `endpoint`. */
  readonly endpoint: string;
  /** A real Kinesis client on this server, over HTTP/1 (kinesalite does not speak HTTP/2). */
  readonly client: KinesisClient;
  close(): Promise<void>;
}

export async function startLocalKinesis(region = 'us-east-1'): Promise<LocalKinesis> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new KinesisClient({
    region,
    endpoint,
    credentials: { accessKeyId: 'AKIDLOCALKINESIS', secretAccessKey: 'local-kinesis-secret' },
    requestHandler: new NodeHttpHandler({ connectionTimeout: 3_000, requestTimeout: 10_000 }),
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Creates a one-shard stream and waits until it is active; returns its ARN. */
export async function createStream(client: KinesisClient, streamName: string): Promise<string> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
  for (let attempt = 0; attempt < 50; attempt++) {
    const { StreamDescription: d } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
    if (d?.StreamStatus === 'ACTIVE' && d.StreamARN) return d.StreamARN;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`local Kinesis stream ${streamName} did not become active`);
}

/**
 * What a CloudWatch Logs destination does: each payload (the base64 gzip JSON of a subscription event) becomes one
 * record, its partition key the log stream's, so a stream's batches stay in order on one shard.
 */
export async function putPayloads(
  client: KinesisClient,
  streamName: string,
  payloads: ReadonlyArray<{ readonly data: Buffer; readonly partitionKey: string }>,
): Promise<void> {
  for (let i = 0; i < payloads.length; i += PUT_RECORDS_MAX) {
    const chunk = payloads.slice(i, i + PUT_RECORDS_MAX);
    const out = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map((p) => ({ Data: p.data, PartitionKey: p.partitionKey })),
      }),
    );
    if ((out.FailedRecordCount ?? 0) > 0) {
      throw new Error(`local Kinesis refused ${out.FailedRecordCount} of ${chunk.length} records`);
    }
  }
}

export type ShardStart =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/**
 * What the event source mapping does: reads the stream's (one) shard in order with GetRecords, at most `batchSize`
 * records at a time, and turns each read into the Lambda event shape.
 */
export class ShardReader {
  private iterator: string | undefined;

  private constructor(
    private readonly client: KinesisClient,
    private readonly streamArn: string,
    private readonly shardId: string,
    private readonly region: string,
    iterator: string | undefined,
  ) {
    this.iterator = iterator;
  }

  static async open(
    client: KinesisClient,
    streamName: string,
    options: { readonly start?: ShardStart; readonly region?: string } = {},
  ): Promise<ShardReader> {
    const { StreamDescription: d } = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
    const shardId = d?.Shards?.[0]?.ShardId;
    const streamArn = d?.StreamARN;
    if (!shardId || !streamArn) throw new Error(`local Kinesis stream ${streamName} has no shard`);
    const start = options.start ?? { type: 'TRIM_HORIZON' };
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: start.type,
        ...('sequenceNumber' in start ? { StartingSequenceNumber: start.sequenceNumber } : {}),
      }),
    );
    return new ShardReader(client, streamArn, shardId, options.region ?? 'us-east-1', ShardIterator);
  }

  /** The next batch of at most `batchSize` records, as the Lambda event; null when the shard has none now. */
  async next(batchSize = KINESIS_BATCH_SIZE): Promise<KinesisStreamEvent | null> {
    if (this.iterator === undefined) return null;
    const out = await this.client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: batchSize }));
    this.iterator = out.NextShardIterator;
    const records = out.Records ?? [];
    if (records.length === 0) return null;
    return {
      Records: records.map(
        (r): KinesisStreamRecord => ({
          awsRegion: this.region,
          eventID: `${this.shardId}:${r.SequenceNumber ?? ''}`,
          eventName: 'aws:kinesis:record',
          eventSource: 'aws:kinesis',
          eventSourceARN: this.streamArn,
          eventVersion: '1.0',
          invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey ?? '',
            sequenceNumber: r.SequenceNumber ?? '',
            data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
          },
        }),
      ),
    };
  }

  /** Every batch available now, in order. */
  async drain(batchSize = KINESIS_BATCH_SIZE): Promise<KinesisStreamEvent[]> {
    const events: KinesisStreamEvent[] = [];
    for (let event = await this.next(batchSize); event !== null; event = await this.next(batchSize)) events.push(event);
    return events;
  }
}
