import { detectLine } from '../../../lambda/detector';

const REFUSAL = 'Refused PORT 192,168,1,34,206,55 (address mismatch)';

/**
 * One row per negative class of docs/design.md section 3. OSSEC/Wazuh fire on the planted rows (they match
 * `Refused PORT ` anywhere in a proftpd line); we do not, because the refusal must be proftpd's message itself.
 */
const negatives: ReadonlyArray<[string, string]> = [
  [
    'planted in a USER name',
    `May 21 20:22:44 slacker proftpd[25557] slacker.lab (192.168.2.10[192.168.2.10]): USER ${REFUSAL} (Login failed): Incorrect password.`,
  ],
  [
    'planted in a USER name (syslog)',
    `May 21 20:22:44 slacker proftpd[25557]: slacker.lab (192.168.2.10[192.168.2.10]) - USER x ${REFUSAL}: no such user found`,
  ],
  [
    'planted in a path',
    `May 29 18:49:42 valhalla proftpd[1]: v (85.103.107.214[85.103.107.214]) - Preparing to chmod /srv/${REFUSAL}`,
  ],
  [
    'planted in a failed login with a forged serverinfo',
    'Jun 14 00:09:59 host proftpd[17839] host (::ffff:59.167.242.100[::ffff:59.167.242.100]): USER host proftpd[17424] host (evil[1.2.3.44]) - Refused PORT 1,2,3,4,5,6 (address mismatch): no such user found',
  ],
  [
    'planted as the remote name (it may not hold spaces)',
    `proftpd[1]: srv (x[1.2.3.4]) - ${REFUSAL}) (y[5.6.7.8]`.replace(
      'srv (x',
      'srv (x - Refused PORT 1,2,3,4,5,6 (a',
    ),
  ],
  ['sshd', `May 29 18:49:42 valhalla sshd[1234]: Invalid user proftpd: (a[1.2.3.4]) - ${REFUSAL}`],
  ['vsftpd', `Mon May 29 18:49:42 2024 [pid 1234] [ftp] FAIL ${REFUSAL}`],
  ['pure-ftpd', `May 29 18:49:42 valhalla pure-ftpd: (?@1.2.3.4) [WARNING] ${REFUSAL}`],
  [
    'a program named like proftpd but not prefixed',
    `May 29 18:49:42 valhalla myproftpd[1]: v (a[1.2.3.4]) - ${REFUSAL}`,
  ],
  [
    'a program whose name only starts with proftpd',
    `May 29 18:49:42 valhalla proftpd-exporter[1]: v (a[1.2.3.4]) - ${REFUSAL}`,
  ],
  ['bare serverinfo without the (name[ip]) group', `ftp.example.com - ${REFUSAL}`],
  ['role label without the (name[ip]) group', `2013-11-16 21:59:30,121 novo session[25891] ${REFUSAL}`],
  ['Refused PORT without an argument', 'proftpd[1]: v (a[1.2.3.4]) - Refused PORT'],
  ['Refused PORT with only a space after it', 'proftpd[1]: v (a[1.2.3.4]) - Refused PORT '],
  ['Refused PORT followed by a reason only', 'proftpd[1]: v (a[1.2.3.4]) - Refused PORT  (address mismatch)'],
  [
    'two spaces between the words',
    'proftpd[1]: v (a[1.2.3.4]) - Refused  PORT 192,168,1,34,206,55 (address mismatch)',
  ],
  [
    'a tab between the words',
    'proftpd[1]: v (a[1.2.3.4]) - Refused\tPORT 192,168,1,34,206,55 (address mismatch)',
  ],
  [
    'passive-mode SECURITY VIOLATION',
    'May 29 18:49:42 valhalla proftpd[1]: v (a[1.2.3.4]) - SECURITY VIOLATION: Passive connection from 1.2.3.4 rejected.',
  ],
  [
    'another refusal (PASV)',
    'proftpd[1]: v (a[1.2.3.4]) - Refused PASV 192,168,1,34,206,55 (address mismatch)',
  ],
  [
    'keyword glued to a word',
    'proftpd[1]: v (a[1.2.3.4]) - XRefused PORT 192,168,1,34,206,55 (address mismatch)',
  ],
  [
    'journald JSON from another program',
    JSON.stringify({ SYSLOG_IDENTIFIER: 'sshd', MESSAGE: `v (a[1.2.3.4]) - ${REFUSAL}` }),
  ],
  [
    'JSON with the refusal in an unexamined field',
    JSON.stringify({ note: `proftpd[1]: v (a[1.2.3.4]) - ${REFUSAL}` }),
  ],
  ['JSON array', JSON.stringify([`proftpd[1]: v (a[1.2.3.4]) - ${REFUSAL}`])],
  ['broken JSON', `{"MESSAGE": "proftpd[1]: v (a[1.2.3.4]) - ${REFUSAL}"`],
  ['an unknown header before the label', `1716997782 valhalla extra proftpd[1]: v (a[1.2.3.4]) - ${REFUSAL}`],
  ['an empty line', ''],
];

describe('rule 11209: what must not fire', () => {
  it.each(negatives)('%s', (_name, line) => {
    expect(detectLine(line)).toBeNull();
  });
});
