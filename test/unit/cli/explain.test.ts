/**
 * `ftp-bounce-watch explain`: every line of the project's fixtures explains itself, and the explanation agrees with
 * `scan` (the same finding, or none with the rule that refused the line); each rule of docs/design.md sections 3
 * and 4 is named by its words.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { CLASSIFICATION_RULES, REJECTION_TEXT } from '../../../lambda/detector';
import { captureIo } from '../../support/cli-io';

const FIXTURES = join(__dirname, '../../fixtures');
const FILES = [
  join(FIXTURES, 'real-proftpd.log'),
  ...['formats', 'real'].flatMap((dir) =>
    readdirSync(join(FIXTURES, dir))
      .filter((name) => name.endsWith('.log'))
      .map((name) => join(FIXTURES, dir, name))),
  join(FIXTURES, 'compressed', 'syslog.2.gz'),
];

interface Explained {
  lineNumber: number;
  line: string;
  format: string | null;
  fields: Record<string, unknown>;
  finding: Record<string, unknown> | null;
  classification: { classification: string; severity: string; rule: number; why: string } | null;
  rejection: { code: string; why: string } | null;
}

async function explainFile(path: string): Promise<Explained[]> {
  const io = captureIo({ stdin: [readFileSync(path)] });
  expect(await main(['explain', '--format', 'json', '-'], io)).toBe(0);
  expect(io.err()).toBe('');
  return io.out().trim().split('\n').map((line) => JSON.parse(line) as Explained);
}

async function scanFile(path: string): Promise<Map<number, Record<string, unknown>>> {
  const io = captureIo();
  expect(await main(['scan', '--format', 'jsonl', path], io)).toBe(0);
  const found = new Map<number, Record<string, unknown>>();
  for (const text of io.out().split('\n').filter(Boolean)) {
    const { file: _file, lineNumber, timestamp: _timestamp, ...finding } = JSON.parse(text) as Record<string, unknown>;
    found.set(lineNumber as number, finding);
  }
  return found;
}

describe('explain over the fixtures agrees with scan', () => {
  it.each(FILES.map((path) => [path.slice(FIXTURES.length + 1), path]))('%s', async (_name, path) => {
    const [explained, scanned] = await Promise.all([explainFile(path), scanFile(path)]);

    expect(explained.length).toBeGreaterThan(0);
    for (const e of explained) {
      // The same finding as scan's, or none.
      const fromScan = scanned.get(e.lineNumber) ?? null;
      expect({ lineNumber: e.lineNumber, finding: e.finding }).toEqual({ lineNumber: e.lineNumber, finding: fromScan });
      if (e.finding !== null) {
        expect(e.format).not.toBeNull();
        expect(e.rejection).toBeNull();
        expect(e.classification?.classification).toBe(e.finding.classification);
        const rule = CLASSIFICATION_RULES[e.finding.classification as keyof typeof CLASSIFICATION_RULES].rule;
        expect(e.classification?.rule).toBe(rule);
        expect(e.fields).toMatchObject({ command: e.finding.command, argument: e.finding.rawArgument, client: e.finding.srcIp });
      } else {
        expect(e.classification).toBeNull();
        expect(e.rejection?.why).toBe(REJECTION_TEXT[e.rejection?.code as keyof typeof REJECTION_TEXT]);
        // A line holding the keywords is refused by a rule of section 3, never as "no keyword".
        if (/refused (port|eprt) /i.test(e.line)) expect(e.rejection?.code).not.toBe('no-keyword');
      }
    }
    expect(explained.filter((e) => e.finding !== null)).toHaveLength(scanned.size);
  });
});

describe('explain names the rule that refused a line', () => {
  const SERVERINFO = 'ftp.example.com (c.example[198.51.100.4])';
  it.each<[string, string, string]>([
    ['no keyword', 'May 29 18:49:42 h proftpd[1]: ftp.example.com (c[1.2.3.4]) - USER alice: Login successful.', 'no-keyword'],
    ['planted text in a user name', `May 29 18:49:42 h proftpd[1]: ${SERVERINFO} - USER Refused PORT 1,2,3,4,5,6 (address mismatch): no such user`, 'message-not-refusal'],
    ['text after the refusal', `May 29 18:49:42 h proftpd[1]: ${SERVERINFO} - Refused PORT 1,2,3,4,5,6 chdir("/") failed: No such file`, 'trailing-text'],
    ['a program that only starts with proftpd', 'May 29 18:49:42 h proftpd-exporter[1]: Refused PORT 1,2,3,4,5,6 (address mismatch)', 'not-proftpd'],
    ['another program', 'May 29 18:49:42 h sshd[1]: Invalid user Refused PORT 1,2,3,4,5,6 from 203.0.113.50', 'not-proftpd'],
    ['no argument', `May 29 18:49:42 h proftpd[1]: ${SERVERINFO} - Refused PORT `, 'no-argument'],
    ['two spaces', `May 29 18:49:42 h proftpd[1]: ${SERVERINFO} - Refused  PORT 1,2,3,4,5,6`, 'no-keyword'],
    ['a bracketed timestamp (no known format)', '[2025-05-29 18:49:42] Refused PORT 1,2,3,4,5,6 (address mismatch)', 'unknown-header'],
    ['journald: another program\'s _COMM', `{"MESSAGE":"${SERVERINFO} - Refused PORT 1,2,3,4,0,25","SYSLOG_IDENTIFIER":"proftpd","_COMM":"sshd"}`, 'json-other-program'],
    ['journald: another SYSLOG_IDENTIFIER', `{"MESSAGE":"${SERVERINFO} - Refused PORT 1,2,3,4,0,25","SYSLOG_IDENTIFIER":"vsftpd"}`, 'json-identifier'],
    ['an unclosed reason', `May 29 18:49:42 h proftpd[1]: ${SERVERINFO} - Refused PORT 1,2,3,4,5,6 (address mismatch`, 'reason'],
    ['a malformed serverinfo', 'May 29 18:49:42 h proftpd[1]: ftp.example.com (c.example 198.51.100.4) - Refused PORT 1,2,3,4,5,6', 'serverinfo'],
  ])('%s', async (_name, line, code) => {
    const io = captureIo();

    expect(await main(['explain', '--format', 'text', line], io)).toBe(0);

    const key = code as keyof typeof REJECTION_TEXT;
    expect(io.out()).toContain(`  result:         not a refusal (docs/design.md section 3): ${REJECTION_TEXT[key]}\n`);
  });

  it('shows each phase of a refusal: format, fields, target, classification with its rule', async () => {
    const io = captureIo({ env: {} });
    const line = 'May 29 18:49:42 ftp1 proftpd[12630]: ftp.example.com (x.example[198.51.100.23]) - Refused PORT 10,0,3,99,31,144 (address mismatch)';

    expect(await main(['explain', '--format', 'text', '-c', 'internalNetworks=10.0.0.0/16', line], io)).toBe(0);

    expect(io.out()).toBe([
      `line 1: ${line}`,
      '  format:         a syslog or SystemLog text line (timestamp "May 29 18:49:42" read)',
      '  program:        proftpd[12630]:',
      '  host:           ftp1',
      '  server:         ftp.example.com',
      '  client:         x.example [198.51.100.23]',
      '  command:        PORT 10,0,3,99,31,144',
      '  reason:         address mismatch',
      '  target:         10.0.3.99:8080',
      '  classification: internal-target (HIGH), rule 2 of docs/design.md section 4: the target is inside internalNetworks (your own ranges)',
      '  result:         a finding of rule 11209 (what scan reports)',
      '',
      '',
    ].join('\n'));
  });
});
