import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { version } from '../../package.json';

const ROOT = join(__dirname, '../..');
const BIN = join(ROOT, 'bin/ftp-bounce-watch.js');

const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 30_000 });

describe('the ftp-bounce-watch executable', () => {
  it('scans the fixture file and prints exactly four jsonl findings', () => {
    const result = run(['scan', '--format', 'jsonl', 'test/fixtures/real-proftpd.log']);

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
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
    expect(result.stderr).toBe('');
  });
});

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
    // stdin is a pipe that stays open and silent, as a terminal nobody types into.
    const child = spawn(process.execPath, [BIN, 'scan'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const sent = Date.now();

    child.kill('SIGINT');
    const code = await exited;

    expect(code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(stderr).toBe('');
  });
});
