/**
 * The sparse path: a batch in which the refusal keywords occur only a few times is not parsed whole. Parsing
 * 10,000 events to examine the hundred that can matter is most of the cost of a typical batch, so only the
 * header and the events holding a keyword are parsed; the others are checked and counted.
 *
 * It relies on the layout CloudWatch Logs writes (compact JSON, header first, then `"logEvents":[...]`, each
 * event `{"id":"...","timestamp":<digits>,"message":"..."}`). Every event is walked in that layout and its
 * message checked to be valid JSON string content (no raw control character, only JSON's escapes), without
 * building it; the header is parsed as JSON. So a text this path accepts is one JSON.parse accepts, with the
 * same header and the same events (never an event from outside `logEvents`), and the walk counts the events
 * before anything is allocated for them. Anything else, or any doubt (another layout, whitespace, a 15-digit
 * timestamp), returns null and the caller parses the whole text.
 *
 * The dense path: a batch with many keywords (a scan floods the log with refusals) needs every event. When its text
 * is ASCII and its events hold no backslash (so no escape: a message is its bytes), the same walk says where each
 * id and message is, and the events are built from the bytes: the events JSON.parse would build, at about a third
 * of its cost.
 */
import { hasEscapedAscii, refusalKeywords } from '../detector';
import {
  EVENT_TIMESTAMP,
  JSON_STRING_CONTENT,
  RECORD_FLOAT64S,
  RECORD_INT32S,
  WASM_WALK_MAX_BYTES,
  walkEventRecords,
  walkEvents,
} from './event-walk';
import type { LogEvent } from './types';

/** Beyond about one candidate per this many characters (~5% of typical events), one JSON.parse is cheaper. */
const CHARS_PER_CANDIDATE = 4096;
const MIN_CANDIDATES = 64;

const EVENTS_KEY = '"logEvents":[';
const BACKSLASH = 0x5c;
/** How every event starts; in a text the walk accepted, only events start so (a string cannot hold a raw quote). */
const EVENT_START = '{"id":"';
/** What may follow the events array: the end of the object, after the account-policy marker if any. */
const TAIL = /^(?:,"policyLevel":"[A-Za-z_]{1,64}")?\}[ \t\r\n]*$/;
/** One event with its parts captured, for the few candidate events. */
const EVENT_PARTS = new RegExp(
  String.raw`\{"id":"(${JSON_STRING_CONTENT})","timestamp":(${EVENT_TIMESTAMP}),"message":"(${JSON_STRING_CONTENT})"\}`,
  'y',
);

export interface CandidateEvents {
  /** The header's fields as JSON.parse gives them, with `logEvents` holding the candidate events only. */
  readonly batch: Record<string, unknown>;
  /** Every event of the batch, candidates or not. */
  readonly eventCount: number;
  /**
   * False when the keywords were too many (or could hide in escapes) to pick candidates: `batch.logEvents` is
   * then empty, and the caller parses the whole text, unless `complete`.
   */
  readonly sparse: boolean;
  /** True when `batch.logEvents` holds every event, built from the bytes (the dense path). */
  readonly complete: boolean;
}

/**
 * The candidate events of `text` with the batch header, or null when the whole text must be parsed. Stops
 * walking once the events exceed `maxEvents`, and returns the count so far plus one. A dense batch is walked (checked
 * valid and counted) only when `walkDense`; otherwise null is returned for it, as for any text to parse whole (a
 * caller that bounds the whole parse by other means saves the walk; the header alone is never trusted). `bytes`, when
 * given, are the text's ASCII bytes, walked faster (event-walk.ts).
 */
export function decodeCandidateEvents(
  text: string,
  maxEvents = Number.POSITIVE_INFINITY,
  walkDense = true,
  bytes: Buffer | null = null,
): CandidateEvents | null {
  const keyAt = text.indexOf(EVENTS_KEY);
  const eventsStart = keyAt + EVENTS_KEY.length;
  const eventsEnd = text.lastIndexOf(']');
  if (keyAt < 0 || eventsEnd < eventsStart) return null;
  const header = parseHeader(text, keyAt, eventsEnd);
  if (header === null) return null;
  const maxCandidates = Math.max(MIN_CANDIDATES, Math.floor(text.length / CHARS_PER_CANDIDATE));
  // Keywords first: a dense batch gives up after the first few hundred, without a scan of the whole text. A
  // keyword could also be spelled with escapes: then every event is examined.
  // The bytes are walked in WebAssembly, up to the size its memory is allowed to grow to.
  const wasmBytes = bytes !== null && bytes.length <= WASM_WALK_MAX_BYTES ? bytes : null;
  // Without a backslash among the events (one native byte search) no keyword can hide in an escape there.
  const escapeFree = wasmBytes !== null && !hasBackslash(wasmBytes, eventsStart, eventsEnd);
  const hits = !escapeFree && hasEscapedAscii(text) ? null : keywordsIn(text, eventsStart, eventsEnd, maxCandidates);
  if (hits === null && wasmBytes !== null && escapeFree && eventsStart < eventsEnd) {
    const built = eventsFromBytes(text, wasmBytes, eventsStart, eventsEnd, maxEvents);
    if (built === null) return null;
    return { batch: { ...header, logEvents: built.events }, eventCount: built.count, sparse: false, complete: true };
  }
  if (hits === null && !walkDense) return null;
  const count = eventsStart === eventsEnd ? 0 : walkEvents(text, wasmBytes, eventsStart, eventsEnd, maxEvents);
  if (count < 0) return null;
  const candidates: LogEvent[] = [];
  if (hits !== null && count <= maxEvents) {
    let builtEnd = -1; // where the last event built ends: its other keywords need nothing more
    for (const hit of hits) {
      if (hit < builtEnd) continue;
      // The event holding the keyword: searched back from it, so each event's text is searched at most once.
      const event = candidateAt(text, text.lastIndexOf(EVENT_START, hit));
      if (event === null) return null;
      candidates.push(event);
      builtEnd = EVENT_PARTS.lastIndex;
    }
  }
  return { batch: { ...header, logEvents: candidates }, eventCount: count, sparse: hits !== null, complete: false };
}

/** Whether a backslash occurs between `from` and `to`. */
function hasBackslash(bytes: Buffer, from: number, to: number): boolean {
  const at = bytes.indexOf(BACKSLASH, from);
  return at >= 0 && at < to;
}

/**
 * Every event, built from the ASCII bytes of events without a backslash (the text is their latin1 decoding), or null
 * when the text there is not a run of events. Stops past `maxEvents`, with the events so far and the count.
 */
function eventsFromBytes(
  text: string,
  bytes: Buffer,
  eventsStart: number,
  eventsEnd: number,
  maxEvents: number,
): { readonly events: LogEvent[]; readonly count: number } | null {
  const records = walkEventRecords(bytes, eventsStart, eventsEnd, maxEvents);
  if (records === null) return null;
  const { count, offsets, timestamps } = records;
  const events: LogEvent[] = [];
  if (count > maxEvents) return { events, count };
  for (let i = 0; i < count; i++) {
    const at = i * RECORD_INT32S;
    events.push({
      // An id is only compared and shown: a slice of the text will do. A message is read character by character by
      // the detector, which is faster on a string of its own than on a slice.
      id: text.slice(offsets[at] as number, offsets[at + 1] as number),
      timestamp: timestamps[i * RECORD_FLOAT64S + 2] as number,
      message: bytes.toString('latin1', offsets[at + 2] as number, offsets[at + 3] as number),
    });
  }
  return { events, count };
}

/** Indices of the keywords between `from` and `to`, or null when there are more than `max`. */
function keywordsIn(text: string, from: number, to: number, max: number): number[] | null {
  const pattern = refusalKeywords();
  pattern.lastIndex = from;
  const hits: number[] = [];
  for (let match = pattern.exec(text); match !== null && match.index < to; match = pattern.exec(text)) {
    if (hits.length === max) return null;
    hits.push(match.index);
  }
  return hits;
}

/** The header members before `"logEvents"` and the ones after the array, parsed as JSON; null if odd. */
function parseHeader(text: string, keyAt: number, eventsEnd: number): Record<string, unknown> | null {
  const tail = text.slice(eventsEnd + 1);
  if (!TAIL.test(tail)) return null;
  try {
    const header = JSON.parse(`${text.slice(0, keyAt)}"logEvents":[]${tail}`) as unknown;
    return typeof header === 'object' && header !== null && !Array.isArray(header) ? (header as Record<string, unknown>) : null;
  } catch {
    return null; // the full parse reports it
  }
}

/** The event starting at `start` (already walked), built; EVENT_PARTS.lastIndex is then where it ends. */
function candidateAt(text: string, start: number): LogEvent | null {
  EVENT_PARTS.lastIndex = start;
  let parts: RegExpExecArray | null;
  try {
    parts = EVENT_PARTS.exec(text);
  } catch {
    return null;
  }
  if (parts === null) return null;
  const [, id = '', timestamp = '', message = ''] = parts;
  return { id: jsonString(id), timestamp: Number(timestamp), message: jsonString(message) };
}

/** The value of a JSON string's (valid) content. */
function jsonString(raw: string): string {
  return raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
}
