/**
 * The state store port of alert memory, and its in-memory adapter (the CLI's backfill, tests). The DynamoDB
 * adapter (lambda/adapters) implements the same contract with conditional writes, no transactions.
 */
import { clientId } from './evidence';
import { dueAt } from './engine';
import type { CanaryRecord, CanaryStore, TestRoundTrip } from '../canary/service';
import type { ClientKey, ClientState, StoredClient } from './state';

/** The store could not be used (unreachable, throttled beyond retries, denied): alert memory fails open. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A page of due records, and where the next page starts (null: no more). */
export interface DuePage {
  readonly records: StoredClient[];
  readonly cursor: string | null;
}

/** The flood guard's answer: slots granted, and whether the counter could not be kept (granted anyway). */
export interface SlotGrant {
  readonly granted: number;
  /** True when the counter kept changing under every attempt: the slots were granted without counting them. */
  readonly uncounted: boolean;
}

export interface IncidentStore {
  /** The stored records of these clients, by `clientId(key)`; absent keys are missing from the map. */
  load(keys: readonly ClientKey[]): Promise<Map<string, StoredClient>>;
  /**
   * Writes the state if the stored version is `expectedVersion` (0: no record yet). Resolves to the new
   * version, or null when another writer got there first (reload and decide again).
   */
  save(state: ClientState, expectedVersion: number): Promise<number | null>;
  /**
   * Records due at or before `now` (see engine `dueAt`), earliest first, at most `limit`, starting after
   * `cursor` (a previous page's). Every record due when the paging started is on some page, unless its due
   * time moved meanwhile.
   */
  due(now: number, limit: number, cursor?: string): Promise<DuePage>;
  /**
   * The flood guard's counter: reserves up to `wanted` new-incident messages of `max` in this scope (the
   * deployment's Region) and hour. When the counter cannot be updated for contention, grants `wanted`
   * uncounted (fail open: an announcement is never held back because the counter is busy).
   */
  reserveNewIncidents(scope: string, hourStart: number, wanted: number, max: number): Promise<SlotGrant>;
  /** Gives back `count` reserved slots that were not used (a lost race decided no announcement). */
  releaseNewIncidents(scope: string, hourStart: number, count: number): Promise<void>;
  /** Of these alert ids, those recorded as published (markers for a clean-up that could not be written). */
  sent(alertIds: readonly string[]): Promise<Set<string>>;
  /** Records that these alert ids were published (kept two days). */
  markSent(alertIds: readonly string[], now: number): Promise<void>;
  /** The incident ids whose lines a digest of this bucket (reason and bucket end fixed) listed and that went out. */
  listedInDigest(bucketId: string): Promise<Set<string>>;
  /** Records that a digest of this bucket listing these incidents' lines went out (kept nine days). */
  markListedInDigest(bucketId: string, lineKeys: readonly string[], now: number): Promise<void>;
  /**
   * The shared send-rate counter: takes up to `wanted` of the `limit` messages allowed in this second (epoch
   * seconds) across every publisher of the deployment; resolves to how many were taken.
   */
  takeSendSlots(second: number, wanted: number, limit: number): Promise<number>;
}

/** A record as this store keeps it: serialised, as a real store does, so no caller ever shares one. */
interface SerialisedClient {
  readonly json: string;
  readonly version: number;
  /** dueAt of the state when it was saved. */
  readonly due: number | null;
}

/** Everything in a Map: the same semantics as the DynamoDB adapter, for one process. */
export class MemoryIncidentStore implements IncidentStore, CanaryStore {
  private readonly records = new Map<string, SerialisedClient>();
  private readonly counters = new Map<string, number>();
  private readonly sentIds = new Set<string>();
  private readonly listed = new Map<string, Set<string>>();
  private readonly sendSlots = new Map<number, number>();
  private readonly nonces = new Map<string, string>();
  private readonly canaries = new Map<string, CanaryRecord>();
  /** Test lines' round trips, by nonce. */
  readonly tests = new Map<string, Partial<TestRoundTrip>>();

  async load(keys: readonly ClientKey[]): Promise<Map<string, StoredClient>> {
    const found = new Map<string, StoredClient>();
    for (const key of keys) {
      const id = clientId(key);
      const record = this.records.get(id);
      if (record !== undefined) found.set(id, loaded(record));
    }
    return found;
  }

  async save(state: ClientState, expectedVersion: number): Promise<number | null> {
    const id = clientId(state.key);
    const current = this.records.get(id)?.version ?? 0;
    if (current !== expectedVersion) return null;
    const version = expectedVersion + 1;
    this.records.set(id, { json: JSON.stringify(state), version, due: dueAt(state) });
    return version;
  }

  async due(now: number, limit: number, cursor?: string): Promise<DuePage> {
    const due: Array<{ at: number; id: string; record: SerialisedClient }> = [];
    for (const [id, record] of this.records) {
      const at = record.due;
      if (at !== null && at <= now) due.push({ at, id, record });
    }
    due.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const after = cursor === undefined ? null : (JSON.parse(cursor) as [number, string]);
    const rest = after === null ? due : due.filter((d) => d.at > after[0] || (d.at === after[0] && d.id > after[1]));
    const page = rest.slice(0, limit);
    const last = page[page.length - 1];
    return {
      records: page.map(({ record }) => loaded(record)),
      cursor: rest.length > limit && last !== undefined ? JSON.stringify([last.at, last.id]) : null,
    };
  }

  async reserveNewIncidents(scope: string, hourStart: number, wanted: number, max: number): Promise<SlotGrant> {
    const key = JSON.stringify([scope, hourStart]);
    const used = this.counters.get(key) ?? 0;
    const granted = Math.max(0, Math.min(wanted, max - used));
    this.counters.set(key, used + granted);
    return { granted, uncounted: false };
  }

  async releaseNewIncidents(scope: string, hourStart: number, count: number): Promise<void> {
    const key = JSON.stringify([scope, hourStart]);
    this.counters.set(key, Math.max(0, (this.counters.get(key) ?? 0) - count));
  }

  async sent(alertIds: readonly string[]): Promise<Set<string>> {
    return new Set(alertIds.filter((id) => this.sentIds.has(id)));
  }

  async markSent(alertIds: readonly string[]): Promise<void> {
    for (const id of alertIds) this.sentIds.add(id);
  }

  async listedInDigest(bucketId: string): Promise<Set<string>> {
    return new Set(this.listed.get(bucketId) ?? []);
  }

  async markListedInDigest(bucketId: string, lineKeys: readonly string[]): Promise<void> {
    const listed = this.listed.get(bucketId) ?? new Set<string>();
    for (const key of lineKeys) listed.add(key);
    this.listed.set(bucketId, listed);
  }

  async takeSendSlots(second: number, wanted: number, limit: number): Promise<number> {
    for (const old of this.sendSlots.keys()) if (old < second - 1) this.sendSlots.delete(old);
    const used = this.sendSlots.get(second) ?? 0;
    const taken = Math.max(0, Math.min(wanted, limit - used));
    this.sendSlots.set(second, used + taken);
    return taken;
  }

  async takeCanaryNonce(nonce: string, eventId: string): Promise<boolean> {
    const taken = this.nonces.get(nonce);
    if (taken !== undefined) return taken === eventId;
    this.nonces.set(nonce, eventId);
    return true;
  }

  async updateCanary(logGroup: string, fields: Partial<Omit<CanaryRecord, 'logGroup'>>): Promise<void> {
    const empty: CanaryRecord = {
      logGroup,
      writtenAt: null,
      firstWrittenAt: null,
      seenAt: null,
      seenLatencyMs: null,
      publishedAt: null,
      publishLatencyMs: null,
      warnedAt: null,
    };
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    this.canaries.set(logGroup, { ...(this.canaries.get(logGroup) ?? empty), ...defined });
  }

  async recordTest(nonce: string, fields: Partial<TestRoundTrip>): Promise<void> {
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    this.tests.set(nonce, { ...this.tests.get(nonce), ...defined });
  }

  async canaryRecords(logGroups: readonly string[]): Promise<Map<string, CanaryRecord>> {
    const found = new Map<string, CanaryRecord>();
    for (const group of logGroups) {
      const record = this.canaries.get(group);
      if (record !== undefined) found.set(group, { ...record });
    }
    return found;
  }

  /** The earliest time any record is due, or null: lets a replay run its clock on until nothing is left. */
  nextDue(): number | null {
    let next: number | null = null;
    for (const record of this.records.values()) {
      const at = record.due;
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }
}

function loaded(record: SerialisedClient): StoredClient {
  return { state: JSON.parse(record.json) as ClientState, version: record.version };
}
