import { isAscii } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { decodeBase64Strict } from './base64';
import { decodeCandidateEvents } from './candidates';
import { MalformedPayloadError } from './errors';
import type { DecodedBatch, LogEvent, LogsBatch } from './types';

/**
 * Default cap on the decompressed size: 64 MiB.
 *
 * CloudWatch Logs hands Lambda at most about 1 MB of base64, i.e. about 750 KB of gzip. Log text compresses
 * 5-20x (repetitive syslog up to ~50x), so genuine batches decompress to a few MB up to ~40 MB; deflate can
 * reach ~1000x, so without a cap a hostile 750 KB stream could ask for ~750 MB and kill the function. 64 MiB
 * leaves headroom over any genuine batch while keeping the peak (buffer + string + parsed events, about
 * 4-5x the cap in the worst case) inside a 512 MB function. Configurable through `maxDecompressedBytes`.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

/**
 * Default cap on the events of one batch: 200,000, twice the most a 1 MB payload can carry in the benchmark's worst
 * case (95,787 near-identical refusals). The size cap bounds the text; this bounds what parsing it allocates: 64 MiB
 * of `{"id":"1","timestamp":1,"message":""},` is 1.7 million events, 87 KB of gzip of `{},` is 22 million objects.
 */
export const DEFAULT_MAX_EVENTS = 200_000;

/**
 * A payload in another layout than CloudWatch's is parsed whole; before that, its JSON values are bounded by
 * counting those that can start outside strings: seven per event (the event, three names, three values) fit
 * in eight, and the header's (a dozen, with a few subscription filters) in HEADER_VALUES.
 */
const VALUES_PER_EVENT = 8;
const HEADER_VALUES = 64;

export interface DecodeOptions {
  /** Upper bound on the gunzipped size in bytes; larger payloads fail with reason `too-large`. */
  readonly maxDecompressedBytes?: number;
  /** Upper bound on the events of a batch; more fail with reason `too-many-events`. */
  readonly maxEvents?: number;
  /**
   * Parse every event with JSON.parse, never the fast or sparse path: the reference those paths are tested
   * against (they must accept and reject exactly what it does). Slower. @default false
   */
  readonly fullParse?: boolean;
}

/**
 * Decodes a CloudWatch Logs subscription event `{awslogs:{data: base64(gzip(json))}}`.
 *
 * Pure and synchronous. Throws `MalformedPayloadError` for every payload it cannot decode; a control
 * message or a batch with no refusal keyword is a normal result, not an error.
 */
export function decodeSubscriptionEvent(event: unknown, options: DecodeOptions = {}): DecodedBatch {
  const maxDecompressedBytes = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  for (const [name, value] of [['maxDecompressedBytes', maxDecompressedBytes], ['maxEvents', maxEvents]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      // A caller's bug, not a bad payload: keep it out of the MalformedPayloadError metric.
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }

  const data = subscriptionData(event);
  const compressed = decodeBase64Strict(data);
  if (compressed === null) {
    throw new MalformedPayloadError('not-base64', `awslogs.data (${data.length} chars) is not padded base64`);
  }
  const decompressed = gunzip(compressed, maxDecompressedBytes);
  // Log batches are nearly always pure ASCII; then latin1 gives the identical string at a third of the cost
  // of UTF-8 decoding (measured: 0.4 vs 1.3 ms for 2 MB), which matters most on the fast path.
  const ascii = isAscii(decompressed);
  const text = ascii ? decompressed.toString('latin1') : decompressed.toString('utf8');
  const sizes = { compressedBytes: compressed.length, decompressedBytes: decompressed.length };

  // Control messages are tiny and parsed whole; only a small payload is searched for one.
  const maybeControl = text.length <= CONTROL_MESSAGE_MAX_CHARS && text.includes('CONTROL_MESSAGE');
  // The walk over CloudWatch's layout (candidates.ts): the events are checked and counted without being built, and
  // those holding a keyword picked out, so that only they are parsed. Null: another layout, parsed whole below.
  // A dense batch is parsed whole; when its length alone bounds that parse, it is not walked first (null, below).
  const maxValues = maxEvents * VALUES_PER_EVENT + HEADER_VALUES;
  const parseBounded = maxJsonItems(text.length) <= maxValues;
  const walked = options.fullParse || maybeControl
    ? null
    : decodeCandidateEvents(text, maxEvents, !parseBounded, ascii ? decompressed : null);
  if (walked !== null) {
    if (walked.batch.messageType === 'CONTROL_MESSAGE') return { kind: 'control', ...sizes };
    if (walked.eventCount > maxEvents) throw tooManyEvents(maxEvents);
    // The walk built or checked every event it returns (id and message strings, timestamp within 14 digits).
    const batch = validateBatch(walked.batch, false);
    if (walked.complete) return { kind: 'data', batch, candidatesOnly: false, eventCount: walked.eventCount, ...sizes };
    // The fast path: no keyword in any event means no event can be a finding.
    if (walked.sparse && batch.logEvents.length === 0) return { kind: 'no-candidates', ...sizes };
    if (walked.sparse) {
      return { kind: 'data', batch, candidatesOnly: true, eventCount: walked.eventCount, ...sizes };
    }
    // Dense and walked: the text is valid and its events within the cap, so parsing it whole is bounded.
  } else if (!maybeControl && !parseBounded) {
    const values = countValueOpeners(text);
    if (values > maxValues) {
      throw new MalformedPayloadError(
        'too-many-events',
        `payload holds up to ${values} JSON values, more than ${maxEvents} events could (${VALUES_PER_EVENT} each)`,
      );
    }
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MalformedPayloadError('not-json', 'decompressed payload is not valid JSON', { cause: error });
  }
  if (isRecord(parsed) && parsed.messageType === 'CONTROL_MESSAGE') return { kind: 'control', ...sizes };
  const batch = validateBatch(parsed);
  if (batch.logEvents.length > maxEvents) throw tooManyEvents(maxEvents);
  return { kind: 'data', batch, candidatesOnly: false, eventCount: batch.logEvents.length, ...sizes };
}

function tooManyEvents(maxEvents: number): MalformedPayloadError {
  return new MalformedPayloadError('too-many-events', `batch holds more than ${maxEvents} log events`);
}

/**
 * An upper bound on the items (values and member names) JSON.parse can build from a text of `length`
 * characters. Every item but the outermost follows its own separator (`[`, `{`, `,` or `:`) and every item
 * ends with its own last character (`]`, `}`, `"`, a digit or a letter): disjoint sets, so 2n - 1 <= length.
 */
function maxJsonItems(length: number): number {
  return (length + 1) / 2;
}

/**
 * An upper bound on the JSON values in `text`: apart from the outermost, each value follows a `[`, a `{` (the first
 * member's) or a `,` outside a string. Invalid JSON may be miscounted; JSON.parse then rejects it anyway.
 */
function countValueOpeners(text: string): number {
  let count = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // `\`: the escaped character is not a quote
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x2c || c === 0x7b || c === 0x5b) count++;
  }
  return count;
}

function subscriptionData(event: unknown): string {
  if (!isRecord(event) || !isRecord(event.awslogs) || typeof event.awslogs.data !== 'string') {
    throw new MalformedPayloadError('not-subscription-event', 'event has no awslogs.data string');
  }
  return event.awslogs.data;
}

/** CloudWatch Logs' control message (a health check) is a few hundred bytes. */
const CONTROL_MESSAGE_MAX_CHARS = 16 * 1024;

/**
 * zlib's output chunk. Its 16 KiB default costs a native round trip per chunk plus a final copy of them all.
 * A gzip stream's trailer states the uncompressed size (ISIZE, modulo 2^32), so one chunk of that size plus
 * one byte holds the whole output and zlib returns it without copying (an exactly full chunk would make zlib
 * allocate a second one). ISIZE is only a hint from the sender: it is capped by what the stream could inflate
 * to (deflate's maximum ratio is 1032:1) and by the size cap; if it lies, zlib simply takes more chunks.
 * Measured in `npm run bench`: ~25% less gunzip time than the default on a 2 MB batch.
 */
const DEFLATE_MAX_RATIO = 1032;
const MIN_CHUNK = 64 * 1024;

function outputChunkSize(compressed: Buffer, maxOutputLength: number): number {
  const stated = compressed.length >= 18 ? compressed.readUInt32LE(compressed.length - 4) : 0;
  const bound = Math.min(compressed.length * DEFLATE_MAX_RATIO, maxOutputLength);
  return Math.max(MIN_CHUNK, Math.min(stated, bound) + 1);
}

function gunzip(compressed: Buffer, maxOutputLength: number): Buffer {
  // Checked here because zlib reports a missing header and a corrupt body with the same Z_DATA_ERROR.
  if (compressed.length < 2 || compressed[0] !== 0x1f || compressed[1] !== 0x8b) {
    throw new MalformedPayloadError('not-gzip', `payload (${compressed.length} bytes) has no gzip header`);
  }
  try {
    return gunzipSync(compressed, { maxOutputLength, chunkSize: outputChunkSize(compressed, maxOutputLength) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new MalformedPayloadError(
        'too-large',
        `gzip payload (${compressed.length} bytes) decompresses to more than ${maxOutputLength} bytes`,
        { cause: error },
      );
    }
    if (code === 'Z_BUF_ERROR') {
      throw new MalformedPayloadError(
        'truncated',
        `gzip stream (${compressed.length} bytes) ends before its trailer`,
        { cause: error },
      );
    }
    throw new MalformedPayloadError(
      'corrupt-gzip',
      `gzip stream (${compressed.length} bytes) is corrupt: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function validateBatch(value: unknown, checkEvents = true): LogsBatch {
  if (!isRecord(value)) throw wrongShape('payload is not a JSON object');
  if (value.messageType !== 'DATA_MESSAGE') {
    throw wrongShape('messageType is neither DATA_MESSAGE nor CONTROL_MESSAGE');
  }
  if (typeof value.owner !== 'string') throw wrongShape('owner is not a string');
  if (typeof value.logGroup !== 'string' || value.logGroup.length === 0) {
    throw wrongShape('logGroup is not a non-empty string');
  }
  if (typeof value.logStream !== 'string') throw wrongShape('logStream is not a string');
  if (value.policyLevel !== undefined && typeof value.policyLevel !== 'string') {
    throw wrongShape('policyLevel is not a string');
  }
  const filters = value.subscriptionFilters;
  if (!Array.isArray(filters) || !filters.every((f) => typeof f === 'string')) {
    throw wrongShape('subscriptionFilters is not an array of strings');
  }
  const events = value.logEvents;
  if (!Array.isArray(events)) throw wrongShape('logEvents is not an array');
  if (checkEvents) for (let i = 0; i < events.length; i++) validateEvent(events[i], i);
  // Validated in place rather than copied: a batch can hold 10,000 events and this runs on every invocation.
  return value as unknown as LogsBatch;
}

function validateEvent(event: unknown, index: number): asserts event is LogEvent {
  if (!isRecord(event)) throw wrongShape(`logEvents[${index}] is not an object`);
  if (typeof event.id !== 'string') throw wrongShape(`logEvents[${index}].id is not a string`);
  const t = event.timestamp;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > MAX_TIMESTAMP_MS) {
    throw wrongShape(`logEvents[${index}].timestamp is not epoch milliseconds`);
  }
  if (typeof event.message !== 'string') throw wrongShape(`logEvents[${index}].message is not a string`);
}

/** 9999-12-31T23:59:59.999Z: later times have no four-digit ISO-8601 year, and no log line comes from there. */
const MAX_TIMESTAMP_MS = 253_402_300_799_999;

function wrongShape(detail: string): MalformedPayloadError {
  return new MalformedPayloadError('wrong-shape', detail);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
