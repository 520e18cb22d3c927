/**
 * When a log line says it was written: its leading timestamp as an ISO-8601 UTC time, for `scan`'s jsonl
 * `timestamp`. Read only for lines that are findings, so clarity matters more than speed here.
 *
 * Forms: ISO-8601 / RFC 3339 (also after `<PRI>1 ` of RFC 5424, and CRI's RFC3339Nano), proftpd's SystemLog
 * `yyyy-mm-dd hh:mm:ss,mmm`, BSD syslog `Mmm dd hh:mm:ss` (with fractions, with a year before or after),
 * journalctl's `short-full` (`Fri 2026-11-20 08:00:03 UTC`) and `short-unix` (`1763625603.123456`), and
 * journald JSON's `__REALTIME_TIMESTAMP`. A time without a zone is the local time of the machine running the
 * scan (set TZ for another). BSD syslog has no year: it is the latest year that does not put the line more than
 * a day after `referenceMs` (the file's last modification, or now for standard input).
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 24 * 60 * 60 * 1000;

const PRIORITY = /^<\d{1,3}>(?:1 )?/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(?: ?(Z|UTC|[+-]\d{2}:?\d{2}))?(?=\s|$)/i;
const WEEKDAY = /^(?:mon|tue|wed|thu|fri|sat|sun) (?=\d{4}-)/i;
const BSD = /^(?:(\d{4}) )?([a-z]{3}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: (\d{4}))?(?=\s|$)/i;
const UNIX = /^(\d{9,11})(?:\.(\d{1,9}))?(?=\s)/;

const milliseconds = (fraction: string | undefined): number => (fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0);

/** Month 1-12, day 1-31, a clock within a day (a leap second allowed): else it is not a timestamp. */
const plausible = (month: number, day: number, h: number, mi: number, s: number): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= 31 && h < 24 && mi < 60 && s <= 60;

function fromIso(match: RegExpExecArray): number {
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  if (!plausible(Number(mo), Number(d), Number(h), Number(mi), Number(s))) return Number.NaN;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), milliseconds(fraction)] as const;
  if (zone === undefined) return new Date(...fields).getTime();
  const utc = Date.UTC(...fields);
  if (/^(?:z|utc)$/i.test(zone)) return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return utc - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

function fromBsd(match: RegExpExecArray, referenceMs: number): number {
  const [, yearBefore, month, d, yearInside, h, mi, s, fraction, yearAfter] = match;
  const monthIndex = MONTHS.indexOf(month!.toLowerCase());
  if (monthIndex < 0 || !plausible(monthIndex + 1, Number(d), Number(h), Number(mi), Number(s))) return Number.NaN;
  const at = (year: number) =>
    new Date(year, monthIndex, Number(d), Number(h), Number(mi), Number(s), milliseconds(fraction)).getTime();
  const year = yearBefore ?? yearInside ?? yearAfter;
  if (year !== undefined) return at(Number(year));
  const referenceYear = new Date(referenceMs).getFullYear();
  const guess = at(referenceYear);
  return guess > referenceMs + DAY_MS ? at(referenceYear - 1) : guess;
}

function fromText(line: string, referenceMs: number): number {
  let text = line.trimStart();
  const priority = PRIORITY.exec(text);
  if (priority) text = text.slice(priority[0].length);
  text = text.replace(WEEKDAY, '');
  const iso = ISO.exec(text);
  if (iso) return fromIso(iso);
  const bsd = BSD.exec(text);
  if (bsd) return fromBsd(bsd, referenceMs);
  const unix = UNIX.exec(text);
  if (unix) return Number(unix[1]) * 1000 + milliseconds(unix[2]);
  return Number.NaN;
}

function fromJson(line: string, referenceMs: number): number {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return Number.NaN;
  }
  if (typeof event !== 'object' || event === null) return Number.NaN;
  const fields = event as Record<string, unknown>;
  const realtime = fields.__REALTIME_TIMESTAMP;
  if (typeof realtime === 'string' && /^\d{1,17}$/.test(realtime)) return Math.floor(Number(realtime) / 1000);
  for (const key of ['time', 'timestamp', '@timestamp']) {
    const value = fields[key];
    if (typeof value === 'string') {
      const iso = ISO.exec(value);
      if (iso) return fromIso(iso);
    }
  }
  for (const key of ['MESSAGE', 'message', 'log', 'msg']) {
    const value = fields[key];
    if (typeof value === 'string') {
      const ms = fromText(value, referenceMs);
      if (!Number.isNaN(ms)) return ms;
    }
  }
  return Number.NaN;
}

/** The line's own time as ISO-8601 UTC, or null when it has none that can be read. */
export function lineTimestamp(line: string, referenceMs: number): string | null {
  const ms = line.trimStart().startsWith('{') ? fromJson(line, referenceMs) : fromText(line, referenceMs);
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
