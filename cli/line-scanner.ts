/**
 * Streams a byte source line by line through the detector in constant memory. Whole chunks that cannot hold
 * a refusal (the common case) are only counted, never split into lines.
 */
import { StringDecoder } from 'node:string_decoder';
import { createLineDetector, type Finding, mayContainRefusal } from '../lambda/detector';

/** A longer line is examined on its first this-many characters (no proftpd line comes close). */
export const MAX_LINE_CHARS = 1024 * 1024;

export interface LineFinding {
  readonly finding: Finding;
  /** 1-based. */
  readonly lineNumber: number;
}

export interface ScanCounts {
  lines: number;
  truncatedLines: number;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/**
 * Reads `source` (bytes; invalid UTF-8 becomes U+FFFD; CRLF and a missing final newline are fine) and calls
 * `onFinding` for each finding in order. Stops early, without error, when `signal` aborts.
 */
export async function scanLines(
  source: AsyncIterable<Buffer | string>,
  onFinding: (found: LineFinding) => Promise<void> | void,
  signal?: AbortSignal,
  counts: ScanCounts = { lines: 0, truncatedLines: 0 },
): Promise<ScanCounts> {
  const decoder = new StringDecoder('utf8');
  // The unfinished last line of the previous chunk; `carryTruncated` when it outgrew MAX_LINE_CHARS.
  let carry = '';
  let carryTruncated = false;
  const detectLine = createLineDetector();

  const examine = async (line: string): Promise<void> => {
    counts.lines++;
    const finding = detectLine(line);
    if (finding) await onFinding({ finding, lineNumber: counts.lines });
  };

  const examineLong = async (line: string): Promise<void> => {
    if (line.length > MAX_LINE_CHARS) {
      counts.truncatedLines++;
      await examine(line.slice(0, MAX_LINE_CHARS));
    } else {
      await examine(line);
    }
  };

  for await (const chunk of source) {
    if (signal?.aborted) break;
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (carryTruncated) {
      // Inside an over-long line: drop its rest until the newline, then examine its kept start.
      const newline = text.indexOf('\n');
      if (newline === -1) continue;
      counts.truncatedLines++;
      await examine(carry);
      carry = '';
      carryTruncated = false;
      text = text.slice(newline + 1);
    }
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline === -1) {
      carry += text;
      if (carry.length > MAX_LINE_CHARS) {
        carry = carry.slice(0, MAX_LINE_CHARS);
        carryTruncated = true;
      }
      continue;
    }
    const complete = carry + text.slice(0, lastNewline);
    if (mayContainRefusal(complete)) {
      let start = 0;
      for (let end = complete.indexOf('\n'); end !== -1; end = complete.indexOf('\n', start)) {
        await examineLong(complete.slice(start, end));
        start = end + 1;
      }
      await examineLong(complete.slice(start));
    } else {
      counts.lines += countNewlines(complete) + 1;
    }
    carry = text.slice(lastNewline + 1);
    if (carry.length > MAX_LINE_CHARS) {
      carry = carry.slice(0, MAX_LINE_CHARS);
      carryTruncated = true;
    }
  }
  if (!signal?.aborted) {
    carry += decoder.end();
    if (carryTruncated) {
      counts.truncatedLines++;
      await examine(carry.slice(0, MAX_LINE_CHARS));
    } else if (carry.length > 0) {
      await examineLong(carry);
    }
  }
  return counts;
}
