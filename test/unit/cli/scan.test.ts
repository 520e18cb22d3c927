import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';

const FIXTURE = join(__dirname, '../../fixtures/real-proftpd.log');
const NAT =
  'May 29 18:49:42 h proftpd[1]: srv (c.example[198.51.100.4]) - Refused PORT 192,168,1,34,206,55 (address mismatch)';
const BOUNCE =
  'proftpd[2]: srv (evil[203.0.113.9]) - Refused PORT 198,51,100,7,0,25 (port 25 below 1024, possible bounce attack)';

const dir = mkdtempSync(join(tmpdir(), 'fbw-scan-'));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const jsonl = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));

describe('ftp-bounce-watch scan --format jsonl', () => {
  it('prints the four fixture refusals with file and 1-based lineNumber', async () => {
    const io = captureIo();

    const code = await main(['scan', '--format', 'jsonl', FIXTURE], io);

    expect(code).toBe(0);
    const findings = jsonl(io.out());
    expect(findings.map((f) => [f.lineNumber, f.srcIp, f.target.ip, f.target.port, f.reason, f.host, f.occurrences])).toEqual([
      [1, '1.2.3.4', '192.168.1.34', 52791, 'address mismatch', null, 1],
      [2, '85.103.107.214', '192.168.1.33', 1107, 'address mismatch', 'valhalla', 1],
      [3, '85.102.240.252', '10.0.65.23', 5003, 'address mismatch', 'valhalla', 1],
      [4, '::ffff:1.2.3.4', '192.168.1.2', 49524, 'address mismatch', 'www.example.com', 1],
    ]);
    expect(findings.every((f) => f.file === FIXTURE)).toBe(true);
    expect(io.err()).toBe('');
  });

  it('gives each finding its line\'s own time as an ISO-8601 timestamp, null when the line has none', async () => {
    const path = file('times.log', `2026-11-20T08:00:03Z ${BOUNCE}\n${BOUNCE}\n`);
    const io = captureIo();

    await main(['scan', '--format', 'jsonl', path], io);

    expect(jsonl(io.out()).map((f) => f.timestamp)).toEqual(['2026-11-20T08:00:03.000Z', null]);
  });

  it('defaults to jsonl when stdout is not a terminal, and reads stdin for -', async () => {
    const io = captureIo({ stdin: [`noise\n${NAT}\n`] });

    const code = await main(['scan', '-'], io);

    expect(code).toBe(0);
    expect(jsonl(io.out())).toEqual([
      expect.objectContaining({ file: '-', lineNumber: 2, srcIp: '198.51.100.4' }),
    ]);
  });

  it('reads stdin when no file is given', async () => {
    const io = captureIo({ stdin: [NAT] });
    await main(['scan'], io);
    expect(jsonl(io.out())).toHaveLength(1);
  });

  it('handles CRLF endings, a missing final newline and invalid UTF-8', async () => {
    const path = file(
      'mixed.log',
      Buffer.concat([Buffer.from(`${NAT}\r\n`), Buffer.from([0xff, 0xfe, 0xc3, 0x0a]), Buffer.from(BOUNCE)]),
    );
    const io = captureIo();

    await main(['scan', '--format', 'jsonl', path], io);

    const findings = jsonl(io.out());
    expect(findings.map((f) => [f.lineNumber, f.classification])).toEqual([
      [1, 'nat-misconfiguration'],
      [3, 'bounce-attempt'],
    ]);
    expect(findings[0].line).toBe(NAT);
  });

  it('finds lines split across arbitrary chunk boundaries, even inside a UTF-8 character', async () => {
    const text = Buffer.from(`é ${'x'.repeat(100)}\n${NAT}\nnoise é\n${BOUNCE}\n`);
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.subarray(i, i + 7));
    const io = captureIo({ stdin: chunks });

    await main(['scan', '--format', 'jsonl'], io);

    expect(jsonl(io.out()).map((f) => f.lineNumber)).toEqual([2, 4]);
  });

  it('examines an over-long line on its first megabyte and keeps counting lines after it', async () => {
    // Trailing white space: a refusal followed by other text is not one (docs/design.md section 3).
    const path = file('long.log', `${NAT}${' '.repeat(3 * 1024 * 1024)}x\n${BOUNCE}\n`);
    const io = captureIo();

    await main(['scan', '--format', 'jsonl', path], io);

    expect(jsonl(io.out()).map((f) => f.lineNumber)).toEqual([1, 2]);
    expect(io.err()).toBe(
      `ftp-bounce-watch: warning: ${path}: line 1 is longer than 1 MiB and holds a refusal keyword; only its first 1 MiB `
      + 'was examined, so a refusal after that is not reported (further such lines in this file are not named)\n',
    );
  });

  it('warns, once per file with the line number, of a refusal past 1 MiB in a longer line instead of missing it silently', async () => {
    const long = `${'x'.repeat(1024 * 1024)} ${BOUNCE}`;
    const first = file('cut1.log', `${NAT}\nnoise\n${long}\n${long}\n${BOUNCE}\n`);
    const second = file('cut2.log', `${long}\n`);
    const io = captureIo();

    expect(await main(['scan', '--format', 'jsonl', first, second], io)).toBe(0);

    expect(jsonl(io.out()).map((f) => [f.file, f.lineNumber])).toEqual([[first, 1], [first, 5]]);
    expect(io.err().split('\n').filter((l) => l !== '').map((l) => /: (\S+): line (\d+) is longer than 1 MiB/.exec(l)?.slice(1))).toEqual([
      [first, '3'],
      [second, '1'],
    ]);
  });
});

describe('ftp-bounce-watch scan --format text', () => {
  it('groups by client and classification with counts, most severe first, and ends with a summary', async () => {
    const path = file('grouped.log', `${NAT}\n${BOUNCE}\n${NAT}\nnoise\n`);
    const io = captureIo({ tty: true, env: { NO_COLOR: '1' } });

    const code = await main(['scan', path], io);

    expect(code).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^\[CRITICAL\] FTP bounce attempt: 203\.0\.113\.9 \(x1\)/);
    expect(out).toContain('[LOW] FTP client behind NAT using active mode: 198.51.100.4 (x2)');
    expect(out).toContain(`seen at: ${path}:1, ${path}:3`);
    expect(out.trim().split('\n').at(-1)).toBe(
      '3 findings (1 critical, 2 low) from 2 clients in 4 lines of 1 file.',
    );
  });

  it('says so when nothing was found', async () => {
    const io = captureIo();
    await main(['scan', '--format', 'text', file('quiet.log', 'noise\nmore noise\n')], io);
    expect(io.out()).toBe('No PORT/EPRT refusals (rule 11209) in 2 lines of 1 file.\n');
  });

  it('never lets log text drive the terminal', async () => {
    const io = captureIo();
    await main(
      [
        'scan',
        '--format',
        'text',
        file('ansi.log', `proftpd[1]: \u001b[2Jsrv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6\n`),
      ],
      io,
    );
    expect(io.out()).not.toContain('\u001b');
    expect(io.out()).toContain('?[2Jsrv');
  });
});

describe('ftp-bounce-watch scan: errors', () => {
  it.each<[string, string[], RegExp]>([
    [
      'a missing file',
      ['scan', join(dir, 'missing.log')],
      /^ftp-bounce-watch: cannot read .*missing\.log: no such file\n$/,
    ],
    ['a directory', ['scan', dir], /^ftp-bounce-watch: cannot read .*: it is a directory\n$/],
    [
      'an unknown option',
      ['scan', '--frmat', 'jsonl'],
      /^ftp-bounce-watch: Unknown option '--frmat' \(see 'ftp-bounce-watch scan --help'\)\n$/,
    ],
    [
      'a bad format',
      ['scan', '--format', 'xml'],
      /^ftp-bounce-watch: --format must be 'jsonl' or 'text', not 'xml'/,
    ],
    ['an unknown command', ['scna'], /^ftp-bounce-watch: unknown command 'scna'/],
  ])('%s: exit 2 with a one-line error and nothing on stdout', async (_name, argv, message) => {
    const io = captureIo();

    const code = await main(argv, io);

    expect(code).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });

  it('checks every file before printing anything', async () => {
    const io = captureIo();
    const code = await main(['scan', FIXTURE, join(dir, 'missing.log')], io);
    expect(code).toBe(2);
    expect(io.out()).toBe('');
  });

  it('explains itself with --help', async () => {
    const io = captureIo();
    expect(await main(['scan', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: ftp-bounce-watch scan');
    expect(io.out()).toContain('Exit status');
  });
});
