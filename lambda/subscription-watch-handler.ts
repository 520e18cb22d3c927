/**
 * The pending-subscription check's Lambda entry point, run every hour (EventBridge): warns the operator topic of
 * email subscriptions still unconfirmed after 24 hours (lambda/subscriptions/). Configuration read once at cold
 * start (a missing or bad variable stops it, named); SDK clients built once, with enforced timeouts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { DYNAMODB_TIMEOUTS, InvocationBudget, SNS_TIMEOUTS, sdkClientOptions } from './adapters/timeouts';
import { checkPendingSubscriptions, readSubscriptionWatchConfig } from './subscriptions/check';

const logger = new Logger({ serviceName: 'ftp-bounce-watch-subscriptions' });
const config = readSubscriptionWatchConfig(process.env);
const sns = new SNSClient(sdkClientOptions(SNS_TIMEOUTS));
const ddb = new DynamoDBClient(sdkClientOptions(DYNAMODB_TIMEOUTS));
const budget = new InvocationBudget({
  onExceeded: (error) => logger.error('outbound call cut off by the invocation deadline', { error: error.message }),
});

export const handler = async (_event: unknown, context: Context): Promise<{ pending: number; warned: number }> => {
  budget.start(context);
  return checkPendingSubscriptions(config, {
    sns,
    ddb,
    budget,
    logger: {
      info: (message, attributes) => logger.info(message, attributes ?? {}),
      error: (message, attributes) => logger.error(message, attributes ?? {}),
    },
    now: Date.now,
  });
};
