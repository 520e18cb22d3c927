/**
 * The Lambda entry point: configuration and clients are built once per container (cold start), then every
 * invocation runs the pipeline. Failures are logged in one line, counted, and rethrown: the asynchronous
 * invocation then fails, Lambda retries it, and finally sends the event to the on-failure destination.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import {
  AlertPublishError,
  DeadlineExceededError,
  InvocationBudget,
  SNS_TIMEOUTS,
  SnsAlertPublisher,
  sdkClientOptions,
} from './adapters';
import { MalformedPayloadError } from './awslogs';
import { readConfig } from './config';
import { type PipelineMetrics, type PipelineSummary, processSubscriptionEvent } from './pipeline';

const config = readConfig(process.env);

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

// The invocation's time for outbound calls ends a few seconds before the function's timeout, with one log line
// and one metric, so that a hanging dependency shows up as a named error instead of a silent Lambda timeout.
const budget = new InvocationBudget({
  onExceeded: (error) => {
    metrics.addMetric('DeadlineExceeded', MetricUnit.Count, 1);
    logger.error('outbound call cut off by the invocation deadline', {
      error: error.message,
      operation: error.operation,
      budgetMs: error.budgetMs,
      elapsedMs: error.elapsedMs,
    });
  },
});

const publisher = new SnsAlertPublisher(sns, config.topicArn, {
  budget,
  maxAttempts: config.publishMaxAttempts,
  onRetry: ({ attempt, entries, delayMs }) => {
    metrics.addMetric('PublishRetries', MetricUnit.Count, entries);
    logger.warn('retrying alerts SNS did not accept', { attempt, entries, delayMs });
  },
});

export async function handler(event: unknown, context: Context): Promise<PipelineSummary> {
  logger.addContext(context);
  budget.start(context);
  try {
    const summary = await processSubscriptionEvent(event, {
      publisher,
      region: config.region,
      maxDecompressedBytes: config.maxDecompressedBytes,
      logger,
      metrics: pipelineMetrics,
    });
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

function logFailure(error: unknown): void {
  if (error instanceof MalformedPayloadError) {
    metrics.addMetric('MalformedBatches', MetricUnit.Count, 1);
    // The message and reason only: the cause may quote the (untrusted) payload.
    logger.error('malformed subscription payload', { reason: error.reason, error: error.message });
  } else if (error instanceof AlertPublishError) {
    metrics.addMetric('AlertsUnpublished', MetricUnit.Count, error.failures.length);
    logger.error('alerts not published', {
      error: error.message,
      failures: error.failures.map(({ id, code, senderFault }) => ({ id, code, senderFault })),
    });
  } else if (!(error instanceof DeadlineExceededError)) {
    // (A deadline was logged and counted by the budget when it struck.)
    logger.error('batch failed', error instanceof Error ? error : new Error(String(error)));
  }
}
