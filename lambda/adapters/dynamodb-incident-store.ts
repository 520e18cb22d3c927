/**
 * Alert memory's state in DynamoDB (one on-demand table; schema below, created by infra). Conditional writes
 * only, no transactions: each client record carries a version, and a write succeeds only on the version it
 * read. Every SDK failure other than a lost condition becomes StateStoreError, on which memory fails open.
 *
 * Items (partition key `pk`, string):
 * - `C#<client id>`: a client record: `version` (N), `state` (B, the ClientState as gzipped JSON: write
 *   capacity is billed per KB, and the JSON of a busy client compresses about sixfold), `dueAt` (N) and
 *   `dueShard` (S, "due") while anything is due (the sparse `due` index: partition `dueShard`, sort `dueAt`,
 *   keys only, so the index costs one write unit per change; the sweep reads the records themselves, strongly
 *   consistent), `expiresAt` (N, TTL in epoch seconds).
 * - `F#<scope>#<hour start>`: the flood guard's counter `used` (N) for that hour (scope: the Region).
 * - `S#<alert id>`: an alert that was published but could not be removed from its outbox.
 * - `L#<digest bucket id>#<0-f>`: the incident ids (`incidentIds`, SS) a digest of that bucket listed, in 16 shards by
 *   the id's first hex digit, so a bucket of tens of thousands of lines stays within DynamoDB's item size.
 * - `R#<epoch second>`: the messages (`used`, N) all publishers took in that second (the send-rate limit).
 * - `N#<nonce>`: a canary's nonce and the log event (`eventId`) that used it (single use, kept 7 hours).
 *   A test line's (`ftp-bounce-watch test`) adds its round trip: `logGroup`, `seenAt`, `seenLatencyMs`, `publishedAt`,
 *   `publishLatencyMs`, `delivered` (the CLI reads it with GetItem).
 * - `Q#<log group>`: the canary's round trip in that group (`writtenAt`, `seenAt`, ... as in CanaryRecord).
 * - `X#suppressions`: the suppressions `ftp-bounce-watch suppress` manages, one item so the detector reads them
 *   in one GetItem: `version` (N, every write conditional on it, so concurrent adds lose nothing), `entries`
 *   (S, a JSON list of Suppression).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandOutput,
  PutItemCommand,
  type PutItemCommandOutput,
  QueryCommand,
  type QueryCommandOutput,
  ScanCommand,
  type ScanCommandOutput,
  UpdateItemCommand,
  type UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import { clientId, dueAt, isIdle } from '../incidents';
import type { CanaryRecord, CanaryStore, TestRoundTrip } from '../canary/service';
import type { ClientKey, ClientState, DuePage, IncidentStore, SlotGrant, StoredClient, Suppression } from '../incidents';
import { StateStoreError } from '../incidents/store';
import { awsErrorShape, oneLine } from './aws-error';
import { DeadlineExceededError, InvocationBudget } from './timeouts';

/** The index the sweep queries: only records with something due are in it. */
export const DUE_INDEX_NAME = 'due';
export const DUE_SHARD = 'due';

/** DynamoDB's item limit is 400 KB; beyond this a (compressed) state is slimmed (sample lines of queued messages). */
const MAX_STATE_BYTES = 350_000;
/** The due index is keys-only: a Query page of keys is then read from the table in one BatchGetItem. */
const DUE_PAGE_MAX = 100;
const DAY_S = 86_400;
/** Records stay this long after their last write: past the applied-batch memory (7 h) and a digest (7 d). */
const RECORD_TTL_S = 9 * DAY_S;
const SENT_TTL_S = 2 * DAY_S;
/** Digest markers outlive the longest digest interval's lateness that matters (a line arriving days late). */
const LISTED_TTL_S = 9 * DAY_S;
const LISTED_SHARDS = '0123456789abcdef';
/** BatchGetItem takes 100 keys, BatchWriteItem 25 items. */
const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
/** Rounds for unprocessed keys and items (DynamoDB returns them under throttling), with backoff. */
const UNPROCESSED_ROUNDS = 5;

/** The suppressions item's key. */
export const SUPPRESSIONS_PK = 'X#suppressions';

/** The suppressions item as read: the list, and the version a write must expect (0: no item yet). */
export interface StoredSuppressions {
  readonly suppressions: readonly Suppression[];
  readonly version: number;
}

/** A page of client records (the CLI's `incidents`), and where the next starts (null: no more). */
export interface ClientPage {
  readonly records: StoredClient[];
  readonly cursor: string | null;
}

export interface DynamoDbIncidentStoreOptions {
  /**
   * Sends each request instead of the client under the budget (the CLI: its retries, timeouts and one-line
   * errors). It must reject a lost condition with DynamoDB's own ConditionalCheckFailedException.
   */
  readonly send?: (operation: string, command: object, signal?: AbortSignal) => Promise<unknown>;
  /** Injected in tests to skip real waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The invocation's time budget: every request runs under it, so a hanging DynamoDB ends with
   * DeadlineExceededError well inside the function's timeout. @default no budget (per-attempt timeouts only)
   */
  readonly budget?: InvocationBudget;
}

function isConditionFailure(error: unknown): boolean {
  return awsErrorShape(error).name === 'ConditionalCheckFailedException';
}

/** Store failures fail open; a spent invocation budget does not (the invocation fails and is retried). */
function storeError(operation: string, error: unknown): Error {
  if (error instanceof DeadlineExceededError) return error;
  const shape = awsErrorShape(error);
  return new StateStoreError(`state table ${operation} failed: ${shape.name}: ${oneLine(shape.message, 200)}`, {
    cause: error,
  });
}

function decodeCursor(cursor: string): Record<string, AttributeValue> {
  try {
    return JSON.parse(cursor) as Record<string, AttributeValue>;
  } catch (error) {
    throw new StateStoreError('due-index cursor is not JSON', { cause: error });
  }
}

function clientPk(key: ClientKey): string {
  return `C#${clientId(key)}`;
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  return value?.N === undefined ? undefined : Number(value.N);
}

/** Bounded serialisation: queued messages lose their sample lines before the state could exceed an item. */
function serialise(state: ClientState): Uint8Array {
  const packed = gzipSync(JSON.stringify(state), { level: 6 });
  if (packed.length <= MAX_STATE_BYTES) return packed;
  const slim: ClientState = {
    ...state,
    outbox: state.outbox.map((e) => ({
      ...e,
      alert: { ...e.alert, samples: [], samplesDropped: e.alert.samplesDropped + e.alert.samples.length },
    })),
  };
  const slimmed = gzipSync(JSON.stringify(slim), { level: 6 });
  if (slimmed.length <= MAX_STATE_BYTES) return slimmed;
  throw new StateStoreError(`client state of ${slimmed.length} compressed bytes exceeds the item budget`);
}

function decodeRecord(item: Record<string, AttributeValue>): StoredClient {
  const version = numberOf(item.version);
  const packed = item.state?.B;
  if (version === undefined || packed === undefined) {
    throw new StateStoreError(`state table item ${oneLine(item.pk?.S ?? '?', 80)} has no version or state`);
  }
  try {
    return { version, state: JSON.parse(gunzipSync(packed).toString('utf8')) as ClientState };
  } catch (error) {
    throw new StateStoreError(`state table item ${oneLine(item.pk?.S ?? '?', 80)} holds invalid JSON`, { cause: error });
  }
}

const SEVERITIES = new Set(['medium', 'high', 'critical']);

/** The item's entries, checked field by field: a hand-edited item fails with its first bad field, not later. */
function decodeSuppressions(json: string | undefined): Suppression[] {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '[]');
  } catch (error) {
    throw new StateStoreError(`${SUPPRESSIONS_PK} holds invalid JSON`, { cause: error });
  }
  if (!Array.isArray(value)) throw new StateStoreError(`${SUPPRESSIONS_PK} entries are not a list`);
  return value.map((entry: unknown, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const bad = (['id', 'client', 'reason', 'author'] as const).find((k) => typeof e[k] !== 'string')
      ?? (['createdAt', 'expiresAt'] as const).find((k) => typeof e[k] !== 'number')
      ?? (e.target !== null && typeof e.target !== 'string' ? 'target' : undefined)
      ?? (!SEVERITIES.has(e.severity as string) ? 'severity' : undefined);
    if (bad !== undefined) throw new StateStoreError(`${SUPPRESSIONS_PK} entry ${i + 1} has a bad ${bad}`);
    return e as unknown as Suppression;
  });
}

const CANARY_FIELDS = ['writtenAt', 'firstWrittenAt', 'seenAt', 'seenLatencyMs', 'publishedAt', 'publishLatencyMs', 'warnedAt'] as const;

export class DynamoDbIncidentStore implements IncidentStore, CanaryStore {
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly budget: InvocationBudget;
  private readonly transport: DynamoDbIncidentStoreOptions['send'];

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: DynamoDbIncidentStoreOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // An unstarted budget has no deadline: the client's per-attempt timeouts still hold.
    this.budget = options.budget ?? new InvocationBudget();
    this.transport = options.send;
  }

  /** Every request goes through here: under the invocation's budget, cancellable at its deadline. */
  private send<T>(operation: string, command: object, signal?: AbortSignal): Promise<T> {
    if (this.transport !== undefined) return this.transport(operation, command, signal) as Promise<T>;
    // The client's send is overloaded per command; one loose signature serves the commands used here.
    const send = this.client.send.bind(this.client) as (c: object, o: { abortSignal: AbortSignal }) => Promise<T>;
    return this.budget.call(`dynamodb:${operation}`, (abortSignal) =>
      send(command, { abortSignal: signal === undefined ? abortSignal : AbortSignal.any([abortSignal, signal]) }),
    );
  }

  /** The suppressions item (strongly consistent); `signal` cuts the read short (the detector's timeout). */
  async loadSuppressions(signal?: AbortSignal): Promise<StoredSuppressions> {
    let item: Record<string, AttributeValue> | undefined;
    try {
      const answer = await this.send<GetItemCommandOutput>(
        'GetItem',
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: SUPPRESSIONS_PK } }, ConsistentRead: true }),
        signal,
      );
      item = answer.Item;
    } catch (error) {
      throw storeError('GetItem', error);
    }
    if (item === undefined) return { suppressions: [], version: 0 };
    return { suppressions: decodeSuppressions(item.entries?.S), version: numberOf(item.version) ?? 0 };
  }

  /** Writes the list if the item's version is still `expectedVersion`; the new version, or null when it moved. */
  async saveSuppressions(suppressions: readonly Suppression[], expectedVersion: number): Promise<number | null> {
    const version = expectedVersion + 1;
    const item = { pk: { S: SUPPRESSIONS_PK }, version: { N: String(version) }, entries: { S: JSON.stringify(suppressions) } };
    return (await this.putIfVersion(item, expectedVersion)) ? version : null;
  }

  /** Puts `item` if the stored one is still at `expectedVersion` (0: none yet); false when it moved. */
  private async putIfVersion(item: Record<string, AttributeValue>, expectedVersion: number): Promise<boolean> {
    try {
      await this.send<PutItemCommandOutput>(
        'PutItem',
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError('PutItem', error);
    }
  }

  /** Client records, a page at a time (a Scan: for the CLI's listings, never on the detector's path). */
  async clients(cursor?: string): Promise<ClientPage> {
    try {
      const page = await this.send<ScanCommandOutput>(
        'Scan',
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :client)',
          ExpressionAttributeValues: { ':client': { S: 'C#' } },
          ConsistentRead: true,
          ...(cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(cursor) }),
        }),
      );
      return {
        records: (page.Items ?? []).map(decodeRecord),
        cursor: page.LastEvaluatedKey === undefined ? null : JSON.stringify(page.LastEvaluatedKey),
      };
    } catch (error) {
      if (error instanceof StateStoreError) throw error;
      throw storeError('Scan', error);
    }
  }

  async load(keys: readonly ClientKey[]): Promise<Map<string, StoredClient>> {
    const found = new Map<string, StoredClient>();
    const pks = [...new Set(keys.map(clientPk))];
    for (let i = 0; i < pks.length; i += BATCH_GET_MAX) {
      for (const item of await this.batchGet(pks.slice(i, i + BATCH_GET_MAX))) {
        const record = decodeRecord(item);
        found.set(clientId(record.state.key), record);
      }
    }
    return found;
  }

  async save(state: ClientState, expectedVersion: number): Promise<number | null> {
    const version = expectedVersion + 1;
    const due = dueAt(state);
    const lastActivity = state.applied.reduce((latest, a) => Math.max(latest, a.at), 0);
    const item: Record<string, AttributeValue> = {
      pk: { S: clientPk(state.key) },
      version: { N: String(version) },
      state: { B: serialise(state) },
      // Idle records are kept only for their applied-batch ids; active ones until well after their last due.
      expiresAt: {
        N: String(Math.ceil(Math.max(due ?? 0, lastActivity, Date.now()) / 1000) + (isIdle(state) ? DAY_S : RECORD_TTL_S)),
      },
    };
    if (due !== null) {
      item.dueAt = { N: String(due) };
      item.dueShard = { S: DUE_SHARD };
    }
    return (await this.putIfVersion(item, expectedVersion)) ? version : null;
  }

  async due(now: number, limit: number, cursor?: string): Promise<DuePage> {
    let keys: string[];
    let next: string | null;
    try {
      const page = await this.send<QueryCommandOutput>(
        'Query',
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DUE_INDEX_NAME,
          KeyConditionExpression: 'dueShard = :shard AND dueAt <= :now',
          ExpressionAttributeValues: { ':shard': { S: DUE_SHARD }, ':now': { N: String(Math.min(now, Number.MAX_SAFE_INTEGER)) } },
          ScanIndexForward: true,
          Limit: Math.min(limit, DUE_PAGE_MAX),
          ...(cursor === undefined ? {} : { ExclusiveStartKey: decodeCursor(cursor) }),
        }),
      );
      keys = (page.Items ?? []).flatMap((item) => (item.pk?.S === undefined ? [] : [item.pk.S]));
      next = page.LastEvaluatedKey === undefined ? null : JSON.stringify(page.LastEvaluatedKey);
    } catch (error) {
      throw storeError('Query', error);
    }
    // The index is eventually consistent and keys-only: the records themselves are read consistently, and one
    // whose due time moved since is left out (its next due time brings it back).
    const records = (await this.batchGet(keys)).map(decodeRecord);
    const order = new Map(keys.map((pk, i) => [pk, i]));
    const due = records
      .filter((r) => {
        const at = dueAt(r.state);
        return at !== null && at <= now;
      })
      .sort((a, b) => (order.get(`C#${clientId(a.state.key)}`) ?? 0) - (order.get(`C#${clientId(b.state.key)}`) ?? 0));
    return { records: due, cursor: next };
  }

  /**
   * Atomic: `ADD used :n` only while the counter has room for n. When it has less, the room left is read and
   * taken instead; only a counter that changes under every attempt grants uncounted (fail open).
   */
  async reserveNewIncidents(scope: string, hourStart: number, wanted: number, max: number): Promise<SlotGrant> {
    const pk = `F#${scope}#${hourStart}`;
    const expires = Math.ceil(hourStart / 1000) + 2 * 3600;
    let asking = Math.min(wanted, max);
    for (let round = 0; round < UNPROCESSED_ROUNDS && asking > 0; round++) {
      if (await this.addWithin(pk, asking, max, expires)) return { granted: asking, uncounted: false };
      asking = Math.min(wanted, max - (await this.counter(pk)));
    }
    if (asking <= 0) return { granted: 0, uncounted: false };
    return { granted: wanted, uncounted: true };
  }

  async releaseNewIncidents(scope: string, hourStart: number, count: number): Promise<void> {
    if (count <= 0) return;
    try {
      await this.send<UpdateItemCommandOutput>(
        'UpdateItem',
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `F#${scope}#${hourStart}` } },
          UpdateExpression: 'ADD used :less',
          ConditionExpression: 'used >= :count',
          ExpressionAttributeValues: { ':less': { N: String(-count) }, ':count': { N: String(count) } },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw storeError('flood counter release', error);
    }
  }

  async takeSendSlots(second: number, wanted: number, limit: number): Promise<number> {
    const pk = `R#${second}`;
    let asking = Math.min(wanted, limit);
    for (let round = 0; round < UNPROCESSED_ROUNDS && asking > 0; round++) {
      if (await this.addWithin(pk, asking, limit, second + 120)) return asking;
      asking = Math.min(wanted, limit - (await this.counter(pk)));
    }
    return 0;
  }

  /** `ADD used :n` if the counter stays within `max`; false when it would not. */
  private async addWithin(pk: string, n: number, max: number, expiresAt: number): Promise<boolean> {
    try {
      await this.send<UpdateItemCommandOutput>(
        'UpdateItem',
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk } },
          UpdateExpression: 'ADD used :n SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(used) OR used <= :room',
          ExpressionAttributeValues: {
            ':n': { N: String(n) },
            ':room': { N: String(max - n) },
            ':expires': { N: String(expiresAt) },
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError('counter update', error);
    }
  }

  private async counter(pk: string): Promise<number> {
    try {
      const current = await this.send<GetItemCommandOutput>(
        'GetItem',
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: pk } }, ConsistentRead: true }),
      );
      return numberOf(current.Item?.used) ?? 0;
    } catch (error) {
      throw storeError('GetItem', error);
    }
  }

  async listedInDigest(bucketId: string): Promise<Set<string>> {
    const listed = new Set<string>();
    for (const item of await this.batchGet([...LISTED_SHARDS].map((shard) => `L#${bucketId}#${shard}`))) {
      for (const line of item.incidentIds?.SS ?? []) listed.add(line);
    }
    return listed;
  }

  async markListedInDigest(bucketId: string, lineKeys: readonly string[], now: number): Promise<void> {
    const byShard = new Map<string, string[]>();
    for (const key of new Set(lineKeys)) {
      const shard = LISTED_SHARDS.includes(key.charAt(0)) && key !== '' ? key.charAt(0) : '0';
      byShard.set(shard, [...(byShard.get(shard) ?? []), key]);
    }
    for (const [shard, keys] of byShard) {
      try {
        await this.send<UpdateItemCommandOutput>(
          'UpdateItem',
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: `L#${bucketId}#${shard}` } },
            UpdateExpression: 'ADD incidentIds :ids SET expiresAt = :expires',
            ExpressionAttributeValues: {
              ':ids': { SS: keys },
              ':expires': { N: String(Math.ceil(now / 1000) + LISTED_TTL_S) },
            },
          }),
        );
      } catch (error) {
        throw storeError('UpdateItem', error);
      }
    }
  }

  async sent(alertIds: readonly string[]): Promise<Set<string>> {
    const sent = new Set<string>();
    const pks = [...new Set(alertIds)].map((id) => `S#${id}`);
    for (let i = 0; i < pks.length; i += BATCH_GET_MAX) {
      for (const item of await this.batchGet(pks.slice(i, i + BATCH_GET_MAX))) {
        const pk = item.pk?.S;
        if (pk !== undefined) sent.add(pk.slice(2));
      }
    }
    return sent;
  }

  async markSent(alertIds: readonly string[], now: number): Promise<void> {
    const expires = String(Math.ceil(now / 1000) + SENT_TTL_S);
    const puts = [...new Set(alertIds)].map((id) => ({
      PutRequest: { Item: { pk: { S: `S#${id}` }, expiresAt: { N: expires } } },
    }));
    for (let i = 0; i < puts.length; i += BATCH_WRITE_MAX) {
      let pending = puts.slice(i, i + BATCH_WRITE_MAX);
      for (let round = 0; pending.length > 0; round++) {
        if (round === UNPROCESSED_ROUNDS) throw new StateStoreError(`${pending.length} sent-markers left unprocessed`);
        if (round > 0) await this.sleep(50 * 2 ** round);
        try {
          const result = await this.send<BatchWriteItemCommandOutput>(
            'BatchWriteItem',
            new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }),
          );
          pending = (result.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
        } catch (error) {
          throw storeError('BatchWriteItem', error);
        }
      }
    }
  }

  async takeCanaryNonce(nonce: string, eventId: string, expiresAt: number): Promise<boolean> {
    try {
      await this.send<PutItemCommandOutput>(
        'PutItem',
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: `N#${nonce}` }, eventId: { S: eventId }, expiresAt: { N: String(expiresAt) } },
          ConditionExpression: 'attribute_not_exists(pk) OR eventId = :event',
          ExpressionAttributeValues: { ':event': { S: eventId } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw storeError('PutItem', error);
    }
  }

  async updateCanary(logGroup: string, fields: Partial<Omit<CanaryRecord, 'logGroup'>>): Promise<void> {
    const set: string[] = ['expiresAt = :expires'];
    const remove: string[] = [];
    const values: Record<string, AttributeValue> = { ':expires': { N: String(Math.ceil(Date.now() / 1000) + 30 * DAY_S) } };
    for (const field of CANARY_FIELDS) {
      const value = fields[field];
      if (value === undefined) continue;
      if (value === null) remove.push(field);
      else {
        set.push(`${field} = :${field}`);
        values[`:${field}`] = { N: String(value) };
      }
    }
    try {
      await this.send<UpdateItemCommandOutput>(
        'UpdateItem',
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `Q#${logGroup}` } },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      throw storeError('UpdateItem', error);
    }
  }

  async recordTest(nonce: string, fields: Partial<TestRoundTrip>): Promise<void> {
    const set: string[] = [];
    const values: Record<string, AttributeValue> = {};
    for (const [field, value] of Object.entries(fields) as Array<[keyof TestRoundTrip, TestRoundTrip[keyof TestRoundTrip]]>) {
      if (value === undefined) continue;
      set.push(`${field} = :${field}`);
      values[`:${field}`] = typeof value === 'string' ? { S: value } : typeof value === 'boolean' ? { BOOL: value } : { N: String(value) };
    }
    if (set.length === 0) return;
    try {
      await this.send<UpdateItemCommandOutput>(
        'UpdateItem',
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: `N#${nonce}` } },
          UpdateExpression: `SET ${set.join(', ')}`,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      throw storeError('UpdateItem', error);
    }
  }

  async canaryRecords(logGroups: readonly string[]): Promise<Map<string, CanaryRecord>> {
    const records = new Map<string, CanaryRecord>();
    const pks = [...new Set(logGroups)].map((group) => `Q#${group}`);
    for (let i = 0; i < pks.length; i += BATCH_GET_MAX) {
      for (const item of await this.batchGet(pks.slice(i, i + BATCH_GET_MAX))) {
        const logGroup = (item.pk?.S ?? '').slice(2);
        const field = (name: (typeof CANARY_FIELDS)[number]): number | null => numberOf(item[name]) ?? null;
        records.set(logGroup, {
          logGroup,
          writtenAt: field('writtenAt'),
          firstWrittenAt: field('firstWrittenAt'),
          seenAt: field('seenAt'),
          seenLatencyMs: field('seenLatencyMs'),
          publishedAt: field('publishedAt'),
          publishLatencyMs: field('publishLatencyMs'),
          warnedAt: field('warnedAt'),
        });
      }
    }
    return records;
  }

  private async batchGet(pks: readonly string[]): Promise<Record<string, AttributeValue>[]> {
    const items: Record<string, AttributeValue>[] = [];
    let keys = pks.map((pk) => ({ pk: { S: pk } }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === UNPROCESSED_ROUNDS) throw new StateStoreError(`${keys.length} keys left unprocessed by BatchGetItem`);
      if (round > 0) await this.sleep(50 * 2 ** round);
      try {
        const result = await this.send<BatchGetItemCommandOutput>(
          'BatchGetItem',
          new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        items.push(...(result.Responses?.[this.tableName] ?? []));
        keys = (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      } catch (error) {
        throw storeError('BatchGetItem', error);
      }
    }
    return items;
  }
}
