import { detectLine, type Finding } from '../../../lambda/detector';

const REFUSAL = 'Refused PORT 192,168,1,34,206,55 (address mismatch)';
const SERVERINFO = 'ftp.example.com (client.isp.example[198.51.100.4])';
const FROM_CLIENT = { srcIp: '198.51.100.4', clientName: 'client.isp.example', server: 'ftp.example.com' };

type Expected = Partial<Finding>;

/** One row per format class of docs/design.md section 3; each must fire with the fields given. */
const formats: ReadonlyArray<[string, string, Expected]> = [
  ['BSD syslog', `May 29 18:49:42 valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  [
    'BSD syslog, single-digit day',
    `Jun  1 11:51:24 valhalla proftpd[7301]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    'BSD syslog, day without padding',
    `Jun 1 11:51:24 valhalla proftpd[7301]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  ['<PRI> prefix', `<28>May 29 18:49:42 valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  [
    'ISO-8601 timestamp',
    `2024-05-29T18:49:42.123456+02:00 valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    'ISO-8601 UTC timestamp',
    `2024-05-29T18:49:42Z valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    '<PRI> and ISO-8601',
    `<28>2024-05-29T18:49:42.000Z valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  ['year prefix', `2024 May 29 18:49:42 valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  [
    'year after the time',
    `May 29 18:49:42 2024 valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  ['host as IPv4', `May 29 18:49:42 10.0.0.12 proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  ['host as IPv6', `May 29 18:49:42 2001:db8::12 proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  [
    'host with odd characters',
    `May 29 18:49:42 ip-10-0-0-12_ec2.internal@x proftpd[16661]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  ['no header at all (Atomicorp example)', `proftpd[12630]: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  ['proftpd: without pid', `May 29 18:49:42 valhalla proftpd: ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  [
    'program name in another case',
    `May 29 18:49:42 valhalla ProFTPD[16661]: ${SERVERINFO} - ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    'SystemLog file format',
    `2013-11-16 21:59:30,121 novo proftpd[25891] ${SERVERINFO}: ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    'SystemLog, older Mmm dd form',
    `May 20 17:00:55 www.example.com proftpd[10078] ${SERVERINFO}: ${REFUSAL}`,
    FROM_CLIENT,
  ],
  ['SystemLog without host', `2013-11-16 21:59:30,121 proftpd[25891] ${SERVERINFO}: ${REFUSAL}`, FROM_CLIENT],
  [
    'SystemLog, role label session[pid]',
    `2013-11-16 21:59:30,121 novo session[25891] ${SERVERINFO}: ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    'SystemLog, role label daemon[pid]',
    `2013-11-16 21:59:30,121 novo daemon[25891] ${SERVERINFO}: ${REFUSAL}`,
    FROM_CLIENT,
  ],
  [
    'serverinfo without the vhost name',
    `May 29 18:49:42 valhalla proftpd[16661]: (198.51.100.4[198.51.100.4]) - ${REFUSAL}`,
    { srcIp: '198.51.100.4', clientName: '198.51.100.4', server: null },
  ],
  ['bare serverinfo, no program label (stderr)', `${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  ['bare serverinfo after a timestamp', `2024-05-29 18:49:42,001 ${SERVERINFO} - ${REFUSAL}`, FROM_CLIENT],
  [
    'no serverinfo at all',
    `May 29 18:49:42 valhalla proftpd[16661]: ${REFUSAL}`,
    { srcIp: null, clientName: null, server: null },
  ],
  ['CRLF ending', `May 29 18:49:42 valhalla proftpd[16661]: ${SERVERINFO} - ${REFUSAL}\r\n`, FROM_CLIENT],
  [
    'IPv4-mapped client address kept as logged',
    `proftpd[1]: srv (h[::ffff:1.2.3.4]) - ${REFUSAL}`,
    { srcIp: '::ffff:1.2.3.4' },
  ],
  [
    'journald JSON with SYSLOG_IDENTIFIER and _PID',
    JSON.stringify({ SYSLOG_IDENTIFIER: 'proftpd', _PID: '16661', MESSAGE: `${SERVERINFO} - ${REFUSAL}` }),
    FROM_CLIENT,
  ],
  [
    'JSON "message" holding a full syslog line',
    JSON.stringify({ message: `May 29 18:49:42 valhalla proftpd[1]: ${SERVERINFO} - ${REFUSAL}` }),
    FROM_CLIENT,
  ],
  [
    'JSON "log" (Docker) holding proftpd stderr',
    JSON.stringify({ log: `${SERVERINFO} - ${REFUSAL}\n`, stream: 'stderr' }),
    FROM_CLIENT,
  ],
  [
    'JSON "msg" field',
    JSON.stringify({ level: 'info', msg: `proftpd[2]: ${SERVERINFO} - ${REFUSAL}` }),
    FROM_CLIENT,
  ],
  [
    'JSON with escaped keyword letters',
    '{"SYSLOG_IDENTIFIER":"proftpd","MESSAGE":"ftp.example.com (client.isp.example[198.51.100.4]) - \\u0052efused\\u0020PORT 192,168,1,34,206,55 (address mismatch)"}',
    FROM_CLIENT,
  ],
  [
    'keywords in lower case',
    `proftpd[1]: ${SERVERINFO} - refused port 192,168,1,34,206,55 (address mismatch)`,
    { command: 'PORT' },
  ],
  [
    'keywords in upper case',
    `proftpd[1]: ${SERVERINFO} - REFUSED EPRT |1|192.168.1.34|52791| (address mismatch)`,
    { command: 'EPRT' },
  ],
];

describe('rule 11209: every format class of docs/design.md section 3 fires', () => {
  it.each(formats)('%s', (_name, line, expected) => {
    const finding = detectLine(line);

    expect(finding).not.toBeNull();
    expect(finding).toMatchObject({ ruleId: '11209', level: 14, ...expected });
    expect(finding?.line).toBe(line.replace(/\r?\n$/, ''));
  });
});

describe('the message after the serverinfo', () => {
  it.each<[string, string, Expected]>([
    [
      'PORT with reason',
      'Refused PORT 192,168,1,34,206,55 (address mismatch)',
      {
        command: 'PORT',
        rawArgument: '192,168,1,34,206,55',
        target: { ip: '192.168.1.34', port: 52791 },
        reason: 'address mismatch',
      },
    ],
    [
      'PORT without reason',
      'Refused PORT 192,168,1,34,206,55',
      { reason: null, target: { ip: '192.168.1.34', port: 52791 } },
    ],
    [
      'EPRT IPv4, | delimiter',
      'Refused EPRT |1|203.0.113.7|6275| (address mismatch)',
      {
        command: 'EPRT',
        target: { ip: '203.0.113.7', port: 6275 },
        rawArgument: '|1|203.0.113.7|6275|',
      },
    ],
    [
      'EPRT IPv6, ! delimiter',
      'Refused EPRT !2!2001:db8::7!6275! (address mismatch)',
      { target: { ip: '2001:db8::7', port: 6275 } },
    ],
    [
      'EPRT with a # delimiter',
      'Refused EPRT #1#10.1.2.3#40000# (address mismatch)',
      { target: { ip: '10.1.2.3', port: 40000 } },
    ],
    [
      'reason: IPv4/IPv6 address mismatch',
      'Refused EPRT |2|2001:db8::7|6275| (IPv4/IPv6 address mismatch)',
      {
        reason: 'IPv4/IPv6 address mismatch',
        classification: 'address-family-mismatch',
        severity: 'low',
      },
    ],
    [
      'reason: privileged port',
      'Refused PORT 203,0,113,7,0,25 (port 25 below 1024, possible bounce attack)',
      {
        reason: 'port 25 below 1024, possible bounce attack',
        classification: 'bounce-attempt',
        severity: 'critical',
      },
    ],
    [
      'reason: pre-2012 bounce attack',
      'Refused PORT 203,0,113,7,19,136 (bounce attack)',
      {
        reason: 'bounce attack',
        classification: 'bounce-attempt',
        severity: 'critical',
        target: { ip: '203.0.113.7', port: 5000 },
      },
    ],
    [
      'malformed argument',
      'Refused PORT 1,2,3 (address mismatch)',
      { target: null, classification: 'malformed-argument', severity: 'medium' },
    ],
    [
      'out-of-range argument',
      'Refused PORT 256,1,1,1,1,1 (address mismatch)',
      { target: null, classification: 'malformed-argument' },
    ],
  ])('%s', (_name, message, expected) => {
    expect(detectLine(`proftpd[1]: ${SERVERINFO} - ${message}`)).toMatchObject(expected);
  });
});
