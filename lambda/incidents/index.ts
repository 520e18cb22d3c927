/** Alert memory (docs/design.md section 8): incidents across invocations. Pure decisions, a store port, a service. */
export type { BatchDecision, SweepDecision } from './engine';
export type { Settlement } from './engine';
export {
  applyBatch,
  bucketEnd,
  claimable,
  claimEnds,
  digestLineKey,
  dueAt,
  isIdle,
  rollWindows,
  settled,
  sweepClient,
  windowTotals,
  withClaims,
} from './engine';
export type { ClassGroup, ClientBatch, TargetTally } from './evidence';
export { BatchEvidence, clientBatches, clientId } from './evidence';
export type { KeyedDigestLine } from './digest';
export { buildDigestParts, buildDigests, digestBucketId, digestBuckets, DIGEST_MAX_ENTRIES } from './digest';
export type { BatchOutcome, IncidentMemoryDeps, MemoryEvents, SweepOutcome } from './memory';
export { IncidentConflictError, IncidentMemory, SWEEP_ORIGIN } from './memory';
export type { IncidentSettings, LowSeverityMode } from './settings';
export { HOUR_MS, INCIDENT_DEFAULTS, INCIDENT_LIMITS, MINUTE_MS, SCAN_PORT_FLOOR } from './settings';
export type { Acknowledgement, ClientKey, ClientState, IncidentState, OutboxClaim, OutboxEntry, PendingDigestLine, StoredClient } from './state';
export { emptyClient, STATE_LIMITS } from './state';
export type { DuePage, IncidentStore, SlotGrant } from './store';
export { MemoryIncidentStore, StateStoreError } from './store';
export type { Suppression, SuppressionQuery, SuppressionReader, SuppressionSeverity, SuppressionSpec } from './suppressions';
export {
  activeSuppressions,
  InvalidSuppressionError,
  parseSuppressionSpecs,
  SuppressionCache,
  suppressionCovers,
  suppressionFor,
  SUPPRESSION_LIMITS,
} from './suppressions';
