import { lineTimestamp } from '../../../cli/line-timestamp';

/** 2026-11-28T12:00:00Z: what "the file was last modified" is in these cases. */
const REFERENCE = Date.UTC(2026, 10, 28, 12, 0, 0);
/** A wall-clock time in the zone the scan runs in (TZ), as ISO-8601 UTC. */
const local = (...fields: [number, number, number, number, number, number, number?]) => new Date(...fields).toISOString();

describe('lineTimestamp', () => {
  it.each<[string, string, string | null]>([
    ['RFC 3339 with Z', '2026-11-20T08:00:03Z ftp1 proftpd[1]: x', '2026-11-20T08:00:03.000Z'],
    ['RFC 3339 with an offset and fractions', '2026-11-20T08:00:03.123456+02:00 ftp1 proftpd[1]: x', '2026-11-20T06:00:03.123Z'],
    ['journalctl short-iso (+0000)', '2026-11-20T08:00:03+0000 ftp1 proftpd[1]: x', '2026-11-20T08:00:03.000Z'],
    ['RFC 5424 after <PRI>1', '<30>1 2026-11-20T08:00:03.5Z ftp1 proftpd 1 - -  x', '2026-11-20T08:00:03.500Z'],
    ['CRI RFC3339Nano', '2026-11-20T08:00:03.123456789Z stdout F ftp1 proftpd[1]: x', '2026-11-20T08:00:03.123Z'],
    ['journalctl short-full in UTC', 'Fri 2026-11-20 08:00:03 UTC ftp1 proftpd[1]: x', '2026-11-20T08:00:03.000Z'],
    ['journalctl short-unix', '1763625603.250000 ftp1 proftpd[1]: x', '2025-11-20T08:00:03.250Z'],
    ['journald JSON __REALTIME_TIMESTAMP (µs)', '{"__REALTIME_TIMESTAMP":"1763625603250000","MESSAGE":"x"}', '2025-11-20T08:00:03.250Z'],
    ['JSON with a CRI line in "log"', '{"log":"2026-11-20T08:00:03Z stdout F proftpd[1]: x"}', '2026-11-20T08:00:03.000Z'],
    ['no timestamp (the Atomicorp example)', 'proftpd[12630]: 127.0.0.1 (1.2.3.4[1.2.3.4]) - Refused PORT 1,2,3,4,5,6', null],
    ['journalctl short-monotonic: no wall time', '[ 4171.079687] ftp1 proftpd[1]: x', null],
    ['an impossible date', '2026-13-40T08:00:03Z proftpd[1]: x', null],
    ['not JSON after all', '{"MESSAGE": ', null],
  ])('%s', (_name, line, expected) => {
    expect(lineTimestamp(line, REFERENCE)).toBe(expected);
  });

  it.each<[string, string, string]>([
    ['SystemLog, local time', '2026-11-20 11:20:04,911 ftp-b proftpd[9]: x', local(2026, 10, 20, 11, 20, 4, 911)],
    ['BSD syslog: the reference year', 'Nov 20 08:00:03 ftp1 proftpd[1]: x', local(2026, 10, 20, 8, 0, 3)],
    ['BSD syslog with a one-digit day and <PRI>', '<30>Nov  2 08:00:03 ftp1 proftpd[1]: x', local(2026, 10, 2, 8, 0, 3)],
    ['BSD syslog after the reference: the year before', 'Dec 31 23:59:59 ftp1 proftpd[1]: x', local(2025, 11, 31, 23, 59, 59)],
    ['BSD syslog, short-precise fractions', 'Nov 20 08:00:03.123456 ftp1 proftpd[1]: x', local(2026, 10, 20, 8, 0, 3, 123)],
    ['BSD syslog with the year before', '2024 Nov 20 08:00:03 ftp1 proftpd[1]: x', local(2024, 10, 20, 8, 0, 3)],
    ['BSD syslog with the year after the day', 'Nov 20 2024 08:00:03 ftp1 proftpd[1]: x', local(2024, 10, 20, 8, 0, 3)],
  ])('%s', (_name, line, expected) => {
    expect(lineTimestamp(line, REFERENCE)).toBe(expected);
  });
});
