/**
 * Writes the canary's one event into a log group's canary stream, creating the stream the first time. Every call
 * runs under the invocation's budget; the client carries the per-attempt timeouts.
 */
import {
  type CloudWatchLogsClient,
  CreateLogStreamCommand,
  type CreateLogStreamCommandOutput,
  PutLogEventsCommand,
  type PutLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { awsErrorShape } from './aws-error';
import { InvocationBudget } from './timeouts';

export class CanaryLogWriter {
  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly budget: InvocationBudget = new InvocationBudget(),
  ) {}

  async write(logGroupName: string, logStreamName: string, message: string, timestamp: number): Promise<void> {
    const command = new PutLogEventsCommand({ logGroupName, logStreamName, logEvents: [{ message, timestamp }] });
    const put = (): Promise<PutLogEventsCommandOutput> =>
      this.budget.call('logs:PutLogEvents', (abortSignal) => this.client.send(command, { abortSignal }));
    try {
      await put();
    } catch (error) {
      if (awsErrorShape(error).name !== 'ResourceNotFoundException') throw error;
      // The stream is missing (first run, or deleted): create it, then write. A missing group fails the create.
      await this.budget.call<CreateLogStreamCommandOutput>('logs:CreateLogStream', (abortSignal) =>
        this.client.send(new CreateLogStreamCommand({ logGroupName, logStreamName }), { abortSignal }),
      );
      await put();
    }
  }
}
