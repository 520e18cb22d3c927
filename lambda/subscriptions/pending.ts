/**
 * Unconfirmed email subscriptions (issue 20): SNS deletes a subscription still pending confirmation 48 hours after it
 * was created, silently, and nothing is ever delivered to it, so no delivery alarm can notice. The check runs every
 * hour; SNS gives no creation time for a pending subscription, so the first time a run saw it pending is remembered
 * (one record per topic in the incident table) and the operators are warned once it has been pending 24 hours.
 * Pure: state, listing and clock in, next state and warnings out.
 */

/** A subscription ListSubscriptionsByTopic reports as pending (`SubscriptionArn: "PendingConfirmation"`). */
export interface PendingSubscription {
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
}

/** What is remembered of one pending subscription. */
export interface PendingEntry {
  /** When a check first saw it pending (epoch ms): its creation was at most one check period earlier. */
  readonly firstSeenAt: number;
  /** When the operators were warned about it (epoch ms), if they were. */
  readonly warnedAt?: number;
}

/** The remembered pending subscriptions of one topic, keyed by `entryKey`. */
export interface TopicPendingState {
  readonly topicArn: string;
  readonly entries: Readonly<Record<string, PendingEntry>>;
}

export interface PendingWarning {
  readonly subscription: PendingSubscription;
  readonly firstSeenAt: number;
  /** The latest SNS deletes it: 48 hours after it was first seen (it was created no later than that). */
  readonly deletedBy: number;
}

/** The incident table's items of this check start with this (the infra grants it these keys only). */
export const PENDING_STATE_KEY_PREFIX = 'subscription-watch#';

export const HOUR_MS = 3_600_000;
/** SNS deletes a subscription still pending 48 hours after its creation (docs/operations.md, "Unconfirmed email"). */
export const SNS_DELETES_PENDING_AFTER_MS = 48 * HOUR_MS;
/** The operators are warned once a subscription has been pending this long: a day left to confirm it. */
export const WARN_PENDING_AFTER_MS = 24 * HOUR_MS;
/**
 * A remembered entry older than SNS's deletion (plus two check periods of slack) cannot be the same subscription: SNS
 * deleted that one, and an endpoint pending again was subscribed anew.
 */
export const STALE_ENTRY_AFTER_MS = SNS_DELETES_PENDING_AFTER_MS + 2 * HOUR_MS;

export function entryKey(subscription: Pick<PendingSubscription, 'protocol' | 'endpoint'>): string {
  return `${subscription.protocol}:${subscription.endpoint}`;
}

/**
 * The next state of one topic and the warnings due: a subscription pending now keeps (or gets) its first-seen time
 * and is warned about once, after `WARN_PENDING_AFTER_MS`; one no longer pending (confirmed, or deleted) is
 * forgotten.
 */
export function reviewPending(
  topicArn: string,
  previous: TopicPendingState | undefined,
  pendingNow: readonly PendingSubscription[],
  now: number,
): { next: TopicPendingState; warnings: PendingWarning[] } {
  const entries: Record<string, PendingEntry> = {};
  const warnings: PendingWarning[] = [];
  for (const subscription of pendingNow) {
    const key = entryKey(subscription);
    if (key in entries) continue;
    const known = previous?.entries[key];
    const entry = known && now - known.firstSeenAt <= STALE_ENTRY_AFTER_MS ? known : { firstSeenAt: now };
    entries[key] = entry;
    if (entry.warnedAt === undefined && now - entry.firstSeenAt >= WARN_PENDING_AFTER_MS) {
      const deletedBy = entry.firstSeenAt + SNS_DELETES_PENDING_AFTER_MS;
      warnings.push({ subscription, firstSeenAt: entry.firstSeenAt, deletedBy });
    }
  }
  return { next: { topicArn, entries }, warnings };
}

/** The state with the given warnings marked as sent at `now`. */
export function markWarned(state: TopicPendingState, sent: readonly PendingWarning[], now: number): TopicPendingState {
  const entries = { ...state.entries };
  for (const warning of sent) {
    const key = entryKey(warning.subscription);
    const entry = entries[key];
    if (entry) entries[key] = { ...entry, warnedAt: now };
  }
  return { topicArn: state.topicArn, entries };
}

const MESSAGES = {
  subject: (endpoint: string) => `[ftp-bounce-watch] Subscription still unconfirmed: ${endpoint}`,
  body: (w: PendingWarning, now: number) => {
    const hoursPending = Math.floor((now - w.firstSeenAt) / HOUR_MS);
    const hoursLeft = Math.max(0, Math.floor((w.deletedBy - now) / HOUR_MS));
    const { topicArn, protocol, endpoint } = w.subscription;
    return [
      `The ${protocol} subscription of ${endpoint} to ${topicArn} has been waiting for confirmation for at least `
      + `${hoursPending} hours (first seen pending ${new Date(w.firstSeenAt).toISOString()}).`,
      '',
      `Nothing is delivered to it until it is confirmed, and SNS deletes it, silently, 48 hours after it was created: `
      + `by ${new Date(w.deletedBy).toISOString()} at the latest (about ${hoursLeft} hours from now).`,
      '',
      'What to do: ask the recipient to follow the link in the "AWS Notification - Subscription Confirmation" email '
      + '(check the spam folder). For a new link:',
      `  aws sns subscribe --topic-arn ${topicArn} --protocol ${protocol} --notification-endpoint ${endpoint}`,
      'or deploy the stack again once SNS has deleted it. `ftp-bounce-watch status` lists the subscriptions.',
    ].join('\n');
  },
} as const;

/** The operator message for one warning (an SNS subject is at most 100 characters). */
export function renderPendingWarning(warning: PendingWarning, now: number): { subject: string; message: string } {
  const subject = [...MESSAGES.subject(warning.subscription.endpoint)]
    .map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c))
    .join('');
  return { subject: subject.length > 99 ? `${subject.slice(0, 98)}…` : subject, message: MESSAGES.body(warning, now) };
}
