/**
 * An alert as one EventBridge event (docs/export.md): `source` `ftp-bounce-watch`, a `detail-type` per kind, and the
 * alert JSON contract (docs/design.md section 5) as `detail`, passed through as it is, so every field the alert
 * gains reaches event consumers without a change here. Pure: no client, no clock.
 */
import type { AlertKind } from '../alerts/alert';

export const EVENT_SOURCE = 'ftp-bounce-watch';

/** The detail-type of each kind; rules match on these (docs/export.md). */
export const DETAIL_TYPES: Readonly<Record<AlertKind, string>> = {
  new: 'FTP Bounce Watch Incident Opened',
  escalation: 'FTP Bounce Watch Incident Escalated',
  update: 'FTP Bounce Watch Incident Updated',
  digest: 'FTP Bounce Watch Digest',
};

/** A kind this version does not know (an alert from a newer sender): still exported, under a generic type. */
export const FALLBACK_DETAIL_TYPE = 'FTP Bounce Watch Alert';

/**
 * PutEvents limits (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): at most 10
 * entries per request, and an entry (and the request's entries together) under 256 KB, counted as
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html says.
 */
export const PUT_EVENTS_LIMITS = { entries: 10, bytes: 256 * 1024 } as const;

/** One PutEvents request entry, in the SDK's field names. */
export interface EventEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName: string;
  /** The log group's ARN (when the account is known): rules and consumers may filter on `resources`. */
  readonly Resources: readonly string[];
}

/** What the mapper reads of an alert; anything else in the JSON is carried along untouched. */
interface AlertHead {
  readonly id?: unknown;
  readonly kind?: unknown;
  readonly account?: unknown;
  readonly region?: unknown;
  readonly logGroup?: unknown;
}

export class AlertJsonError extends Error {
  override readonly name = 'AlertJsonError';
}

/** Reads the fields an export needs from the alert JSON text, refusing what is not an alert. */
export interface AlertHeadFields {
  readonly id: string;
  readonly kind: string;
  readonly account: string | null;
  readonly region: string | null;
  readonly logGroup: string | null;
}

export function alertHead(alertJson: string): AlertHeadFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(alertJson);
  } catch (error) {
    throw new AlertJsonError('alert JSON does not parse', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new AlertJsonError('alert JSON is not an object');
  const head = parsed as AlertHead;
  if (typeof head.id !== 'string' || head.id === '') throw new AlertJsonError('alert JSON has no id');
  if (typeof head.kind !== 'string') throw new AlertJsonError(`alert ${head.id} has no kind`);
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  return { id: head.id, kind: head.kind, account: text(head.account), region: text(head.region), logGroup: text(head.logGroup) };
}

export function detailTypeOf(kind: string): string {
  return Object.hasOwn(DETAIL_TYPES, kind) ? DETAIL_TYPES[kind as AlertKind] : FALLBACK_DETAIL_TYPE;
}

/** The log group's ARN when the account is known (a name is never an ARN by itself). */
export function logGroupArn(partition: string, region: string, account: string, logGroup: string): string {
  return `arn:${partition}:logs:${region}:${account}:log-group:${logGroup}`;
}

/**
 * The event of one alert. `alertJson` is the SNS `default` text (renderAlertJson), used verbatim as the detail: the
 * same alert gives the same detail, so consumers dedupe at-least-once delivery on `detail.id`.
 */
export function alertEventEntry(alertJson: string, eventBusName: string, partition = 'aws'): EventEntry {
  const head = alertHead(alertJson);
  const resources =
    head.account !== null && /^\d{12}$/.test(head.account) && head.region !== null && head.logGroup !== null
      ? [logGroupArn(partition, head.region, head.account, head.logGroup)]
      : [];
  return {
    Source: EVENT_SOURCE,
    DetailType: detailTypeOf(head.kind),
    Detail: alertJson,
    EventBusName: eventBusName,
    Resources: resources,
  };
}

/** Bytes EventBridge counts for an entry (no Time field is sent). */
export function eventEntryBytes(entry: EventEntry): number {
  let bytes = Buffer.byteLength(entry.Source) + Buffer.byteLength(entry.DetailType) + Buffer.byteLength(entry.Detail);
  for (const resource of entry.Resources) bytes += Buffer.byteLength(resource);
  return bytes;
}

/**
 * Entries in requests of at most 10 entries and 256 KB together, in order. An entry alone over the limit is returned
 * in `oversized` (EventBridge would refuse it; the caller counts it failed).
 */
export function batchEventEntries<T extends EventEntry>(
  entries: readonly T[],
  limits: { readonly entries: number; readonly bytes: number } = PUT_EVENTS_LIMITS,
): { batches: T[][]; oversized: T[] } {
  const batches: T[][] = [];
  const oversized: T[] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = eventEntryBytes(entry);
    if (size >= limits.bytes) {
      oversized.push(entry);
      continue;
    }
    if (current.length === limits.entries || bytes + size >= limits.bytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversized };
}
