/**
 * One settings reader (cli/settings.ts) for the CLI's scans and `npm start`: the keys of `cdk deploy -c`, from
 * ./cdk.json's context and `-c`, an unknown key refused with the list of keys, said in one line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { readRunSettings, SettingsError } from '../../../cli/settings';
import { CONTEXT_KEYS } from '../../../infra/context';
import { captureIo } from '../../support/cli-io';

function project(cdkJson: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'fbw-settings-'));
  writeFileSync(join(dir, 'cdk.json'), typeof cdkJson === 'string' ? cdkJson : JSON.stringify(cdkJson));
  return dir;
}
const EMPTY = mkdtempSync(join(tmpdir(), 'fbw-no-project-'));

describe('readRunSettings', () => {
  it.each<[string, { cdkJson?: unknown; pairs?: string[]; useCdkJson?: boolean }, Record<string, string>, RegExp | undefined]>([
    ['no cdk.json, no -c: the defaults, nothing said', {}, { ALERT_WINDOW_MINUTES: '60', SCAN_PORTS: '10' }, undefined],
    ['cdk.json\'s context, said with what it set', { cdkJson: { context: { internalNetworks: ['10.0.0.0/8'], alertWindow: '90m', logGroups: ['/a'] } } },
      { INTERNAL_NETWORKS: '10.0.0.0/8', ALERT_WINDOW_MINUTES: '90' }, /context: internalNetworks=10\.0\.0\.0\/8, alertWindow=90m \(--no-cdk-json ignores it\)$/],
    ['-c wins over cdk.json', { cdkJson: { context: { scanPorts: 20 } }, pairs: ['scanPorts=30', 'internalNetworks=fd00::/8'] },
      { SCAN_PORTS: '30', INTERNAL_NETWORKS: 'fd00::/8' }, /context: none set, defaults apply/],
    ['a cdk.json without context', { cdkJson: { app: 'npx tsx infra/app.ts' } }, { LOW_SEVERITY: 'digest' }, /none set/],
    ['--no-cdk-json', { cdkJson: { context: { scanPorts: 20 } }, useCdkJson: false }, { SCAN_PORTS: '10' }, undefined],
    ['cdk.json\'s suppressions, for the local detector as the stack sets them', {
      cdkJson: { context: { suppressions: [{ client: '203.0.113.0/24', reason: 'Acme FXP', expires: '2099-01-01' }] } },
    }, {
      SUPPRESSIONS: '[{"client":"203.0.113.0/24","severity":"medium","reason":"Acme FXP","expires":"2099-01-01T00:00:00.000Z"}]',
    }, /context: suppressions=1 entry \(--no-cdk-json ignores it\)$/],
    ['deployment keys are accepted and change nothing here', { pairs: ['alertEmails=a@example.com', 'mode=central', 'organizationId=o-a1b2c3d4e5'] },
      { SCAN_HOSTS: '5' }, undefined],
  ])('%s', (_name, given, env, note) => {
    const settings = readRunSettings({
      cwd: given.cdkJson === undefined ? EMPTY : project(given.cdkJson),
      useCdkJson: given.useCdkJson ?? true,
      pairs: given.pairs ?? [],
    });

    expect(settings.functionEnv).toMatchObject(env);
    if (!('INTERNAL_NETWORKS' in env)) expect(settings.functionEnv.INTERNAL_NETWORKS).toBeUndefined();
    expect(settings.internalNetworks.size).toBe(env.INTERNAL_NETWORKS === undefined ? 0 : 1);
    if (note === undefined) expect(settings.note).toBeUndefined();
    else expect(settings.note).toMatch(note);
  });

  it.each<[string, { cdkJson?: unknown; pairs?: string[] }, RegExp]>([
    ['an unknown key, with every valid key', { pairs: ['failureRetention=7'] }, new RegExp(`^failureRetention: unknown context key \\(the keys: ${CONTEXT_KEYS.join(', ')}\\)$`)],
    ['a misspelt key', { pairs: ['internalNetwork=10.0.0.0/8'] }, /^internalNetwork: unknown context key; did you mean internalNetworks\?/],
    ['every problem at once', { pairs: ['scanPorts=1', 'internalNetworks=10.0.0.1/8'] }, /^scanPorts: .*; internalNetworks: .*host bits/],
    ['an unknown key in cdk.json, said where', { cdkJson: { context: { colour: 'blue' } } }, /^colour: unknown context key .*\(from -c or .*cdk\.json; --no-cdk-json ignores it\)$/],
    ['a bad cdk.json', { cdkJson: '{ nope' }, /cdk\.json is not valid JSON \(--no-cdk-json ignores it\)/],
    ['a context that is no object', { cdkJson: { context: [1] } }, /"context" must be an object/],
    ['-c without =', { pairs: ['internalNetworks'] }, /^-c needs KEY=VALUE, got "internalNetworks"$/],
  ])('refuses %s', (_name, given, message) => {
    const cwd = given.cdkJson === undefined ? EMPTY : project(given.cdkJson);
    const read = () => readRunSettings({ cwd, useCdkJson: true, pairs: given.pairs ?? [] });

    expect(read).toThrow(SettingsError);
    expect(read).toThrow(message);
  });
});

describe('scan FILE takes the deployment\'s settings', () => {
  // A target in 10.0.3.0/24: NAT space by default, the operator's own network with internalNetworks.
  const LINE = 'May 29 18:49:42 h proftpd[1]: srv (c[198.51.100.4]) - Refused PORT 10,0,3,99,206,55 (address mismatch)\n';
  const classify = async (argv: string[], cwd: string) => {
    const io = captureIo({ stdin: [LINE], deps: { cwd } });
    const code = await main(['scan', '--format', 'jsonl', ...argv], io);
    return { code, err: io.err(), found: io.out().trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { classification: string }).classification) };
  };

  it.each<[string, string[], unknown, string[], RegExp | '']>([
    ['defaults', [], undefined, ['nat-misconfiguration'], ''],
    ['-c internalNetworks', ['-c', 'internalNetworks=10.0.0.0/16'], undefined, ['internal-target'], ''],
    ['cdk.json\'s internalNetworks, said on stderr', [], { context: { internalNetworks: '10.0.0.0/16' } }, ['internal-target'],
      /^ftp-bounce-watch: settings from .*cdk\.json's context: internalNetworks=10\.0\.0\.0\/16 \(--no-cdk-json ignores it\)\n$/],
    ['--no-cdk-json', ['--no-cdk-json'], { context: { internalNetworks: '10.0.0.0/16' } }, ['nat-misconfiguration'], ''],
  ])('%s', async (_name, argv, cdkJson, expected, err) => {
    const result = await classify(argv, cdkJson === undefined ? EMPTY : project(cdkJson));

    expect(result.code).toBe(0);
    expect(result.found).toEqual(expected);
    if (err === '') expect(result.err).toBe('');
    else expect(result.err).toMatch(err);
  });

  it('refuses an unknown key with the valid keys (exit 2)', async () => {
    const result = await classify(['-c', 'failureRetention=7'], EMPTY);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^ftp-bounce-watch: failureRetention: unknown context key \(the keys: logGroups, .*\) \(see 'ftp-bounce-watch scan --help'\)\n$/);
  });
});
