import type { Alert } from '../../../lambda/alerts';
import { MemoryIncidentStore, type IncidentStore, StateStoreError } from '../../../lambda/incidents';
import { Deployment, MIN, repeated, T0 } from '../../support/deployment';

const PUBLIC = { client: '198.51.100.9', target: '203.0.113.7' } as const;
const kinds = (alerts: readonly Alert[]): string[] => alerts.map((a) => `${a.kind}/${a.classification}`);

describe('incidents: first alert, windows and updates', () => {
  it('publishes the first finding of a new key at once, with the incident identity', async () => {
    const d = new Deployment();

    const alerts = await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);

    expect(kinds(alerts)).toEqual(['new/foreign-public-target']);
    expect(alerts[0]).toMatchObject({
      alertMemory: 'on',
      account: '123456789012',
      region: 'eu-west-1',
      count: 1,
      incidentTotal: 1,
      windowStart: new Date(T0).toISOString(),
      windowEnd: new Date(T0 + 60 * MIN).toISOString(),
    });
  });

  it.each([
    // [label, later batches (minutes after T0), sweep at (minutes), expected messages from the sweep]
    ['more findings in the window: one update at its end', [1, 20, 59], 65, ['update/foreign-public-target']],
    ['no more findings: no update', [], 65, []],
    ['the window is not over yet: nothing', [1, 20], 55, []],
  ] as const)('%s', async (_label, later, sweepAt, expected) => {
    const d = new Deployment();
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);

    for (const minute of later) expect(await d.batch(T0 + minute * MIN, [{ ...PUBLIC, port: 4001 + minute }])).toEqual([]);
    const swept = await d.sweep(T0 + sweepAt * MIN);

    expect(kinds(swept)).toEqual(expected);
  });

  it('carries the window totals in the update: count, first/last seen, distinct targets and ports, top targets', async () => {
    const d = new Deployment();
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    await d.batch(T0 + 10 * MIN, [
      { ...PUBLIC, port: 4000 },
      { ...PUBLIC, port: 4000, offset: 1000 },
      { ...PUBLIC, target: '203.0.113.8', port: 4002, offset: 2000 },
    ]);

    const [update] = await d.sweep(T0 + 60 * MIN);

    expect(update).toMatchObject({
      kind: 'update',
      count: 4,
      incidentTotal: 4,
      samples: [],
      window: {
        count: 4,
        distinctTargets: 2,
        distinctPorts: 2,
        distinctHosts: 2,
        distinctCapped: false,
        topTargets: [
          { target: '203.0.113.7:4000', count: 3 },
          { target: '203.0.113.8:4002', count: 1 },
        ],
        firstSeen: new Date(T0).toISOString(),
        lastSeen: new Date(T0 + 10 * MIN + 2000).toISOString(),
      },
    });
  });

  it('says on every message when the incident began, though an update\'s firstSeen is its window\'s', async () => {
    const d = new Deployment();
    const [opened] = await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    await d.batch(T0 + 10 * MIN, [{ ...PUBLIC, port: 4001 }]);
    const [first] = await d.sweep(T0 + 60 * MIN);
    await d.batch(T0 + 70 * MIN, [{ ...PUBLIC, port: 4002 }]);
    await d.batch(T0 + 80 * MIN, [{ ...PUBLIC, port: 4003 }]);
    const [second] = await d.sweep(T0 + 125 * MIN);

    expect([opened, first, second].map((a) => [a?.kind, a?.firstSeen, a?.incidentFirstSeen])).toEqual([
      ['new', new Date(T0).toISOString(), new Date(T0).toISOString()],
      ['update', new Date(T0).toISOString(), new Date(T0).toISOString()],
      ['update', new Date(T0 + 70 * MIN).toISOString(), new Date(T0).toISOString()],
    ]);
  });

  it('keeps one subject and one incident id for the whole incident, and a new id once it closed', async () => {
    const d = new Deployment();
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    await d.batch(T0 + 30 * MIN, [{ ...PUBLIC, port: 4001 }]);
    await d.sweep(T0 + 60 * MIN); // update; the next window opens
    await d.sweep(T0 + 120 * MIN); // a silent window: the incident closes
    await d.batch(T0 + 130 * MIN, [{ ...PUBLIC, port: 4002 }]);

    const [first, update, reopened] = d.publisher.messages;
    const ids = d.publisher.alerts.map((a) => a.incidentId);

    expect(kinds(d.publisher.alerts)).toEqual(['new/foreign-public-target', 'update/foreign-public-target', 'new/foreign-public-target']);
    expect(update?.subject).toBe(first?.subject);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(reopened?.subject).toBe(first?.subject);
  });

  it('rolls a window that ended while no sweep ran, when the next batch arrives', async () => {
    const d = new Deployment();
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    await d.batch(T0 + 30 * MIN, [{ ...PUBLIC, port: 4001 }]);

    const alerts = await d.batch(T0 + 61 * MIN, [{ ...PUBLIC, port: 4002 }]);

    expect(kinds(alerts)).toEqual(['update/foreign-public-target']);
  });

  it.each([
    ['an event far in the past', -3 * 60 * MIN],
    ['an event in the future', 10 * MIN],
  ])('decides windows on the processing clock, not on event times (%s)', async (_label, skew) => {
    const d = new Deployment();
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);

    const later = await d.batch(T0 + 5 * MIN, [{ ...PUBLIC, port: 4001, offset: skew }]);
    const [update] = await d.sweep(T0 + 60 * MIN);

    expect(later).toEqual([]);
    expect(update?.window?.firstSeen).toBe(new Date(Math.min(T0, T0 + 5 * MIN + skew)).toISOString());
    expect(update?.window?.lastSeen).toBe(new Date(Math.max(T0, T0 + 5 * MIN + skew)).toISOString());
  });
});

describe('incidents: escalation is upward only, per client', () => {
  it.each([
    ['low then high: escalation at once', 'immediate', [{ port: 50_000 }], [{ ...PUBLIC, client: '203.0.113.50', port: 4000 }],
      ['new/nat-misconfiguration', 'escalation/foreign-public-target']],
    ['high then low: counted into the high incident', 'immediate', [{ ...PUBLIC, client: '203.0.113.50', port: 4000 }], [{ port: 50_000 }],
      ['new/foreign-public-target']],
    ['high then critical: escalation', 'immediate', [{ ...PUBLIC, port: 4000 }], [{ ...PUBLIC, port: 25 }],
      ['new/foreign-public-target', 'escalation/bounce-attempt']],
    ['low in digest mode, then high: the high one is new (nothing was announced before)', 'digest', [{ port: 50_000 }],
      [{ ...PUBLIC, client: '203.0.113.50', port: 4000 }], ['new/foreign-public-target']],
  ] as const)('%s', async (_label, lowSeverity, first, second, expected) => {
    const d = new Deployment({ lowSeverity });

    await d.batch(T0, first);
    await d.batch(T0 + MIN, second);

    expect(d.stream).toEqual(expected);
  });

  it('counts a client\'s lower findings in its most severe incident (no update for a lower one)', async () => {
    const d = new Deployment({ lowSeverity: 'immediate' });
    await d.batch(T0, [{ ...PUBLIC, client: '203.0.113.50', port: 4000 }]);
    await d.batch(T0 + MIN, [{ port: 50_000 }, { port: 50_001, offset: 1 }]);

    const swept = await d.sweep(T0 + 60 * MIN);

    expect(kinds(swept)).toEqual(['update/foreign-public-target']);
    expect(swept[0]?.incidentTotal).toBe(3);
  });

  it('keeps clients apart: another client\'s findings open their own incident', async () => {
    const d = new Deployment();
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    const other = await d.batch(T0 + MIN, [{ ...PUBLIC, client: '198.51.100.10', port: 4000 }]);

    expect(kinds(other)).toEqual(['new/foreign-public-target']);
    expect(other[0]?.incidentId).not.toBe(d.publisher.alerts[0]?.incidentId);
  });
});

describe('incidents: bounce scans', () => {
  it.each([
    ['10 service ports on one public host', { ...PUBLIC }, 10, 1, 1000, true],
    ['9 service ports on one host: below the threshold', { ...PUBLIC }, 9, 1, 1000, false],
    ['10 service ports on an internal host (the issue\'s 10.0.3.99)', { client: '198.51.100.9', target: '10.0.3.99' }, 10, 1, 3000, true],
    ['a NAT client: 200 ephemeral ports on its own private address', { client: '203.0.113.50', target: '192.168.1.20' }, 200, 1, 40_000, false],
  ] as const)('%s', async (_label, who, count, stepMs, firstPort, scan) => {
    const d = new Deployment({ lowSeverity: 'immediate' });

    await d.batch(T0, repeated(count, { ...who, port: firstPort }, stepMs, 7));

    expect(d.stream.includes('escalation/bounce-scan') || d.stream.includes('new/bounce-scan')).toBe(scan);
  });

  it('detects many hosts (a subnet sweep on one port) as a scan', async () => {
    const d = new Deployment();
    const sweep = Array.from({ length: 5 }, (_, i) => ({ client: '198.51.100.9', target: `10.0.3.${10 + i}`, port: 3306, offset: i }));

    await d.batch(T0, sweep);

    expect(d.stream).toEqual(['new/bounce-scan']);
  });

  it.each([
    ['scanPorts=20 raises the port threshold', { scanPorts: 20 }, 15, false],
    ['scanPorts=5 lowers it', { scanPorts: 5 }, 5, true],
  ] as const)('%s', async (_label, settings, count, scan) => {
    const d = new Deployment({ ...settings, lowSeverity: 'immediate' });

    await d.batch(T0, repeated(count, { ...PUBLIC, port: 2000 }, 10, 3));

    expect(d.stream.some((k) => k.endsWith('/bounce-scan'))).toBe(scan);
  });

  it('absorbs the client\'s other incidents: only the scan gets updates', async () => {
    const d = new Deployment({ lowSeverity: 'immediate' });
    await d.batch(T0, [{ ...PUBLIC, port: 2000 }]);
    await d.batch(T0 + MIN, [{ ...PUBLIC, port: 21 }]);
    await d.batch(T0 + 2 * MIN, repeated(12, { ...PUBLIC, port: 3000 }, 100, 11));
    await d.batch(T0 + 3 * MIN, repeated(5, { ...PUBLIC, port: 4000 }, 100, 11));

    const swept = await d.sweep(T0 + 65 * MIN);

    expect(d.stream.slice(0, 3)).toEqual(['new/foreign-public-target', 'escalation/bounce-attempt', 'escalation/bounce-scan']);
    expect(kinds(swept)).toEqual(['update/bounce-scan']);
    expect(swept[0]?.incidentTotal).toBe(19);
  });

  it('never announces a scanning client as a NAT client in digest mode', async () => {
    const d = new Deployment();
    await d.batch(T0, repeated(3, { client: '198.51.100.9', target: '10.0.3.99', port: 3306 }, 100, 1));
    await d.batch(T0 + 5000, repeated(12, { client: '198.51.100.9', target: '10.0.3.99', port: 5000 }, 100, 13));

    await d.sweep(T0 + 2 * 24 * 60 * MIN);

    // The scan is announced as new (the low incident was never announced) and absorbs it: no NAT digest follows.
    expect(d.stream).toEqual(['new/bounce-scan']);
  });
});

describe('incidents: low-severity digest', () => {
  it('sends no message per low incident, and one digest per interval with each client, count and targets', async () => {
    const d = new Deployment();
    await d.batch(T0, repeated(3, { port: 50_000 }, 1000, 1));
    await d.batch(T0 + MIN, repeated(2, { client: '203.0.113.51', target: '10.1.1.1', port: 41_000 }, 1000, 1));
    await d.batch(T0 + 90 * MIN, [{ port: 50_100 }]);

    const beforeBoundary = await d.sweep(Date.UTC(2024, 4, 1, 23, 55));
    const atBoundary = await d.sweep(Date.UTC(2024, 4, 2, 0, 0));

    expect(beforeBoundary).toEqual([]);
    expect(kinds(atBoundary)).toEqual(['digest/nat-misconfiguration']);
    const digest = atBoundary[0];
    expect(digest?.digest?.reason).toBe('low-severity');
    expect(digest?.digest?.entries.map((e) => [e.srcIp, e.count])).toEqual([
      ['203.0.113.50', 4],
      ['203.0.113.51', 2],
    ]);
    expect(digest?.digest?.entries[0]?.topTargets[0]).toEqual({ target: '192.168.1.20:50000', count: 1 });
    expect(digest?.digest?.entries.map((e) => e.incidentTotal)).toEqual([4, 2]);
    expect(digest?.digest?.entries.map((e) => e.incidentFirstSeen)).toEqual([
      new Date(T0).toISOString(),
      new Date(T0 + MIN).toISOString(),
    ]);
    expect(digest?.count).toBe(6);
  });

  it('sends low incidents like the others with lowSeverity=immediate', async () => {
    const d = new Deployment({ lowSeverity: 'immediate' });

    expect(kinds(await d.batch(T0, [{ port: 50_000 }]))).toEqual(['new/nat-misconfiguration']);
  });

  it('does not send a digest twice when a sweep repeats after publishing it', async () => {
    const d = new Deployment();
    await d.batch(T0, [{ port: 50_000 }]);
    const boundary = Date.UTC(2024, 4, 2, 0, 0);
    await d.sweep(boundary);

    expect(await d.sweep(boundary + 5 * MIN)).toEqual([]);
  });
});

describe('incidents: every due digest line is listed', () => {
  it('names each of 150 low-severity clients in the digest, in parts, and lists none of them again', async () => {
    const d = new Deployment();
    for (let i = 0; i < 150; i++) await d.batch(T0 + i * 1000, [{ client: `203.0.113.${i % 250}`, target: '192.168.1.20', port: 50_000 }], { logGroup: `/ftp/${i}` });
    const boundary = Date.UTC(2024, 4, 2, 0, 0);

    const digests = await d.sweep(boundary);
    const again = await d.sweep(boundary + 5 * MIN);

    expect(digests.map((a) => a.digest?.entries.length)).toEqual([100, 50]);
    expect(new Set(digests.flatMap((a) => a.digest?.entries.map((e) => e.logGroup))).size).toBe(150);
    expect(again).toEqual([]);
  });
});

describe('incidents: flood guard', () => {
  it('sends at most maxNewIncidentsPerHour new-incident messages per account and hour; the rest fold into one digest', async () => {
    const d = new Deployment({ maxNewIncidentsPerHour: 3 });
    for (let i = 0; i < 5; i++) await d.batch(T0 + i * MIN, [{ client: `198.51.100.${i + 1}`, target: '203.0.113.7', port: 4000 }]);
    const nextHour = await d.batch(T0 + 61 * MIN, [{ client: '198.51.100.99', target: '203.0.113.7', port: 4000 }]);

    const digest = (await d.sweep(T0 + 65 * MIN)).filter((a) => a.kind === 'digest');

    expect(d.stream.slice(0, 3)).toEqual(Array(3).fill('new/foreign-public-target'));
    expect(kinds(nextHour)).toEqual(['new/foreign-public-target']);
    expect(digest).toHaveLength(1);
    expect(digest[0]?.digest?.reason).toBe('flood-guard');
    expect(digest[0]?.digest?.entries.map((e) => e.srcIp)).toEqual(['198.51.100.4', '198.51.100.5']);
  });

  it('counts per deployment: every account sending to it shares the hour (one email audience)', async () => {
    const d = new Deployment({ maxNewIncidentsPerHour: 1 });
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);

    const other = await d.batch(T0 + MIN, [{ ...PUBLIC, port: 4000 }], { account: '210987654321' });
    const digest = (await d.sweep(T0 + 65 * MIN)).filter((a) => a.kind === 'digest');

    expect(other).toEqual([]);
    expect(digest.map((a) => [a.account, a.digest?.entries.map((e) => e.srcIp)])).toEqual([['210987654321', [PUBLIC.client]]]);
  });
});

describe('incidents: at least once, idempotent', () => {
  it('changes no count and publishes nothing when a batch is delivered again', async () => {
    const d = new Deployment();
    const event = d.event(T0, [{ ...PUBLIC, port: 4000 }, { ...PUBLIC, port: 4001, offset: 1 }]);

    const first = await d.process(event, T0);
    const again = await d.process(event, T0 + 2 * MIN);
    await d.batch(T0 + 10 * MIN, [{ ...PUBLIC, port: 4002 }]);
    const [update] = await d.sweep(T0 + 60 * MIN);

    expect(first.alerts).toHaveLength(1);
    expect(again.alerts).toEqual([]);
    expect(again.summary.replayedClients).toBe(1);
    expect(update?.incidentTotal).toBe(3);
  });

  it('sends on retry what a failed publish did not send, once, with the same alert id', async () => {
    const d = new Deployment();
    const event = d.event(T0, [{ ...PUBLIC, port: 4000 }]);
    d.publisher.failNext = 1;

    await expect(d.process(event, T0)).rejects.toThrow(/SNS is down/);
    const retry = await d.process(event, T0 + MIN);
    const third = await d.process(event, T0 + 3 * MIN);

    expect(kinds(retry.alerts)).toEqual(['new/foreign-public-target']);
    expect(third.alerts).toEqual([]);
  });

  it('resends on retry only the alerts a partial failure did not publish', async () => {
    const d = new Deployment();
    const event = d.event(T0, [
      { client: '198.51.100.1', target: '203.0.113.7', port: 4000 },
      { client: '198.51.100.2', target: '203.0.113.7', port: 4000, offset: 1 },
      { client: '198.51.100.3', target: '203.0.113.7', port: 4000, offset: 2 },
    ]);
    d.publisher.refuse = (m) => m.subject.includes('198.51.100.2');

    await expect(d.process(event, T0)).rejects.toThrow(/not published/);
    d.publisher.refuse = null;
    const retry = await d.process(event, T0 + MIN);

    expect(retry.alerts.map((a) => a.srcIp)).toEqual(['198.51.100.2']);
    expect(d.publisher.alerts.map((a) => a.srcIp).sort()).toEqual(['198.51.100.1', '198.51.100.2', '198.51.100.3']);
  });

  it('lets the next sweep send what a failed invocation gave back, and its retry then sends nothing', async () => {
    const d = new Deployment();
    const event = d.event(T0, [{ ...PUBLIC, port: 4000 }]);
    d.publisher.failNext = 1;
    await expect(d.process(event, T0)).rejects.toThrow();

    const swept = await d.sweep(T0 + 5 * MIN);
    const retry = await d.process(event, T0 + 6 * MIN);

    expect(kinds(swept)).toEqual(['new/foreign-public-target']);
    expect(retry.alerts).toEqual([]);
  });

  it('gives an alert id that depends only on incident, window and kind', async () => {
    const a = new Deployment();
    const b = new Deployment();
    await a.batch(T0, [{ ...PUBLIC, port: 4000 }], { key: 'same' });
    await b.batch(T0, [{ ...PUBLIC, port: 4000 }], { key: 'same' });

    expect(a.publisher.alerts[0]?.id).toBe(b.publisher.alerts[0]?.id);
  });

  it('publishes one first alert when two invocations of the same incident race', async () => {
    const d = new Deployment();
    const one = d.event(T0, [{ ...PUBLIC, port: 4000 }]);
    const two = d.event(T0, [{ ...PUBLIC, port: 4001 }]);

    await Promise.all([d.process(one, T0), d.process(two, T0 + 1)]);
    const [update] = await d.sweep(T0 + 60 * MIN);

    expect(d.stream.filter((k) => k.startsWith('new/'))).toHaveLength(1);
    expect(update?.incidentTotal).toBe(2);
  });
});

describe('incidents: fail open', () => {
  class BrokenStore extends MemoryIncidentStore implements IncidentStore {
    override async load(): Promise<never> {
      throw new StateStoreError('state table BatchGetItem failed: ResourceNotFoundException');
    }
  }

  it('publishes without suppression, marked so, when the store is unreachable', async () => {
    const d = new Deployment({}, new BrokenStore());

    const first = await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    const second = await d.batch(T0 + MIN, [{ ...PUBLIC, port: 4001 }]);

    expect(first.map((a) => a.alertMemory)).toEqual(['unavailable']);
    expect(second.map((a) => a.alertMemory)).toEqual(['unavailable']);
    const body = JSON.parse(d.publisher.messages[0]?.message ?? '{}') as { email: string };
    expect(body.email).toMatch(/Alert memory was unavailable/);
  });

  it('does not fail open on errors that are not the store\'s (they fail the invocation)', async () => {
    class Buggy extends MemoryIncidentStore {
      override async load(): Promise<never> {
        throw new TypeError('bug');
      }
    }
    const d = new Deployment({}, new Buggy());

    await expect(d.batch(T0, [{ ...PUBLIC, port: 4000 }])).rejects.toThrow(TypeError);
    expect(d.publisher.messages).toEqual([]);
  });
});

/** A store whose records come out deep-frozen: any decision that changed its input would throw (strict mode). */
class FreezingStore extends MemoryIncidentStore {
  override async load(keys: Parameters<MemoryIncidentStore['load']>[0]) {
    const found = await super.load(keys);
    for (const record of found.values()) deepFreeze(record);
    return found;
  }

  override async due(now: number, limit: number, cursor?: string) {
    const due = await super.due(now, limit, cursor);
    due.records.forEach(deepFreeze);
    return due;
  }
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

describe('incidents: decisions never change the state they are given', () => {
  it('windows, escalation, scans, digests, the flood guard and the sweep all work on copies', async () => {
    const run = async (d: Deployment) => {
      await d.batch(T0, [{ ...PUBLIC, port: 2000 }]);
      await d.batch(T0 + MIN, [{ ...PUBLIC, port: 2001 }, { ...PUBLIC, port: 21 }]);
      await d.batch(T0 + 2 * MIN, repeated(12, { ...PUBLIC, port: 3000 }, 100, 11));
      await d.batch(T0 + 3 * MIN, repeated(3, { client: '203.0.113.50', target: '192.168.1.20', port: 50_000 }, 100, 1));
      for (let i = 0; i < 4; i++) await d.batch(T0 + (4 + i) * MIN, [{ client: `198.51.100.${20 + i}`, target: '203.0.113.7', port: 4000 }]);
      await d.sweep(T0 + 65 * MIN);
      await d.batch(T0 + 70 * MIN, [{ ...PUBLIC, port: 3500 }]);
      await d.sweep(T0 + 2 * 24 * 60 * MIN);
      return d;
    };
    const plain = await run(new Deployment({ maxNewIncidentsPerHour: 2 }));

    const d = await run(new Deployment({ maxNewIncidentsPerHour: 2 }, new FreezingStore()));

    // The same stream as on a store that hands out plain copies: nothing threw, nothing was counted twice.
    expect(d.stream).toEqual(plain.stream);
    expect(d.stream).toContain('digest/nat-misconfiguration');
  });
});
