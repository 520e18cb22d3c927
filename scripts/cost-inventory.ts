/**
 * What each deployment mode is billed for at rest, counted from the synthesised templates (README "What it costs",
 * docs/operations.md): alarms (standard, and Metrics Insights query alarms, which are priced per metric they
 * analyse; standard alarms are billed per metric they read, so a math alarm over two metrics counts twice), the
 * log-source silence alarms among them, streams and shards, KMS keys, secrets, schedules and their runs a month.
 * Offline: `npx tsx scripts/cost-inventory.ts` prints one JSON line per mode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildAnyApp } from '../infra/app';

type Resource = { Type: string; Condition?: string; Properties?: Record<string, unknown> };

export interface Inventory {
  readonly mode: string;
  readonly standardAlarms: number;
  /** What standard alarms are billed by: the metrics they read (one for a single-metric alarm). */
  readonly standardAlarmMetrics: number;
  /** Log-source health: alarms on a log group's IncomingLogEvents (one per watched group, up to 100). */
  readonly sourceSilenceAlarms: number;
  readonly metricsInsightsAlarms: number;
  readonly streams: number;
  readonly provisionedShards: number;
  readonly onDemandStreams: number;
  readonly kmsKeys: number;
  readonly secrets: number;
  readonly functions: number;
  readonly scheduledRunsPerMonth: number;
  readonly eventRules: number;
}

const MODES: Record<string, Record<string, unknown>> = {
  'single (email)': { logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' },
  'single (email, Chatbot, webhook)': {
    logGroups: '/var/log/proftpd',
    alertEmails: 'ops@example.com',
    slackWorkspaceId: 'T0123ABCD',
    slackChannelId: 'C0123ABCD',
    slackWebhookSecretName: 'ftp-bounce-watch/slack',
  },
  'single (email), canary=false': { logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com', canary: 'false' },
  'single (email), 100 log groups': {
    logGroups: Array.from({ length: 100 }, (_, i) => `/ftp/server-${i}`).join(','),
    alertEmails: 'ops@example.com',
  },
  'account-wide (email)': { accountWide: 'true', alertEmails: 'ops@example.com' },
  'central (email)': { mode: 'central', organizationId: 'o-a1b2c3d4e5', alertEmails: 'ops@example.com' },
  'member': { mode: 'member', centralAccount: '111111111111' },
};

const MINUTES_A_MONTH = 730 * 60;

function runsPerMonth(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expression);
  if (!match) throw new Error(`unexpected schedule ${expression}`);
  const minutes = Number(match[1]) * (match[2]?.startsWith('hour') ? 60 : 1);
  return MINUTES_A_MONTH / minutes;
}

export function inventory(mode: string, resources: readonly Resource[]): Inventory {
  const of = (type: string) => resources.filter((r) => r.Type === type);
  const alarms = of('AWS::CloudWatch::Alarm');
  const insights = alarms.filter((a) => JSON.stringify(a.Properties?.Metrics ?? []).includes('SELECT '));
  const streams = of('AWS::Kinesis::Stream');
  const mode_ = (s: Resource) => (s.Properties?.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode;
  const rules = of('AWS::Events::Rule');
  const standard = alarms.filter((a) => !insights.includes(a));
  const metricsRead = (a: Resource): number => {
    const queries = a.Properties?.Metrics as Array<{ MetricStat?: unknown }> | undefined;
    return queries === undefined ? 1 : queries.filter((q) => q.MetricStat !== undefined).length;
  };
  return {
    mode,
    standardAlarms: standard.length,
    standardAlarmMetrics: standard.reduce((n, a) => n + metricsRead(a), 0),
    sourceSilenceAlarms: standard.filter((a) => JSON.stringify(a.Properties ?? {}).includes('"IncomingLogEvents"')).length,
    metricsInsightsAlarms: insights.length,
    streams: streams.length,
    provisionedShards: streams.filter((s) => mode_(s) !== 'ON_DEMAND').reduce((n, s) => n + Number(s.Properties?.ShardCount ?? 0), 0),
    onDemandStreams: streams.filter((s) => mode_(s) === 'ON_DEMAND').length,
    kmsKeys: of('AWS::KMS::Key').length,
    secrets: of('AWS::SecretsManager::Secret').length,
    functions: of('AWS::Lambda::Function').length,
    scheduledRunsPerMonth: Math.round(rules
      .map((r) => r.Properties?.ScheduleExpression)
      .filter((e): e is string => typeof e === 'string')
      .reduce((n, e) => n + runsPerMonth(e), 0)),
    eventRules: rules.length,
  };
}

function main(): void {
  for (const [mode, context] of Object.entries(MODES)) {
    const outdir = mkdtempSync(path.join(tmpdir(), 'cost-inventory-'));
    try {
      const assembly = buildAnyApp({ context, outdir }).app.synth();
      const templates = assembly.stacks.map((s) => s.template as { Resources: Record<string, Resource> });
      const resources = templates.flatMap((t) => Object.values(t.Resources));
      process.stdout.write(`${JSON.stringify(inventory(mode, resources))}\n`);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
}

if (require.main === module) main();
