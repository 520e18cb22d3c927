/**
 * The real executable against CloudWatch Logs, SNS and CloudFormation endpoints that accept and never answer: it
 * ends after `--timeout` with one line naming the endpoint, and never hangs for minutes (issue 22).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SlowServer, startSlowServer } from '../support/slow-server';

const BIN = join(__dirname, '../../bin/ftp-bounce-watch.js');
/** Outside any project: no cdk.json, so stderr holds the one line under test. */
const CWD = mkdtempSync(join(tmpdir(), 'fbw-silent-'));

jest.setTimeout(30_000);

let server: SlowServer;
beforeAll(async () => {
  server = await startSlowServer();
});
afterAll(async () => {
  await server.close();
});

function runBin(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_'))),
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDE2ETEST',
    AWS_SECRET_ACCESS_KEY: 'e2e-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: server.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: CWD, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

it.each([
  ['scan --log-group', ['scan', '--log-group', '/ftp/proftpd', '--timeout', '2'], 'CloudWatch Logs', 'FilterLogEvents'],
  ['status', ['status', '--log-group', '/ftp/proftpd', '--timeout', '2'], 'CloudWatch Logs', 'DescribeLogGroups'],
])('%s ends in one line naming the silent endpoint, within --timeout', async (_name, args, service, operation) => {
  const run = await runBin(args);

  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.split('\n')).toEqual([
    expect.stringMatching(
      // As many attempts as fit in 2 s: three on an idle machine, fewer when a loaded one starts the executable slowly.
      new RegExp(`^ftp-bounce-watch: no answer from ${service} at ${server.url} \\(AWS_ENDPOINT_URL\\) to ${operation}\\b.* within 2 s \\([1-3] attempts?\\): check `),
    ),
    '',
  ]);
  // 2 s of silence, plus the start of Node.js and the bundle.
  expect(run.ms).toBeLessThan(2_000 + 4_000);
});
