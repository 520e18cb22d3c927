/**
 * Replays scenario lines through the real pipeline with alert memory on an in-memory store and a publisher
 * that records what it is given: the pure path of what the deployment sends, for unit-level scenario tests.
 */
import type { AlertPublisher, SnsAlertMessage } from '../../lambda/adapters/ports';
import { type Alert, buildSnsMessage } from '../../lambda/alerts';
import { encodeSubscriptionEvent } from '../../lambda/awslogs';
import { IncidentMemory, type IncidentSettings, INCIDENT_DEFAULTS, MemoryIncidentStore } from '../../lambda/incidents';
import { processSubscriptionEvent } from '../../lambda/pipeline';
import { agentBatches, type AgentBatch } from '../../cli/replay/agent-batches';
import { replay } from '../../cli/replay/replay-clock';
import type { ScenarioLine } from './scenarios';

export class RecordingPublisher implements AlertPublisher {
  readonly messages: SnsAlertMessage[] = [];
  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    this.messages.push(...messages);
  }

  get alerts(): Alert[] {
    return this.messages.map((m) => JSON.parse((JSON.parse(m.message) as { default: string }).default) as Alert);
  }
}

export interface ReplayResult {
  readonly alerts: Alert[];
  readonly messages: SnsAlertMessage[];
  readonly invocations: number;
}

export interface ReplayOptions {
  readonly settings?: Partial<IncidentSettings>;
  /** Deliver every batch twice, as a retried invocation would. */
  readonly redeliver?: boolean;
  readonly logGroup?: string;
  readonly account?: string;
  readonly store?: MemoryIncidentStore;
}

export async function replayScenario(lines: readonly ScenarioLine[], options: ReplayOptions = {}): Promise<ReplayResult> {
  const publisher = new RecordingPublisher();
  const store = options.store ?? new MemoryIncidentStore();
  const settings = { ...INCIDENT_DEFAULTS, ...options.settings };
  const incidents = new IncidentMemory({ store, publisher, settings, render: (a) => buildSnsMessage(a) });
  let clock = 0;
  const quiet = { debug: () => undefined };
  const metrics = { count: () => undefined };
  const sorted = [...lines].sort((a, b) => a.timestamp - b.timestamp);
  const batches = agentBatches(sorted.map((l, i) => ({ ...l, id: String(l.timestamp * 100_000 + i).padStart(56, '0') })));
  let invocations = 0;
  await replay<AgentBatch>(batches, {
    runBatch: async (batch, now) => {
      clock = now;
      const event = encodeSubscriptionEvent({
        messageType: 'DATA_MESSAGE',
        owner: options.account ?? '123456789012',
        logGroup: options.logGroup ?? '/ftp/proftpd',
        logStream: 'ftp1',
        subscriptionFilters: ['ftp-bounce-watch'],
        logEvents: batch.events.map((e) => ({ id: e.id, timestamp: e.timestamp, message: e.message })),
      });
      for (let n = 0; n < (options.redeliver ? 2 : 1); n++) {
        invocations++;
        await processSubscriptionEvent(event, {
          publisher,
          region: 'eu-west-1',
          maxDecompressedBytes: 64 * 1024 * 1024,
          logger: quiet,
          metrics,
          memory: { incidents, now: () => clock },
        });
      }
    },
    sweep: async (now) => {
      clock = now;
      await incidents.sweep(now);
    },
    nextDue: async () => store.nextDue(),
  });
  return { alerts: publisher.alerts, messages: publisher.messages, invocations };
}
