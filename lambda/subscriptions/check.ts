/**
 * The pending-subscription check, one run (lambda/subscriptions/pending.ts over the adapters): its configuration and
 * the loop over the watched topics. The handler (lambda/subscription-watch-handler.ts) wires it once per container.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  DynamoDbPendingStateStore,
  listPendingSubscriptions,
  publishOperatorMessage,
} from '../adapters/subscription-watch';
import type { InvocationBudget } from '../adapters/timeouts';
import { SNS_TOPIC_ARN } from '../aws-names';
import { markWarned, type PendingWarning, renderPendingWarning, reviewPending } from './pending';

export interface CheckLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** A missing or bad environment variable, named. */
export class SubscriptionWatchConfigError extends Error {
  override readonly name = 'SubscriptionWatchConfigError';
}

/** Some warnings could not be published: the run fails (the errors alarm), and the next run tries them again. */
export class PendingWarningPublishError extends Error {
  override readonly name = 'PendingWarningPublishError';
}

export interface SubscriptionWatchConfig {
  /** The topics whose subscriptions are checked (the alert and operator topics). */
  readonly watchedTopicArns: readonly string[];
  /** Where the warnings go. */
  readonly operatorTopicArn: string;
  readonly tableName: string;
}

/** Reads and checks the environment; throws SubscriptionWatchConfigError naming the variable. */
export function readSubscriptionWatchConfig(env: Readonly<Record<string, string | undefined>>): SubscriptionWatchConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === '') throw new SubscriptionWatchConfigError(`${name}: required, not set`);
    return value;
  };
  const topicArn = (name: string, value: string): string => {
    if (!SNS_TOPIC_ARN.test(value)) throw new SubscriptionWatchConfigError(`${name}: expected an SNS topic ARN, got ${JSON.stringify(value)}`);
    return value;
  };
  const watched = required('WATCHED_TOPIC_ARNS').split(',').map((arn) => topicArn('WATCHED_TOPIC_ARNS', arn.trim()));
  return {
    watchedTopicArns: [...new Set(watched)],
    operatorTopicArn: topicArn('OPERATOR_TOPIC_ARN', required('OPERATOR_TOPIC_ARN')),
    tableName: required('INCIDENT_TABLE_NAME'),
  };
}

export interface SubscriptionWatchDependencies {
  readonly sns: SNSClient;
  readonly ddb: DynamoDBClient;
  readonly budget: InvocationBudget;
  readonly logger: CheckLogger;
  readonly now: () => number;
}

/** One run over every watched topic: returns how many subscriptions are pending and how many warnings went out. */
export async function checkPendingSubscriptions(
  config: SubscriptionWatchConfig,
  deps: SubscriptionWatchDependencies,
): Promise<{ pending: number; warned: number }> {
  const store = new DynamoDbPendingStateStore(deps.ddb, config.tableName, deps.budget);
  let pending = 0;
  let warned = 0;
  const failed: string[] = [];
  for (const topicArn of config.watchedTopicArns) {
    const now = deps.now();
    const listed = await listPendingSubscriptions(deps.sns, topicArn, deps.budget);
    const { next, warnings } = reviewPending(topicArn, await store.load(topicArn), listed, now);
    const sent: PendingWarning[] = [];
    for (const warning of warnings) {
      try {
        await publishOperatorMessage(deps.sns, config.operatorTopicArn, renderPendingWarning(warning, now), deps.budget);
        sent.push(warning);
      } catch (error) {
        failed.push(warning.subscription.endpoint);
        deps.logger.error('pending-subscription warning not published', { topicArn, error: String(error) });
      }
    }
    // Saved either way: first-seen times must survive a failed publish; unsent warnings stay due.
    await store.save(markWarned(next, sent, now), now);
    pending += listed.length;
    warned += sent.length;
  }
  deps.logger.info('pending subscriptions checked', { topics: config.watchedTopicArns.length, pending, warned });
  if (failed.length > 0) {
    throw new PendingWarningPublishError(`${failed.length} pending-subscription warning(s) not published; the next run retries`);
  }
  return { pending, warned };
}
