/**
 * The event time the CloudWatch agent would give a line: its own timestamp (read as UTC). Syslog stamps have
 * no year: the current one, or the previous one if that would put the line in the future.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ISO_STAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,3}))?/;
const SYSLOG_STAMP = /^(?:<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)/;

export function lineTimestamp(line: string, now: number): number | null {
  const iso = ISO_STAMP.exec(line);
  if (iso !== null) {
    const [, y, mo, d, h, mi, s, fraction] = iso;
    const ms = Number((fraction ?? '0').padEnd(3, '0'));
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    return Number.isFinite(t) ? t : null;
  }
  const syslog = SYSLOG_STAMP.exec(line);
  if (syslog !== null) {
    const month = MONTHS.indexOf(syslog[1] ?? '');
    if (month < 0) return null;
    const [day, h, mi, s] = syslog.slice(2).map(Number) as number[];
    const year = new Date(now).getUTCFullYear();
    const t = Date.UTC(year, month, day, h, mi, s);
    return t > now + 86_400_000 ? Date.UTC(year - 1, month, day, h, mi, s) : t;
  }
  return null;
}
