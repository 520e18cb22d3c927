/**
 * One status line on stderr, rewritten in place (`\r` + erase to end of line) and erased at the end, so that
 * it never mixes with the results on stdout. Silent unless stderr is a terminal: piped stderr gets no noise.
 */
import type { Writable } from 'node:stream';
import type { RetryInfo } from '../aws/call';
import { terminalSafe } from './scan-text';

const ERASE_LINE = '\r\u001b[K';
/** Wide enough to say something, narrow enough not to wrap on an 80-column terminal (wrapping breaks `\r`). */
const MAX_WIDTH = 79;

export class ProgressLine {
  private shown = false;

  constructor(
    private readonly stream: Writable,
    private readonly enabled: boolean,
  ) {}

  /** Shows `label: detail`; a long label is cut at its start, so the changing detail always shows. */
  update(label: string, detail: string): void {
    if (!this.enabled) return;
    const safeDetail = terminalSafe(detail, MAX_WIDTH);
    const room = MAX_WIDTH - safeDetail.length - 2;
    const safeLabel = terminalSafe(label, 1000);
    const shownLabel =
      room < 8 ? '' : safeLabel.length <= room ? safeLabel : `…${safeLabel.slice(safeLabel.length - room + 1)}`;
    this.stream.write(`${ERASE_LINE}${shownLabel === '' ? safeDetail : `${shownLabel}: ${safeDetail}`}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write(ERASE_LINE);
    this.shown = false;
  }
}

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** What the progress line says while an AWS call is retried: why, and for a silent endpoint how long of how long. */
export function retryNote(retry: RetryInfo): string {
  const wait = `retry in ${(retry.delayMs / 1000).toFixed(1)}s`;
  if (retry.silentMs === undefined || retry.timeoutMs === undefined) return ` (${retry.reason}, ${wait})`;
  return ` (no answer for ${formatElapsed(retry.silentMs)} of ${formatElapsed(retry.timeoutMs)}, ${wait})`;
}
