/**
 * The DynamoDB state store against dynalite (a DynamoDB-compatible server, in process, on loopback) through
 * the real SDK client: conditional writes, the due index, the flood counter, sent markers, and the same
 * alert-memory behaviour as the in-memory store, races included.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentStore } from '../../lambda/adapters/dynamodb-incident-store';
import { clientId, type ClientKey, emptyClient, StateStoreError } from '../../lambda/incidents';
import { createIncidentTable, type LocalDynamoDb, startLocalDynamoDb } from '../../scripts/local-dynamodb';
import { Deployment, MIN, T0 } from '../support/deployment';

// dynalite and the real SDK client over loopback: a race of conditional writes takes over half a second alone.
jest.setTimeout(20_000);

let dynamo: LocalDynamoDb;
let client: DynamoDBClient;
let tableSeq = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  client = new DynamoDBClient({
    region: 'eu-west-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

async function freshStore(): Promise<DynamoDbIncidentStore> {
  const name = `incidents-${++tableSeq}`;
  await createIncidentTable(client, name);
  return new DynamoDbIncidentStore(client, name);
}

const KEY: ClientKey = { account: '123456789012', region: 'eu-west-1', logGroup: '/ftp', srcIp: '198.51.100.9' };
const PUBLIC = { client: '198.51.100.9', target: '203.0.113.7' } as const;

describe('DynamoDbIncidentStore', () => {
  it('creates a record only when none exists, and updates only the version it read', async () => {
    const store = await freshStore();
    const state = emptyClient(KEY);

    const created = await store.save(state, 0);
    const createdAgain = await store.save(state, 0);
    const updated = await store.save({ ...state, applied: [{ id: 'b1', at: T0 }] }, 1);
    const stale = await store.save(state, 1);
    const loaded = await store.load([KEY]);

    expect([created, createdAgain, updated, stale]).toEqual([1, null, 2, null]);
    expect(loaded.get(clientId(KEY))).toEqual({ version: 2, state: { ...state, applied: [{ id: 'b1', at: T0 }] } });
  });

  it('finds due records through the index, earliest first, and drops records with nothing due from it', async () => {
    const store = await freshStore();
    const d = new Deployment({}, store);
    await d.batch(T0, [{ ...PUBLIC, port: 4000 }]);
    await d.batch(T0 + 10 * MIN, [{ ...PUBLIC, client: '198.51.100.10', port: 4000 }]);

    const before = await store.due(T0 + 59 * MIN, 10);
    const due = await store.due(T0 + 75 * MIN, 10);

    expect(before).toEqual({ records: [], cursor: null });
    expect(due.records.map((r) => r.state.key.srcIp)).toEqual(['198.51.100.9', '198.51.100.10']);
  });

  it('pages through every due record with its cursor, however many there are', async () => {
    const store = await freshStore();
    const d = new Deployment({}, store);
    for (let i = 0; i < 7; i++) await d.batch(T0 + i * 1000, [{ client: `198.51.100.${i + 1}`, target: '203.0.113.7', port: 4000 }]);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.due(T0 + 75 * MIN, 3, cursor);
      seen.push(...page.records.map((r) => r.state.key.srcIp ?? ''));
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);

    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `198.51.100.${i + 1}`));
  });

  it('grants flood-guard slots up to the hour\'s maximum, per scope and hour, and takes back what is released', async () => {
    const store = await freshStore();

    const grants = [
      await store.reserveNewIncidents('eu-west-1', T0, 2, 3),
      await store.reserveNewIncidents('eu-west-1', T0, 2, 3),
      await store.reserveNewIncidents('eu-west-1', T0, 1, 3),
      await store.reserveNewIncidents('us-east-1', T0, 1, 3),
      await store.reserveNewIncidents('eu-west-1', T0 + 60 * MIN, 1, 3),
    ];
    await store.releaseNewIncidents('eu-west-1', T0, 2);
    const afterRelease = await store.reserveNewIncidents('eu-west-1', T0, 5, 3);

    expect(grants.map((g) => g.granted)).toEqual([2, 1, 0, 1, 1]);
    expect(grants.every((g) => !g.uncounted)).toBe(true);
    expect(afterRelease).toEqual({ granted: 2, uncounted: false });
  });

  it('never grants more than the maximum to concurrent reservations, and grants every slot there is', async () => {
    const store = await freshStore();

    const grants = await Promise.all(Array.from({ length: 8 }, () => store.reserveNewIncidents('eu-west-1', T0, 1, 5)));

    expect(grants.reduce((a, b) => a + b.granted, 0)).toBe(5);
  });

  it('takes send slots up to the limit per second, across concurrent publishers', async () => {
    const store = await freshStore();

    const taken = await Promise.all(Array.from({ length: 6 }, () => store.takeSendSlots(1_700_000_000, 2, 5)));
    const next = await store.takeSendSlots(1_700_000_001, 10, 5);

    expect(taken.reduce((a, b) => a + b, 0)).toBe(5);
    expect(next).toBe(5);
  });

  it('keeps a test line\'s round trip beside its nonce, where ftp-bounce-watch test reads it with GetItem', async () => {
    const name = `incidents-${++tableSeq}`;
    await createIncidentTable(client, name);
    const store = new DynamoDbIncidentStore(client, name);
    const nonce = randomBytes(16).toString('hex');

    await store.takeCanaryNonce(nonce, 'event-1', 1_900_000_000);
    await store.recordTest(nonce, { logGroup: '/ftp/proftpd', seenAt: T0 + 1_500, seenLatencyMs: 1_500 });
    await store.recordTest(nonce, { publishedAt: T0 + 1_700, publishLatencyMs: 1_700, delivered: true });

    const { Item } = await client.send(new GetItemCommand({ TableName: name, Key: { pk: { S: `N#${nonce}` } }, ConsistentRead: true }));
    expect(Item).toEqual({
      pk: { S: `N#${nonce}` },
      eventId: { S: 'event-1' },
      expiresAt: { N: '1900000000' },
      logGroup: { S: '/ftp/proftpd' },
      seenAt: { N: String(T0 + 1_500) },
      seenLatencyMs: { N: '1500' },
      publishedAt: { N: String(T0 + 1_700) },
      publishLatencyMs: { N: '1700' },
      delivered: { BOOL: true },
    });
    // The nonce stays taken: a copy of the line is still a replay.
    expect(await store.takeCanaryNonce(nonce, 'event-2', 1_900_000_000)).toBe(false);
  });

  it('remembers which alerts were sent and which digest lines were listed', async () => {
    const store = await freshStore();
    const ids = Array.from({ length: 40 }, (_, i) => `${(i % 16).toString(16)}${'0'.repeat(30)}${i.toString().padStart(2, '0')}`);

    await store.markSent(['d1', 'd2'], T0);
    await store.markListedInDigest('bucket-1', ids.slice(0, 30), T0);
    await store.markListedInDigest('bucket-1', ids.slice(25), T0);

    expect(await store.sent(['d1', 'd3', 'd2'])).toEqual(new Set(['d1', 'd2']));
    expect(await store.listedInDigest('bucket-1')).toEqual(new Set(ids));
    expect(await store.listedInDigest('bucket-2')).toEqual(new Set());
  });

  it('slims queued messages rather than exceed DynamoDB\'s 400 KB item size', async () => {
    const store = await freshStore();
    const d = new Deployment();
    const huge = 'x'.repeat(4000);
    await d.batch(T0, Array.from({ length: 5 }, (_, i) => ({ ...PUBLIC, port: 25, reason: huge, offset: i })));
    const alert = d.publisher.alerts[0];
    if (alert === undefined) throw new Error('no alert');
    // Each copy with lines of its own, so no copy compresses against another.
    const outbox = Array.from({ length: 30 }, (_, i) => ({
      alert: {
        ...alert,
        id: `a${i}`,
        samples: alert.samples.map((sample) => ({ ...sample, finding: { ...sample.finding, line: randomBytes(3000).toString('base64') } })),
      },
      origin: 'b',
      createdAt: T0,
    }));
    expect(JSON.stringify(outbox).length).toBeGreaterThan(400_000);

    const version = await store.save({ ...emptyClient(KEY), outbox }, 0);
    const loaded = (await store.load([KEY])).get(clientId(KEY));

    expect(version).toBe(1);
    expect(loaded?.state.outbox).toHaveLength(30);
    expect(loaded?.state.outbox[0]?.alert.samples).toEqual([]);
    expect(loaded?.state.outbox[0]?.alert.samplesDropped).toBe(alert.samples.length);
  });

  it('turns a missing table into StateStoreError (memory then fails open)', async () => {
    const store = new DynamoDbIncidentStore(client, 'no-such-table');

    await expect(store.load([KEY])).rejects.toBeInstanceOf(StateStoreError);
    await expect(store.save(emptyClient(KEY), 0)).rejects.toThrow(/state table PutItem failed: ResourceNotFoundException/);
  });
});

describe('alert memory on DynamoDB', () => {
  it('publishes one first alert when two invocations of the same incident race (conditional writes)', async () => {
    const store = await freshStore();
    const d = new Deployment({}, store);
    const events = Array.from({ length: 4 }, (_, i) => d.event(T0, [{ ...PUBLIC, port: 4000 + i }]));

    await Promise.all(events.map((e, i) => d.process(e, T0 + i)));
    const [update] = await d.sweep(T0 + 60 * MIN);

    expect(d.stream.filter((k) => k.startsWith('new/'))).toEqual(['new/foreign-public-target']);
    expect(update?.incidentTotal).toBe(4);
  });

  it('behaves as the in-memory store does over a whole incident: new, silent counts, update, redelivery', async () => {
    const store = await freshStore();
    const d = new Deployment({}, store);
    const first = d.event(T0, [{ ...PUBLIC, port: 4000 }]);

    await d.process(first, T0);
    await d.batch(T0 + 5 * MIN, [{ ...PUBLIC, port: 4001 }]);
    await d.process(first, T0 + 6 * MIN); // redelivered
    await d.sweep(T0 + 60 * MIN);

    expect(d.stream).toEqual(['new/foreign-public-target', 'update/foreign-public-target']);
    expect(d.publisher.alerts[1]?.incidentTotal).toBe(2);
  });

  it('sends a pending digest once, from the due index', async () => {
    const store = await freshStore();
    const d = new Deployment({}, store);
    await d.batch(T0, [{ port: 50_000 }]);

    const boundary = Date.UTC(2024, 4, 2);
    const digest = await d.sweep(boundary);
    const again = await d.sweep(boundary + 5 * MIN);

    expect(digest.map((a) => a.kind)).toEqual(['digest']);
    expect(again).toEqual([]);
  });
});
