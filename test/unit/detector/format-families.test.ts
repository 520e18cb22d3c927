import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLineDetector, detectLine, type Finding } from '../../../lambda/detector';

// The files and where each shape comes from: test/fixtures/formats/README.md.
const FORMATS = join(__dirname, '../../fixtures/formats');
const readLines = (file: string): string[] => readFileSync(join(FORMATS, file), 'utf8').split('\n').filter((line) => line !== '');

type Fields = Omit<Finding, 'ruleId' | 'level' | 'line'>;

/** The usual refusal of these fixtures: a NAT client of ftp.example.com seen on host ftp1. */
const NAT: Fields = {
  command: 'PORT',
  srcIp: '198.51.100.4',
  clientName: 'client.isp.example',
  server: 'ftp.example.com',
  host: 'ftp1',
  target: { ip: '192.168.1.34', port: 52791 },
  rawArgument: '192,168,1,34,206,55',
  reason: 'address mismatch',
  classification: 'nat-misconfiguration',
  severity: 'low',
  occurrences: 1,
};
const FOREIGN: Fields = {
  ...NAT,
  target: { ip: '203.0.113.5', port: 5003 },
  rawArgument: '203,0,113,5,19,139',
  classification: 'foreign-public-target',
  severity: 'high',
};
const BOUNCE = { classification: 'bounce-attempt', severity: 'critical' } as const;
const NO_HOST = { host: null } as const;

/** Every line of every family file, in order: the fields its finding must have (all of them). */
const EXPECTED: Readonly<Record<string, readonly Fields[]>> = {
  'rfc5424.log': [
    NAT,
    {
      ...NAT,
      command: 'EPRT',
      target: { ip: '203.0.113.7', port: 6275 },
      rawArgument: '|1|203.0.113.7|6275|',
      classification: 'foreign-public-target',
      severity: 'high',
    },
    { ...NAT, ...NO_HOST },
    {
      ...NAT,
      ...BOUNCE,
      target: { ip: '203.0.113.7', port: 25 },
      rawArgument: '203,0,113,7,0,25',
      reason: 'port 25 below 1024, possible bounce attack',
    },
    NAT,
    NAT,
  ],
  'journalctl.log': [NAT, NAT, NAT, NAT, NAT, NAT, NAT, NAT, NAT, { ...NAT, ...NO_HOST }, NAT],
  'bsd-year-after-day.log': [NAT, NAT],
  'rsyslog-template-label.log': [NAT, NAT, NAT],
  'cri.log': [{ ...NAT, ...NO_HOST }, NAT, { ...NAT, ...NO_HOST }, NAT, { ...NAT, ...NO_HOST }],
  'journald-json.log': [NAT, NAT, NAT, NAT],
  'rsyslog-repeated.log': [
    { ...NAT, occurrences: 3 },
    { ...NAT, occurrences: 12 },
    { ...NAT, occurrences: 2 },
  ],
  'odd-hosts.log': [
    { ...NAT, host: 'ftp[1]' },
    { ...NAT, host: '[2001:db8::9]' },
    { ...NAT, host: 'fe80::1' },
    { ...NAT, host: 'ftp_1.example@x' },
  ],
  'port-arguments.log': [
    { ...FOREIGN, rawArgument: '+203,+0,+113,+5,+19,+139' },
    { ...FOREIGN, rawArgument: '0203,000,0113,05,019,0139' },
    { ...FOREIGN, rawArgument: '203,0,113,5,19,139,7,7' },
    { ...FOREIGN, rawArgument: '203,0,113,5,19,139xyz' },
    { ...FOREIGN, rawArgument: '203,0,113,5,19,139#001' },
    FOREIGN,
    FOREIGN,
    { ...FOREIGN, rawArgument: '4294967299,0,113,5,19,139', target: { ip: '3.0.113.5', port: 5003 } },
    {
      ...FOREIGN,
      ...BOUNCE,
      command: 'EPRT',
      rawArgument: '|1|203.0.113.5|65557|',
      target: { ip: '203.0.113.5', port: 21 },
      reason: 'port 21 below 1024, possible bounce attack',
    },
    { ...FOREIGN, command: 'EPRT', rawArgument: '|1|203.0.113.5|5003|x' },
    { ...FOREIGN, command: 'EPRT', rawArgument: '|1|203.0.113.5|5003|' },
  ],
};

const rows = Object.entries(EXPECTED).flatMap(([file, expected]) =>
  readLines(file).map((line, index) => [file, index + 1, line, expected[index]] as const));

describe('format families of round 2 (test/fixtures/formats): every Finding field', () => {
  it.each(Object.entries(EXPECTED))('%s has one expectation per line', (file, expected) => {
    expect(readLines(file)).toHaveLength(expected.length);
  });

  it.each(rows)('%s line %i', (_file, _lineNumber, line, expected) => {
    expect(detectLine(line)).toEqual({ ruleId: '11209', level: 14, ...expected, line });
  });

  it('gives the same findings through the streaming detector, file by file', () => {
    for (const file of Object.keys(EXPECTED)) {
      const detect = createLineDetector();
      for (const line of readLines(file)) expect(detect(line)).toEqual(detectLine(line));
    }
  });
});

describe('forgeries and foreign programs of round 2 (test/fixtures/formats/forgeries.log)', () => {
  const forgeries = readLines('forgeries.log');

  it('has the forgeries the README lists', () => {
    expect(forgeries.length).toBeGreaterThanOrEqual(20);
  });

  it.each(forgeries.map((line, index) => [index + 1, line] as const))('line %i does not fire', (_lineNumber, line) => {
    expect(detectLine(line)).toBeNull();
    expect(createLineDetector()(line)).toBeNull();
  });
});
