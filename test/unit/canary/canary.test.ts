/**
 * The canary (docs/design.md section 10): a genuine canary is recorded and never alerted; anything that only looks
 * like one (planted, altered, copied to another group or stream, replayed, out of time) is alerted as the refusal
 * it is. Through the real pipeline, with alert memory on the in-memory store.
 */
import type { AlertPublisher, SnsAlertMessage } from '../../../lambda/adapters/ports';
import { type Alert, buildSnsMessage } from '../../../lambda/alerts';
import { encodeSubscriptionEvent } from '../../../lambda/awslogs';
import { CANARY_STREAM, canaryLine, newNonce, signCanary, type SignedCanary } from '../../../lambda/canary/proof';
import { type CanaryMetrics, CanaryReceiver, isOverdue, runCanary } from '../../../lambda/canary/service';
import { INCIDENT_DEFAULTS, IncidentMemory, MemoryIncidentStore } from '../../../lambda/incidents';
import { processSubscriptionEvent } from '../../../lambda/pipeline';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef-canary-test-key');
const OTHER_KEY = Buffer.from('fedcba9876543210fedcba9876543210-not-the-key!!');
const GROUP = '/ftp/proftpd';
const T = Date.UTC(2026, 11, 4, 12, 0, 0);
const MIN = 60_000;

class Recorder implements AlertPublisher {
  readonly messages: SnsAlertMessage[] = [];
  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    this.messages.push(...messages);
  }

  get alerts(): Alert[] {
    return this.messages.map((m) => JSON.parse((JSON.parse(m.message) as { default: string }).default) as Alert);
  }
}

const metricsLog = (): CanaryMetrics & { readonly counts: Record<string, number> } => {
  const counts: Record<string, number> = {};
  return {
    counts,
    count: (name, value) => void (counts[name] = (counts[name] ?? 0) + value),
    milliseconds: (name, value) => void (counts[name] = value),
  };
};

function setup(now = T + 30_000) {
  const store = new MemoryIncidentStore();
  const alerts = new Recorder();
  const canaryTopic = new Recorder();
  const metrics = metricsLog();
  const receiver = new CanaryReceiver({ key: async () => KEY, store, canaryPublisher: canaryTopic, metrics, now: () => now });
  const memory = new IncidentMemory({ store, publisher: alerts, settings: INCIDENT_DEFAULTS, render: (a) => buildSnsMessage(a) });
  type Line = { message: string; id: string; timestamp?: number };
  const deliver = (lines: readonly Line[], logGroup = GROUP, logStream = CANARY_STREAM) =>
    processSubscriptionEvent(
      encodeSubscriptionEvent({
        messageType: 'DATA_MESSAGE',
        owner: '123456789012',
        logGroup,
        logStream,
        subscriptionFilters: ['ftp-bounce-watch'],
        logEvents: lines.map((l) => ({ id: l.id, timestamp: l.timestamp ?? T, message: l.message })),
      }),
      {
        publisher: alerts,
        region: 'eu-west-1',
        maxDecompressedBytes: 1 << 20,
        logger: { debug: () => undefined },
        metrics: { count: () => undefined },
        memory: { incidents: memory, now: () => now },
        canary: receiver,
      },
    );
  return { store, alerts, canaryTopic, metrics, deliver };
}

function genuine(overrides: Partial<SignedCanary> = {}, key: Uint8Array = KEY): string {
  const stamp = { logGroup: GROUP, logStream: CANARY_STREAM, writtenAt: T, nonce: newNonce(), ...overrides };
  return canaryLine({ ...signCanary(key, stamp), ...(overrides.mac === undefined ? {} : { mac: overrides.mac }) });
}

describe('the canary, received', () => {
  it('records a genuine canary\'s round trip and publishes it to the canary topic only: no alert', async () => {
    const { alerts, canaryTopic, store, metrics, deliver } = setup();

    const summary = await deliver([{ message: genuine(), id: 'e1' }]);

    expect(summary).toMatchObject({ canaries: 1, findings: 0, alertsPublished: 0 });
    expect(alerts.messages).toEqual([]);
    expect(canaryTopic.messages.map((m) => m.messageAttributes.kind)).toEqual(['canary']);
    expect((await store.canaryRecords([GROUP])).get(GROUP)).toMatchObject({ seenAt: T + 30_000, seenLatencyMs: 30_000 });
    expect(metrics.counts).toMatchObject({ CanaryReturned: 1, CanaryLatency: 30_000 });
  });

  it('takes the same event delivered twice (at least once) as the same canary', async () => {
    const { alerts, deliver } = setup();
    const line = genuine();

    await deliver([{ message: line, id: 'e1' }]);
    const again = await deliver([{ message: line, id: 'e1' }]);

    expect(again.canaries).toBe(1);
    expect(alerts.messages).toEqual([]);
  });

  it.each([
    ['signed with another key', (): string => genuine({}, OTHER_KEY), GROUP, CANARY_STREAM, T],
    ['with its MAC altered', (): string => genuine({ mac: 'f'.repeat(64) }), GROUP, CANARY_STREAM, T],
    ['with its time altered', (): string => genuine().replace(`t=${T}`, `t=${T + 1000}`), GROUP, CANARY_STREAM, T],
    ['copied into another log group', (): string => genuine(), '/ftp/other', CANARY_STREAM, T],
    ['planted in another stream', (): string => genuine(), GROUP, 'i-0abc/proftpd.log', T],
    ['logged at another time than it claims', (): string => genuine(), GROUP, CANARY_STREAM, T + 20 * MIN],
    ['older than Lambda keeps an event', (): string => genuine({ writtenAt: T - 7 * 60 * MIN }), GROUP, CANARY_STREAM, T - 7 * 60 * MIN],
    ['shaped like a canary but with no valid claim', (): string => genuine().replace(/ mac=[0-9a-f]+/, ''), GROUP, CANARY_STREAM, T],
  ])('alerts a line %s as the refusal it is', async (_label, line, logGroup, logStream, timestamp) => {
    const { alerts, canaryTopic, deliver } = setup();

    const summary = await deliver([{ message: line(), id: 'e1', timestamp }], logGroup, logStream);

    expect(summary.canaries).toBe(0);
    expect(alerts.alerts.map((a) => [a.kind, a.classification, a.srcIp])).toEqual([['new', 'bounce-attempt', '192.0.2.1']]);
    expect(canaryTopic.messages).toEqual([]);
  });

  it('alerts a genuine canary replayed as a new event (a copy written into the canary stream)', async () => {
    const { alerts, deliver } = setup();
    const line = genuine();

    await deliver([{ message: line, id: 'e1' }]);
    const replay = await deliver([{ message: line, id: 'e2' }]);

    expect(replay.canaries).toBe(0);
    expect(alerts.alerts.map((a) => a.classification)).toEqual(['bounce-attempt']);
  });

  it('never lets a forged canary hide the real refusals beside it', async () => {
    const { alerts, deliver } = setup();
    const real = 'Dec  4 12:00:00 ftp1 proftpd[7]: ftp.example.com (x[198.51.100.7]) - Refused PORT 10,0,0,5,0,22 (address mismatch)';

    await deliver([
      { message: genuine({ mac: '0'.repeat(64) }), id: 'e1' },
      { message: real, id: 'e2' },
    ]);

    expect(alerts.alerts.map((a) => a.srcIp).sort()).toEqual(['192.0.2.1', '198.51.100.7']);
  });
});

describe('a test line (ftp-bounce-watch test), received', () => {
  const testLine = (purpose: 'test' | 'test-deliver', nonce = newNonce()): string => genuine({ purpose, nonce });

  it('records a proven test line under its nonce and publishes it to the canary topic only', async () => {
    const { alerts, canaryTopic, store, metrics, deliver } = setup();
    const nonce = newNonce();

    const summary = await deliver([{ message: testLine('test', nonce), id: 'e1' }]);

    expect(summary).toMatchObject({ canaries: 1, findings: 0, alertsPublished: 0 });
    expect(alerts.messages).toEqual([]);
    expect(canaryTopic.messages.map((m) => m.messageAttributes.kind)).toEqual(['test']);
    expect(store.tests.get(nonce)).toEqual({
      logGroup: GROUP,
      seenAt: T + 30_000,
      seenLatencyMs: 30_000,
      publishedAt: T + 30_000,
      publishLatencyMs: 30_000,
      delivered: false,
    });
    // A test is not the scheduled canary: the group's canary record and metrics stay as they were.
    expect((await store.canaryRecords([GROUP])).get(GROUP)).toBeUndefined();
    expect(metrics.counts).toEqual({});
  });

  it('with deliver=1 sends one alert marked TEST to people, outside alert memory', async () => {
    const { alerts, canaryTopic, store, deliver } = setup();
    const nonce = newNonce();

    await deliver([{ message: testLine('test-deliver', nonce), id: 'e1' }]);

    expect(alerts.alerts.map((a) => [a.test, a.alertMemory, a.srcIp])).toEqual([[true, 'off', '192.0.2.1']]);
    expect(alerts.messages[0]?.subject).toMatch(/^\[TEST\] /);
    expect(canaryTopic.messages).toEqual([]);
    expect(store.tests.get(nonce)).toMatchObject({ delivered: true, publishedAt: T + 30_000 });
    expect(await store.due(Number.MAX_SAFE_INTEGER, 10)).toMatchObject({ records: [] });
  });

  it.each([
    ['with its flag removed (a test made to pass for the canary)', (): string => testLine('test').replace(' test t=', ' t=')],
    ['with deliver=1 added', (): string => testLine('test').replace(' test t=', ' test deliver=1 t=')],
    ['with deliver=1 removed', (): string => testLine('test-deliver').replace(' deliver=1', '')],
    ['signed with another key', (): string => genuine({ purpose: 'test' }, OTHER_KEY)],
  ])('alerts a test line %s as the refusal it is, never marked TEST', async (_label, line) => {
    const { alerts, canaryTopic, store, deliver } = setup();

    const summary = await deliver([{ message: line(), id: 'e1' }]);

    expect(summary.canaries).toBe(0);
    expect(alerts.alerts.map((a) => [a.kind, a.classification, a.test])).toEqual([['new', 'bounce-attempt', undefined]]);
    expect(canaryTopic.messages).toEqual([]);
    expect(store.tests.size).toBe(0);
  });

  it('alerts a proven test line replayed as a new event', async () => {
    const { alerts, deliver } = setup();
    const line = testLine('test-deliver');

    await deliver([{ message: line, id: 'e1' }]);
    const replay = await deliver([{ message: line, id: 'e2' }]);

    expect(replay.canaries).toBe(0);
    expect(alerts.alerts.map((a) => [a.classification, a.test])).toEqual([['bounce-attempt', true], ['bounce-attempt', undefined]]);
  });
});

describe('the canary, written', () => {
  function writer(now: number, store = new MemoryIncidentStore(), failing: readonly string[] = []) {
    const written: Array<{ group: string; stream: string; message: string }> = [];
    const operator = new Recorder();
    const run = runCanary(['/a', '/b', '/c'], {
      key: async () => KEY,
      store,
      write: async (group, stream, message) => {
        if (failing.includes(group)) throw new Error('AccessDenied (scripted)');
        written.push({ group, stream, message });
      },
      operator,
      metrics: metricsLog(),
      now: () => now,
      intervalMs: 60 * MIN,
    });
    return { run, written, operator, store };
  }

  it('writes one proven line into each group\'s canary stream, and goes on past a group it cannot write to', async () => {
    const { run, written } = writer(T, undefined, ['/b']);

    const result = await run;

    expect(result.written).toEqual(['/a', '/c']);
    expect(result.failed.map((f) => f.logGroup)).toEqual(['/b']);
    expect(written.map((w) => [w.group, w.stream])).toEqual([
      ['/a', CANARY_STREAM],
      ['/c', CANARY_STREAM],
    ]);
    expect(written[0]?.message).toMatch(/Refused PORT 192,0,2,1,0,21 \(ftp-bounce-watch canary v1 t=\d+ n=[0-9a-f]{32} mac=[0-9a-f]{64}\)$/);
  });

  it('tells the operator once which groups\' canaries stopped coming back for two intervals, naming them', async () => {
    const store = new MemoryIncidentStore();
    await writer(T, store).run;
    await store.updateCanary('/a', { seenAt: T + MIN });
    await store.updateCanary('/b', { seenAt: T + MIN });
    await store.updateCanary('/c', { seenAt: T + MIN });
    await store.updateCanary('/a', { seenAt: T + 61 * MIN }); // /a keeps coming back; /b and /c stop

    const early = await writer(T + 120 * MIN, store).run;
    const late = writer(T + 125 * MIN, store);
    const overdue = await late.run;
    const again = writer(T + 170 * MIN, store);
    await again.run;

    expect(early.overdue).toEqual([]);
    expect(overdue.overdue).toEqual(['/b', '/c']);
    expect(late.operator.messages.map((m) => m.subject)).toEqual(['[WARNING] ftp-bounce-watch canary overdue in 2 log groups']);
    expect(late.operator.messages[0]?.message).toMatch(/\/b: last came back .*\\n- \/c: last came back/);
    expect(again.operator.messages).toEqual([]);
  });

  it.each([
    // [record, now, overdue]
    [undefined, T, false],
    [{ firstWrittenAt: T, seenAt: null }, T + 119 * MIN, false],
    [{ firstWrittenAt: T, seenAt: null }, T + 121 * MIN, true],
    [{ firstWrittenAt: T, seenAt: T + 100 * MIN }, T + 219 * MIN, false],
    [{ firstWrittenAt: T, seenAt: T + 100 * MIN }, T + 221 * MIN, true],
  ])('overdue: %j at %i is %s', (fields, now, expected) => {
    const record =
      fields === undefined
        ? undefined
        : { logGroup: '/a', writtenAt: now, seenLatencyMs: null, publishedAt: null, publishLatencyMs: null, warnedAt: null, ...fields };
    expect(isOverdue(record, now, 60 * MIN)).toBe(expected);
  });
});
