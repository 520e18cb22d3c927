/**
 * The AWS side of the pending-subscription check (lambda/subscriptions/pending.ts): listing a topic's pending
 * subscriptions and publishing a warning (SNS), and remembering first-seen times (one record per topic in the
 * incident table, key prefix `PENDING_STATE_KEY_PREFIX`, expiring a week after the last check). Every request goes
 * through the invocation budget (lambda/adapters/timeouts.ts).
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListSubscriptionsByTopicCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  type PendingEntry,
  PENDING_STATE_KEY_PREFIX,
  type PendingSubscription,
  type TopicPendingState,
} from '../subscriptions/pending';

export { PENDING_STATE_KEY_PREFIX } from '../subscriptions/pending';
import type { InvocationBudget } from './timeouts';

/** How long a topic's record outlives its last check (DynamoDB TTL), so a removed stack leaves nothing behind. */
export const PENDING_STATE_TTL_SECONDS = 7 * 24 * 3600;
/** ListSubscriptionsByTopic's marker for a subscription not yet confirmed. */
export const PENDING_CONFIRMATION = 'PendingConfirmation';
/** Pages of 100 subscriptions; a topic of this stack has a handful. Beyond this, something is wrong. */
const MAX_PAGES = 100;

/** A stored record that is not what this check writes. */
export class PendingStateDecodeError extends Error {
  override readonly name = 'PendingStateDecodeError';
}

/** Every subscription of the topic still pending confirmation. */
export async function listPendingSubscriptions(
  sns: SNSClient,
  topicArn: string,
  budget: InvocationBudget,
): Promise<PendingSubscription[]> {
  const pending: PendingSubscription[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const command = new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(nextToken && { NextToken: nextToken }) });
    const answer = await budget.call('sns:ListSubscriptionsByTopic', (abortSignal) => sns.send(command, { abortSignal }));
    for (const s of answer.Subscriptions ?? []) {
      if (s.SubscriptionArn === PENDING_CONFIRMATION && s.Protocol && s.Endpoint) {
        pending.push({ topicArn, protocol: s.Protocol, endpoint: s.Endpoint });
      }
    }
    nextToken = answer.NextToken;
    if (!nextToken) return pending;
  }
  throw new Error(`sns:ListSubscriptionsByTopic: ${topicArn} has more than ${MAX_PAGES} pages of subscriptions`);
}

/** One plain-text message to the operator topic. */
export async function publishOperatorMessage(
  sns: SNSClient,
  topicArn: string,
  message: { subject: string; message: string },
  budget: InvocationBudget,
): Promise<void> {
  const command = new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.message });
  await budget.call('sns:Publish', (abortSignal) => sns.send(command, { abortSignal }));
}

export class DynamoDbPendingStateStore {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly tableName: string,
    private readonly budget: InvocationBudget,
  ) {}

  async load(topicArn: string): Promise<TopicPendingState | undefined> {
    const command = new GetItemCommand({
      TableName: this.tableName,
      Key: { pk: { S: keyOf(topicArn) } },
      ConsistentRead: true,
    });
    const answer = await this.budget.call('dynamodb:GetItem', (abortSignal) => this.ddb.send(command, { abortSignal }));
    const text = answer.Item?.entries?.S;
    if (answer.Item === undefined) return undefined;
    if (text === undefined) throw new PendingStateDecodeError(`${keyOf(topicArn)}: no "entries" string attribute`);
    return { topicArn, entries: decodeEntries(keyOf(topicArn), text) };
  }

  async save(state: TopicPendingState, now: number): Promise<void> {
    const command = new PutItemCommand({
      TableName: this.tableName,
      Item: {
        pk: { S: keyOf(state.topicArn) },
        entries: { S: JSON.stringify(state.entries) },
        expiresAt: { N: String(Math.floor(now / 1000) + PENDING_STATE_TTL_SECONDS) },
      },
    });
    await this.budget.call('dynamodb:PutItem', (abortSignal) => this.ddb.send(command, { abortSignal }));
  }
}

export function keyOf(topicArn: string): string {
  return `${PENDING_STATE_KEY_PREFIX}${topicArn}`;
}

function decodeEntries(key: string, text: string): Record<string, PendingEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PendingStateDecodeError(`${key}: "entries" is not JSON`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new PendingStateDecodeError(`${key}: "entries" is not an object`);
  }
  const entries: Record<string, PendingEntry> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const v = value as Record<string, unknown> | null;
    const firstSeenAt = v?.firstSeenAt;
    const warnedAt = v?.warnedAt;
    if (typeof firstSeenAt !== 'number' || !Number.isFinite(firstSeenAt)) {
      throw new PendingStateDecodeError(`${key}: entry ${JSON.stringify(name)} has no numeric firstSeenAt`);
    }
    if (warnedAt !== undefined && (typeof warnedAt !== 'number' || !Number.isFinite(warnedAt))) {
      throw new PendingStateDecodeError(`${key}: entry ${JSON.stringify(name)} has a non-numeric warnedAt`);
    }
    entries[name] = warnedAt === undefined ? { firstSeenAt } : { firstSeenAt, warnedAt };
  }
  return entries;
}
