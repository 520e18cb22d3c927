/**
 * A deployment in a box for alert-memory tests: the real pipeline with IncidentMemory on an in-memory store
 * (or any store), a recording publisher, and helpers to send batches of refusal lines at chosen times.
 */
import type { AlertPublisher, SnsAlertMessage } from '../../lambda/adapters/ports';
import { type Alert, buildSnsMessage } from '../../lambda/alerts';
import { encodeSubscriptionEvent } from '../../lambda/awslogs';
import {
  INCIDENT_DEFAULTS,
  IncidentMemory,
  type IncidentSettings,
  type IncidentStore,
  MemoryIncidentStore,
  type Suppression,
} from '../../lambda/incidents';
import { type PipelineSummary, processSubscriptionEvent } from '../../lambda/pipeline';
import { portArgumentOf, syslogStamp } from './scenarios';

export const MIN = 60_000;
export const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);

/** A publish that failed for some messages only (the shape AlertPublishError has). */
export class ScriptedPartialFailure extends Error {
  constructor(readonly unpublishedIndexes: ReadonlySet<number>) {
    super(`${unpublishedIndexes.size} alerts not published (scripted)`);
  }
}

/** Publishes into a list; can be told to fail the next N calls, or to refuse messages matching a test. */
export class ScriptedPublisher implements AlertPublisher {
  readonly messages: SnsAlertMessage[] = [];
  failNext = 0;
  refuse: ((message: SnsAlertMessage) => boolean) | null = null;

  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('SNS is down (scripted)');
    }
    const refused = new Set<number>();
    messages.forEach((m, i) => {
      if (this.refuse?.(m) === true) refused.add(i);
      else this.messages.push(m);
    });
    if (refused.size > 0) throw new ScriptedPartialFailure(refused);
  }

  get alerts(): Alert[] {
    return this.messages.map((m) => JSON.parse((JSON.parse(m.message) as { default: string }).default) as Alert);
  }
}

export interface Refusal {
  /** ms after the batch time (negative: earlier). */
  readonly offset?: number;
  readonly client?: string;
  readonly target?: string;
  readonly port?: number;
  readonly argument?: string;
  readonly reason?: string;
}

export function refusalLine(at: number, r: Refusal = {}): string {
  const client = r.client ?? '203.0.113.50';
  const target = r.target ?? '192.168.1.20';
  const port = r.port ?? 50_000;
  const reason = r.reason ?? (port < 1024 ? `port ${port} below 1024, possible bounce attack` : 'address mismatch');
  const argument = r.argument ?? portArgumentOf(target, port);
  return `${syslogStamp(at)} ftp1 proftpd[4242]: ftp.example.com (${client}[${client}]) - Refused PORT ${argument} (${reason})`;
}

export interface BatchOptions {
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly account?: string;
  /** Event ids are derived from this and the line index: the same key and lines give the same batch. */
  readonly key?: string;
}

export class Deployment {
  readonly publisher = new ScriptedPublisher();
  readonly incidents: IncidentMemory;
  readonly settings: IncidentSettings;
  private batchSeq = 0;

  constructor(
    settings: Partial<IncidentSettings> = {},
    readonly store: IncidentStore = new MemoryIncidentStore(),
    /** The suppressions in force (a SuppressionCache, or a fixed list). @default none */
    suppressions?: { current(): Promise<readonly Suppression[]> },
  ) {
    this.settings = { ...INCIDENT_DEFAULTS, ...settings };
    this.incidents = new IncidentMemory({
      store,
      publisher: this.publisher,
      settings: this.settings,
      render: (a) => buildSnsMessage(a),
      ...(suppressions !== undefined && { suppressions }),
    });
  }

  /** The event of a batch processed at `at` (each line's time is at + offset). */
  event(at: number, refusals: readonly Refusal[], options: BatchOptions = {}): unknown {
    const key = options.key ?? `b${this.batchSeq++}`;
    return encodeSubscriptionEvent({
      messageType: 'DATA_MESSAGE',
      owner: options.account ?? '123456789012',
      logGroup: options.logGroup ?? '/ftp/proftpd',
      logStream: options.logStream ?? 'ftp1',
      subscriptionFilters: ['ftp-bounce-watch'],
      logEvents: refusals.map((r, i) => {
        const t = at + (r.offset ?? 0);
        return { id: `${key}-${i}`, timestamp: t, message: refusalLine(t, r) };
      }),
    });
  }

  /** Processes one event at `now`; resolves to the alerts this call published. */
  async process(event: unknown, now: number): Promise<{ alerts: Alert[]; summary: PipelineSummary }> {
    const before = this.publisher.messages.length;
    const summary = await processSubscriptionEvent(event, {
      publisher: this.publisher,
      region: 'eu-west-1',
      maxDecompressedBytes: 64 * 1024 * 1024,
      logger: { debug: () => undefined },
      metrics: { count: () => undefined },
      memory: { incidents: this.incidents, now: () => now },
    });
    return { alerts: this.publisher.alerts.slice(before), summary };
  }

  async batch(at: number, refusals: readonly Refusal[], options: BatchOptions = {}): Promise<Alert[]> {
    return (await this.process(this.event(at, refusals, options), at)).alerts;
  }

  async sweep(now: number): Promise<Alert[]> {
    const before = this.publisher.messages.length;
    await this.incidents.sweep(now);
    return this.publisher.alerts.slice(before);
  }

  /** Every alert published so far, as `kind/classification`. */
  get stream(): string[] {
    return this.publisher.alerts.map((a) => `${a.kind}/${a.classification}`);
  }
}

/** `n` refusals of one client, one every `stepMs`, starting at offset 0. */
export function repeated(n: number, r: Refusal = {}, stepMs = 1000, portStep = 1): Refusal[] {
  const offset = r.offset ?? 0;
  const port = r.port ?? 50_000;
  return Array.from({ length: n }, (_, i) => ({ ...r, offset: offset + i * stepMs, port: port + i * portStep }));
}
