/**
 * The DynamoDB adapter's requests as CLI calls: through `callAws` (retries, the silence budget, one-line errors
 * naming the IAM action), with the one-line error coming out of the adapter's StateStoreError as it is.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StateStoreError } from '../../lambda/incidents';
import { type CallOptions, callAws } from '../aws/call';
import { awsErrorShape, InterruptedError } from '../aws/errors';
import { CliError, UsageError } from '../io';

/** Sends the adapter's requests through callAws; a lost condition comes back as DynamoDB's own error. */
export function cliDynamoTransport(client: DynamoDBClient, tableName: string, region: string, call: CallOptions) {
  const send = client.send.bind(client) as (command: object, options: { abortSignal: AbortSignal }) => Promise<unknown>;
  return async (operation: string, command: object): Promise<unknown> => {
    try {
      return await callAws(
        {
          operation,
          region,
          service: 'DynamoDB',
          permission: `dynamodb:${operation}`,
          resource: `table ${JSON.stringify(tableName)}`,
        },
        (abortSignal) => send(command, { abortSignal }),
        call,
      );
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (awsErrorShape(cause).name === 'ConditionalCheckFailedException') throw cause;
      throw error;
    }
  };
}

/** Runs a store call; the one-line CLI error inside a StateStoreError comes out as it is. */
export async function storeCall<T>(tableName: string, run: () => Promise<T>): Promise<T> {
  // Ctrl-C: say where it stopped (callAws's message is `<operation> interrupted`).
  const interrupted = (cause: InterruptedError): UsageError =>
    new UsageError(`interrupted during ${cause.message.replace(/ interrupted$/, '')} on table ${JSON.stringify(tableName)}`, { cause });
  try {
    return await run();
  } catch (error) {
    if (error instanceof InterruptedError) throw interrupted(error);
    if (!(error instanceof StateStoreError)) throw error;
    if (error.cause instanceof CliError) throw error.cause;
    if (error.cause instanceof InterruptedError) throw interrupted(error.cause);
    throw new UsageError(`state table ${JSON.stringify(tableName)}: ${error.message}`, { cause: error });
  }
}
