/**
 * Streams a byte source line by line through the detector in constant memory. A keyword prefilter runs on
 * the raw bytes (the Lambda's fast path, per line): only a line holding `Refused PORT ` or `Refused EPRT `
 * (ASCII, any case) or a JSON `\u00` escape (which could spell them) is decoded into a string and examined;
 * every other line is only counted. No line without those bytes can be a finding: UTF-8 decoding turns
 * ASCII bytes into the same characters and never makes ASCII out of other bytes, and the detector matches
 * the keywords in ASCII only. A property test holds this path to decoding and examining every line.
 */
import { createLineDetector, type Finding } from '../lambda/detector';
import type { NetworkSet } from '../lambda/detector/networks';
import { loadChunk } from './keyword-scan';

/** A longer line is examined on its first this-many characters (no proftpd line comes close). */
export const MAX_LINE_CHARS = 1024 * 1024;
/**
 * Bytes of a line kept for examination. A UTF-16 code unit takes at most 3 bytes of UTF-8 (4 bytes give a
 * surrogate pair), so these hold the first MAX_LINE_CHARS characters even after a cut multi-byte sequence.
 */
const KEPT_LINE_BYTES = 3 * MAX_LINE_CHARS + 4;

const NEWLINE = 0x0a;
/** Longer than any keyword (`Refused EPRT `, `\u00`): what a search across two pieces must see of the first. */
const KEYWORD_OVERLAP_BYTES = 16;
/** `\u00`: how a JSON-wrapped event could spell a keyword letter by its code. */
const JSON_ESCAPE = Buffer.from('\\u00', 'latin1');

export interface LineFinding {
  readonly finding: Finding;
  /** 1-based. */
  readonly lineNumber: number;
}

export interface ScanCounts {
  lines: number;
}

/**
 * A line that may hold a refusal (a keyword or a JSON escape) and is longer than the cap: it was examined on its
 * first MAX_LINE_CHARS characters only, so a refusal past them, or text after one that would reject it, is unseen.
 */
export interface CutLine {
  /** 1-based. */
  readonly lineNumber: number;
}

/** What scanLines does with the lines it examines; one per scan, for the detector's memory. */
class Examiner {
  private readonly detect: ReturnType<typeof createLineDetector>;
  readonly found: LineFinding[] = [];
  readonly cut: CutLine[] = [];

  constructor(internalNetworks: NetworkSet | undefined) {
    this.detect = createLineDetector(internalNetworks === undefined ? {} : { internalNetworks });
  }

  /**
   * Decodes bytes [start, end) of one line (its first KEPT_LINE_BYTES at most) and runs the detector. `dropped`:
   * bytes of the line past `end` were already left out (a line longer than KEPT_LINE_BYTES across chunks).
   */
  examine(bytes: Buffer, start: number, end: number, lineNumber: number, dropped = false): void {
    let cut = dropped || end - start > KEPT_LINE_BYTES;
    let line = bytes.toString('utf8', start, Math.min(end, start + KEPT_LINE_BYTES));
    if (line.length > MAX_LINE_CHARS) {
      line = line.slice(0, MAX_LINE_CHARS);
      cut = true;
    }
    if (cut) this.cut.push({ lineNumber });
    const finding = this.detect(line);
    if (finding) this.found.push({ finding, lineNumber });
  }
}

/**
 * Complete lines in bytes [start, end], where `end` is the index of a newline: counts them and examines those
 * the prefilter lets through.
 */
function scanRegion(bytes: Buffer, start: number, end: number, counts: ScanCounts, examiner: Examiner): void {
  // Searched in WebAssembly (keyword-scan.ts); nothing below awaits, so the loaded chunk stays this one.
  const chunk = loadChunk(bytes, end + 1);
  let counted = start;
  let from = start;
  let escapeAt = -2; // not searched yet
  while (from < end) {
    if (escapeAt !== -1 && escapeAt < from) escapeAt = bytes.indexOf(JSON_ESCAPE, from);
    const escape = escapeAt !== -1 && escapeAt < end ? escapeAt : -1;
    const keyword = chunk.findKeyword(from, escape === -1 ? end : escape);
    const hit = keyword !== -1 ? keyword : escape;
    if (hit === -1) break;
    const lineStart = chunk.lineStart(hit, start);
    const lineEnd = chunk.lineEnd(hit, end); // `end` is a newline
    counts.lines += chunk.countNewlines(counted, lineStart) + 1;
    examiner.examine(bytes, lineStart, lineEnd, counts.lines);
    counted = lineEnd + 1;
    from = lineEnd + 1;
  }
  counts.lines += chunk.countNewlines(counted, end + 1);
}

/** True when bytes [start, end) may hold a refusal: a keyword or a JSON escape. */
function mayHoldRefusal(bytes: Buffer, start: number, end: number): boolean {
  if (loadChunk(bytes, end).findKeyword(start, end) !== -1) return true;
  const escape = bytes.indexOf(JSON_ESCAPE, start);
  return escape !== -1 && escape + JSON_ESCAPE.length <= end;
}

/**
 * Reads `source` (bytes; invalid UTF-8 becomes U+FFFD; CRLF and a missing final newline are fine) and calls
 * `onFinding` for each finding in order. Stops early, without error, when `signal` aborts. Lines are counted
 * into `counts`, which holds what was read even when the source fails half-way. A chunk is not used once the next
 * is asked for: the source may reuse its memory.
 */
export async function scanLines(
  source: AsyncIterable<Buffer | string>,
  onFinding: (found: LineFinding) => Promise<void> | void,
  signal?: AbortSignal,
  counts: ScanCounts = { lines: 0 },
  onCut?: (cut: CutLine) => void,
  internalNetworks?: NetworkSet,
): Promise<ScanCounts> {
  const examiner = new Examiner(internalNetworks);
  // The unfinished line at the end of the chunks so far: its first KEPT_LINE_BYTES, and whether it has any.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pendingSeen = false;
  // Past the cap, bytes are not kept, only searched: a keyword there is a refusal the cut would hide. The last
  // few dropped bytes are carried over so a keyword split across two chunks is still found.
  let pendingDropped = false;
  let droppedMayHoldRefusal = false;
  let droppedTail: Buffer = Buffer.alloc(0);

  const keep = (bytes: Buffer): void => {
    pendingSeen ||= bytes.length > 0;
    const room = Math.max(0, KEPT_LINE_BYTES - pendingBytes);
    if (bytes.length === 0) return;
    if (bytes.length > room) pendingDropped = true;
    if (bytes.length > room && !droppedMayHoldRefusal) {
      const dropped = Buffer.concat([droppedTail, bytes.subarray(room)]);
      droppedMayHoldRefusal = mayHoldRefusal(dropped, 0, dropped.length);
      droppedTail = Buffer.from(dropped.subarray(Math.max(0, dropped.length - KEYWORD_OVERLAP_BYTES)));
    }
    if (room === 0) return;
    // A copy: the source may reuse the chunk's memory for the next one (readFileChunks does).
    const kept = Buffer.from(bytes.length > room ? bytes.subarray(0, room) : bytes);
    pending.push(kept);
    pendingBytes += kept.length;
  };

  const finishPending = (): void => {
    const line = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    counts.lines++;
    if (droppedMayHoldRefusal || mayHoldRefusal(line, 0, line.length)) {
      examiner.examine(line, 0, line.length, counts.lines, pendingDropped);
    }
    pending = [];
    pendingBytes = 0;
    pendingSeen = false;
    pendingDropped = false;
    droppedMayHoldRefusal = false;
    droppedTail = Buffer.alloc(0);
  };

  const report = async (): Promise<void> => {
    for (const cut of examiner.cut.splice(0)) onCut?.(cut);
    for (const found of examiner.found.splice(0)) await onFinding(found);
  };

  for await (const chunk of source) {
    if (signal?.aborted) break;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const firstNewline = bytes.indexOf(NEWLINE);
    if (firstNewline === -1) {
      keep(bytes);
      continue;
    }
    let start = 0;
    if (pendingSeen) {
      keep(bytes.subarray(0, firstNewline));
      finishPending();
      start = firstNewline + 1;
    }
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    if (lastNewline >= start) scanRegion(bytes, start, lastNewline, counts, examiner);
    keep(bytes.subarray(lastNewline + 1));
    await report();
  }
  if (!signal?.aborted && pendingSeen) {
    finishPending();
    await report();
  }
  return counts;
}
