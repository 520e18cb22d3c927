/**
 * The incidents issue's three scenarios, replayed as a deployment would see them: the real Lambda runtime
 * (detector and sweep), the real DynamoDB client against dynalite, the real SNS client against the loopback
 * SNS server, one batch per 5 s agent flush, on the log's own clock. Counts are what the SNS server accepted.
 */
import type { Alert } from '../../lambda/alerts';
import type { ReceivedEntry } from '../../scripts/local-sns/server';
import { cloudWatchEventId, type LocalDeploymentOptions, replayLocalDeployment } from '../../scripts/local-deployment';
import { bounceScan, natHour, type ScenarioLine } from '../support/scenarios';

// Two replays of an hour of log through dynalite take ~25 s alone; a loaded CI machine can take several times that.
jest.setTimeout(300_000);

function alertOf(entry: ReceivedEntry): Alert {
  return JSON.parse((JSON.parse(entry.message) as { default: string }).default) as Alert;
}

async function run(lines: readonly ScenarioLine[], options: LocalDeploymentOptions = {}) {
  const report = await replayLocalDeployment(
    [{ logGroup: '/ftp/proftpd', logStream: 'ftp1', lines: lines.map((l, i) => ({ ...l, id: cloudWatchEventId(l.timestamp, 0, i) })) }],
    options,
  );
  return { ...report, alerts: report.published.map(alertOf) };
}

const kinds = (alerts: readonly Alert[]): string[] => alerts.map((a) => `${a.kind}/${a.classification}`);

describe('one NAT client in active mode, retrying for an hour (179 refusals)', () => {
  it('sent 179 alerts without memory (the "before")', async () => {
    const { alerts, invocations } = await run(natHour(), { memory: false });

    expect(invocations).toBe(179);
    expect(alerts).toHaveLength(179);
  });

  it('sends at most 2 messages with lowSeverity=immediate: the first at once, one update', async () => {
    const { alerts } = await run(natHour(), { settingsEnv: { LOW_SEVERITY: 'immediate' } });

    expect(kinds(alerts)).toEqual(['new/nat-misconfiguration', 'update/nat-misconfiguration']);
    expect(alerts[1]?.incidentTotal).toBe(179);
  });

  it('sends exactly one digest by default, carrying the client and its 179', async () => {
    const { alerts, published } = await run(natHour());

    expect(kinds(alerts)).toEqual(['digest/nat-misconfiguration']);
    expect(alerts[0]?.digest?.entries).toEqual([
      expect.objectContaining({ srcIp: '203.0.113.50', count: 179, classification: 'nat-misconfiguration' }),
    ]);
    expect(published[0]?.subject).toMatch(/^\[LOW\] Digest: 1 low-severity FTP refusal incident \(/);
  });
});

describe('nmap -b of 1,000 ports of a public host over ten minutes', () => {
  it('sends at most 4 messages (it sent hundreds without memory)', async () => {
    const before = await run(bounceScan('198.51.100.77'), { memory: false });
    const after = await run(bounceScan('198.51.100.77'));

    expect(before.alerts.length).toBeGreaterThan(100);
    expect(after.alerts.length).toBeLessThanOrEqual(4);
    expect(kinds(after.alerts)).toContain('escalation/bounce-scan');
    const update = after.alerts.find((a) => a.kind === 'update');
    expect(update).toMatchObject({ classification: 'bounce-scan', incidentTotal: 1000 });
    expect(update?.window?.distinctPorts).toBeGreaterThanOrEqual(256);
  });
});

describe('the same scan aimed at an internal host (10.0.3.99)', () => {
  it('sends a critical bounce-scan within its first minute and never presents the scanner as a NAT client', async () => {
    const lines = bounceScan('10.0.3.99');
    const start = lines[0]?.timestamp ?? 0;

    const { alerts, published } = await run(lines);

    const scan = alerts.find((a) => a.classification === 'bounce-scan');
    expect(scan?.severity).toBe('critical');
    expect(Date.parse(scan?.windowStart ?? '') - start).toBeLessThan(60_000);
    expect(alerts.some((a) => a.classification === 'nat-misconfiguration')).toBe(false);
    expect(alerts.some((a) => a.digest?.entries.some((e) => e.srcIp === '203.0.113.66'))).toBe(false);
    expect(published.some((e) => /NAT/i.test(e.subject ?? ''))).toBe(false);
  });
});

describe('redelivered batches (at-least-once delivery)', () => {
  it.each([
    ['NAT hour', () => natHour(), { LOW_SEVERITY: 'immediate' }],
    ['public scan', () => bounceScan('198.51.100.77'), {}],
  ] as const)('%s: every batch twice sends no extra message', async (_label, lines, settingsEnv) => {
    const once = await run(lines(), { settingsEnv });
    const twice = await run(lines(), { settingsEnv, redeliver: true });

    expect(twice.invocations).toBe(once.invocations * 2);
    expect(twice.alerts.map((a) => a.id)).toEqual(once.alerts.map((a) => a.id));
  });
});
