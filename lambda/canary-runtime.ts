/**
 * The canary function's runtime, built once per container (docs/design.md section 10): its configuration, the
 * clients (CloudWatch Logs, DynamoDB, Secrets Manager, SNS) with enforced timeouts, and the invocation's budget.
 * Once per interval it tells the operator which groups' canaries are overdue, then writes the next canaries.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { DYNAMODB_TIMEOUTS, InvocationBudget, reportDeadlineExceeded, SECRETS_MANAGER_TIMEOUTS, sdkClientOptions, SNS_TIMEOUTS, SnsAlertPublisher } from './adapters';
import { canaryKeySource } from './adapters/canary-key';
import { CanaryLogWriter } from './adapters/canary-log-writer';
import { DynamoDbIncidentStore } from './adapters/dynamodb-incident-store';
import { type CanaryRun, runCanary } from './canary/service';
import { readCanaryWriterConfig } from './config';
import { canaryMetrics } from './runtime';

/** Some groups could not be written to: the invocation fails (the errors alarm), after every other group was. */
export class CanaryWriteError extends Error {
  override readonly name = 'CanaryWriteError';
}

/** The Logs client: one event per request; a stalled endpoint must not hold the run. */
const LOGS_TIMEOUTS = { connectionTimeoutMs: 2_000, requestTimeoutMs: 5_000, maxAttempts: 3 };

export interface CanaryRuntimeOptions {
  readonly now?: () => number;
}

export function createCanaryRuntime(env: Readonly<Record<string, string | undefined>>, options: CanaryRuntimeOptions = {}) {
  const config = readCanaryWriterConfig(env);
  const now = options.now ?? Date.now;
  const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });
  const budget = new InvocationBudget({
    onExceeded: reportDeadlineExceeded(
      () => metrics.addMetric('DeadlineExceeded', 'Count', 1),
      (message, attributes) => logger.error(message, attributes),
    ),
  });
  const client = <T>(make: new (c: { region: string }) => T, timeouts: Parameters<typeof sdkClientOptions>[0]): T =>
    new make({ region: config.region, ...sdkClientOptions(timeouts) });
  const store = new DynamoDbIncidentStore(client(DynamoDBClient, DYNAMODB_TIMEOUTS), config.table, { budget });
  const keySource = canaryKeySource(config.keySource, () => client(SecretsManagerClient, SECRETS_MANAGER_TIMEOUTS), budget);
  const writer = new CanaryLogWriter(client(CloudWatchLogsClient, LOGS_TIMEOUTS), budget);
  const operator =
    config.operatorTopicArn === null
      ? undefined
      : new SnsAlertPublisher(client(SNSClient, SNS_TIMEOUTS), config.operatorTopicArn, { budget });

  async function canary(_event: unknown, context: Context): Promise<CanaryRun> {
    logger.addContext(context);
    budget.start(context);
    try {
      const run = await runCanary(config.logGroups, {
        key: () => keySource.get(),
        store,
        write: (group, stream, message, timestamp) => writer.write(group, stream, message, timestamp),
        metrics: canaryMetrics(metrics),
        now,
        intervalMs: config.intervalMs,
        ...(operator === undefined ? {} : { operator }),
      });
      for (const group of run.overdue) logger.error('canary overdue: it has not come back from this log group for two intervals', { logGroup: group });
      for (const { logGroup, error } of run.failed) {
        logger.error('canary not written', { logGroup, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      }
      logger.info('canary written', { written: run.written.length, failed: run.failed.length, overdue: run.overdue.length });
      if (run.failed.length > 0) {
        throw new CanaryWriteError(`the canary could not be written to ${run.failed.length} of ${config.logGroups.length} log groups`);
      }
      return run;
    } finally {
      metrics.publishStoredMetrics();
    }
  }
  return { config, canary };
}
