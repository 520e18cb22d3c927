/**
 * Alert memory as a service: the pure decisions (engine.ts) wired to a state store and a publisher. The
 * Lambda handler, the sweep function, the CLI's backfill and the local run all use this one class, so what a
 * backfill shows is what the deployment sends.
 *
 * Order of work, for at-least-once without transactions: decide and write the state with the messages in its
 * outbox (one conditional write per client), then publish, then remove what was published. A failure to
 * publish fails the caller (Lambda retries the batch); the retry finds its batch applied, changes no count,
 * and publishes what its outbox still holds. Messages a failed invocation never sent are published by the
 * sweep after a grace period. If the store cannot be used, memory fails open: the batch's alerts go out
 * unsuppressed, marked so.
 */
import { type AlertPublisher, type SnsAlertMessage, unpublishedIndexesOf } from '../adapters/ports';
import type { Alert } from '../alerts/alert';
import { type BatchEvidence, clientBatches, clientId } from './evidence';
import { buildDigests, type KeyedDigestLine } from './digest';
import { applyBatch, type BatchDecision, sweepClient, withoutSent } from './engine';
import { HOUR_MS, type IncidentSettings } from './settings';
import type { ClientState, OutboxEntry, PendingDigestLine, StoredClient } from './state';
import { type IncidentStore, StateStoreError } from './store';

/** Another writer kept winning the conditional write: the invocation fails and is retried. */
export class IncidentConflictError extends Error {
  override readonly name = 'IncidentConflictError';
}

export interface MemoryEvents {
  /** The store failed; memory fails open for this batch. Must not throw. */
  storeUnavailable(error: StateStoreError, phase: string): void;
  /** A conditional write lost to another writer and is being retried. Must not throw. */
  conflict(attempt: number): void;
  /** Published messages could not be removed from the outbox (they may be sent again later). Must not throw. */
  cleanupFailed(error: unknown): void;
}

export interface IncidentMemoryDeps {
  readonly store: IncidentStore;
  readonly publisher: AlertPublisher;
  readonly settings: IncidentSettings;
  readonly render: (alert: Alert) => SnsAlertMessage;
  readonly events?: Partial<MemoryEvents>;
}

export interface BatchOutcome {
  /** Every alert published for this batch, in publish order. */
  readonly published: readonly Alert[];
  /** True when the store failed and the batch's alerts went out without suppression. */
  readonly failOpen: boolean;
  /** Clients whose part of the batch had been applied before (a retried batch). */
  readonly replayed: number;
  /** New-incident announcements folded into the hour's flood digest. */
  readonly folded: number;
}

export interface SweepOutcome {
  readonly published: readonly Alert[];
  readonly records: number;
}

interface SweptClient {
  readonly saved: { readonly state: ClientState; readonly version: number };
  readonly toPublish: readonly OutboxEntry[];
  readonly dueDigests: readonly PendingDigestLine[];
}

const SAVE_ATTEMPTS = 6;
const SWEEP_PAGE = 100;
/** A sweep handles at most this many records; the rest are due still, and the next sweep takes them. */
const SWEEP_MAX_RECORDS = 5_000;
/** The sweep's outbox origin: one sweep runs at a time, and a failed sweep's messages are the next one's. */
export const SWEEP_ORIGIN = 'sweep';

function severityOrder(alert: Alert): number {
  return { critical: 0, high: 1, medium: 2, low: 3 }[alert.severity];
}

export class IncidentMemory {
  private readonly events: MemoryEvents;

  constructor(private readonly deps: IncidentMemoryDeps) {
    this.events = {
      storeUnavailable: deps.events?.storeUnavailable ?? (() => undefined),
      conflict: deps.events?.conflict ?? (() => undefined),
      cleanupFailed: deps.events?.cleanupFailed ?? (() => undefined),
    };
  }

  /**
   * One batch (one log group and stream of one account): `alerts` are its alerts judged alone (memory off),
   * `evidence` its target tallies. Rejects when publishing fails or writers keep conflicting.
   */
  async handleBatch(
    alerts: readonly Alert[],
    evidence: BatchEvidence,
    account: string,
    region: string,
    now: number,
  ): Promise<BatchOutcome> {
    const { store, settings } = this.deps;
    const inputs = clientBatches(alerts, evidence, account, region).sort(
      (a, b) =>
        Math.min(...a.groups.map((g) => severityOrder(g.alert))) - Math.min(...b.groups.map((g) => severityOrder(g.alert)))
        || (clientId(a.key) < clientId(b.key) ? -1 : 1),
    );
    if (inputs.length === 0) return { published: [], failOpen: false, replayed: 0, folded: 0 };

    let records: Map<string, StoredClient>;
    let slots: number;
    // First decisions without the flood guard: in the steady state (incidents open) nothing new is wanted, and
    // these decisions are the ones saved; only when new incidents open are the flood-guard slots reserved.
    const first = new Map<string, BatchDecision>();
    try {
      records = await store.load(inputs.map((i) => i.key));
      let wanted = 0;
      for (const input of inputs) {
        const decision = applyBatch(records.get(clientId(input.key))?.state ?? null, input, now, settings, Infinity);
        first.set(clientId(input.key), decision);
        wanted += decision.wantedSlots;
      }
      const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
      const max = settings.maxNewIncidentsPerHour;
      slots = wanted === 0 ? 0 : await store.reserveNewIncidents(account, region, hourStart, wanted, max);
    } catch (error) {
      return this.failOpen(alerts, error, 'load');
    }

    const saved: Array<{ state: ClientState; version: number; origin: string }> = [];
    const unsaved: Alert[] = [];
    let replayed = 0;
    let folded = 0;
    for (const input of inputs) {
      const id = clientId(input.key);
      let current = records.get(id) ?? null;
      let done = false;
      try {
        for (let attempt = 1; attempt <= SAVE_ATTEMPTS && !done; attempt++) {
          const reusable = attempt === 1 ? first.get(id) : undefined;
          const decision =
            reusable !== undefined && reusable.wantedSlots <= slots
              ? reusable
              : applyBatch(current?.state ?? null, input, now, settings, slots);
          if (!decision.changed && current !== null) {
            replayed++;
            saved.push({ state: current.state, version: current.version, origin: input.batchId });
            done = true;
            break;
          }
          const version = await store.save(decision.state, current?.version ?? 0);
          if (version !== null) {
            slots -= decision.usedSlots;
            folded += decision.wantedSlots - decision.usedSlots;
            saved.push({ state: decision.state, version, origin: input.batchId });
            done = true;
          } else {
            this.events.conflict(attempt);
            current = (await store.load([input.key])).get(id) ?? null;
          }
        }
      } catch (error) {
        this.reportStoreError(error, 'save');
        unsaved.push(...input.groups.map((g) => ({ ...g.alert, alertMemory: 'unavailable' as const })));
        continue;
      }
      if (!done) {
        throw new IncidentConflictError(
          `client record ${id} kept changing under ${SAVE_ATTEMPTS} conditional writes; the batch will be retried`,
        );
      }
    }

    const entries = saved.flatMap(({ state, origin }) => state.outbox.filter((e) => e.origin === origin));
    const published = [...entries.map((e) => e.alert), ...unsaved];
    if (published.length > 0) {
      try {
        await this.deps.publisher.publish(published.map(this.deps.render));
      } catch (error) {
        // Some went out: drop those from the outbox, so the retry sends only what is missing.
        const missing = unpublishedIndexesOf(error);
        if (missing !== null) await this.removeSent(saved, entries.filter((_, i) => !missing.has(i)));
        throw error;
      }
    }
    await this.removeSent(saved, entries);
    return { published, failOpen: unsaved.length > 0, replayed, folded };
  }

  /**
   * The scheduled sweep: ends due windows (updates), publishes digests that are due and messages failed
   * invocations left behind. Rejects when publishing fails (the next sweep tries again; nothing is removed).
   */
  async sweep(now: number): Promise<SweepOutcome> {
    const { store, settings } = this.deps;
    const seen = new Set<string>();
    const touched: Array<{ state: ClientState; version: number }> = [];
    const entries: OutboxEntry[] = [];
    const digestLines: KeyedDigestLine[] = [];
    while (seen.size < SWEEP_MAX_RECORDS) {
      const page = (await store.due(now, SWEEP_PAGE)).filter((r) => !seen.has(clientId(r.state.key)));
      if (page.length === 0) break;
      for (const record of page) {
        seen.add(clientId(record.state.key));
        const result = await this.sweepOne(record, now);
        if (result === null) continue;
        touched.push(result.saved);
        entries.push(...result.toPublish);
        digestLines.push(...result.dueDigests.map((line) => ({ key: result.saved.state.key, line })));
      }
    }

    const published: Alert[] = entries.map((e) => e.alert);
    if (entries.length > 0) await this.deps.publisher.publish(entries.map((e) => this.deps.render(e.alert)));
    const sweptRecords = touched.map((t) => ({ ...t, origin: SWEEP_ORIGIN }));
    await this.removeSent(sweptRecords, entries);

    // Digests: published before their lines are removed, so a failure loses nothing; a sent-marker keeps
    // the next sweep from sending one twice.
    const digests = buildDigests(digestLines, settings);
    if (digests.length > 0) {
      const already = await store.sent(digests.map((d) => d.id));
      const fresh = digests.filter((d) => !already.has(d.id));
      if (fresh.length > 0) {
        await this.deps.publisher.publish(fresh.map(this.deps.render));
        await store.markSent(fresh.map((d) => d.id), now);
        published.push(...fresh);
      }
      const listedByClient = new Map<string, PendingDigestLine[]>();
      for (const { key, line } of digestLines) {
        const id = clientId(key);
        listedByClient.set(id, [...(listedByClient.get(id) ?? []), line]);
      }
      await this.removeSent(sweptRecords, [], listedByClient);
    }
    return { published, records: seen.size };
  }

  private async sweepOne(
    record: StoredClient,
    now: number,
  ): Promise<SweptClient | null> {
    const { store, settings } = this.deps;
    let current: StoredClient | null = record;
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS && current !== null; attempt++) {
      const decision = sweepClient(current.state, now, settings, SWEEP_ORIGIN);
      const version = await store.save(decision.state, current.version);
      if (version !== null) {
        return { saved: { state: decision.state, version }, toPublish: decision.toPublish, dueDigests: decision.dueDigests };
      }
      this.events.conflict(attempt);
      current = (await store.load([record.state.key])).get(clientId(record.state.key)) ?? null;
    }
    return null; // busy: still due, the next sweep takes it
  }

  /** Removes published outbox entries and listed digest lines; a failure only risks a later duplicate. */
  private async removeSent(
    records: ReadonlyArray<{ state: ClientState; version: number; origin: string }>,
    entries: readonly OutboxEntry[],
    listed: ReadonlyMap<string, readonly PendingDigestLine[]> = new Map(),
  ): Promise<void> {
    const sentIds = new Set(entries.map((e) => e.alert.id));
    for (const record of records) {
      const id = clientId(record.state.key);
      const lines = listed.get(id) ?? [];
      const hasSent = record.state.outbox.some((e) => sentIds.has(e.alert.id));
      if (!hasSent && lines.length === 0) continue;
      let current: StoredClient | null = { state: record.state, version: record.version };
      try {
        for (let attempt = 1; attempt <= SAVE_ATTEMPTS && current !== null; attempt++) {
          const version = await this.deps.store.save(withoutSent(current.state, sentIds, lines), current.version);
          if (version !== null) break;
          current = (await this.deps.store.load([record.state.key])).get(id) ?? null;
        }
      } catch (error) {
        this.events.cleanupFailed(error);
      }
    }
  }

  private failOpen(alerts: readonly Alert[], error: unknown, phase: string): Promise<BatchOutcome> {
    this.reportStoreError(error, phase);
    const marked = alerts.map((a) => ({ ...a, alertMemory: 'unavailable' as const }));
    return this.deps.publisher
      .publish(marked.map(this.deps.render))
      .then(() => ({ published: marked, failOpen: true, replayed: 0, folded: 0 }));
  }

  /** Only store errors fail open; anything else is a bug or a publish failure and must fail the invocation. */
  private reportStoreError(error: unknown, phase: string): void {
    if (!(error instanceof StateStoreError)) throw error;
    this.events.storeUnavailable(error, phase);
  }
}
