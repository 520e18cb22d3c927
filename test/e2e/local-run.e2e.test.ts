import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm start`'s job, run as the user runs it: a child process, the real handler, the loopback SNS server.
const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** The caller's environment minus what would change the output, and without the SDK's Node 20 notice. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  delete env.LOG_LEVEL;
  delete env.POWERTOOLS_METRICS_DISABLED;
  return env;
}

function localRun(args: string[]) {
  const result = spawnSync(TSX, ['scripts/local-run.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: childEnv(),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-run-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/local-run.ts', () => {
  it('prints the email and Slack renderings and appends one JSON line per alert', () => {
    const out = join(dir, 'alerts.jsonl');

    const { status, stdout, stderr } = localRun(['--out', out, 'examples/ftp1-syslog.log']);

    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^examples\/ftp1-syslog\.log: 15 events, 6 findings .*, 4 alerts$/m);
    expect(stdout).toMatch(/^Subject: \[CRITICAL\] .*203\.0\.113\.80:25/m);
    expect(stdout).toContain('"source": "custom"');
    expect(stdout).toContain(`4 alerts published to the local SNS topic; JSON appended to ${out}`);
    const alerts = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(alerts).toHaveLength(4);
    expect(alerts.map((a) => a.classification).sort()).toEqual([
      'address-family-mismatch',
      'bounce-attempt',
      'foreign-public-target',
      'nat-misconfiguration',
    ]);
    expect(alerts.every((a) => a.logGroup === '/local/examples' && a.ruleId === '11209')).toBe(true);
  });

  it('appends to an existing output file', () => {
    const out = join(dir, 'alerts.jsonl');

    localRun(['--out', out, 'examples/ftp2-systemlog.log']);
    localRun(['--out', out, 'examples/ftp2-systemlog.log']);

    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(6);
  });

  it('exits 2 with a one-line error for a missing file, before sending anything', () => {
    const out = join(dir, 'alerts.jsonl');

    const { status, stdout, stderr } = localRun(['--out', out, 'examples/ftp1-syslog.log', 'no-such.log']);

    expect(status).toBe(2);
    expect(stderr).toBe('local-run: cannot read no-such.log: no such file or directory\n');
    expect(stdout).toBe('');
  });
});
