import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { version } from '../../package.json';

/** Run in the project, the CLI reads cdk.json's context (which sets nothing here) and says so on stderr. */
const SETTINGS_NOTE = 'ftp-bounce-watch: settings from cdk.json\'s context: none set, defaults apply (--no-cdk-json ignores it)\n';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/ftp-bounce-watch.js');

const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 30_000 });

describe('the ftp-bounce-watch executable', () => {
  it('scans the fixture file and prints exactly four jsonl findings', () => {
    const result = run(['scan', '--format', 'jsonl', 'test/fixtures/real-proftpd.log']);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe(SETTINGS_NOTE);
    const findings = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(findings.map((f) => f.srcIp)).toEqual([
      '1.2.3.4',
      '85.103.107.214',
      '85.102.240.252',
      '::ffff:1.2.3.4',
    ]);
  });

  it('exits 2 with a one-line error for an unreadable file', () => {
    const result = run(['scan', 'no/such/file.log']);

    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      SETTINGS_NOTE.trim(),
      'ftp-bounce-watch: cannot read no/such/file.log: no such file',
    ]);
  });

  it('stops quietly when its reader goes away', () => {
    const lines = `${'proftpd[1]: s (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6\n'.repeat(50_000)}`;
    const result = spawnSync('sh', ['-c', `node "${BIN}" scan --format jsonl - | head -n 1`], {
      cwd: ROOT,
      input: lines,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toBe(SETTINGS_NOTE);
  });
});

/**
 * Preloaded (`node --require`) into the executable by the Ctrl-C test: writes one line to fd 3 once the process
 * listens for SIGINT. Node catches SIGINT from its start (to restore the terminal, then die of the signal), so
 * neither a fixed wait nor /proc tells when the CLI's own handler is there; this does, and changes nothing else.
 */
const SIGINT_PROBE = `
process.on('newListener', function probe(event) {
  if (event !== 'SIGINT') return;
  process.removeListener('newListener', probe);
  setImmediate(() => require('node:fs').writeSync(3, 'listening\\n'));
});
`;

describe('the ftp-bounce-watch executable at a terminal', () => {
  it('prints its version with --version and -V', () => {
    for (const flag of ['--version', '-V']) {
      const result = run([flag]);
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`ftp-bounce-watch ${version}\n`);
    }
  });

  it('prints a command\'s help with help <command>', () => {
    const result = run(['help', 'scan']);

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: ftp-bounce-watch scan/);
  });

  it('ends at once with exit 130 on Ctrl-C while waiting for standard input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbw-sigint-'));
    const probe = join(dir, 'probe.cjs');
    writeFileSync(probe, SIGINT_PROBE);
    try {
      // stdin is a pipe that stays open and silent, as a terminal nobody types into.
      const child = spawn(process.execPath, ['--require', probe, BIN, 'scan'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // However long the start takes on a loaded machine, the signal comes only once the CLI listens for it.
      await Promise.race([new Promise((resolve) => (child.stdio[3] as Readable).once('data', resolve)), exited]);
      const sent = Date.now();

      child.kill('SIGINT');
      const code = await exited;

      expect(code).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(stderr).toBe(SETTINGS_NOTE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
