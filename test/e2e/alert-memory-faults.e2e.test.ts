/**
 * The fault campaign of alert memory (docs/design.md section 8): the real pipeline and IncidentMemory on the real
 * DynamoDB adapter and SDK client, through a fault-injecting proxy in front of dynalite, with Lambda's delivery
 * semantics simulated on a virtual clock (asynchronous retries after 1 and 3 minutes, then the failure bucket; a
 * sweep every 5 minutes). Each class of fault is run, and judged per client:
 * - lost: a client whose refusals no message ever named (an alert about it, or an entry of a digest);
 * - sent twice: a message id published more than once. Allowed only where memory could not know: ids it
 *   reported as unrecorded (published while every write that could record it failed), and a batch delivered
 *   twice while the table was unusable both times (every copy says "alert memory unavailable");
 * - wrong: a client named only below the severity of its findings.
 * Faults are drawn from a seeded generator over the requests in order; the runs are sequential where order
 * matters, so a run meets the same faults every time.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentStore } from '../../lambda/adapters/dynamodb-incident-store';
import type { AlertPublisher, SnsAlertMessage } from '../../lambda/adapters/ports';
import { sdkClientOptions } from '../../lambda/adapters/timeouts';
import { type Alert, buildSnsMessage } from '../../lambda/alerts';
import { SEVERITY_RANK, type Severity } from '../../lambda/detector/finding';
import { HOUR_MS, INCIDENT_DEFAULTS, IncidentMemory, type IncidentSettings, type IncidentStore } from '../../lambda/incidents';
import { processKinesisEvent } from '../../lambda/kinesis';
import { processSubscriptionEvent } from '../../lambda/pipeline';
import { createIncidentTable, type LocalDynamoDb, startLocalDynamoDb } from '../../scripts/local-dynamodb';
import { Deployment, MIN, type Refusal, T0 } from '../support/deployment';
import { type FaultPlan, type FaultProxy, seededRandom, startFaultProxy } from '../support/dynamodb-fault-proxy';

jest.setTimeout(120_000);

const SEED = 11209;
const REGION = 'eu-west-1';
/** Short client timeouts, so a slow answer (held past them) costs the campaign little real time. */
const CLIENT_TIMEOUTS = { connectionTimeoutMs: 500, requestTimeoutMs: 150, maxAttempts: 1 };
const SLOW_MS = 300;

let dynamo: LocalDynamoDb;
let tableSeq = 0;
const report: Array<{ fault: string; clients: number; lost: number; sentTwice: number; wrong: number; note: string }> = [];

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});
afterAll(async () => {
  await dynamo.close();
  const lines = report.map((r) => `| ${r.fault} | ${r.clients} | ${r.lost} | ${r.sentTwice} | ${r.wrong} | ${r.note} |`);
  console.log(['| fault | clients | lost | sent twice | wrong | note |', '|---|---|---|---|---|---|', ...lines].join('\n'));
});

/** A table behind its own proxy, and a real SDK client that talks to the proxy. */
interface FaultyStore {
  readonly store: DynamoDbIncidentStore;
  readonly proxy: FaultProxy;
  close(): Promise<void>;
}

async function faultyStore(seed = SEED): Promise<FaultyStore> {
  const table = `campaign-${++tableSeq}`;
  const direct = new DynamoDBClient({ region: REGION, endpoint: dynamo.endpoint, credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } });
  await createIncidentTable(direct, table);
  direct.destroy();
  const proxy = await startFaultProxy(dynamo.endpoint, seed);
  const client = new DynamoDBClient({
    region: REGION,
    endpoint: proxy.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    ...sdkClientOptions(CLIENT_TIMEOUTS),
  });
  const store = new DynamoDbIncidentStore(client, table, { sleep: async () => undefined });
  return {
    store,
    proxy,
    close: async () => {
      client.destroy();
      await proxy.close();
    },
  };
}

/** Every store fault, at `rate` per kind for writes and reads. */
function everyFault(rate: number): FaultPlan {
  const write = { 'throttle': rate, 'server-error': rate, 'conditional': rate, 'reset': rate, 'reset-after': rate, 'slow-after': rate };
  const read = { 'throttle': rate, 'server-error': rate, 'reset': rate, 'slow-after': rate };
  return {
    slowMs: SLOW_MS,
    rates: { PutItem: write, UpdateItem: write, BatchWriteItem: write, BatchGetItem: read, GetItem: read, Query: read },
  };
}

/** A recording SNS: every message that went out, in order; `down` refuses everything. */
class RecordingSns implements AlertPublisher {
  readonly alerts: Alert[] = [];
  down = false;
  /** Holds every publish until released (to overlap invocations). */
  gate: Promise<void> | null = null;

  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    if (this.gate !== null) await this.gate;
    if (this.down) throw new Error('SNS is unavailable (scripted outage)');
    for (const m of messages) this.alerts.push(JSON.parse((JSON.parse(m.message) as { default: string }).default) as Alert);
  }
}

interface Delivery {
  readonly at: number;
  readonly event: unknown;
  readonly attempt: number;
}

/** A deployment on a virtual clock: Lambda's asynchronous retries, the failure bucket, the sweep's schedule. */
class Simulation {
  readonly sns = new RecordingSns();
  readonly memory: IncidentMemory;
  readonly failureBucket: unknown[] = [];
  readonly unrecorded = new Set<string>();
  readonly counts = { storeUnavailable: 0, conflicts: 0, cleanupFailed: 0, sweepFailures: 0, invocationFailures: 0 };
  private readonly events = new Deployment();

  constructor(
    readonly store: IncidentStore,
    readonly settings: IncidentSettings,
  ) {
    const random = seededRandom(SEED);
    this.memory = new IncidentMemory({
      store,
      publisher: this.sns,
      settings,
      render: (a) => buildSnsMessage(a),
      sleep: async () => undefined,
      random,
      events: {
        storeUnavailable: () => void this.counts.storeUnavailable++,
        conflict: () => void this.counts.conflicts++,
        cleanupFailed: () => void this.counts.cleanupFailed++,
        unrecorded: (ids) => ids.forEach((id) => this.unrecorded.add(id)),
      },
    });
  }

  event(at: number, refusals: readonly Refusal[], key: string, account = '123456789012'): unknown {
    return this.events.event(at, refusals, { key, account, logStream: `stream-${key}` });
  }

  /** One invocation; true when it succeeded. */
  async invoke(event: unknown, now: number): Promise<boolean> {
    try {
      await processSubscriptionEvent(event, {
        publisher: this.sns,
        region: REGION,
        maxDecompressedBytes: 64 * 1024 * 1024,
        logger: { debug: () => undefined },
        metrics: { count: () => undefined },
        memory: { incidents: this.memory, now: () => now },
      });
      return true;
    } catch {
      this.counts.invocationFailures++;
      return false;
    }
  }

  async sweep(now: number): Promise<void> {
    try {
      await this.memory.sweep(now);
    } catch {
      this.counts.sweepFailures++;
    }
  }

  /**
   * Runs deliveries and sweeps in time order until `until`; `at` hooks change the world (faults, outages) at their
   * time. A failed delivery is retried after 1 and then 2 more minutes, then kept in the failure bucket.
   */
  async run(
    deliveries: ReadonlyArray<{ at: number; event: unknown }>,
    until: number,
    hooks: ReadonlyArray<{ at: number; run: () => void }> = [],
  ): Promise<void> {
    const queue: Delivery[] = deliveries.map((d) => ({ ...d, attempt: 0 }));
    const pending = [...hooks].sort((a, b) => a.at - b.at);
    const start = Math.min(...deliveries.map((d) => d.at));
    let nextSweep = Math.ceil(start / (5 * MIN)) * 5 * MIN;
    for (;;) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue[0];
      const hook = pending[0];
      const t = Math.min(next?.at ?? Infinity, nextSweep, hook?.at ?? Infinity);
      if (t > until) break;
      if (hook !== undefined && hook.at === t) {
        pending.shift();
        hook.run();
      } else if (next !== undefined && next.at === t) {
        queue.shift();
        if (!(await this.invoke(next.event, t))) {
          if (next.attempt < 2) queue.push({ at: t + (next.attempt + 1) * MIN, event: next.event, attempt: next.attempt + 1 });
          else this.failureBucket.push(next.event);
        }
      } else {
        await this.sweep(t);
        nextSweep += 5 * MIN;
      }
    }
  }

  /** What an operator does with the failure bucket (docs/operations.md): replay each batch once. */
  async redrive(now: number): Promise<void> {
    const kept = this.failureBucket.splice(0);
    for (const event of kept) if (!(await this.invoke(event, now))) this.failureBucket.push(event);
  }

  /** Judges the published messages against what each client did. */
  judge(expected: ReadonlyMap<string, Severity>): { lost: string[]; sentTwice: number; unexplained: string[]; wrong: string[] } {
    const heard = new Map<string, Severity>();
    const hear = (client: string | null, severity: Severity): void => {
      if (client === null) return;
      const known = heard.get(client);
      if (known === undefined || SEVERITY_RANK[severity] > SEVERITY_RANK[known]) heard.set(client, severity);
    };
    const ids = new Map<string, number>();
    for (const alert of this.sns.alerts) {
      ids.set(alert.id, (ids.get(alert.id) ?? 0) + 1);
      if (alert.kind === 'digest') for (const entry of alert.digest?.entries ?? []) hear(entry.srcIp, entry.severity);
      else hear(alert.srcIp, alert.severity);
    }
    const twice = [...ids].filter(([, n]) => n > 1);
    return {
      lost: [...expected.keys()].filter((c) => !heard.has(c)),
      sentTwice: twice.reduce((n, [, k]) => n + k - 1, 0),
      unexplained: twice
        .map(([id]) => id)
        .filter((id) => !this.unrecorded.has(id) && !this.sns.alerts.every((a) => a.id !== id || a.alertMemory === 'unavailable')),
      wrong: [...expected]
        .filter(([c, s]) => heard.has(c) && SEVERITY_RANK[heard.get(c) as Severity] < SEVERITY_RANK[s])
        .map(([c]) => c),
    };
  }

  /** Judges, records the row of the report, and asserts the promises of section 8. */
  verdict(fault: string, expected: ReadonlyMap<string, Severity>, note = ''): void {
    const v = this.judge(expected);
    report.push({ fault, clients: expected.size, lost: v.lost.length, sentTwice: v.sentTwice, wrong: v.wrong.length, note });
    const promises = { lost: v.lost, unexplainedTwice: v.unexplained, wrong: v.wrong };
    expect(promises).toEqual({ lost: [], unexplainedTwice: [], wrong: [] });
  }
}

const HOURLY: IncidentSettings = { ...INCIDENT_DEFAULTS, digestIntervalMs: HOUR_MS };

/** A mixed population: critical bounce attempts, high third-party targets over several batches, low NAT clients. */
interface Population {
  readonly deliveries: Array<{ at: number; event: unknown }>;
  readonly expected: Map<string, Severity>;
}

function population(sim: Simulation, start: number, prefix: string): Population {
  const deliveries: Array<{ at: number; event: unknown }> = [];
  const expected = new Map<string, Severity>();
  for (let i = 1; i <= 8; i++) {
    const bounce = `198.51.100.${i}`;
    expected.set(bounce, 'critical');
    deliveries.push({ at: start + i * 4 * MIN, event: sim.event(start + i * 4 * MIN, [{ client: bounce, target: '203.0.113.7', port: 21 }], `${prefix}c${i}`) });
    const third = `198.51.100.${20 + i}`;
    expected.set(third, 'high');
    for (const [n, offset] of [3, 10, 25].entries()) {
      const at = start + (i * 3 + offset) * MIN;
      deliveries.push({ at, event: sim.event(at, [{ client: third, target: '203.0.113.8', port: 4000 + n }], `${prefix}h${i}-${n}`) });
    }
    const nat = `203.0.113.${50 + i}`;
    expected.set(nat, 'low');
    for (const [n, offset] of [5, 30].entries()) {
      const at = start + (i * 5 + offset) * MIN;
      deliveries.push({ at, event: sim.event(at, [{ client: nat, target: '192.168.1.20', port: 50_000 + n }], `${prefix}n${i}-${n}`) });
    }
  }
  // At least once: a few batches delivered a second time, minutes later.
  for (const d of deliveries.filter((_, i) => i % 7 === 0)) deliveries.push({ at: d.at + 2 * MIN, event: d.event });
  return { deliveries, expected };
}

describe('fault campaign: the state table fails in every way', () => {
  it.each([
    ['throttling, 500s, resets, slow answers and spurious condition failures on every request kind', 0.04],
    ['the same, two and a half times as often', 0.1],
  ])('%s: every client heard about, nothing repeated but what could be recorded nowhere', async (label, rate) => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const { deliveries, expected } = population(sim, T0, 'f');
      proxy.setPlan(everyFault(rate));

      await sim.run(deliveries, T0 + 100 * MIN, [{ at: T0 + 100 * MIN, run: () => proxy.setPlan(null) }]);
      await sim.run([{ at: T0 + 100 * MIN, event: sim.event(T0 + 100 * MIN, [], 'idle') }], T0 + 5 * HOUR_MS);
      await sim.redrive(T0 + 5 * HOUR_MS);
      await sim.sweep(T0 + 6 * HOUR_MS);

      const injected = [...proxy.injected.values()].reduce((a, b) => a + b, 0);
      expect(injected).toBeGreaterThan(rate > 0.05 ? 60 : 25);
      const note = `${injected} faults injected; ${sim.counts.storeUnavailable} fail-opens; repeats only of fail-open alerts`;
      sim.verdict(`state table: ${label.split(',').length > 1 ? 'every fault kind' : label} at ${rate * 100}% of requests each`, expected, note);
    } finally {
      await close();
    }
  });
});

describe('fault campaign: concurrency on one incident', () => {
  it('one client in concurrent batches, a concurrent redelivery and sweep: one announcement, every finding counted', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const client = { client: '198.51.100.77', target: '203.0.113.9' };
      const events = Array.from({ length: 4 }, (_, i) => sim.event(T0, [{ ...client, port: 4000 + i }], `race${i}`));

      await Promise.all([...events.map((e, i) => sim.invoke(e, T0 + i)), sim.invoke(events[0], T0 + 5), sim.sweep(T0 + 6)]);
      await sim.sweep(T0 + 61 * MIN);

      expect(sim.sns.alerts.map((a) => a.kind)).toEqual(['new', 'update']);
      expect(sim.sns.alerts[1]?.incidentTotal).toBe(4);
      sim.verdict('concurrent batches, redelivery and sweep', new Map([['198.51.100.77', 'high']]));
    } finally {
      await close();
    }
  });

  it('a redelivery while the original is still publishing sends the `new` once', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const event = sim.event(T0, [{ client: '198.51.100.78', target: '203.0.113.9', port: 4000 }], 'slow');
      let release = (): void => undefined;
      sim.sns.gate = new Promise((resolve) => {
        release = resolve;
      });

      const original = sim.invoke(event, T0);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the original has written and waits on SNS
      sim.sns.gate = null;
      const redelivery = await sim.invoke(event, T0 + 1_000);
      release();
      await original;
      await sim.sweep(T0 + 5 * MIN);

      expect(redelivery).toBe(true);
      expect(sim.sns.alerts.map((a) => a.kind)).toEqual(['new']);
      sim.verdict('redelivery during the original\'s publish', new Map([['198.51.100.78', 'high']]));
    } finally {
      await close();
    }
  });

  it('slots a lost race did not use go back: later critical clients are announced at once, under the cap', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, { ...HOURLY, maxNewIncidentsPerHour: 4 });
      const first = Array.from({ length: 4 }, (_, i) => sim.event(T0, [{ client: '198.51.100.80', target: '203.0.113.9', port: 21 }], `one${i}`));
      await Promise.all(first.map((e, i) => sim.invoke(e, T0 + i)));

      for (let i = 1; i <= 3; i++) await sim.invoke(sim.event(T0 + i * MIN, [{ client: `198.51.100.8${i}`, target: '203.0.113.9', port: 21 }], `later${i}`), T0 + i * MIN);

      expect(sim.sns.alerts.map((a) => [a.kind, a.srcIp])).toEqual([
        ['new', '198.51.100.80'],
        ['new', '198.51.100.81'],
        ['new', '198.51.100.82'],
        ['new', '198.51.100.83'],
      ]);
      sim.verdict('flood-guard slots under concurrency', new Map(['80', '81', '82', '83'].map((n) => [`198.51.100.${n}`, 'critical' as const])));
    } finally {
      await close();
    }
  });

  it('a flood counter whose update keeps failing its condition announces anyway (uncounted), at once', async () => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      proxy.script('UpdateItem', ...Array<'conditional'>(10).fill('conditional'));

      await sim.invoke(sim.event(T0, [{ client: '198.51.100.90', target: '203.0.113.9', port: 21 }], 'counter'), T0);

      expect(sim.sns.alerts.map((a) => [a.kind, a.severity])).toEqual([['new', 'critical']]);
      sim.verdict('flood counter contended', new Map([['198.51.100.90', 'critical']]));
    } finally {
      await close();
    }
  });

  it('two sweeps at once publish each update once', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const expected = new Map<string, Severity>();
      for (let i = 1; i <= 30; i++) {
        const client = `198.51.101.${i}`;
        expected.set(client, 'high');
        await sim.invoke(sim.event(T0, [{ client, target: '203.0.113.9', port: 4000 }], `s${i}a`), T0);
        await sim.invoke(sim.event(T0 + MIN, [{ client, target: '203.0.113.9', port: 4001 }], `s${i}b`), T0 + MIN);
      }

      await Promise.all([sim.sweep(T0 + 61 * MIN), sim.sweep(T0 + 61 * MIN + 1)]);

      expect(sim.sns.alerts.filter((a) => a.kind === 'update')).toHaveLength(30);
      sim.verdict('concurrent sweeps', expected);
    } finally {
      await close();
    }
  });
});

describe('fault campaign: writes whose outcome is unknown, and clean-ups that fail', () => {
  it('a decision written but answered with a reset, the re-read failing too: no second announcement later', async () => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      proxy.script('PutItem', 'reset-after');
      proxy.script('BatchGetItem', null, 'server-error');

      await sim.invoke(sim.event(T0, [{ client: '198.51.100.91', target: '203.0.113.9', port: 4000 }], 'unknown'), T0);
      for (let m = 5; m <= 30; m += 5) await sim.sweep(T0 + m * MIN);

      expect(sim.sns.alerts.map((a) => [a.kind, a.alertMemory])).toEqual([['new', 'unavailable']]);
      sim.verdict('write applied, answer lost, re-read failed', new Map([['198.51.100.91', 'high']]));
    } finally {
      await close();
    }
  });

  it.each([
    ['an outbox clean-up that fails', 'PutItem', [null, 'server-error'] as const],
    ['an outbox clean-up answered too late', 'PutItem', [null, 'slow-after'] as const],
  ])('%s does not republish the `new`', async (label, operation, faults) => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      proxy.script(operation, ...faults);

      await sim.invoke(sim.event(T0, [{ client: '198.51.100.92', target: '203.0.113.9', port: 4000 }], 'cleanup'), T0);
      for (let m = 5; m <= 30; m += 5) await sim.sweep(T0 + m * MIN);

      expect(sim.sns.alerts.map((a) => a.kind)).toEqual(['new']);
      sim.verdict(label, new Map([['198.51.100.92', 'high']]));
    } finally {
      await close();
    }
  });

  it('a failed digest marker does not republish the digest', async () => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      await sim.invoke(sim.event(T0, [{ client: '203.0.113.93', target: '192.168.1.20', port: 50_000 }], 'digest'), T0);
      proxy.script('UpdateItem', 'server-error');

      await sim.sweep(T0 + HOUR_MS);
      await sim.sweep(T0 + HOUR_MS + 5 * MIN);

      expect(sim.sns.alerts.map((a) => a.kind)).toEqual(['digest']);
      sim.verdict('failed digest marker', new Map([['203.0.113.93', 'low']]));
    } finally {
      await close();
    }
  });

  it('persistent write conflicts fail open instead of failing the batch', async () => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      proxy.script('PutItem', ...Array<'conditional'>(6).fill('conditional'));

      const ok = await sim.invoke(sim.event(T0, [{ client: '198.51.100.94', target: '203.0.113.9', port: 21 }], 'conflicts'), T0);

      expect(ok).toBe(true);
      expect(sim.sns.alerts.map((a) => [a.kind, a.alertMemory])).toEqual([['new', 'unavailable']]);
      sim.verdict('persistent write conflicts', new Map([['198.51.100.94', 'critical']]));
    } finally {
      await close();
    }
  });
});

describe('fault campaign: SNS outages', () => {
  it('an outage across window ends and a digest boundary: everything goes out once SNS is back', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const { deliveries, expected } = population(sim, T0, 'o');

      await sim.run(deliveries, T0 + 3 * HOUR_MS, [
        { at: T0 + 20 * MIN, run: () => void (sim.sns.down = true) },
        { at: T0 + 75 * MIN, run: () => void (sim.sns.down = false) },
      ]);
      await sim.redrive(T0 + 3 * HOUR_MS);

      expect(sim.counts.invocationFailures).toBeGreaterThan(0);
      sim.verdict('SNS down 55 minutes', expected, `${sim.counts.invocationFailures} failed invocations`);
      expect(sim.judge(expected).sentTwice).toBe(0);
    } finally {
      await close();
    }
  });

  it('a failed sweep\'s update goes out at the next sweep, not 15 minutes later', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      await sim.invoke(sim.event(T0, [{ client: '198.51.100.95', target: '203.0.113.9', port: 4000 }], 'u1'), T0);
      await sim.invoke(sim.event(T0 + MIN, [{ client: '198.51.100.95', target: '203.0.113.9', port: 4001 }], 'u2'), T0 + MIN);

      sim.sns.down = true;
      await sim.sweep(T0 + 60 * MIN);
      sim.sns.down = false;
      await sim.sweep(T0 + 65 * MIN);

      expect(sim.sns.alerts.map((a) => a.kind)).toEqual(['new', 'update']);
      sim.verdict('a sweep fails to publish', new Map([['198.51.100.95', 'high']]));
    } finally {
      await close();
    }
  });

  it('Kinesis: a poisoned record and an SNS outage through every retry lose no good record', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const clients = Array.from({ length: 9 }, (_, i) => `198.51.102.${i + 1}`);
      const records = clients.map((client, i) => {
        const data = (sim.event(T0, [{ client, target: '203.0.113.9', port: 25 }], `k${i}`) as { awslogs: { data: string } }).awslogs.data;
        return { kinesis: { sequenceNumber: String(i + 1), data, partitionKey: 'p' } };
      });
      records.splice(3, 0, { kinesis: { sequenceNumber: '3.5', data: 'bm90IGd6aXA=', partitionKey: 'p' } });
      const kept: string[] = [];
      const deps = {
        publisher: sim.sns,
        region: REGION,
        maxDecompressedBytes: 1 << 20,
        logger: { debug: () => undefined },
        metrics: { count: () => undefined },
        memory: { incidents: sim.memory, now: () => T0 },
        keepPoisonRecord: async (r: { sequenceNumber: string }) => void kept.push(r.sequenceNumber),
      };

      // The event source mapping: on reported failures it retries from the lowest one (3 retries), then gives the
      // rest of the batch to its on-failure destination and moves on.
      sim.sns.down = true;
      let batch = records;
      const reported: number[] = [];
      for (let attempt = 0; attempt <= 3 && batch.length > 0; attempt++) {
        const outcome = await processKinesisEvent({ Records: batch }, deps);
        reported.push(outcome.failures.length);
        const lowest = batch.findIndex((r) => outcome.failures.some((f) => f.sequenceNumber === r.kinesis.sequenceNumber));
        batch = lowest < 0 ? [] : batch.slice(lowest);
      }
      sim.sns.down = false;
      await sim.sweep(T0 + 5 * MIN);

      expect(reported).toEqual([9, 9, 9, 9]);
      expect(kept).toEqual(['3.5', '3.5', '3.5', '3.5']);
      sim.verdict('Kinesis: poison record and SNS outage', new Map(clients.map((c) => [c, 'critical' as const])));
      expect(sim.judge(new Map()).sentTwice).toBe(0);
    } finally {
      await close();
    }
  });
});

describe('fault campaign: late and out-of-order batches and sweeps', () => {
  it('lines written after their digest went out come in a late-additions part; out-of-order batches and sweeps change nothing', async () => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const expected = new Map<string, Severity>([
        ['203.0.113.61', 'low'],
        ['203.0.113.62', 'low'],
        ['198.51.100.96', 'high'],
      ]);
      await sim.invoke(sim.event(T0 + 10 * MIN, [{ client: '203.0.113.61', target: '192.168.1.20', port: 50_000 }], 'l1'), T0 + 10 * MIN);
      await sim.sweep(T0 + HOUR_MS); // the 10:00-11:00 digest goes out
      // A slow detector, its clock behind, decides in the bucket that already went out.
      await sim.invoke(sim.event(T0 + 50 * MIN, [{ client: '203.0.113.62', target: '192.168.1.20', port: 50_000 }], 'l2'), T0 + 59 * MIN);
      // A client's later batch arrives before its earlier one.
      await sim.invoke(sim.event(T0 + 70 * MIN, [{ client: '198.51.100.96', target: '203.0.113.9', port: 4001 }], 'o2'), T0 + 70 * MIN);
      await sim.invoke(sim.event(T0 + 65 * MIN, [{ client: '198.51.100.96', target: '203.0.113.9', port: 4000 }], 'o1'), T0 + 65 * MIN);
      // Sweeps out of order: a late one for an earlier time after a later one.
      await sim.sweep(T0 + 135 * MIN);
      await sim.sweep(T0 + 65 * MIN);
      await sim.sweep(T0 + 140 * MIN);

      const digests = sim.sns.alerts.filter((a) => a.kind === 'digest');
      expect(digests.map((d) => [d.digest?.continued, d.digest?.entries.map((e) => e.srcIp)])).toEqual([
        [false, ['203.0.113.61']],
        [true, ['203.0.113.62']],
      ]);
      expect(digests[1]?.title).toMatch(/late additions/);
      expect(sim.sns.alerts.filter((a) => a.srcIp === '198.51.100.96').map((a) => [a.kind, a.incidentTotal])).toEqual([
        ['new', 1],
        ['update', 2],
      ]);
      sim.verdict('late lines, out-of-order batches and sweeps', expected);
    } finally {
      await close();
    }
  });

  it('a record the sweep could not update in time still gets its line listed, in the next sweep\'s part', async () => {
    const { store, proxy, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const expected = new Map<string, Severity>();
      for (let i = 1; i <= 3; i++) {
        expected.set(`203.0.113.7${i}`, 'low');
        await sim.invoke(sim.event(T0 + i * MIN, [{ client: `203.0.113.7${i}`, target: '192.168.1.20', port: 50_000 }], `c${i}`), T0 + i * MIN);
      }
      // The first record's sweep write loses every race.
      proxy.script('PutItem', ...Array<'conditional'>(6).fill('conditional'));

      await sim.sweep(T0 + HOUR_MS);
      await sim.sweep(T0 + HOUR_MS + 5 * MIN);

      expect(sim.sns.alerts.map((a) => a.digest?.entries.length)).toEqual([2, 1]);
      sim.verdict('a sweep write that keeps losing', expected);
    } finally {
      await close();
    }
  });
});

describe('fault campaign: volume', () => {
  it.each([
    ['150 NAT clients in one digest interval', 150, 'nat'],
    ['200 critical clients in an hour, 30 announced', 200, 'critical'],
  ] as const)('%s: every client named in some message', async (_label, count, kind) => {
    const { store, close } = await faultyStore();
    try {
      const sim = new Simulation(store, HOURLY);
      const expected = new Map<string, Severity>();
      for (let i = 0; i < count; i++) {
        const client = `10.${Math.floor(i / 250)}.${i % 250}.9`;
        const refusal: Refusal = kind === 'nat' ? { client, target: '192.168.1.20', port: 50_000 } : { client, target: '203.0.113.9', port: 21 };
        expected.set(client, kind === 'nat' ? 'low' : 'critical');
        const at = T0 + Math.floor((i * 50 * MIN) / count);
        await sim.invoke(sim.event(at, [refusal], `v${i}`), at);
      }

      await sim.sweep(T0 + HOUR_MS);
      await sim.sweep(T0 + HOUR_MS + 5 * MIN);

      const digests = sim.sns.alerts.filter((a) => a.kind === 'digest');
      const news = sim.sns.alerts.filter((a) => a.kind === 'new');
      expect(news).toHaveLength(kind === 'nat' ? 0 : 30);
      expect(digests.map((d) => d.digest?.entries.length)).toEqual(kind === 'nat' ? [100, 50] : [100, 70]);
      expect(digests.map((d) => d.title)).toEqual([expect.stringMatching(/part 1 of 2/), expect.stringMatching(/part 2 of 2/)]);
      sim.verdict(_label, expected, `${digests.length} digest parts`);
    } finally {
      await close();
    }
  });
});
