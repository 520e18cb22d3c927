import fc from 'fast-check';
import { createLineDetector, detectLine, type Finding } from '../../../lambda/detector';

/**
 * For every accepted wrapper: wrapping a genuine refusal gives the finding of the plain line (proftpd's stderr,
 * `serverinfo - message`), with the wrapper's host and repetition count; and planting the refusal text anywhere
 * inside another message of the same wrapper never fires.
 */
interface Wrapper {
  /** The line that carries proftpd's `serverinfo<sep>message` (sep: ' - ' for syslog, ': ' for SystemLog). */
  wrap(serverinfo: string, message: string): string;
  /** The host the finding must carry. */
  readonly host: string | null;
  readonly occurrences?: number;
}

const json = (fields: Record<string, string>): string => JSON.stringify(fields);

const WRAPPERS: Readonly<Record<string, Wrapper>> = {
  'BSD syslog': { wrap: (s, m) => `Nov 28 08:00:00 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'BSD syslog, <PRI>': { wrap: (s, m) => `<29>Nov  8 08:00:00 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'BSD syslog, fraction': { wrap: (s, m) => `Nov 28 08:00:00.123456 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'BSD syslog, milliseconds after a comma': { wrap: (s, m) => `Nov  8 08:00:00,123 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'BSD syslog, year after the clock': { wrap: (s, m) => `Nov 28 08:00:00 2026 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'BSD syslog, spaces before a one-digit day': { wrap: (s, m) => `Nov   8 08:00:00 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'BSD syslog, year after the day': { wrap: (s, m) => `Nov 28 2026 08:00:00 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'ISO-8601 syslog': { wrap: (s, m) => `2026-11-28T08:00:00.123456+00:00 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'no header': { wrap: (s, m) => `proftpd[4242]: ${s} - ${m}`, host: null },
  'rsyslog template label': {
    wrap: (s, m) => `Nov 28 08:00:00 ftp1 proftpd[4242]: [daemon.warning]: ${s} - ${m}`,
    host: 'ftp1',
  },
  'rsyslog repeated message': {
    wrap: (s, m) => `Nov 28 08:00:00 ftp1 proftpd[4242]: message repeated 4 times: [ ${s} - ${m}]`,
    host: 'ftp1',
    occurrences: 4,
  },
  'RFC 5424 (rsyslog)': { wrap: (s, m) => `<29>1 2026-11-28T08:00:00.1+00:00 ftp1 proftpd 4242 - -  ${s} - ${m}`, host: 'ftp1' },
  'RFC 5424 (syslog-ng)': {
    wrap: (s, m) => `<29>1 2026-11-28T08:00:00+00:00 ftp1 proftpd 4242 - [meta sequenceId="6"] ${s} - ${m}`,
    host: 'ftp1',
  },
  'SystemLog': { wrap: (s, m) => `2026-11-28 08:00:00,123 ftp1 proftpd[4242] ${s}: ${m}`, host: 'ftp1' },
  'SystemLog, role label': { wrap: (s, m) => `2026-11-28 08:00:00,123 ftp1 session[4242] ${s}: ${m}`, host: 'ftp1' },
  'journalctl short-full': { wrap: (s, m) => `Sat 2026-11-28 08:00:00 UTC ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'journalctl short-unix': { wrap: (s, m) => `1764316800.123456 ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'journalctl short-monotonic': { wrap: (s, m) => `[ 4171.079687] ftp1 proftpd[4242]: ${s} - ${m}`, host: 'ftp1' },
  'journalctl with-unit': {
    wrap: (s, m) => `Sat 2026-11-28 08:00:00 UTC ftp1 proftpd.service[4242]: ${s} - ${m}`,
    host: 'ftp1',
  },
  'journald stdout, nested SystemLog line': {
    wrap: (s, m) => `Nov 28 08:00:00 ftp1 proftpd[4242]: 2026-11-28 08:00:00,123 ftp1 proftpd[4242] ${s}: ${m}`,
    host: 'ftp1',
  },
  'CRI': { wrap: (s, m) => `2026-11-28T08:00:00.123456789Z stderr F 2026-11-28 08:00:00,123 ftp1 proftpd[4242] ${s}: ${m}`, host: 'ftp1' },
  'CRI in a JSON log field': {
    wrap: (s, m) => json({ log: `2026-11-28T08:00:00.123456789Z stderr F ${s} - ${m}\n`, stream: 'stderr' }),
    host: null,
  },
  'Docker JSON log field': { wrap: (s, m) => json({ log: `2026-11-28 08:00:00,123 ftp1 proftpd[4242] ${s}: ${m}\n` }), host: 'ftp1' },
  'journald JSON': {
    wrap: (s, m) => json({ _HOSTNAME: 'ftp1', _COMM: 'proftpd', SYSLOG_IDENTIFIER: 'proftpd', MESSAGE: `${s} - ${m}` }),
    host: 'ftp1',
  },
  'journald JSON, stdout transport': {
    wrap: (s, m) =>
      json({ _HOSTNAME: 'ftp1', _COMM: 'proftpd', SYSLOG_IDENTIFIER: 'proftpd', MESSAGE: `2026-11-28 08:00:00,123 ftp1 proftpd[4242] ${s}: ${m}` }),
    host: 'ftp1',
  },
  'agent JSON message field': { wrap: (s, m) => json({ message: `Nov 28 08:00:00 ftp1 proftpd[4242]: ${s} - ${m}` }), host: 'ftp1' },
};

const octet = fc.integer({ min: 0, max: 255 });
const portArgument = fc
  .tuple(fc.array(octet, { minLength: 6, maxLength: 6 }), fc.constantFrom('', '+'), fc.constantFrom('', '0', '00'))
  .map(([numbers, sign, zeros]) => numbers.map((n) => `${sign}${zeros}${n}`).join(','));
const eprtArgument = fc.oneof(
  fc.tuple(fc.array(octet, { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 99_999 }), fc.constantFrom('|', '!', '#'))
    .map(([ip, port, d]) => `${d}1${d}${ip.join('.')}${d}${port}${d}`),
  fc.tuple(fc.constantFrom('2001:db8::7', 'fe80::1', '::1', '::ffff:10.0.0.1'), fc.integer({ min: 0, max: 65_535 }))
    .map(([ip, port]) => `|2|${ip}|${port}|`),
);
const reason = fc.constantFrom(
  '',
  ' (address mismatch)',
  '  (address mismatch)',
  ' (port 25 below 1024, possible bounce attack)',
  ' (bounce attack)',
  ' (IPv4/IPv6 address mismatch)',
);
/** A genuine refusal message, as proftpd 1.3.8 writes one. */
const refusal = fc.oneof(
  fc.tuple(portArgument, reason).map(([argument, why]) => `Refused PORT ${argument}${why}`),
  fc.tuple(eprtArgument, reason).map(([argument, why]) => `Refused EPRT ${argument}${why}`),
);
const serverinfo = fc.constantFrom(
  'ftp.example.com (client.isp.example[198.51.100.4])',
  '10.0.0.5 (203.0.113.66[203.0.113.66])',
  '(::ffff:1.2.3.4[::ffff:1.2.3.4])',
  '::1 (::1[::1])',
);

const fieldsOf = (finding: Finding | null) => {
  if (finding === null) return null;
  const { line: _line, host: _host, occurrences: _occurrences, ...rest } = finding;
  return rest;
};

describe('wrapping a genuine refusal', () => {
  it.each(Object.entries(WRAPPERS))('%s: the plain line\'s finding, with the wrapper\'s host', (_name, wrapper) => {
    fc.assert(
      fc.property(serverinfo, refusal, (info, message) => {
        const plain = detectLine(`${info} - ${message}`);
        const wrapped = detectLine(wrapper.wrap(info, message));

        expect(plain).not.toBeNull();
        expect(fieldsOf(wrapped)).toEqual(fieldsOf(plain));
        expect(wrapped?.host).toBe(wrapper.host);
        expect(wrapped?.occurrences).toBe(wrapper.occurrences ?? 1);
      }),
      { numRuns: 150 },
    );
  });
});

/** proftpd messages that are not refusals (mod_auth, mod_core, mod_xfer): where a user's text can land. */
const OTHER_MESSAGES = [
  'USER alice: no such user found from 198.51.100.4 [198.51.100.4] to 10.0.0.5:21',
  'USER alice (Login failed): Incorrect password',
  'alice chdir("/") failed: No such file or directory',
  'FTP session opened.',
  'Preparing to chmod /srv/ftp/upload to 0644',
  'SECURITY VIOLATION: Passive connection from 198.51.100.4 rejected.',
];

describe('planting the refusal text inside another message of the same wrapper', () => {
  it.each(Object.entries(WRAPPERS))('%s: never fires', (_name, wrapper) => {
    fc.assert(
      fc.property(
        serverinfo,
        refusal,
        fc.constantFrom(...OTHER_MESSAGES),
        fc.nat(),
        (info, message, other, position) => {
          const at = position % (other.length + 1);
          const planted = `${other.slice(0, at)}${message}${other.slice(at)}`;
          const line = wrapper.wrap(info, planted);

          expect(detectLine(line)).toBeNull();
          expect(createLineDetector()(line)).toBeNull();
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each(Object.entries(WRAPPERS))('%s: never fires from another program, whatever it says', (_name, wrapper) => {
    fc.assert(
      fc.property(serverinfo, refusal, fc.constantFrom('sshd', 'proftpd-exporter', 'vsftpd', 'logger'), (info, message, program) => {
        const line = wrapper
          .wrap(info, message)
          .replace(/proftpd(?=\[|\.service| \d|")/g, program)
          .replace('"_COMM":"proftpd"', `"_COMM":"${program}"`)
          .replace(/ session\[/, ` ${program}[`);
        if (line === wrapper.wrap(info, message)) return; // the wrapper names no program (stderr, CRI, Docker)

        expect(detectLine(line)).toBeNull();
      }),
      { numRuns: 60 },
    );
  });
});
