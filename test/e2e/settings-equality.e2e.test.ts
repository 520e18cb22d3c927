/**
 * One settings reader (issue 22): the same log lines and the same settings give the same alerts through
 *   1. the deployed handler path: the detector's environment as the synthesised stack sets it, the real runtime;
 *   2. `npm start`: the real script, settings from `-c`;
 *   3. `scan --log-group --alerts`: the CLI's backfill, settings from `-c`, over the same events.
 * The settings chosen change what is sent: `internalNetworks` turns a NAT-looking target into `internal-target`
 * (HIGH), `lowSeverity=immediate` sends low findings at once, `scanPorts=4` makes a scan sooner, `alertWindow=15m`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { INCIDENT_ENV_VARS } from '../../infra/incident-settings';
import type { Alert } from '../../lambda/alerts';
import { cloudWatchEventId, replayLocalDeployment } from '../../scripts/local-deployment';
import { lineTimestamp } from '../../scripts/line-time';
import { detectorId, EXAMPLE_CONTEXT, synth } from '../infra/helpers';
import { captureIo } from '../support/cli-io';
import { bounceScan, natHour, SCENARIO_START } from '../support/scenarios';
import { logsClient } from '../unit/cli/aws-fixtures';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '..', '..');
const SETTINGS = { internalNetworks: '10.0.0.0/16', lowSeverity: 'immediate', scanPorts: '4', alertWindow: '15m' };
const PAIRS = Object.entries(SETTINGS).flatMap(([key, value]) => ['-c', `${key}=${value}`]);

// Twenty minutes of a NAT client, and an `nmap -b` of an internal host's ports (some below 1024, most above).
const LINES = [...natHour(SCENARIO_START, 60).slice(0, 20), ...bounceScan('10.0.3.99', SCENARIO_START + 5 * 60_000).slice(0, 40)]
  .sort((a, b) => a.timestamp - b.timestamp)
  .map((line) => line.message);
const dir = mkdtempSync(join(tmpdir(), 'fbw-equal-'));
const FILE = join(dir, 'proftpd.log');
writeFileSync(FILE, `${LINES.join('\n')}\n`);
const LOG_GROUP = `/local/${basename(dir)}`;

/** What a person reads in each message; ids differ only by account, which the paths know differently. */
function essence(alert: Alert) {
  const { kind, classification, severity, srcIp, count, incidentTotal, targets, logGroup } = alert;
  return [kind, classification, severity, srcIp, count, incidentTotal, targets, logGroup];
}

async function deployedHandlerPath(): Promise<Alert[]> {
  const { template } = synth({ ...EXAMPLE_CONTEXT, ...SETTINGS });
  type Fn = { Properties: { Environment: { Variables: Record<string, string> } } };
  const detector = (template.toJSON().Resources as Record<string, Fn>)[detectorId(template)];
  const variables = detector?.Properties.Environment.Variables ?? {};
  const settingVariables = [...Object.values(INCIDENT_ENV_VARS), 'INTERNAL_NETWORKS'];
  const settingsEnv = Object.fromEntries(Object.entries(variables).filter(([name]) => settingVariables.includes(name)));
  expect(settingsEnv).toMatchObject({ INTERNAL_NETWORKS: '10.0.0.0/16', LOW_SEVERITY: 'immediate', SCAN_PORTS: '4', ALERT_WINDOW_MINUTES: '15' });
  const now = Date.now();
  const lines = LINES.map((message, i) => {
    const timestamp = lineTimestamp(message, now) ?? now;
    return { message, timestamp, id: cloudWatchEventId(timestamp, 0, i) };
  });
  const report = await replayLocalDeployment([{ logGroup: LOG_GROUP, logStream: basename(FILE), lines }], { settingsEnv });
  return report.published.map((entry) => JSON.parse((JSON.parse(entry.message) as { default: string }).default) as Alert);
}

function npmStart(): Alert[] {
  const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/local-run.ts', '--jsonl', '--no-cdk-json', '--out', join(dir, 'out.jsonl'), ...PAIRS, FILE], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Alert);
}

async function scanAlerts(): Promise<Alert[]> {
  const client = logsClient();
  const now = Date.now();
  const events = LINES.map((message, i) => ({
    eventId: `e${i}`,
    logStreamName: basename(FILE),
    timestamp: lineTimestamp(message, now) ?? now,
    ingestionTime: now,
    message,
  }));
  mockClient(client).on(FilterLogEventsCommand).resolves({ $metadata: {}, events });
  const io = captureIo({ deps: { logsClient: () => client, sleep: async () => undefined } });
  const code = await main(['scan', '--log-group', LOG_GROUP, '--alerts', '--format', 'jsonl', '--since', '2024-01-01', ...PAIRS], io);
  expect(io.err()).toBe('');
  expect(code).toBe(0);
  return io.out().trim().split('\n').map((line) => JSON.parse(line) as Alert);
}

it('the deployed handler path, npm start and scan --alerts send the same messages with the same settings', async () => {
  const deployed = await deployedHandlerPath();
  const started = npmStart();
  const backfill = await scanAlerts();

  // The settings did something: an internal target, a low message sent at once, a scan.
  const atInternalHost = deployed.filter((a) => a.targets.some((t) => t.startsWith('10.0.3.99:')));
  expect(atInternalHost.length).toBeGreaterThan(0);
  expect(atInternalHost.every((a) => a.severity !== 'low')).toBe(true); // without internalNetworks: LOW "NAT client"
  expect(deployed.some((a) => a.classification === 'nat-misconfiguration' && a.kind === 'new')).toBe(true);
  expect(deployed.some((a) => a.classification === 'bounce-scan')).toBe(true);
  expect(deployed.map(essence)).toEqual(started.map(essence));
  expect(backfill.map(essence)).toEqual(deployed.map(essence));
});
