/**
 * The Slack webhook forwarder: subscribed to the alert topic, it turns each alert (the SNS `default` JSON) into a
 * Block Kit message and posts it to the incoming webhook whose URL is kept in Secrets Manager.
 *
 * Environment: SLACK_WEBHOOK_SECRET_NAME (required): the secret's name; LOG_LEVEL, POWERTOOLS_SERVICE_NAME
 * (optional, Powertools logger).
 *
 * Any failure is thrown: the asynchronous invocation fails, Lambda retries it twice, then the event goes to the
 * forwarder's failure queue. An alert is never dropped; after a retry it may be posted twice.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSEvent } from 'aws-lambda';
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
}

/** Builds the handler from its dependencies (tests inject fakes; `handler` below wires the real ones). */
export function createForwarder(deps: ForwarderDeps): (event: unknown) => Promise<void> {
  return async (event: unknown): Promise<void> => {
    const records = snsRecords(event);
    // SNS hands Lambda one record per invocation; a loop keeps any other shape correct (and all-or-nothing).
    for (const record of records) {
      const alert = parseAlertMessage(record.Sns.Message);
      const message = renderSlackMessage(alert);
      const url = await deps.webhook.get();
      try {
        const attempts = await postToSlack(url, message, {
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

let wired: ((event: unknown) => Promise<void>) | undefined;

/** Reads the environment once per container, on first use (so that importing this module has no side effects). */
function wire(env: NodeJS.ProcessEnv): (event: unknown) => Promise<void> {
  const secretName = env.SLACK_WEBHOOK_SECRET_NAME;
  if (!secretName) throw new ForwarderConfigError('SLACK_WEBHOOK_SECRET_NAME is not set');
  const powertools = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'ftp-bounce-watch-slack' });
  // Our extras are plain JSON values, which is what Powertools' LogAttributes describes.
  const logger: ForwarderLogger = {
    info: (message, extra) => powertools.info(message, extra as LogAttributes),
    warn: (message, extra) => powertools.warn(message, extra as LogAttributes),
    error: (message, extra) => powertools.error(message, extra as LogAttributes),
  };
  const client = new SecretsManagerClient({
    // Without timeouts a stalled connection would hold the invocation until the function's own timeout.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
  });
  return createForwarder({ webhook: new WebhookUrlSource({ client, secretName }), logger });
}

export async function handler(event: unknown): Promise<void> {
  wired ??= wire(process.env);
  await wired(event);
}
