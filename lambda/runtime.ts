/**
 * The Lambda runtime, built once per container (cold start): configuration read and validated, SDK clients,
 * logger and metrics created, alert memory wired. `handler.ts` (the detector) and `sweep-handler.ts` (the
 * scheduled sweep) are one line each on top of this; the local run builds it with a clock that follows the
 * log's own time. Failures are logged in one line, counted, and rethrown: the invocation then fails, Lambda
 * retries it, and finally keeps the event at the on-failure destination.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context, KinesisStreamBatchResponse } from 'aws-lambda';
import {
  AlertPublishError,
  DeadlineExceededError,
  DYNAMODB_TIMEOUTS,
  InvocationBudget,
  PacedPublisher,
  PublishIncompleteError,
  reportDeadlineExceeded,
  S3_TIMEOUTS,
  S3PoisonRecordStore,
  SECRETS_MANAGER_TIMEOUTS,
  SNS_TIMEOUTS,
  SnsAlertPublisher,
  sdkClientOptions,
} from './adapters';
import { canaryKeySource } from './adapters/canary-key';
import { DynamoDbIncidentStore } from './adapters/dynamodb-incident-store';
import { type CanaryMetrics, CanaryReceiver } from './canary/service';
import { buildSnsMessage } from './alerts';
import { MalformedPayloadError } from './awslogs';
import { ConfigError, type HandlerConfig, readConfig } from './config';
import { createExporters, withExports } from './exports-runtime';
import { IncidentConflictError, IncidentMemory, SuppressionCache, type SweepOutcome } from './incidents';
import { type KinesisDeps, processKinesisEvent } from './kinesis';
import { type PipelineMetrics, type PipelineSummary, processSubscriptionEvent } from './pipeline';

export interface RuntimeOptions {
  /** The decision clock; wall time by default. */
  readonly now?: () => number;
}

export interface Runtime {
  readonly config: HandlerConfig;
  /** The detector: one CloudWatch Logs subscription event. */
  detect(event: unknown, context: Context): Promise<PipelineSummary>;
  /**
   * The central mode's detector (docs/design.md section 9): one Kinesis batch of CloudWatch Logs payloads, every
   * record in order; poison records kept in the failure bucket, other failed records reported in `batchItemFailures`.
   */
  detectKinesis(event: unknown, context: Context): Promise<KinesisStreamBatchResponse>;
  /** The scheduled sweep: window ends, digests, messages left unsent. Requires the incident table. */
  sweep(event: unknown, context: Context): Promise<SweepSummary>;
}

export interface SweepSummary {
  readonly records: number;
  readonly published: number;
  /** Messages left for the next sweep by the send rate. */
  readonly deferred: number;
  readonly kinds: Readonly<Record<string, number>>;
}

/** The canary's metrics, as Embedded Metric Format. */
export function canaryMetrics(metrics: Metrics): CanaryMetrics {
  return {
    count: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
    milliseconds: (name, value) => metrics.addMetric(name, MetricUnit.Milliseconds, value),
  };
}

/** The detector's canary end, when a key is configured and the table can record round trips. */
function canaryReceiver(
  config: HandlerConfig,
  store: DynamoDbIncidentStore | null,
  budget: InvocationBudget,
  sns: SNSClient,
  metrics: CanaryMetrics,
  now: () => number,
): CanaryReceiver | null {
  if (config.canary === null || store === null) return null;
  const { topicArn } = config.canary;
  const secrets = (): SecretsManagerClient =>
    new SecretsManagerClient({ region: config.region, ...sdkClientOptions(SECRETS_MANAGER_TIMEOUTS) });
  const keySource = canaryKeySource(config.canary, secrets, budget);
  return new CanaryReceiver({
    key: () => keySource.get(),
    store,
    metrics,
    now,
    ...(topicArn === null ? {} : { canaryPublisher: new SnsAlertPublisher(sns, topicArn, { budget, maxAttempts: 2 }) }),
  });
}

/** Lambda's longest function timeout: no claim outlives it. */
const MAX_CLAIM_MS = 15 * 60 * 1000;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createRuntime(env: Readonly<Record<string, string | undefined>>, options: RuntimeOptions = {}): Runtime {
  const config = readConfig(env);
  const now = options.now ?? Date.now;
  const logger = new Logger({ serviceName: config.serviceName, logLevel: config.logLevel });
  const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName });

  const pipelineMetrics: PipelineMetrics = {
    count(name, value, classification) {
      const unit = name === 'DecompressedBytes' ? MetricUnit.Bytes : MetricUnit.Count;
      if (classification === undefined) {
        metrics.addMetric(name, unit, value);
      } else {
        // A single metric carries its own dimension set, so the classification does not leak onto the others.
        metrics.singleMetric().addDimension('classification', classification).addMetric(name, unit, value);
      }
    },
  };

  // Enforced per-attempt timeouts: a stalled SNS would otherwise hold the invocation until the function's timeout.
  const sns = new SNSClient({ region: config.topicRegion, ...sdkClientOptions(SNS_TIMEOUTS) });

  // The invocation's time for outbound calls ends a few seconds before the function's timeout, with one log
  // line and one metric, so a hanging dependency shows up as a named error instead of a silent Lambda timeout.
  const budget = new InvocationBudget({
    onExceeded: reportDeadlineExceeded(
      () => metrics.addMetric('DeadlineExceeded', MetricUnit.Count, 1),
      (message, attributes) => logger.error(message, attributes),
    ),
  });

  const snsPublisher = new SnsAlertPublisher(sns, config.topicArn, {
    budget,
    maxAttempts: config.publishMaxAttempts,
    onRetry: ({ attempt, entries, delayMs }) => {
      metrics.addMetric('PublishRetries', MetricUnit.Count, entries);
      logger.warn('retrying alerts SNS did not accept', { attempt, entries, delayMs });
    },
  });

  const store =
    config.incidentTable === null
      ? null
      : new DynamoDbIncidentStore(
          new DynamoDBClient({ region: config.region, ...sdkClientOptions(DYNAMODB_TIMEOUTS) }),
          config.incidentTable,
          { budget },
        );
  // Every message to the alert topic is paced, across all of the deployment's functions (through the table).
  const publisher = new PacedPublisher(snsPublisher, {
    perSecond: config.alertMessagesPerSecond,
    budget,
    ...(store === null ? {} : { shared: store }),
    onSharedError: (error) => {
      metrics.addMetric('SendRateUnshared', MetricUnit.Count, 1);
      logger.warn('send-rate counter unavailable: pacing this function alone', { error: errorText(error) });
    },
  });
  // What the topic accepted also goes to EventBridge and Security Hub, when configured (docs/export.md).
  const alertPublisher = withExports(publisher, createExporters(config.exports, config.region, budget), metrics, logger);
  // Claims last as long as this invocation can still publish (a claim never outlives Lambda's 15-minute limit).
  const claimMs = (): number => Math.min(budget.remainingMs(), MAX_CLAIM_MS);

  let incidents: IncidentMemory | null = null;
  if (store === null) {
    logger.warn('alert memory off: INCIDENT_TABLE_NAME is not set, so every batch is judged alone (no incidents)');
  } else {
    const tableStore = store;
    // Read at most once a minute, cut at 1.5 s; a failed read alerts as if the table held none (fail open).
    const suppressions = new SuppressionCache({
      fixed: config.suppressions,
      read: async (signal) => (await tableStore.loadSuppressions(signal)).suppressions,
      unavailable: (error) => {
        metrics.addMetric('SuppressionsUnavailable', MetricUnit.Count, 1);
        logger.warn('suppressions unavailable: alerting without the table\'s suppressions until the next read', {
          error: errorText(error),
        });
      },
    });
    incidents = new IncidentMemory({
      store,
      publisher: alertPublisher,
      settings: config.incidents,
      render: (alert) => buildSnsMessage(alert),
      claimMs,
      suppressions,
      events: {
        storeUnavailable: (error, phase) => {
          // Fail open: the alerts go out unsuppressed and say so; this line and the metric say why.
          logger.error('alert memory unavailable: publishing without suppression', { phase, error: error.message });
        },
        conflict: (attempt) => {
          metrics.addMetric('StateWriteConflicts', MetricUnit.Count, 1);
          logger.debug('state write lost a race; deciding again', { attempt });
        },
        cleanupFailed: (error) => {
          metrics.addMetric('OutboxCleanupFailures', MetricUnit.Count, 1);
          logger.error('published alerts not recorded as sent; they may be sent again, with the same ids', {
            error: errorText(error),
          });
        },
        conflictsExhausted: (client) => {
          // A fail-open like a store outage: the same metric, so the same alarm.
          metrics.addMetric('StateStoreUnavailable', MetricUnit.Count, 1);
          logger.error('alert memory: a client record kept changing under every write; publishing without suppression', {
            client,
          });
        },
        floodGuardUncounted: (granted) => {
          metrics.addMetric('FloodGuardUncounted', MetricUnit.Count, granted);
          logger.warn('flood guard counter kept changing: announcing without counting', { granted });
        },
        deferred: (messages) => {
          metrics.addMetric('AlertsDeferred', MetricUnit.Count, messages);
          logger.info('send rate reached: messages left for the next sweep', { messages });
        },
      },
    });
  }
  const poisonRecords =
    config.failureBucket === null
      ? null
      : new S3PoisonRecordStore(
          new S3Client({ region: config.region, ...sdkClientOptions(S3_TIMEOUTS) }),
          config.failureBucket,
          budget,
        );
  const memory = incidents === null ? undefined : { incidents, now };

  const canary = canaryReceiver(config, store, budget, sns, canaryMetrics(metrics), now);
  const pipelineDeps: KinesisDeps = {
    publisher: alertPublisher,
    region: config.region,
    maxDecompressedBytes: config.maxDecompressedBytes,
    internalNetworks: config.internalNetworks,
    logger,
    metrics: pipelineMetrics,
    ...(memory === undefined ? {} : { memory }),
    ...(poisonRecords === null ? {} : { keepPoisonRecord: (record, error) => poisonRecords.keep(record, error) }),
    ...(canary === null ? {} : { canary }),
  };

  async function detect(event: unknown, context: Context): Promise<PipelineSummary> {
    logger.addContext(context);
    budget.start(context);
    try {
      const summary = await processSubscriptionEvent(event, pipelineDeps);
      logger.info('batch processed', { summary });
      return summary;
    } catch (error) {
      logFailure(error);
      throw error;
    } finally {
      // Also on failure: the MalformedBatches and retry counts matter most then.
      metrics.publishStoredMetrics();
    }
  }

  async function detectKinesis(event: unknown, context: Context): Promise<KinesisStreamBatchResponse> {
    logger.addContext(context);
    budget.start(context);
    try {
      const outcome = await processKinesisEvent(event, pipelineDeps);
      const records = outcome.summaries.length + outcome.failures.length + outcome.kept.length;
      metrics.addMetric('KinesisRecords', MetricUnit.Count, records);
      for (const kept of outcome.kept) {
        logFailure(kept.error);
        logger.error('poison record kept whole in the failure bucket', { sequenceNumber: kept.sequenceNumber });
      }
      if (outcome.kept.length > 0) metrics.addMetric('KinesisRecordsKept', MetricUnit.Count, outcome.kept.length);
      for (const failure of outcome.failures) {
        logFailure(failure.error);
        logger.error('record reported to Lambda for retry', { sequenceNumber: failure.sequenceNumber });
      }
      if (outcome.failures.length > 0) metrics.addMetric('KinesisRecordFailures', MetricUnit.Count, outcome.failures.length);
      logger.info('kinesis batch processed', {
        records,
        processed: outcome.summaries.length,
        alertsPublished: outcome.summaries.reduce((n, s) => n + s.alertsPublished, 0),
        failed: outcome.failures.map((f) => f.sequenceNumber),
        kept: outcome.kept.map((k) => k.sequenceNumber),
      });
      return outcome.response;
    } catch (error) {
      logFailure(error);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  }

  async function sweep(_event: unknown, context: Context): Promise<SweepSummary> {
    logger.addContext(context);
    budget.start(context);
    if (incidents === null) {
      throw new ConfigError('INCIDENT_TABLE_NAME', 'is required by the sweep function: the alert memory table');
    }
    try {
      const outcome: SweepOutcome = await incidents.sweep(now());
      const kinds: Record<string, number> = {};
      for (const alert of outcome.published) kinds[alert.kind] = (kinds[alert.kind] ?? 0) + 1;
      metrics.addMetric('SweepRecords', MetricUnit.Count, outcome.records);
      metrics.addMetric('AlertsPublished', MetricUnit.Count, outcome.published.length);
      const summary = { records: outcome.records, published: outcome.published.length, deferred: outcome.deferred, kinds };
      logger.info('sweep done', { summary });
      return summary;
    } catch (error) {
      logFailure(error);
      throw error;
    } finally {
      metrics.publishStoredMetrics();
    }
  }

  function logFailure(error: unknown): void {
    if (error instanceof MalformedPayloadError) {
      metrics.addMetric('MalformedBatches', MetricUnit.Count, 1);
      // The message and reason only: the cause may quote the (untrusted) payload.
      logger.error('malformed subscription payload', { reason: error.reason, error: error.message });
    } else if (error instanceof PublishIncompleteError && error.cause instanceof AlertPublishError) {
      logFailure(error.cause);
    } else if (error instanceof AlertPublishError) {
      metrics.addMetric('AlertsUnpublished', MetricUnit.Count, error.failures.length);
      logger.error('alerts not published', {
        error: error.message,
        failures: error.failures.map(({ id, code, senderFault }) => ({ id, code, senderFault })),
      });
    } else if (error instanceof IncidentConflictError) {
      metrics.addMetric('StateWriteConflicts', MetricUnit.Count, 1);
      logger.error('alert memory: conflicting writers; the batch will be retried', { error: error.message });
    } else if (!(error instanceof DeadlineExceededError)) {
      // (A deadline was logged and counted by the budget when it struck.)
      logger.error('invocation failed', error instanceof Error ? error : new Error(String(error)));
    }
  }

  return { config, detect, detectKinesis, sweep };
}
