/**
 * Walking a batch's events in CloudWatch Logs' layout without building them: checked as JSON.parse would check them
 * (candidates.ts says why) and counted. Two walkers accept exactly the same texts: a regular expression over the
 * decoded string, and a WebAssembly one (event-walk.wat) over the bytes, which reads 16 at a time and is about four
 * times faster on a typical batch (`npm run bench`). The bytes are used when the text is ASCII (so that byte and
 * character offsets agree) and not too large to copy.
 */
import { ensureWasmMemory, instantiateWasm, type WasmMemory } from '../wasm';
import { EVENT_WALK_WASM } from './event-walk.wasm';

/**
 * The content of a JSON string: no quote, backslash or raw control character except in one of JSON's escapes. The
 * loop is unrolled (plain run, then escape + plain run) so that no input makes the engine backtrack.
 */
export const JSON_STRING_CONTENT = String.raw`[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*`;
/** 14 digits at most: before the year 5138, so within the full path's timestamp check; 15 digits is a doubt. */
export const EVENT_TIMESTAMP = '(?:0|[1-9][0-9]{0,13})';
/** One event in CloudWatch's layout and what follows it (`,` or the array's `]`), matched where lastIndex points. */
const EVENT = new RegExp(
  String.raw`\{"id":"${JSON_STRING_CONTENT}","timestamp":${EVENT_TIMESTAMP},"message":"${JSON_STRING_CONTENT}"\}[,\]]`,
  'y',
);
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/**
 * Larger texts are walked by the regular expression: the WebAssembly memory the bytes are copied into never shrinks,
 * and 16 MiB is several times the largest genuine batch (1 MB of base64 at the usual 5-20x compression).
 */
export const WASM_WALK_MAX_BYTES = 16 * 1024 * 1024;
/** Zero bytes written after the text: every read of the walker stays inside them, and a zero ends a string. */
const PADDING = 64;

/**
 * The events between `start` (just after `"logEvents":[`) and `end` (the array's `]`, with `start < end`): their
 * count, or -1 when the text there is not a run of events in CloudWatch's layout. Stops once the count exceeds
 * `maxEvents`, returning that count. `bytes`, when given, are the text's own bytes (ASCII: one byte per character,
 * at most WASM_WALK_MAX_BYTES), walked in WebAssembly.
 */
export function walkEvents(text: string, bytes: Uint8Array | null, start: number, end: number, maxEvents: number): number {
  return bytes !== null ? walkEventBytes(bytes, start, end, maxEvents) : walkEventText(text, start, end, maxEvents);
}

/** The walk by regular expression, over the decoded text. */
export function walkEventText(text: string, start: number, end: number, maxEvents: number): number {
  let count = 0;
  for (let at = start; ;) {
    EVENT.lastIndex = at;
    if (!matches(EVENT, text)) return -1;
    const next = EVENT.lastIndex; // after the `,` or `]`
    if (++count > maxEvents) return count;
    if (next === end + 1) return text.charCodeAt(end) === CLOSE_BRACKET ? count : -1; // the array's `]`
    // A `]` anywhere else ends the array early: what follows is not JSON (`}]{"id":...`).
    if (next > end || text.charCodeAt(next - 1) !== COMMA) return -1;
    at = next;
  }
}

/** The walk in WebAssembly, over the text's ASCII bytes. */
export function walkEventBytes(bytes: Uint8Array, start: number, end: number, maxEvents: number): number {
  copyIn(bytes, 0);
  return eventWalker().walk(start, end, capped(maxEvents), 0);
}

/** Where each event's parts are, as walkEventRecords finds them (offsets in the text). */
export interface EventRecords {
  /** The events walked (more than `maxEvents` when the walk stopped there). */
  readonly count: number;
  /** Per event: the id's start and end, the message's start and end. */
  readonly offsets: Int32Array;
  /** Per event: the timestamp. */
  readonly timestamps: Float64Array;
}

/** The `{id,timestamp,message}` offsets the WebAssembly walker writes per event, and their size. */
const RECORD_BYTES = 24;
/** The shortest event and its separator: `{"id":"","timestamp":0,"message":""},`. */
const MIN_EVENT_CHARS = 37;

/**
 * walkEventBytes, also telling where each event's id and message are and its timestamp, for a caller that builds
 * the events from the bytes rather than parsing them. Null when the text there is not a run of events. The views
 * are valid until the next walk.
 */
export function walkEventRecords(bytes: Uint8Array, start: number, end: number, maxEvents: number): EventRecords | null {
  const maxRecords = Math.min(capped(maxEvents) + 1, Math.floor((end - start + 1) / MIN_EVENT_CHARS) + 1);
  const out = alignTo8(bytes.length + PADDING);
  copyIn(bytes, maxRecords * RECORD_BYTES);
  const count = eventWalker().walk(start, end, capped(maxEvents), out);
  if (count < 0) return null;
  const { buffer } = eventWalker().memory;
  return {
    count,
    offsets: new Int32Array(buffer, out, (count * RECORD_BYTES) / 4),
    timestamps: new Float64Array(buffer, out, (count * RECORD_BYTES) / 8),
  };
}

/** Record `i`'s fields within the views of EventRecords. */
export const RECORD_INT32S = RECORD_BYTES / 4;
export const RECORD_FLOAT64S = RECORD_BYTES / 8;

function capped(maxEvents: number): number {
  return Math.min(maxEvents, 0x7fff_ffff);
}

function alignTo8(n: number): number {
  return (n + 7) & ~7;
}

/** Copies `bytes` to the start of memory, followed by PADDING zero bytes and `extra` bytes of room. */
function copyIn(bytes: Uint8Array, extra: number): void {
  const walker = eventWalker();
  ensureWasmMemory(walker.memory, alignTo8(bytes.length + PADDING) + extra);
  const memory = new Uint8Array(walker.memory.buffer, 0, bytes.length + PADDING);
  memory.set(bytes);
  memory.fill(0, bytes.length);
}

interface EventWalker {
  readonly memory: WasmMemory;
  readonly walk: (start: number, end: number, maxEvents: number, out: number) => number;
}

let walker: EventWalker | undefined;

/** Compiled at first use, once per container. */
function eventWalker(): EventWalker {
  if (walker === undefined) {
    const exports = instantiateWasm(EVENT_WALK_WASM);
    walker = { memory: exports.memory as WasmMemory, walk: exports.walk as EventWalker['walk'] };
  }
  return walker;
}

/** `pattern.test(text)`, where a pathological input that exhausts the engine's stack counts as no match. */
function matches(pattern: RegExp, text: string): boolean {
  try {
    return pattern.test(text);
  } catch {
    return false; // the full parse decides
  }
}
