/**
 * Alert memory as a service: the pure decisions (engine.ts) wired to a state store and a publisher. The
 * Lambda handler, the sweep function, the CLI's backfill and the local run all use this one class, so what a
 * backfill shows is what the deployment sends. What it promises under each fault: docs/design.md section 8.
 *
 * Order of work, for at-least-once without transactions:
 * 1. decide and write the state with the messages in its outbox, claimed by this invocation (one conditional
 *    write per client): a redelivery, a retry or a sweep running meanwhile leaves claimed messages alone;
 * 2. publish what this invocation claimed;
 * 3. settle: remove what was published and give back the claims on what was not, so the retry or the next
 *    sweep takes it at once. If that write cannot be made, markers record what was published, and a claim
 *    ends at its holder's deadline anyway.
 * A failure to publish fails the caller (Lambda retries the batch); the retry finds its batch applied, changes
 * no count, and publishes what its outbox still holds. If the store cannot be used, memory fails open: the
 * alerts go out unsuppressed, marked so.
 */
import { randomUUID } from 'node:crypto';
import { type AlertPublisher, isDeferredPublish, type SnsAlertMessage, unpublishedIndexesOf } from '../adapters/ports';
import type { Alert } from '../alerts/alert';
import { type BatchEvidence, type ClientBatch, clientBatches, clientId } from './evidence';
import { buildDigestParts, digestBuckets, type KeyedDigestLine } from './digest';
import {
  applyBatch,
  type BatchDecision,
  changedBySettlement,
  claimable,
  type Settlement,
  settled,
  sweepClient,
  SWEEP_ORIGIN_TOKEN,
  withClaims,
} from './engine';
import { HOUR_MS, type IncidentSettings } from './settings';
import { type ClientKey, type ClientState, type OutboxClaim, type OutboxEntry, type PendingDigestLine, STATE_LIMITS, type StoredClient } from './state';
import { type IncidentStore, StateStoreError } from './store';
import type { Suppression } from './suppressions';

/** Another writer kept winning the conditional write (kept for callers that name it; memory now fails open). */
export class IncidentConflictError extends Error {
  override readonly name = 'IncidentConflictError';
}

export interface MemoryEvents {
  /** The store failed; memory fails open for this batch (or this client). Must not throw. */
  storeUnavailable(error: StateStoreError, phase: string): void;
  /** A conditional write lost to another writer and is being retried. Must not throw. */
  conflict(attempt: number): void;
  /**
   * Published messages could not be removed from the outbox, nor recorded as sent: they may be sent again,
   * with the same ids, once their claim ends. Must not throw.
   */
  cleanupFailed(error: unknown): void;
  /** Published alerts that could be recorded nowhere: they may be sent again, with these ids. Must not throw. */
  unrecorded(alertIds: readonly string[]): void;
  /** A client's record kept changing under every attempt: its alerts went out unsuppressed. Must not throw. */
  conflictsExhausted(client: string): void;
  /** The flood guard's counter could not be kept for contention: announcements went out uncounted. Must not throw. */
  floodGuardUncounted(granted: number): void;
  /** Messages were left for the next sweep because the send rate allowed no more in this invocation. Must not throw. */
  deferred(messages: number): void;
}

export interface IncidentMemoryDeps {
  readonly store: IncidentStore;
  readonly publisher: AlertPublisher;
  readonly settings: IncidentSettings;
  readonly render: (alert: Alert) => SnsAlertMessage;
  readonly events?: Partial<MemoryEvents>;
  /**
   * How long this call's claims last, in ms on the decision clock: in Lambda, the invocation's remaining
   * budget (after it, the invocation can publish nothing). @default STATE_LIMITS.defaultClaimMs
   */
  readonly claimMs?: () => number;
  /** A fresh claim token per call. @default a random UUID */
  readonly token?: () => string;
  /** Waits between conditional writes that lost a race. @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter in [0, 1) for those waits. @default Math.random */
  readonly random?: () => number;
  /**
   * The suppressions in force (a SuppressionCache: it never rejects, failing open to the context's).
   * @default none
   */
  readonly suppressions?: { current(): Promise<readonly Suppression[]> };
}

export interface BatchOutcome {
  /** Every alert published for this batch, in publish order. */
  readonly published: readonly Alert[];
  /** True when the store failed and some of the batch's alerts went out without suppression. */
  readonly failOpen: boolean;
  /** Clients whose part of the batch had been applied before (a retried batch). */
  readonly replayed: number;
  /** New-incident announcements folded into the hour's flood digest. */
  readonly folded: number;
  /** Messages left for the next sweep by the send-rate limit. */
  readonly deferred: number;
}

export interface SweepOutcome {
  readonly published: readonly Alert[];
  readonly records: number;
  /** Messages left for the next sweep by the send-rate limit. */
  readonly deferred: number;
}

/** A client record this call wrote or claimed in, with what it is to publish from it. */
interface Held {
  readonly key: ClientKey;
  state: ClientState;
  version: number;
  readonly toPublish: readonly OutboxEntry[];
  /** Entries claimed from an earlier holder: they may have gone out already (check the sent markers). */
  readonly inherited: boolean;
}

type ClientResult =
  | { readonly kind: 'held'; readonly held: Held; readonly usedSlots: number; readonly folded: number; readonly replayed: boolean }
  | {
    readonly kind: 'fail-open';
    readonly alerts: readonly Alert[];
    /** Of those, the ones a stored decision may hold in its outbox (same ids): recorded as sent once published. */
    readonly decided?: readonly string[];
  };

const SAVE_ATTEMPTS = 6;
/** Waits between lost races grow from this (with jitter), so concurrent writers spread out. */
const CONFLICT_BACKOFF_MS = 15;
const SWEEP_PAGE = 100;
/** A sweep handles at most this many records; the rest are due still, and the next sweep takes them. */
const SWEEP_MAX_RECORDS = 5_000;
/** The sweep's outbox origin: updates decided at window ends. */
export const SWEEP_ORIGIN = SWEEP_ORIGIN_TOKEN;

function severityOrder(alert: Alert): number {
  return { critical: 0, high: 1, medium: 2, low: 3 }[alert.severity];
}

function unavailable(alert: Alert): Alert {
  return { ...alert, alertMemory: 'unavailable' };
}

export class IncidentMemory {
  private readonly events: MemoryEvents;
  private readonly claimMs: () => number;
  private readonly token: () => string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly deps: IncidentMemoryDeps) {
    const nothing = (): void => undefined;
    this.events = {
      storeUnavailable: deps.events?.storeUnavailable ?? nothing,
      conflict: deps.events?.conflict ?? nothing,
      cleanupFailed: deps.events?.cleanupFailed ?? nothing,
      unrecorded: deps.events?.unrecorded ?? nothing,
      conflictsExhausted: deps.events?.conflictsExhausted ?? nothing,
      floodGuardUncounted: deps.events?.floodGuardUncounted ?? nothing,
      deferred: deps.events?.deferred ?? nothing,
    };
    this.claimMs = deps.claimMs ?? (() => STATE_LIMITS.defaultClaimMs);
    this.token = deps.token ?? randomUUID;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = deps.random ?? Math.random;
  }

  private newClaim(now: number): OutboxClaim {
    return { by: this.token(), until: now + Math.max(0, Math.floor(this.claimMs())) };
  }

  /**
   * One batch (one log group and stream of one account): `alerts` are its alerts judged alone (memory off),
   * `evidence` its target tallies. Rejects when publishing fails (other than a deferral by the send rate).
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
    if (inputs.length === 0) return { published: [], failOpen: false, replayed: 0, folded: 0, deferred: 0 };
    const claim = this.newClaim(now);
    const suppressions = (await this.deps.suppressions?.current()) ?? [];

    let records: Map<string, StoredClient>;
    let reserved = 0;
    let uncounted = false;
    // The flood guard counts per deployment (Region), not per account: the alert topic's email subscriptions
    // are one audience however many accounts send (docs/design.md section 8).
    const scope = region;
    const hourStart = Math.floor(now / HOUR_MS) * HOUR_MS;
    // First decisions without the flood guard: in the steady state (incidents open) nothing new is wanted, and
    // these decisions are the ones saved; only when new incidents open are the flood-guard slots reserved.
    const first = new Map<string, BatchDecision>();
    try {
      records = await store.load(inputs.map((i) => i.key));
      let wanted = 0;
      for (const input of inputs) {
        const stored = records.get(clientId(input.key))?.state ?? null;
        const decision = applyBatch(stored, input, now, settings, Infinity, claim, suppressions);
        first.set(clientId(input.key), decision);
        wanted += decision.wantedSlots;
      }
      if (wanted > 0) {
        const grant = await store.reserveNewIncidents(scope, hourStart, wanted, settings.maxNewIncidentsPerHour);
        reserved = grant.granted;
        uncounted = grant.uncounted;
        if (uncounted) this.events.floodGuardUncounted(grant.granted);
      }
    } catch (error) {
      return this.failOpen(alerts, error, 'load');
    }

    const held: Held[] = [];
    const unsaved: Alert[] = [];
    const decidedUnsaved = new Set<string>();
    let slots = reserved;
    let replayed = 0;
    let folded = 0;
    for (const input of inputs) {
      const id = clientId(input.key);
      const result = await this.applyClient(input, records.get(id) ?? null, first.get(id), slots, now, claim, suppressions);
      if (result.kind === 'fail-open') {
        unsaved.push(...result.alerts);
        for (const id of result.decided ?? []) decidedUnsaved.add(id);
        continue;
      }
      slots -= result.usedSlots;
      folded += result.folded;
      if (result.replayed) replayed++;
      held.push(result.held);
    }
    // Slots reserved for announcements a lost race decided against go back, so later clients get them.
    if (slots > 0 && reserved > 0 && !uncounted) {
      try {
        await store.releaseNewIncidents(scope, hourStart, slots);
      } catch (error) {
        this.reportStoreError(error, 'flood guard release');
      }
    }

    const { published, sentIds, failure, deferred } = await this.publishHeld(held, unsaved);
    await this.settle(held, { sent: sentIds, releaseBy: claim.by }, new Map(), now);
    // Decisions whose write may have been applied went out unsuppressed: the markers keep the stored copies quiet.
    const decidedSent = published.filter((a) => decidedUnsaved.has(a.id)).map((a) => a.id);
    if (decidedSent.length > 0) await this.recordSent(decidedSent, now);
    if (failure !== null) throw failure;
    return { published, failOpen: unsaved.length > 0, replayed, folded, deferred };
  }

  /** One client's part of the batch: decide, write (retrying lost races), or fail open for this client. */
  private async applyClient(
    input: ClientBatch,
    stored: StoredClient | null,
    firstDecision: BatchDecision | undefined,
    slots: number,
    now: number,
    claim: OutboxClaim,
    suppressions: readonly Suppression[],
    reread = true,
  ): Promise<ClientResult> {
    const { store, settings } = this.deps;
    const id = clientId(input.key);
    let current = stored;
    let decision: BatchDecision | null = null;
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      decision =
        attempt === 1 && firstDecision !== undefined && firstDecision.wantedSlots <= slots
          ? firstDecision
          : applyBatch(current?.state ?? null, input, now, settings, slots, claim, suppressions);
      try {
        if (!decision.changed && current !== null) {
          // A redelivery or retry: publish what this batch decided and nobody is publishing now.
          const free = current.state.outbox.filter((e) => e.origin === input.batchId && claimable(e, now, claim.by));
          if (free.length === 0) {
            return { kind: 'held', held: { key: input.key, state: current.state, version: current.version, toPublish: [], inherited: false }, usedSlots: 0, folded: 0, replayed: true };
          }
          const claimed = withClaims(current.state, new Set(free.map((e) => e.alert.id)), claim);
          const version = await store.save(claimed, current.version);
          if (version !== null) {
            const toPublish = claimed.outbox.filter((e) => e.claim?.by === claim.by);
            return { kind: 'held', held: { key: input.key, state: claimed, version, toPublish, inherited: true }, usedSlots: 0, folded: 0, replayed: true };
          }
        } else {
          const version = await store.save(decision.state, current?.version ?? 0);
          if (version !== null) {
            const toPublish = decision.state.outbox.filter((e) => e.claim?.by === claim.by);
            return {
              kind: 'held',
              held: { key: input.key, state: decision.state, version, toPublish, inherited: false },
              usedSlots: decision.usedSlots,
              folded: decision.wantedSlots - decision.usedSlots,
              replayed: false,
            };
          }
        }
      } catch (error) {
        return this.unknownWrite(error, input, current, decision, now, claim, suppressions, reread);
      }
      this.events.conflict(attempt);
      await this.sleep(CONFLICT_BACKOFF_MS * attempt * (1 + this.random()));
      try {
        current = (await store.load([input.key])).get(id) ?? null;
      } catch (error) {
        return this.unknownWrite(error, input, current, decision, now, claim, suppressions, reread);
      }
    }
    // Writers kept changing the record: alert unsuppressed rather than hold the batch back.
    this.events.conflictsExhausted(id);
    return { kind: 'fail-open', alerts: input.groups.map((g) => unavailable(g.alert)) };
  }

  /**
   * A write (or the read after it) failed, so whether the decision was stored is unknown. Read once more: if
   * the batch is applied, carry on as a replay. Otherwise fail open with what was decided, under the same ids,
   * so a message the stored decision sends later is the same message, in the same thread.
   */
  private async unknownWrite(
    error: unknown,
    input: ClientBatch,
    before: StoredClient | null,
    decision: BatchDecision | null,
    now: number,
    claim: OutboxClaim,
    suppressions: readonly Suppression[],
    reread: boolean,
  ): Promise<ClientResult> {
    this.reportStoreError(error, 'save');
    if (decision !== null && !decision.changed && before !== null) {
      // A replay whose claim could not be written: its messages stay free, and the next sweep publishes them.
      const held: Held = { key: input.key, state: before.state, version: before.version, toPublish: [], inherited: false };
      return { kind: 'held', held, usedSlots: 0, folded: 0, replayed: true };
    }
    if (reread) {
      try {
        const after = (await this.deps.store.load([input.key])).get(clientId(input.key)) ?? null;
        if (after !== null && after.state.applied.some((a) => a.id === input.batchId)) {
          return this.applyClient(input, after, undefined, 0, now, claim, suppressions, false);
        }
      } catch (failed) {
        this.reportStoreError(failed, 'save');
      }
    }
    if (decision === null || !decision.changed) return { kind: 'fail-open', alerts: input.groups.map((g) => unavailable(g.alert)) };
    const decided = decision.state.outbox.filter((e) => e.claim?.by === claim.by).map((e) => unavailable(e.alert));
    if (decided.length > 0) return { kind: 'fail-open', alerts: decided, decided: decided.map((a) => a.id) };
    // Nothing to announce was decided: only a newly opened incident (a digest line) must still be heard about.
    const known = new Set((before?.state.incidents ?? []).map((i) => i.id));
    const opened = decision.state.incidents.some((i) => !known.has(i.id));
    return { kind: 'fail-open', alerts: opened ? input.groups.map((g) => unavailable(g.alert)) : [] };
  }

  /** Publishes the held entries (skipping any an earlier holder recorded as sent) and any extra alerts. */
  private async publishHeld(
    held: readonly Held[],
    extra: readonly Alert[] = [],
  ): Promise<{ published: Alert[]; sentIds: Set<string>; failure: unknown; deferred: number }> {
    const alreadySent = await this.sentBefore(held.filter((h) => h.inherited).flatMap((h) => h.toPublish));
    const entries = held.flatMap((h) => h.toPublish).filter((e) => !alreadySent.has(e.alert.id));
    const toSend = [...entries.map((e) => e.alert), ...extra];
    const { sent, failure, deferred } = await this.publishAll(toSend);
    const sentIds = new Set([...alreadySent, ...entries.filter((_, i) => sent.has(i)).map((e) => e.alert.id)]);
    return { published: toSend.filter((_, i) => sent.has(i)), sentIds, failure, deferred };
  }

  /** Publishes; resolves with the indexes that went out, the failure to rethrow (not a deferral), and how many were deferred. */
  private async publishAll(alerts: readonly Alert[]): Promise<{ sent: Set<number>; failure: unknown; deferred: number }> {
    const all = new Set(alerts.map((_, i) => i));
    if (alerts.length === 0) return { sent: all, failure: null, deferred: 0 };
    try {
      await this.deps.publisher.publish(alerts.map(this.deps.render));
      return { sent: all, failure: null, deferred: 0 };
    } catch (error) {
      const missing = unpublishedIndexesOf(error) ?? all;
      const sent = new Set([...all].filter((i) => !missing.has(i)));
      if (isDeferredPublish(error)) {
        this.events.deferred(missing.size);
        return { sent, failure: null, deferred: missing.size };
      }
      return { sent, failure: error, deferred: 0 };
    }
  }

  /** Entries recorded as sent by a holder whose clean-up failed; none when the markers cannot be read. */
  private async sentBefore(entries: readonly OutboxEntry[]): Promise<Set<string>> {
    if (entries.length === 0) return new Set();
    try {
      return await this.deps.store.sent(entries.map((e) => e.alert.id));
    } catch (error) {
      this.reportStoreError(error, 'sent markers');
      return new Set();
    }
  }

  /**
   * Removes what went out and gives back the rest, per record (reloading after a lost race). Where a record
   * cannot be written, sent markers record what was published, so nobody publishes it again.
   */
  private async settle(
    held: readonly Held[],
    settlement: Omit<Settlement, 'listed'>,
    listed: ReadonlyMap<string, readonly PendingDigestLine[]>,
    now: number,
  ): Promise<void> {
    const unsettled: string[] = [];
    for (const record of held) {
      const id = clientId(record.key);
      const full: Settlement = { ...settlement, listed: listed.get(id) ?? [] };
      let current: StoredClient | null = { state: record.state, version: record.version };
      try {
        let done = false;
        for (let attempt = 1; attempt <= SAVE_ATTEMPTS && !done; attempt++) {
          if (current === null || !changedBySettlement(current.state, full)) done = true;
          else if ((await this.deps.store.save(settled(current.state, full), current.version)) !== null) done = true;
          else {
            await this.sleep(CONFLICT_BACKOFF_MS * attempt * (1 + this.random()));
            current = (await this.deps.store.load([record.key])).get(id) ?? null;
          }
        }
        if (!done) throw new IncidentConflictError(`client record ${id} kept changing during the clean-up`);
      } catch (error) {
        this.events.cleanupFailed(error);
        unsettled.push(...record.toPublish.filter((e) => settlement.sent.has(e.alert.id)).map((e) => e.alert.id));
      }
    }
    if (unsettled.length > 0) await this.recordSent(unsettled, now);
  }

  /** Sent markers for published alerts their outbox may still hold; when even they fail, the alerts may go out again. */
  private async recordSent(alertIds: readonly string[], now: number): Promise<void> {
    try {
      await this.deps.store.markSent(alertIds, now);
    } catch (error) {
      this.events.cleanupFailed(error);
      this.events.unrecorded(alertIds);
    }
  }

  /**
   * The scheduled sweep: ends due windows (updates), publishes digests that are due and messages nobody holds
   * a claim on any more. Pages through every due record; a record it could not update stays due for the next
   * sweep. Rejects when publishing fails (the next sweep tries again; nothing unpublished is removed).
   */
  async sweep(now: number): Promise<SweepOutcome> {
    const { store, settings } = this.deps;
    const claim = this.newClaim(now);
    const seen = new Set<string>();
    const held: Held[] = [];
    const digestLines: KeyedDigestLine[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.due(now, SWEEP_PAGE, cursor);
      for (const record of page.records) {
        const id = clientId(record.state.key);
        if (seen.has(id)) continue;
        seen.add(id);
        const result = await this.sweepOne(record, now, claim);
        if (result === null) continue;
        held.push(result.held);
        digestLines.push(...result.dueDigests.map((line) => ({ key: result.held.key, line })));
      }
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined && seen.size < SWEEP_MAX_RECORDS);

    // The outbox entries go out, then the digests; one settlement per record then removes what went out and
    // gives back the rest. A digest line leaves its record only once a digest listing it went out.
    const outbox = await this.publishHeld(held);
    const published: Alert[] = [...outbox.published];
    let failure: unknown = outbox.failure;
    let deferred = outbox.deferred;
    const listedByClient = new Map<string, PendingDigestLine[]>();
    const listLine = (keyed: KeyedDigestLine): void => {
      const id = clientId(keyed.key);
      listedByClient.set(id, [...(listedByClient.get(id) ?? []), keyed.line]);
    };
    for (const bucket of digestBuckets(digestLines)) {
      let listedBefore: Set<string>;
      try {
        listedBefore = await store.listedInDigest(bucket.bucketId);
      } catch (error) {
        failure ??= error; // the lines stay: the next sweep lists them
        continue;
      }
      const fresh: KeyedDigestLine[] = [];
      for (const keyed of bucket.lines) {
        if (listedBefore.has(keyed.line.incidentId)) listLine(keyed);
        else fresh.push(keyed);
      }
      const parts = buildDigestParts(fresh, settings, listedBefore.size > 0);
      const result = await this.publishAll(parts);
      deferred += result.deferred;
      failure ??= result.failure;
      const sentIds = new Set(
        parts.filter((_, i) => result.sent.has(i)).flatMap((part) => part.digest?.entries.map((e) => e.incidentId) ?? []),
      );
      const sentLines = fresh.filter((keyed) => sentIds.has(keyed.line.incidentId));
      published.push(...parts.filter((_, i) => result.sent.has(i)));
      if (sentLines.length === 0) continue;
      try {
        await store.markListedInDigest(bucket.bucketId, sentLines.map((keyed) => keyed.line.incidentId), now);
      } catch (error) {
        // The lines' removal below is the other record of this digest: only both failing can repeat it.
        this.events.cleanupFailed(error);
        this.events.unrecorded(parts.filter((_, i) => result.sent.has(i)).map((p) => p.id));
      }
      sentLines.forEach(listLine);
    }
    await this.settle(held, { sent: outbox.sentIds, releaseBy: claim.by }, listedByClient, now);
    if (failure !== null) throw failure;
    return { published, records: seen.size, deferred };
  }

  private async sweepOne(
    record: StoredClient,
    now: number,
    claim: OutboxClaim,
  ): Promise<{ held: Held; dueDigests: readonly PendingDigestLine[] } | null> {
    const { store, settings } = this.deps;
    let current: StoredClient | null = record;
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS && current !== null; attempt++) {
      const decision = sweepClient(current.state, now, settings, claim);
      const version = await store.save(decision.state, current.version);
      if (version !== null) {
        const inherited = decision.toPublish.some((e) => e.origin !== SWEEP_ORIGIN || e.createdAt !== now);
        return {
          held: { key: decision.state.key, state: decision.state, version, toPublish: decision.toPublish, inherited },
          dueDigests: decision.dueDigests,
        };
      }
      this.events.conflict(attempt);
      await this.sleep(CONFLICT_BACKOFF_MS * attempt * (1 + this.random()));
      current = (await store.load([record.state.key])).get(clientId(record.state.key)) ?? null;
    }
    return null; // busy: still due, the next sweep takes it
  }

  private failOpen(alerts: readonly Alert[], error: unknown, phase: string): Promise<BatchOutcome> {
    this.reportStoreError(error, phase);
    const marked = alerts.map(unavailable);
    return this.deps.publisher
      .publish(marked.map(this.deps.render))
      .then(() => ({ published: marked, failOpen: true, replayed: 0, folded: 0, deferred: 0 }));
  }

  /** Only store errors fail open; anything else is a bug or a publish failure and must fail the invocation. */
  private reportStoreError(error: unknown, phase: string): void {
    if (!(error instanceof StateStoreError)) throw error;
    this.events.storeUnavailable(error, phase);
  }
}
