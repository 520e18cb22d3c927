/**
 * What on-call's two levers do to what people hear: a suppression lists its clients' incidents in the digest's
 * `suppressed` section (never drops them) up to its severity; an acknowledgement sends an incident's updates to
 * the digest's `acknowledged` section until it escalates. The real pipeline and alert memory on the in-memory store.
 */
import type { Alert } from '../../../lambda/alerts';
import { type ClientKey, clientId, MemoryIncidentStore, type Suppression } from '../../../lambda/incidents';
import { Deployment, MIN, repeated, T0 } from '../../support/deployment';

const HOUR = 60 * MIN;
/** The default digest (24 h, aligned to 00:00 UTC) of T0's day is due then. */
const DIGEST_DUE = Date.UTC(2024, 4, 2, 0, 0, 0);

const LOW = { client: '203.0.113.50', target: '192.168.1.20', port: 50_000 } as const;
const MEDIUM = { client: '10.0.0.5', target: '198.51.100.20', port: 50_000 } as const;
const HIGH = { client: '198.51.100.9', target: '203.0.113.7', port: 4000 } as const;
const CRITICAL = { client: '198.51.100.9', target: '203.0.113.7', port: 25 } as const;

function suppression(fields: Partial<Suppression>): Suppression {
  return {
    id: 's-0000beef',
    client: '198.51.100.0/24',
    target: null,
    severity: 'medium',
    reason: 'Acme FXP partner, OPS-1234',
    author: 'arn:aws:iam::123456789012:user/oncall',
    createdAt: T0 - HOUR,
    expiresAt: T0 + 7 * 24 * HOUR,
    ...fields,
  };
}

function deployment(list: Suppression[], store = new MemoryIncidentStore()): Deployment {
  return new Deployment({}, store, { current: async () => list });
}

const digests = (alerts: readonly Alert[], reason: string) => alerts.filter((a) => a.digest?.reason === reason);

describe('suppressions: listed under "suppressed", never dropped', () => {
  it.each<[string, Partial<Suppression>, typeof HIGH | typeof MEDIUM | typeof CRITICAL]>([
    ['a proxy client (medium) under the default cap', { client: '10.0.0.0/8' }, MEDIUM],
    ['a foreign target (high) under a high cap', { severity: 'high' }, HIGH],
    ['a bounce attempt (critical) under a critical cap', { severity: 'critical' }, CRITICAL],
  ])('%s: no alert, then the digest lists every finding with the reason', async (_name, fields, refusal) => {
    const d = deployment([suppression(fields)]);

    const immediate = await d.batch(T0, repeated(3, refusal, 1000, 0));
    const later = await d.sweep(T0 + 2 * HOUR);
    const digest = await d.sweep(DIGEST_DUE);

    expect(immediate).toEqual([]);
    expect(later).toEqual([]);
    expect(digests(digest, 'suppressed')).toHaveLength(1);
    expect(digests(digest, 'suppressed')[0]?.digest?.entries).toEqual([
      expect.objectContaining({ srcIp: refusal.client, count: 3, note: 'suppressed by s-0000beef: Acme FXP partner, OPS-1234' }),
    ]);
  });

  it.each<[string, Partial<Suppression>, typeof HIGH | typeof CRITICAL, string]>([
    ['a foreign target (high) under the default medium cap', {}, HIGH, 'new/foreign-public-target'],
    ['a bounce attempt (critical) under a high cap', { severity: 'high' }, CRITICAL, 'new/bounce-attempt'],
    ['a client outside the network', { client: '192.0.2.0/24', severity: 'critical' }, HIGH, 'new/foreign-public-target'],
    ['an expired suppression', { expiresAt: T0 - 1, severity: 'critical' }, HIGH, 'new/foreign-public-target'],
    ['another target than the one suppressed', { target: '10.0.0.0/8', severity: 'critical' }, HIGH, 'new/foreign-public-target'],
  ])('alerts as usual for %s', async (_name, fields, refusal, expected) => {
    const d = deployment([suppression(fields)]);

    await d.batch(T0, [refusal]);

    expect(d.stream).toEqual([expected]);
  });

  it('is no ceiling: a critical finding of a client suppressed up to high alerts at once (new: nothing was announced)', async () => {
    const d = deployment([suppression({ severity: 'high' })]);

    await d.batch(T0, [HIGH]);
    await d.batch(T0 + MIN, [CRITICAL]);

    expect(d.stream).toEqual(['new/bounce-attempt']);
  });

  it('quiets an open incident once a suppression covers it: what it owed goes to the digest, no update', async () => {
    const list: Suppression[] = [];
    const d = deployment(list);
    await d.batch(T0, [HIGH]);
    await d.batch(T0 + 5 * MIN, repeated(4, HIGH));

    list.push(suppression({ severity: 'high', createdAt: T0 + 10 * MIN }));
    await d.batch(T0 + 20 * MIN, repeated(2, HIGH));
    const windowEnd = await d.sweep(T0 + HOUR);
    const digest = await d.sweep(DIGEST_DUE);

    expect(windowEnd).toEqual([]);
    expect(d.stream.filter((k) => !k.startsWith('digest'))).toEqual(['new/foreign-public-target']);
    expect(digests(digest, 'suppressed')[0]?.digest?.entries[0]?.count).toBe(6);
  });
});

describe('acknowledgements: updates to the digest until the incident escalates', () => {
  const key: ClientKey = { account: '123456789012', region: 'eu-west-1', logGroup: '/ftp/proftpd', srcIp: HIGH.client };

  async function acknowledge(store: MemoryIncidentStore): Promise<string> {
    const record = (await store.load([key])).get(clientId(key));
    const incident = record?.state.incidents[0];
    if (record === undefined || incident === undefined) throw new Error('no incident to acknowledge');
    const acknowledged = { at: T0 + 2 * MIN, by: 'arn:aws:iam::123456789012:user/oncall', note: 'talking to Acme' };
    const state = { ...record.state, incidents: record.state.incidents.map((i) => ({ ...i, acknowledged })) };
    expect(await store.save(state, record.version)).not.toBeNull();
    return incident.id;
  }

  it('sends no update at the window end and lists the window in the acknowledged digest, with who and the note', async () => {
    const store = new MemoryIncidentStore();
    const d = deployment([], store);
    await d.batch(T0, [HIGH]);
    const id = await acknowledge(store);

    await d.batch(T0 + 5 * MIN, repeated(5, HIGH));
    const windowEnd = await d.sweep(T0 + HOUR);
    const digest = await d.sweep(DIGEST_DUE);

    expect(windowEnd).toEqual([]);
    expect(digests(digest, 'acknowledged')[0]?.digest?.entries).toEqual([
      expect.objectContaining({
        incidentId: id,
        count: 5,
        note: 'acknowledged by arn:aws:iam::123456789012:user/oncall at 2024-05-01T10:02:00.000Z: talking to Acme',
      }),
    ]);
  });

  it('still sends an escalation at once', async () => {
    const store = new MemoryIncidentStore();
    const d = deployment([], store);
    await d.batch(T0, [HIGH]);
    await acknowledge(store);

    const escalation = await d.batch(T0 + 5 * MIN, [CRITICAL]);

    expect(escalation.map((a) => `${a.kind}/${a.classification}`)).toEqual(['escalation/bounce-attempt']);
  });

  it('keeps the acknowledgement through the detector\'s later writes', async () => {
    const store = new MemoryIncidentStore();
    const d = deployment([], store);
    await d.batch(T0, [HIGH]);
    await acknowledge(store);

    await d.batch(T0 + 5 * MIN, [HIGH]);
    const after = (await store.load([key])).get(clientId(key));

    expect(after?.state.incidents[0]?.acknowledged?.note).toBe('talking to Acme');
  });
});

describe('low severity stays where it was', () => {
  it('a NAT client under no suppression is still in the low-severity digest', async () => {
    const d = deployment([suppression({})]);

    await d.batch(T0, [LOW]);
    const digest = await d.sweep(DIGEST_DUE);

    expect(digest.map((a) => a.digest?.reason)).toEqual(['low-severity']);
  });
});
