/**
 * The Slack webhook forwarder: subscribed to the alert topic, it turns each alert (the SNS `default` JSON) into a
 * Block Kit message and posts it to the incoming webhook whose URL is kept in Secrets Manager.
 *
 * Environment: SLACK_WEBHOOK_SECRET_NAME (required): the secret's name; LOG_LEVEL, POWERTOOLS_SERVICE_NAME
 * (optional, Powertools logger).
 *
 * Any failure is thrown: the asynchronous invocation fails, Lambda retries it twice, then the event goes to the
 * forwarder's failure queue. An alert is never dropped; after a retry it may be posted twice.
 *
 * Time: Secrets Manager and Slack calls share one budget that ends a few seconds before the function's timeout
 * (from `context.getRemainingTimeInMillis()`), each request with its own timeout; running out is a
 * DeadlineExceededError, one ERROR line and the `DeadlineExceeded` metric.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
import {
  InvocationBudget,
  type RemainingTime,
  reportDeadlineExceeded,
  SECRETS_MANAGER_TIMEOUTS,
  sdkClientOptions,
} from '../adapters/timeouts';
import { renderSlackMessage } from '../alerts';
import { parseAlertMessage } from './alert-message';
import { type PostOptions, postToSlack, SlackPostError } from './post';
import { WebhookUrlSource } from './webhook-secret';

/** A required environment variable is missing. */
export class ForwarderConfigError extends Error {
  override readonly name = 'ForwarderConfigError';
}

/** The invocation event is not an SNS event. */
export class ForwarderEventError extends Error {
  override readonly name = 'ForwarderEventError';
}

/** The slice of a logger the forwarder uses (Powertools' Logger fits). */
export interface ForwarderLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

export interface ForwarderDeps {
  readonly webhook: Pick<WebhookUrlSource, 'get' | 'invalidate'>;
  readonly logger: ForwarderLogger;
  /** Retry and timing options for the POST (fetch, sleep and clock injectable). */
  readonly post?: PostOptions;
  /**
   * The budget shared with the webhook source: started from the invocation's context, when one is given.
   * @default - none (each call still has its own timeout, and the POST its `budgetMs`)
   */
  readonly budget?: InvocationBudget;
}

export type Forwarder = (event: unknown, context?: RemainingTime) => Promise<void>;

/** Builds the handler from its dependencies (tests inject fakes; `handler` below wires the real ones). */
export function createForwarder(deps: ForwarderDeps): Forwarder {
  return async (event: unknown, context?: RemainingTime): Promise<void> => {
    if (context && deps.budget) deps.budget.start(context);
    const records = snsRecords(event);
    // SNS hands Lambda one record per invocation; a loop keeps any other shape correct (and all-or-nothing).
    for (const record of records) {
      const alert = parseAlertMessage(record.Sns.Message);
      const message = renderSlackMessage(alert);
      const url = await deps.webhook.get();
      try {
        const attempts = await postToSlack(url, message, {
          ...(deps.budget && { invocationBudget: deps.budget }),
          ...deps.post,
          onRetry: (info) => deps.logger.warn('retrying Slack post', { alertId: alert.id, ...info }),
        });
        deps.logger.info('alert posted to Slack', {
          alertId: alert.id,
          severity: alert.severity,
          classification: alert.classification,
          attempts,
        });
      } catch (error) {
        // A webhook Slack no longer knows may have been rotated in Secrets Manager: re-read it on the retry.
        if (error instanceof SlackPostError && (error.status === 403 || error.status === 404 || error.status === 410)) {
          deps.webhook.invalidate();
        }
        deps.logger.error('alert not posted to Slack', {
          alertId: alert.id,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        throw error;
      }
    }
  };
}

function snsRecords(event: unknown): SNSEvent['Records'] {
  const records = (event as Partial<SNSEvent> | null)?.Records;
  if (
    !Array.isArray(records)
    || records.length === 0
    || !records.every((r) => typeof (r as Partial<SNSEvent['Records'][number]>)?.Sns?.Message === 'string')
  ) {
    throw new ForwarderEventError('expected an SNS event with at least one record carrying a Message');
  }
  return records;
}

interface Wired {
  readonly forward: Forwarder;
  readonly metrics: Metrics;
}

let wired: Wired | undefined;

/** Reads the environment once per container, on first use (so that importing this module has no side effects). */
function wire(env: NodeJS.ProcessEnv): Wired {
  const secretName = env.SLACK_WEBHOOK_SECRET_NAME;
  if (!secretName) throw new ForwarderConfigError('SLACK_WEBHOOK_SECRET_NAME is not set');
  const powertools = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'ftp-bounce-watch-slack' });
  // Our extras are plain JSON values, which is what Powertools' LogAttributes describes.
  const logger: ForwarderLogger = {
    info: (message, extra) => powertools.info(message, extra as LogAttributes),
    warn: (message, extra) => powertools.warn(message, extra as LogAttributes),
    error: (message, extra) => powertools.error(message, extra as LogAttributes),
  };
  const metrics = new Metrics({
    namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? 'FtpBounceWatch',
    serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'ftp-bounce-watch-slack',
  });
  const budget = new InvocationBudget({
    onExceeded: reportDeadlineExceeded(
      () => metrics.addMetric('DeadlineExceeded', MetricUnit.Count, 1),
      (message, attributes) => logger.error(message, attributes),
    ),
  });
  // Enforced per-attempt timeouts: a stalled Secrets Manager would otherwise hold the invocation to its timeout.
  const client = new SecretsManagerClient(sdkClientOptions(SECRETS_MANAGER_TIMEOUTS));
  const webhook = new WebhookUrlSource({ client, secretName, budget });
  return { forward: createForwarder({ webhook, logger, budget }), metrics };
}

export async function handler(event: unknown, context?: RemainingTime): Promise<void> {
  wired ??= wire(process.env);
  try {
    await wired.forward(event, context);
  } finally {
    // Only the deadline counts a metric here; an empty flush would log a warning on every invocation.
    if (wired.metrics.hasStoredMetrics()) wired.metrics.publishStoredMetrics();
  }
}
