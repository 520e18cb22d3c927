/**
 * The sparse path: a batch in which the refusal keywords occur only a few times is not parsed whole. Parsing
 * 10,000 events to examine the hundred that can matter is most of the cost of a typical batch, so only the
 * header and the events holding a keyword are parsed; the others are counted.
 *
 * It relies on the layout CloudWatch Logs writes (compact JSON, header first, then `"logEvents":[...]`, each
 * event `{"id":"<digits>","timestamp":<digits>,"message":"..."}`) and on one property of any valid JSON: a
 * `"` inside a string is always escaped, so `{"id":"` can only occur where an event object starts. Anything
 * else, or any doubt, returns null and the caller parses the whole text as before. Like the no-keyword fast
 * path, the events without a keyword are not validated.
 */
import { hasEscapedAscii, refusalKeywords } from '../detector';
import type { LogEvent } from './types';

/** Beyond about one candidate per this many characters (~5% of typical events), one JSON.parse is cheaper. */
const CHARS_PER_CANDIDATE = 4096;
const MIN_CANDIDATES = 64;

const EVENTS_KEY = '"logEvents":[';
const EVENT_START = '{"id":"';
const TIMESTAMP_KEY = '","timestamp":';
const MESSAGE_KEY = ',"message":"';
/** What may follow the events array: the end of the object, after the account-policy marker if any. */
const TAIL = /^(?:,"policyLevel":"[A-Za-z_]{1,64}")?\}[ \t\r\n]*$/;
// eslint-disable-next-line no-control-regex -- JSON forbids raw control characters in a string: such text is not JSON
const CONTROL_CHARACTER = /[\u0000-\u001f]/;
const MAX_ID_DIGITS = 64;
const MAX_TIMESTAMP_DIGITS = 15;

export interface CandidateEvents {
  /** The header's fields as JSON.parse gives them, with `logEvents` holding the candidate events only. */
  readonly batch: Record<string, unknown>;
  /** Every event of the batch, candidates or not. */
  readonly eventCount: number;
}

/** The candidate events of `text` with the batch header, or null when the whole text must be parsed. */
export function decodeCandidateEvents(text: string): CandidateEvents | null {
  const keyAt = text.indexOf(EVENTS_KEY);
  const eventsStart = keyAt + EVENTS_KEY.length;
  const eventsEnd = text.lastIndexOf(']');
  if (keyAt < 0 || eventsEnd < eventsStart) return null;
  const maxCandidates = Math.max(MIN_CANDIDATES, Math.floor(text.length / CHARS_PER_CANDIDATE));
  // Keywords first: a dense batch gives up after the first few hundred, without a scan of the whole text.
  const hits = keywordsIn(text, eventsStart, eventsEnd, maxCandidates);
  if (hits === null) return null;
  if (hasEscapedAscii(text)) return null; // a keyword could be spelled with escapes: examine every event

  const header = parseHeader(text, keyAt, eventsEnd);
  if (header === null) return null;
  const candidates: LogEvent[] = [];
  let covered = eventsStart; // events before this index are done
  for (const hit of hits) {
    if (hit < covered) continue; // another keyword in the same event
    const start = text.lastIndexOf(EVENT_START, hit);
    if (start < covered) return null;
    const event = parseEvent(text, start, eventsEnd);
    if (event === null || hit >= event.end) return null;
    candidates.push(event.event);
    covered = event.end;
  }
  return { batch: { ...header, logEvents: candidates }, eventCount: countEvents(text, eventsStart, eventsEnd) };
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

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Index after the digits at `i` (at most `max`), or -1 when there are none or too many. */
function digitsEnd(text: string, i: number, max: number): number {
  let j = i;
  while (isDigit(text.charCodeAt(j))) j++;
  return j === i || j - i > max ? -1 : j;
}

/** The event object starting at `start`, exactly in CloudWatch's layout, and the index after its separator. */
function parseEvent(text: string, start: number, eventsEnd: number): { event: LogEvent; end: number } | null {
  const idStart = start + EVENT_START.length;
  const idEnd = digitsEnd(text, idStart, MAX_ID_DIGITS);
  if (idEnd < 0 || text.slice(idEnd, idEnd + TIMESTAMP_KEY.length) !== TIMESTAMP_KEY) return null;
  const timestampStart = idEnd + TIMESTAMP_KEY.length;
  const timestampEnd = digitsEnd(text, timestampStart, MAX_TIMESTAMP_DIGITS);
  if (timestampEnd < 0 || text.slice(timestampEnd, timestampEnd + MESSAGE_KEY.length) !== MESSAGE_KEY) return null;
  const messageStart = timestampEnd + MESSAGE_KEY.length;
  const messageEnd = closingQuote(text, messageStart, eventsEnd);
  if (messageEnd < 0 || text.charCodeAt(messageEnd + 1) !== 125) return null; // `}`
  const after = messageEnd + 2;
  if (after !== eventsEnd && text.charCodeAt(after) !== 44) return null; // `,` or the array's end
  const message = jsonString(text.slice(messageStart, messageEnd));
  if (message === null) return null;
  const event = { id: text.slice(idStart, idEnd), timestamp: Number(text.slice(timestampStart, timestampEnd)), message };
  return { event, end: after };
}

/** Index of the `"` closing the string whose content starts at `i`: the first one not escaped. */
function closingQuote(text: string, i: number, limit: number): number {
  for (let quote = text.indexOf('"', i); quote !== -1 && quote < limit; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

/** The value of a JSON string's content, or null when it is not valid JSON string content. */
function jsonString(raw: string): string | null {
  if (!raw.includes('\\')) return CONTROL_CHARACTER.test(raw) ? null : raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return null;
  }
}

/** Events between the indices: each starts with `{"id":"`, which only occurs where an event starts. */
function countEvents(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf(EVENT_START, from); i !== -1 && i < to; i = text.indexOf(EVENT_START, i + EVENT_START.length)) {
    count++;
  }
  return count;
}
