import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

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
