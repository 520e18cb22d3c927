/**
 * `--since` / `--until`: a duration back from now (`30m`, `12h`, `7d`, `2w`) or an ISO-8601 date or time.
 * A time without a zone is UTC, like every time the CLI prints.
 */
import { UsageError } from '../io';

export interface TimeRange {
  /** Milliseconds since the epoch, inclusive. */
  readonly startTime: number;
  /** Milliseconds since the epoch, exclusive (FilterLogEvents' endTime). */
  readonly endTime: number;
}

export const DEFAULT_SINCE = '7d';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d{1,7})([smhdw])$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Milliseconds since the epoch for an ISO-8601 text, or null when it is not a valid one. */
export function parseIsoTime(text: string): number | null {
  const m = ISO.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59 || Number(oh) > 23 || Number(om) > 59) return null;
  const millis = Math.floor(Number(`0.${frac || '0'}`) * 1000);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; no CloudWatch event is that old, so refuse rather than guess.
  return year < 1970 ? null : utc - offsetMinutes * 60_000;
}

function parseTime(option: string, text: string, now: number): number {
  const duration = DURATION.exec(text);
  if (duration) {
    const [, amount, unit] = duration;
    return now - Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
  }
  const iso = parseIsoTime(text);
  if (iso !== null) return iso;
  throw new UsageError(
    `${option} expects a duration like 30m, 12h, 7d or 2w, or an ISO-8601 time like 2025-05-01 or `
    + `2025-05-01T12:00:00Z, not ${JSON.stringify(text)} (see 'ftp-bounce-watch scan --help')`,
  );
}

export function parseTimeRange(since: string | undefined, until: string | undefined, now: number): TimeRange {
  const startTime = parseTime('--since', since ?? DEFAULT_SINCE, now);
  const endTime = until === undefined ? now : parseTime('--until', until, now);
  if (startTime < 0) throw new UsageError(`--since ${JSON.stringify(since)} reaches back before 1970`);
  if (startTime >= endTime) {
    throw new UsageError(
      `--since (${new Date(startTime).toISOString()}) must be before --until (${new Date(endTime).toISOString()})`,
    );
  }
  return { startTime, endTime };
}

/** ISO-8601 for a time in milliseconds, or null when it is not one (Date would throw). */
export function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

/** An ISO-8601 time as the CLI shows it: to the second (`2026-11-28T14:05:09Z`). */
export function isoSeconds(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}
