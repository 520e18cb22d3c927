/**
 * The backfill's alerts: findings replayed through alert memory as the deployment would have met them,
 * with the in-memory store, on the events' own clock. Events are cut per log stream into the batches the
 * CloudWatch agent would have shipped (one per 5 s of event time); each batch is judged by the same
 * IncidentMemory the Lambda uses, and the sweep runs every 5 minutes of event time, so a backfill shows
 * exactly the messages (new, escalations, updates, digests) the deployment would have sent over that period.
 */
import type { AlertPublisher, SnsAlertMessage } from '../../lambda/adapters/ports';
import { type Alert, AlertAccumulator, buildSnsMessage, type LocatedFinding } from '../../lambda/alerts';
import { BatchEvidence, IncidentMemory, type IncidentSettings, MemoryIncidentStore } from '../../lambda/incidents';
import type { NetworkSet } from '../../lambda/detector/networks';
import { AGENT_FLUSH_MS } from './agent-batches';
import { replay } from './replay-clock';

interface FindingBatch {
  readonly at: number;
  readonly findings: readonly LocatedFinding[];
}

/** Per log group and stream, in time order, cut at the agent's flush interval. */
function flushBatches(located: readonly LocatedFinding[]): FindingBatch[] {
  const byStream = new Map<string, LocatedFinding[]>();
  for (const f of located) {
    const key = JSON.stringify([f.logGroup, f.logStream]);
    const list = byStream.get(key);
    if (list === undefined) byStream.set(key, [f]);
    else list.push(f);
  }
  const batches: FindingBatch[] = [];
  for (const list of byStream.values()) {
    list.sort((a, b) => a.timestamp - b.timestamp);
    let current: LocatedFinding[] = [];
    let flushAt = 0;
    for (const f of list) {
      if (current.length > 0 && f.timestamp >= flushAt) {
        batches.push({ at: (current[current.length - 1] as LocatedFinding).timestamp, findings: current });
        current = [];
      }
      if (current.length === 0) flushAt = f.timestamp + AGENT_FLUSH_MS;
      current.push(f);
    }
    if (current.length > 0) batches.push({ at: (current[current.length - 1] as LocatedFinding).timestamp, findings: current });
  }
  return batches;
}

/** Keeps what the deployment would have published, in order. */
class CollectingPublisher implements AlertPublisher {
  readonly alerts: Alert[] = [];
  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    for (const m of messages) this.alerts.push(JSON.parse((JSON.parse(m.message) as { default: string }).default) as Alert);
  }
}

export interface BackfillOptions {
  readonly region: string;
  /** The log groups' account when known (from an ARN); empty when not. */
  readonly account: string;
  readonly settings: IncidentSettings;
  /** The operator's own networks, as the deployed detector has them (`internalNetworks`). */
  readonly internalNetworks?: NetworkSet;
}

/** The messages the deployment would have sent for these findings, in the order it would have sent them. */
export async function replayFindings(located: readonly LocatedFinding[], options: BackfillOptions): Promise<Alert[]> {
  const store = new MemoryIncidentStore();
  const publisher = new CollectingPublisher();
  const incidents = new IncidentMemory({ store, publisher, settings: options.settings, render: (a) => buildSnsMessage(a) });
  await replay<FindingBatch>(flushBatches(located), {
    runBatch: async (batch, now) => {
      const accumulator = new AlertAccumulator({
        region: options.region,
        account: options.account === '' ? null : options.account,
        ...(options.internalNetworks !== undefined && { internalNetworks: options.internalNetworks }),
      });
      const evidence = new BatchEvidence();
      for (const f of batch.findings) {
        accumulator.add(f);
        evidence.add(f.logGroup, f.finding.srcIp, f.finding.classification, f.finding.target);
      }
      await incidents.handleBatch(accumulator.alerts(), evidence, options.account, options.region, now);
    },
    sweep: async (now) => {
      await incidents.sweep(now);
    },
    nextDue: async () => store.nextDue(),
  });
  return publisher.alerts;
}
