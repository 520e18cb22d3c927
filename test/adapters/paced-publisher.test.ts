/**
 * The send-rate limit: what reaches the alert topic stays within the messages a second allowed, across
 * publishers sharing the counter, on a fake clock (no real waiting).
 */
import { PacedPublisher } from '../../lambda/adapters/paced-publisher';
import { isDeferredPublish, PublishIncompleteError, type SnsAlertMessage, unpublishedIndexesOf } from '../../lambda/adapters/ports';
import { InvocationBudget } from '../../lambda/adapters/timeouts';
import { MemoryIncidentStore } from '../../lambda/incidents';

class FakeClock {
  constructor(public ms: number) {}
  now = (): number => this.ms;
  sleep = async (ms: number): Promise<void> => {
    this.ms += ms;
  };
}

/** Records when (fake ms) each message went out; can refuse chosen subjects. */
class Recorder {
  readonly sent: Array<{ at: number; subject: string }> = [];
  refuse = new Set<string>();
  constructor(private readonly clock: FakeClock) {}
  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    const refused = new Set<number>();
    messages.forEach((m, i) => {
      if (this.refuse.has(m.subject)) refused.add(i);
      else this.sent.push({ at: this.clock.ms, subject: m.subject });
    });
    if (refused.size > 0) throw new PublishIncompleteError(`${refused.size} refused`, refused, false);
  }
}

const message = (n: number): SnsAlertMessage => ({ subject: `m${n}`, message: '{}', messageStructure: 'json', messageAttributes: {} });
const messages = (n: number): SnsAlertMessage[] => Array.from({ length: n }, (_, i) => message(i));

function perSecond(sent: ReadonlyArray<{ at: number }>): number[] {
  const counts = new Map<number, number>();
  for (const { at } of sent) counts.set(Math.floor(at / 1000), (counts.get(Math.floor(at / 1000)) ?? 0) + 1);
  return [...counts.values()];
}

describe('PacedPublisher', () => {
  it.each([
    // [messages, per second, seconds used]
    [3, 5, 1],
    [5, 5, 1],
    [23, 5, 5],
    [30, 10, 3],
  ])('sends %i messages at %i a second within %i seconds, never more in one second', async (count, rate, seconds) => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new Recorder(clock);
    const paced = new PacedPublisher(inner, { perSecond: rate, now: clock.now, sleep: clock.sleep });

    await paced.publish(messages(count));

    expect(inner.sent.map((s) => s.subject)).toEqual(messages(count).map((m) => m.subject));
    expect(Math.max(...perSecond(inner.sent))).toBeLessThanOrEqual(rate);
    expect(perSecond(inner.sent)).toHaveLength(seconds);
  });

  it('shares the rate with every publisher of the deployment through the counter', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new Recorder(clock);
    const shared = new MemoryIncidentStore();
    const a = new PacedPublisher(inner, { perSecond: 5, shared, now: clock.now, sleep: clock.sleep });
    const b = new PacedPublisher(inner, { perSecond: 5, shared, now: clock.now, sleep: clock.sleep });

    await Promise.all([a.publish(messages(12)), b.publish(messages(12))]);

    expect(inner.sent).toHaveLength(24);
    expect(Math.max(...perSecond(inner.sent))).toBeLessThanOrEqual(5);
  });

  it('paces alone when the shared counter fails, and says so', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new Recorder(clock);
    const errors: unknown[] = [];
    const broken = { takeSendSlots: async (): Promise<number> => Promise.reject(new Error('throttled (scripted)')) };
    const paced = new PacedPublisher(inner, {
      perSecond: 5,
      shared: broken,
      now: clock.now,
      sleep: clock.sleep,
      onSharedError: (e) => errors.push(e),
    });

    await paced.publish(messages(7));

    expect(inner.sent).toHaveLength(7);
    expect(Math.max(...perSecond(inner.sent))).toBeLessThanOrEqual(5);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('defers what the deadline leaves no time for, naming exactly those messages', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new Recorder(clock);
    const budget = new InvocationBudget({ reserveMs: 0, now: clock.now });
    budget.startWithMs(3_500);
    const paced = new PacedPublisher(inner, { perSecond: 5, budget, reserveMs: 2_000, now: clock.now, sleep: clock.sleep });

    const error = await paced.publish(messages(17)).then(
      () => null,
      (e: unknown) => e,
    );

    expect(isDeferredPublish(error)).toBe(true);
    expect(inner.sent).toHaveLength(10);
    expect([...(unpublishedIndexesOf(error) ?? [])]).toEqual([10, 11, 12, 13, 14, 15, 16]);
  });

  it.each([
    // [refused subjects, messages, expected unpublished indexes]
    [['m1'], 3, [1]],
    [['m6'], 12, [6, 10, 11]],
    [['m0', 'm7'], 9, [0, 5, 6, 7, 8]],
  ])('maps a failure of %j among %i messages to the caller\'s indexes (and everything not yet tried)', async (refused, count, missing) => {
    const clock = new FakeClock(1_700_000_000_000);
    const inner = new Recorder(clock);
    inner.refuse = new Set(refused);
    const paced = new PacedPublisher(inner, { perSecond: 5, now: clock.now, sleep: clock.sleep });

    const error = await paced.publish(messages(count)).then(
      () => null,
      (e: unknown) => e,
    );

    expect(isDeferredPublish(error)).toBe(false);
    expect([...(unpublishedIndexesOf(error) ?? [])].sort((x, y) => x - y)).toEqual(missing);
  });

  it('refuses a rate below one', () => {
    expect(() => new PacedPublisher(new Recorder(new FakeClock(0)), { perSecond: 0 })).toThrow(/perSecond must be a positive integer/);
  });
});
