import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AlertKind } from '../../lambda/alerts/alert';
import { DETAIL_TYPES } from '../../lambda/export/event-entry';
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

/** What `npm start` says on stderr when run in the project, whose cdk.json sets nothing. */
const SETTINGS_LINE = 'local-run: settings from cdk.json\'s context: none set, defaults apply (--no-cdk-json ignores it)';

function localRun(args: string[], input?: Buffer) {
  const result = spawnSync(TSX, ['scripts/local-run.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    ...(input !== undefined && { input }),
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
  it('replays examples/ as a deployment: each message once, as the email sent, a closing table, JSON appended', () => {
    const out = join(dir, 'alerts.jsonl');

    const { status, stdout, stderr } = localRun(['--out', out]);

    expect(stderr).toBe(`${SETTINGS_LINE}\n`);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Subject: \[CRITICAL\] FTP bounce attempt: 198\.51\.100\.23 in \/local\/examples$/m);
    // Each message once, in full, as the email: where it happened and that nothing was connected on top.
    expect(stdout).toMatch(/^EMAIL\nSubject: \[CRITICAL\] FTP bounce attempt: 198\.51\.100\.23 in \/local\/examples\n\n\[CRITICAL\] FTP bounce attempt · NEW\nWho: +198\.51\.100\.23 -> 203\.0\.113\.80:25/m);
    expect(stdout).toMatch(/^Result: proftpd refused every one of these commands: no data connection was made\.$/m);
    expect(stdout).toMatch(/^Where: +account 123456789012 · eu-west-1 · host ip-10-0-1-17 · log group \/local\/examples$/m);
    expect(stdout).not.toMatch(/^SLACK /m);
    expect(stdout).not.toContain('https://');
    // Every line fits a 100-column terminal.
    expect(stdout.split('\n').filter((line) => [...line].length > 100)).toEqual([]);
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
    // What the exports would send (docs/export.md): one event per message, one finding per incident and message.
    const events = jsonLines(readFileSync(join(dir, 'events.jsonl'), 'utf8'));
    expect(events.map((e) => [e.Source, e.DetailType, JSON.parse(String(e.Detail)).id])).toEqual(
      alerts.map((a) => ['ftp-bounce-watch', DETAIL_TYPES[a.kind as AlertKind], a.id]),
    );
    const findings = jsonLines(readFileSync(join(dir, 'findings.jsonl'), 'utf8'));
    const digestEntries = alerts.filter((a) => a.kind === 'digest').flatMap((a) => (a.digest as { entries: unknown[] }).entries);
    expect(findings).toHaveLength(alerts.filter((a) => a.kind !== 'digest').length + digestEntries.length);
    const incidents = [
      ...alerts.filter((a) => a.kind !== 'digest').map((a) => a.incidentId),
      ...digestEntries.map((e) => (e as { incidentId: string }).incidentId),
    ];
    expect(new Set(findings.map((f) => f.Id)).size).toBe(new Set(incidents).size);
    expect(stdout).toMatch(/^What the exports would send, beside it: events\.jsonl \(EventBridge\), findings\.jsonl \(Security Hub\)$/m);
    const digest = alerts.find((a) => a.kind === 'digest') as { digest: { entries: unknown[] }; count: number };
    expect(stdout).toContain(`(digest of ${digest.digest.entries.length})`);
  });

  it('shows the Slack and Chatbot forms with --show, as Slack shows them, within 100 columns', () => {
    const { status, stdout } = localRun(['--show', 'email,slack,chatbot', '--out', join(dir, 'a.jsonl'), 'examples/ftp1-syslog.log']);

    expect(status).toBe(0);
    expect(stdout).toMatch(/^SLACK \(webhook forwarder\)\n\n:rotating_light: \[CRITICAL\] NEW · FTP bounce attempt$/m);
    expect(stdout).toMatch(/^SLACK \(AWS Chatbot card\)\n\n:rotating_light: \[CRITICAL\] NEW · FTP bounce attempt: `198\.51\.100\.23`\n\nproftpd refused/m);
    expect(stdout).not.toMatch(/"(blocks|textType)":/);
    expect(stdout.split('\n').filter((line) => [...line].length > 100)).toEqual([]);
  });

  it.each([
    ['no forms', ['--show']],
    ['an unknown form', ['--show', 'email,sms']],
  ])('exits 2 naming the forms for --show with %s', (_label, args) => {
    const { status, stderr } = localRun([...args, '--out', join(dir, 'x.jsonl')]);

    expect(status).toBe(2);
    expect(stderr).toMatch(/^local-run: --show needs forms out of email,slack,chatbot, got /m);
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
    [['-c', 'colour=blue'], /^local-run: colour: unknown context key \(the keys: logGroups, .*internalNetworks, /],
    [['-c', 'failureRetention=7', '--no-cdk-json'], /^local-run: failureRetention: unknown context key \(the keys: /],
    [['examples/ftp1-syslog.log', 'no-such.log'], /^local-run: cannot read no-such.log: no such file$/],
    [[join(ROOT, 'package-lock.json'), process.execPath], /^local-run: .* looks binary \(a NUL byte in its first 64 KiB\)/],
  ])('exits 2 with a one-line error for %j, before sending anything', (args, message) => {
    const { status, stdout, stderr } = localRun(['--out', join(dir, 'x.jsonl'), ...args]);

    expect(status).toBe(2);
    const errors = stderr.split('\n').filter((line) => line !== '' && line !== SETTINGS_LINE);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(stdout).toBe('');
  });

  it('reads its inputs as the CLI does: gzip by its magic bytes, - for standard input, a truncated .gz after its lines', () => {
    const plain = readFileSync(join(ROOT, 'examples/ftp1-syslog.log'));
    const zipped = join(dir, 'rotated.1');
    writeFileSync(zipped, gzipSync(plain));
    const truncated = join(dir, 'cut.gz');
    writeFileSync(truncated, gzipSync(plain).subarray(0, 300));
    const kinds = (run: { stdout: string }) => jsonLines(run.stdout).map((a) => [a.kind, a.classification, a.srcIp, a.count]);

    const fromText = localRun(['--jsonl', '--out', join(dir, 'a.jsonl'), 'examples/ftp1-syslog.log']);
    const fromGzip = localRun(['--jsonl', '--out', join(dir, 'b.jsonl'), zipped]);
    const fromStdin = localRun(['--jsonl', '--out', join(dir, 'c.jsonl'), '-'], plain);
    const fromCut = localRun(['--jsonl', '--out', join(dir, 'd.jsonl'), truncated]);

    expect(fromText.status).toBe(0);
    expect(kinds(fromText).length).toBeGreaterThan(0);
    expect([fromGzip.status, fromStdin.status]).toEqual([0, 0]);
    expect(kinds(fromGzip)).toEqual(kinds(fromText));
    expect(kinds(fromStdin)).toEqual(kinds(fromText));
    expect(fromCut.status).toBe(2);
    expect(kinds(fromCut).length).toBeGreaterThan(0);
    expect(fromCut.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^local-run: cannot read .*cut\.gz: the gzip data ends early \(truncated file\?\) \(the \d+ lines before it are replayed\)$/,
    );
  });
});
