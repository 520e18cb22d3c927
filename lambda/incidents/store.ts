/**
 * The state store port of alert memory, and its in-memory adapter (the CLI's backfill, tests). The DynamoDB
 * adapter (lambda/adapters) implements the same contract with conditional writes, no transactions.
 */
import { clientId } from './evidence';
import { dueAt } from './engine';
import type { ClientKey, ClientState, StoredClient } from './state';

/** The store could not be used (unreachable, throttled beyond retries, denied): alert memory fails open. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface IncidentStore {
  /** The stored records of these clients, by `clientId(key)`; absent keys are missing from the map. */
  load(keys: readonly ClientKey[]): Promise<Map<string, StoredClient>>;
  /**
   * Writes the state if the stored version is `expectedVersion` (0: no record yet). Resolves to the new
   * version, or null when another writer got there first (reload and decide again).
   */
  save(state: ClientState, expectedVersion: number): Promise<number | null>;
  /** Records due at or before `now` (see engine `dueAt`), earliest first, at most `limit`. */
  due(now: number, limit: number): Promise<StoredClient[]>;
  /**
   * The flood guard's counter: reserves up to `wanted` new-incident messages in this account, Region and
   * hour, of `max`; resolves to how many were granted (0 when the hour is full).
   */
  reserveNewIncidents(account: string, region: string, hourStart: number, wanted: number, max: number): Promise<number>;
  /** Of these alert ids (digests), those already published. */
  sent(alertIds: readonly string[]): Promise<Set<string>>;
  /** Records that these alert ids were published (kept two days). */
  markSent(alertIds: readonly string[], now: number): Promise<void>;
}

/** A record as this store keeps it: serialised, as a real store does, so no caller ever shares one. */
interface SerialisedClient {
  readonly json: string;
  readonly version: number;
  /** dueAt of the state when it was saved. */
  readonly due: number | null;
}

/** Everything in a Map: the same semantics as the DynamoDB adapter, for one process. */
export class MemoryIncidentStore implements IncidentStore {
  private readonly records = new Map<string, SerialisedClient>();
  private readonly counters = new Map<string, number>();
  private readonly sentIds = new Set<string>();

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

  async due(now: number, limit: number): Promise<StoredClient[]> {
    const due: Array<{ at: number; record: SerialisedClient }> = [];
    for (const record of this.records.values()) {
      const at = record.due;
      if (at !== null && at <= now) due.push({ at, record });
    }
    return due
      .sort((a, b) => a.at - b.at)
      .slice(0, limit)
      .map(({ record }) => loaded(record));
  }

  async reserveNewIncidents(account: string, region: string, hourStart: number, wanted: number, max: number): Promise<number> {
    const key = JSON.stringify([account, region, hourStart]);
    const used = this.counters.get(key) ?? 0;
    const granted = Math.max(0, Math.min(wanted, max - used));
    this.counters.set(key, used + granted);
    return granted;
  }

  async sent(alertIds: readonly string[]): Promise<Set<string>> {
    return new Set(alertIds.filter((id) => this.sentIds.has(id)));
  }

  async markSent(alertIds: readonly string[]): Promise<void> {
    for (const id of alertIds) this.sentIds.add(id);
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
