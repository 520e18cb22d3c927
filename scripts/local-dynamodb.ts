/**
 * An embedded DynamoDB-compatible server (dynalite, in process, in memory) on loopback, with alert memory's
 * table created exactly as infra creates it. Used by `npm start` and the tests, so the real DynamoDB client
 * and adapter run against something that enforces conditions, indexes and item limits.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DUE_INDEX_NAME } from '../lambda/adapters/dynamodb-incident-store';

export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>` for AWS_ENDPOINT_URL_DYNAMODB or a client's `endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** The incident table: `pk` only, the sparse `due` index (dueShard, dueAt), on-demand (infra adds TTL and KMS). */
export async function createIncidentTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'dueShard', AttributeType: 'S' },
        { AttributeName: 'dueAt', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: DUE_INDEX_NAME,
          KeySchema: [
            { AttributeName: 'dueShard', KeyType: 'HASH' },
            { AttributeName: 'dueAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
}
