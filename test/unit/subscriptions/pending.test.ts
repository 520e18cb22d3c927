/** The pending-subscription decisions (lambda/subscriptions/pending.ts): remember, warn once after 24 h, forget. */
import {
  HOUR_MS,
  markWarned,
  type PendingSubscription,
  renderPendingWarning,
  reviewPending,
  SNS_DELETES_PENDING_AFTER_MS,
  type TopicPendingState,
} from '../../../lambda/subscriptions/pending';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:FtpBounceWatch-AlertTopic-ABC';
const T0 = Date.parse('2026-12-01T08:00:00Z');
const ops: PendingSubscription = { topicArn: TOPIC, protocol: 'email', endpoint: 'ops@example.com' };
const sec: PendingSubscription = { topicArn: TOPIC, protocol: 'email', endpoint: 'sec@example.com' };
const state = (entries: TopicPendingState['entries']): TopicPendingState => ({ topicArn: TOPIC, entries });

describe('reviewPending', () => {
  const cases: Array<{
    name: string;
    previous?: TopicPendingState;
    pending: PendingSubscription[];
    now: number;
    entries: TopicPendingState['entries'];
    warned: string[];
  }> = [
    { name: 'remembers a new pending subscription, no warning yet', pending: [ops], now: T0, entries: { 'email:ops@example.com': { firstSeenAt: T0 } }, warned: [] },
    {
      name: 'keeps the first-seen time and does not warn before 24 hours',
      previous: state({ 'email:ops@example.com': { firstSeenAt: T0 } }),
      pending: [ops],
      now: T0 + 23 * HOUR_MS,
      entries: { 'email:ops@example.com': { firstSeenAt: T0 } },
      warned: [],
    },
    {
      name: 'warns at 24 hours',
      previous: state({ 'email:ops@example.com': { firstSeenAt: T0 } }),
      pending: [ops, sec],
      now: T0 + 24 * HOUR_MS,
      entries: { 'email:ops@example.com': { firstSeenAt: T0 }, 'email:sec@example.com': { firstSeenAt: T0 + 24 * HOUR_MS } },
      warned: ['ops@example.com'],
    },
    {
      name: 'warns once only',
      previous: state({ 'email:ops@example.com': { firstSeenAt: T0, warnedAt: T0 + 24 * HOUR_MS } }),
      pending: [ops],
      now: T0 + 30 * HOUR_MS,
      entries: { 'email:ops@example.com': { firstSeenAt: T0, warnedAt: T0 + 24 * HOUR_MS } },
      warned: [],
    },
    {
      name: 'forgets a subscription no longer pending (confirmed or deleted)',
      previous: state({ 'email:ops@example.com': { firstSeenAt: T0 }, 'email:sec@example.com': { firstSeenAt: T0 } }),
      pending: [sec],
      now: T0 + HOUR_MS,
      entries: { 'email:sec@example.com': { firstSeenAt: T0 } },
      warned: [],
    },
    {
      name: 'treats an entry older than SNS\'s deletion as a new subscription of the same address',
      previous: state({ 'email:ops@example.com': { firstSeenAt: T0, warnedAt: T0 + 24 * HOUR_MS } }),
      pending: [ops],
      now: T0 + 51 * HOUR_MS,
      entries: { 'email:ops@example.com': { firstSeenAt: T0 + 51 * HOUR_MS } },
      warned: [],
    },
  ];
  it.each(cases)('$name', ({ previous, pending, now, entries, warned }) => {
    const { next, warnings } = reviewPending(TOPIC, previous, pending, now);
    expect(next).toEqual({ topicArn: TOPIC, entries });
    expect(warnings.map((w) => w.subscription.endpoint)).toEqual(warned);
  });

  it('says by when SNS deletes it: 48 hours after it was first seen', () => {
    const { warnings } = reviewPending(TOPIC, state({ 'email:ops@example.com': { firstSeenAt: T0 } }), [ops], T0 + 25 * HOUR_MS);
    expect(warnings[0]?.deletedBy).toBe(T0 + SNS_DELETES_PENDING_AFTER_MS);
  });
});

describe('markWarned', () => {
  it('marks only the warnings sent', () => {
    const { next, warnings } = reviewPending(
      TOPIC,
      state({ 'email:ops@example.com': { firstSeenAt: T0 }, 'email:sec@example.com': { firstSeenAt: T0 } }),
      [ops, sec],
      T0 + 25 * HOUR_MS,
    );
    expect(warnings).toHaveLength(2);
    const marked = markWarned(next, warnings.slice(0, 1), T0 + 25 * HOUR_MS);
    expect(marked.entries['email:ops@example.com']?.warnedAt).toBe(T0 + 25 * HOUR_MS);
    expect(marked.entries['email:sec@example.com']?.warnedAt).toBeUndefined();
  });
});

describe('renderPendingWarning', () => {
  it('names the address, the topic, the hours left and the command for a new link, in a short subject', () => {
    const { warnings } = reviewPending(TOPIC, state({ 'email:ops@example.com': { firstSeenAt: T0 } }), [ops], T0 + 30 * HOUR_MS);
    const warning = warnings[0];
    if (!warning) throw new Error('no warning');
    const { subject, message } = renderPendingWarning(warning, T0 + 30 * HOUR_MS);
    expect(subject).toBe('[ftp-bounce-watch] Subscription still unconfirmed: ops@example.com');
    expect(message).toContain('at least 30 hours');
    expect(message).toContain('2026-12-03T08:00:00.000Z');
    expect(message).toContain('about 18 hours from now');
    expect(message).toContain(`aws sns subscribe --topic-arn ${TOPIC} --protocol email --notification-endpoint ops@example.com`);
  });

  it('keeps the subject under SNS\'s 100 characters and free of control characters', () => {
    const long = { ...ops, endpoint: `${'a'.repeat(120)}\n@example.com` };
    const { warnings } = reviewPending(TOPIC, undefined, [long], T0);
    const { subject } = renderPendingWarning({ subscription: long, firstSeenAt: T0, deletedBy: T0 + 48 * HOUR_MS }, T0);
    expect(warnings).toHaveLength(0);
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/\n/);
  });
});
