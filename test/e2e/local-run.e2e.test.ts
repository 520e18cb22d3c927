import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natHour } from '../support/scenarios';

// `npm start`'s job, run as the user runs it: a child process, the real runtime, dynalite, the loopback SNS.
const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

jest.setTimeout(120_000);

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
    // A run takes ~15 s alone (an hour of NAT refusals through dynalite); under a loaded CI, several times that.
    timeout: 300_000,
    env: childEnv(),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-run-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scripts/local-run.ts (npm start)', () => {
  it('replays examples/ as a deployment: emails as sent, a closing table, JSON appended', () => {
    const out = join(dir, 'alerts.jsonl');

    const { status, stdout, stderr } = localRun(['--out', out]);

    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Subject: \[CRITICAL\] FTP bounce attempt: 198\.51\.100\.23 in \/local\/examples$/m);
    // Each message as people receive it: the email with where it happened on top, then Slack as text, not JSON.
    expect(stdout).toMatch(/^EMAIL\nSubject: \[CRITICAL\] FTP bounce attempt: 198\.51\.100\.23 in \/local\/examples\n\n\[CRITICAL\] FTP bounce attempt · NEW\nWho: +198\.51\.100\.23 -> 203\.0\.113\.80:25/m);
    expect(stdout).toMatch(/^Where: account 123456789012 · eu-west-1 · host ip-10-0-1-17 · log group \/local\/examples$/m);
    expect(stdout).toMatch(/^SLACK \(webhook forwarder\)\n\n:rotating_light: \[CRITICAL\] NEW · FTP bounce attempt$/m);
    expect(stdout).toMatch(/^SLACK \(AWS Chatbot card\)\n\n:rotating_light: \[CRITICAL\] NEW · FTP bounce attempt: `198\.51\.100\.23`\n\nWhere account `123456789012`/m);
    expect(stdout).not.toMatch(/"(blocks|textType)":/);
    const slack = jsonLines(readFileSync(join(dir, 'slack.jsonl'), 'utf8'));
    const cards = jsonLines(readFileSync(join(dir, 'chatbot.jsonl'), 'utf8'));
    expect(slack).toHaveLength(5);
    expect(cards.map((c) => c.version)).toEqual(['1.0', '1.0', '1.0', '1.0', '1.0']);
    expect(stdout).toMatch(/^Message \d+ · sent at .* · DIGEST · LOW/m);
    // 13 batches of the examples and the canary written into their log group when the replay starts.
    expect(stdout).toMatch(/^Invocations: 14 detector, \d+ sweeps$/m);
    expect(stdout).toMatch(/^Canary: {6}\/local\/examples: written, proven and recorded by the detector 5 s later$/m);
    expect(stdout).toMatch(/^ {2}by kind: {5}new 2 · escalation 0 · update 2 · digest 1$/m);
    const alerts = jsonLines(readFileSync(out, 'utf8'));
    expect(alerts.map((a) => a.kind)).toEqual(['new', 'update', 'new', 'update', 'digest']);
    expect(alerts.every((a) => a.ruleId === '11209' && a.alertMemory === 'on' && a.account === '123456789012')).toBe(true);
  });

  it('prints only the alerts\' JSON with --jsonl, and the same with --redeliver (nothing sent twice)', () => {
    const once = localRun(['--jsonl', '--out', join(dir, 'a.jsonl')]);
    const twice = localRun(['--jsonl', '--redeliver', '--out', join(dir, 'b.jsonl')]);

    expect(once.status).toBe(0);
    expect(jsonLines(once.stdout).map((a) => a.id)).toEqual(jsonLines(twice.stdout).map((a) => a.id));
    expect(jsonLines(once.stdout)).toHaveLength(5);
  });

  it('takes the deployment\'s context keys: an hour of a NAT client with lowSeverity=immediate is two messages', () => {
    const log = join(dir, 'nat.log');
    writeFileSync(log, `${natHour().map((l) => l.message).join('\n')}\n`);

    const digest = localRun(['--jsonl', '--out', join(dir, 'a.jsonl'), log]);
    const immediate = localRun(['--jsonl', '-c', 'lowSeverity=immediate', '--out', join(dir, 'b.jsonl'), log]);

    expect(jsonLines(digest.stdout).map((a) => a.kind)).toEqual(['digest']);
    expect(jsonLines(immediate.stdout).map((a) => a.kind)).toEqual(['new', 'update']);
  });

  it.each([
    [['-c', 'alertWindow=3m'], /^local-run: alertWindow: expected a duration from 5m to 24h/],
    [['-c', 'colour=blue'], /^local-run: unknown context key "colour"/],
    [['examples/ftp1-syslog.log', 'no-such.log'], /^local-run: cannot read no-such.log: no such file or directory$/],
  ])('exits 2 with a one-line error for %j, before sending anything', (args, message) => {
    const { status, stdout, stderr } = localRun(['--out', join(dir, 'x.jsonl'), ...args]);

    expect(status).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(message);
    expect(stdout).toBe('');
  });
});
