import fc from 'fast-check';
import { createLineDetector, detectLine } from '../../../lambda/detector';

/**
 * createLineDetector remembers the previous line's header and target host. Whatever it remembers, each
 * result must be exactly detectLine's for the same line: these sequences are built so that consecutive
 * lines share headers, nearly share them, or share them with a different message or timestamp.
 */
const TIMESTAMPS = [
  '',
  'Nov 20 08:00:00 ',
  'Nov  2 08:00:01 ',
  '<30>Nov 20 08:00:02 ',
  '2026-11-20T08:00:03Z ',
  '2026 Nov 20 08:00:04 ',
  '  ',
  // round 2: journalctl exports, year after the day, CRI prefixes, RFC 5424's version
  'Nov 20 2026 08:00:05 ',
  'Fri 2026-11-20 08:00:06 UTC ',
  '1763625606.123456 ',
  '[ 4171.079687] ',
  '2026-11-20T08:00:07.123456789Z stderr F ',
  '2026-11-20T08:00:08.123456789Z stdout P 2026-11-20 08:00:08,123 ',
  '<30>1 2026-11-20T08:00:09Z ',
  '<30>1 - ',
];
const HEADERS = [
  'ftp1 proftpd[4242]: ftp.example.com (203.0.113.66[203.0.113.66]) - ',
  'ftp1 proftpd[4242]: ftp.example.com (203.0.113.66[203.0.113.67]) - ',
  'ftp1 proftpd[4243]: ftp.example.com (203.0.113.66[203.0.113.66]) - ',
  'ftp1 proftpd[4242]: ftp.example.com (203.0.113.66[203.0.113.66]): ',
  'ftp1 proftpd[4242]: ftp.example.com (203.0.113.66[203.0.113.66])  - ',
  'ftp1 proftpd[4242]: (c[198.51.100.4]) - ',
  'ftp1 proftpd[4242]: ([]) - ',
  'ftp1 proftpd[4242]: ftp.example.com - ',
  'ftp1 proftpd[4242] ftp.example.com: ',
  'ftp1 proftpd[4242]: ',
  'ftp1 proftpd[4242]:  ',
  'proftpd[4242]: ',
  'proftpd: srv (c[1.2.3.4]) - ',
  'ftp1 session[7]: srv (c[1.2.3.4]) - ',
  'ftp1 session[7]: srv - ',
  'ftp1 sshd[4242]: ftp.example.com (203.0.113.66[203.0.113.66]) - ',
  'srv (c[1.2.3.4]) - ',
  '(c[1.2.3.4]) - ',
  'ftp1 ProFTPD-sftp[1]: srv (c[1.2.3.4]) - ',
  // round 2
  'ftp1 proftpd 4242 - -  srv (c[1.2.3.4]) - ',
  'ftp1 proftpd 4242 - [meta sequenceId="6"] srv (c[1.2.3.4]) - ',
  'ftp1 proftpd[4242]: [daemon.warning]: srv (c[1.2.3.4]) - ',
  'ftp[1] proftpd[4242]: srv (c[1.2.3.4]) - ',
  'ftp[1] sshd[4242]: srv (c[1.2.3.4]) - ',
  'ftp1 proftpd.service[4242]: srv (c[1.2.3.4]) - ',
  'ftp1 proftpd[4242]: session[7] srv (c[1.2.3.4]): ',
  'ftp1 proftpd[4242]: 2026-11-20 08:00:08,123 vm proftpd[7] srv (c[1.2.3.4]): ',
  'ftp1 proftpd[4242]: 2026-11-20 08:00:09,456 vm proftpd[7] srv (c[1.2.3.4]): ',
  'ftp1 proftpd[4242]: message repeated 2 times: [ srv (c[1.2.3.4]) - ',
  'ftp1 proftpd-exporter[4242]: srv (c[1.2.3.4]) - ',
];
const MESSAGES = [
  'Refused PORT 198,51,100,20,0,21 (port 21 below 1024, possible bounce attack)',
  'Refused PORT 192,168,1,20,4,1 (address mismatch)',
  'Refused PORT 192,168,1,20,4,1 (address mismatch',
  'Refused PORT 198,51,100,20,4,1',
  'Refused EPRT |1|10.0.0.7|40001| (address mismatch)',
  'Refused EPRT |2|fe80::1|40001| (IPv4/IPv6 address mismatch)',
  'Refused PORT 300,1,1,1,1,1 (address mismatch)',
  ' Refused PORT 192,168,1,20,4,1 (address mismatch)',
  'refused port 192,168,1,20,4,1 (address mismatch)',
  'FTP session opened.',
  'USER x (Refused PORT 1,2,3,4,5,6): no such user',
  '',
  // round 2
  'Refused PORT 192,168,1,20,4,1 (address mismatch)]',
  'Refused PORT 192,168,1,20,4,1 (address mismatch) ]',
  'Refused PORT +192,168,1,20,4,1xyz  (address mismatch)',
  'Refused PORT 4294967299,0,113,5,19,139 (address mismatch)',
  'Refused PORT 10,0,0,5,19,139 (address mismatch) chdir("/") failed: x',
  'Refused EPRT |1|10.0.0.7|65557|x (port 21 below 1024, possible bounce attack)',
];

const line = fc
  .tuple(
    fc.constantFrom(...TIMESTAMPS),
    fc.constantFrom(...HEADERS),
    fc.constantFrom(...MESSAGES),
    fc.constantFrom('', '\r', '\n', '\r\n'),
  )
  .map(([timestamp, header, message, ending]) => timestamp + header + message + ending);

/** Runs of the same line, so that a header is remembered and then met again (or nearly). */
const sequence = fc.array(fc.tuple(line, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 25 }).map((runs) =>
  runs.flatMap(([text, times]) => Array.from({ length: times }, () => text)));

describe('createLineDetector', () => {
  it('gives each line of any sequence the same finding as detectLine', () => {
    fc.assert(
      fc.property(sequence, (lines) => {
        const detect = createLineDetector();
        for (const text of lines) expect(detect(text)).toEqual(detectLine(text));
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    [
      'a label followed directly by the message, then with two spaces',
      ['ftp1 proftpd[1]: Refused PORT 1,2,3,4,5,6', 'ftp1 proftpd[1]:  Refused PORT 1,2,3,4,5,6'],
    ],
    [
      'a serverinfo header, then the same header with another client address',
      [
        'ftp1 proftpd[1]: srv (c[1.2.3.4]) - Refused PORT 10,0,0,1,4,1 (address mismatch)',
        'ftp1 proftpd[1]: srv (c[1.2.3.5]) - Refused PORT 10,0,0,1,4,1 (address mismatch)',
      ],
    ],
    [
      'the same header under another program name',
      [
        'ftp1 proftpd[1]: srv (c[1.2.3.4]) - Refused PORT 10,0,0,1,4,1',
        'ftp1 sshd[1]: srv (c[1.2.3.4]) - Refused PORT 10,0,0,1,4,1',
      ],
    ],
    [
      'the same target host, then another',
      [
        'proftpd[1]: s (c[1.2.3.4]) - Refused PORT 10,0,0,1,4,1',
        'proftpd[1]: s (c[1.2.3.4]) - Refused EPRT |1|10.0.0.1|1025|',
        'proftpd[1]: s (c[1.2.3.4]) - Refused PORT 10,0,0,2,4,1',
      ],
    ],
  ])('%s', (_name, lines) => {
    const detect = createLineDetector();
    const findings = lines.map((text) => detect(text));
    expect(findings).toEqual(lines.map((text) => detectLine(text)));
    expect(findings.some((finding) => finding !== null)).toBe(true);
  });
});
