/**
 * The Lambda entry point: configuration and clients are built once per container (cold start), then every
 * invocation runs the pipeline. Failures are logged in one line, counted, and rethrown: the asynchronous
 * invocation then fails, Lambda retries it, and finally sends the event to the on-failure destination.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { AlertPublishError, SnsAlertPublisher } from './adapters';
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

const sns = new SNSClient({
  region: config.topicRegion,
  // Without timeouts a stalled connection would hold the invocation until the function's own timeout.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
});

const publisher = new SnsAlertPublisher(sns, config.topicArn, {
  maxAttempts: config.publishMaxAttempts,
  onRetry: ({ attempt, entries, delayMs }) => {
    metrics.addMetric('PublishRetries', MetricUnit.Count, entries);
    logger.warn('retrying alerts SNS did not accept', { attempt, entries, delayMs });
  },
});

export async function handler(event: unknown, context: Context): Promise<PipelineSummary> {
  logger.addContext(context);
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
  } else {
    logger.error('batch failed', error instanceof Error ? error : new Error(String(error)));
  }
}
