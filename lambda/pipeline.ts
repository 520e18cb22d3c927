/**
 * One subscription event, end to end: decode -> detect -> group -> render -> publish. No AWS client and no
 * environment here: the publisher, logger and metrics are injected, so the Lambda handler, the local run and
 * the benchmark share this code.
 */
import type { AlertPublisher } from './adapters/ports';
import { AlertAccumulator, buildSnsMessage } from './alerts';
import { decodeSubscriptionEvent } from './awslogs';
import { type Classification, createLineDetector, type Finding, type NetworkSet } from './detector';
import { BatchEvidence, type IncidentMemory } from './incidents';
import { CANARY_STREAM, canaryClaim, type CanaryRejection, type SignedCanary } from './canary/proof';

export type PipelineMetricName =
  | 'Batches'
  | 'LogEvents'
  | 'Findings'
  | 'AlertsPublished'
  | 'FastPathBatches'
  | 'ControlMessages'
  | 'DecompressedBytes'
  | 'StateStoreUnavailable'
  | 'BatchesReplayed'
  | 'IncidentsFolded';

export interface PipelineMetrics {
  /**
   * Adds `value` to a metric. With `classification`, the value goes to a separate series carrying that one
   * dimension (five possible values: the cardinality stays fixed).
   */
  count(name: PipelineMetricName, value: number, classification?: Classification): void;
}

export interface PipelineLogger {
  debug(message: string, attributes: Record<string, unknown>): void;
}

export interface PipelineDeps {
  readonly publisher: AlertPublisher;
  /** For console links in alerts: the region of the log groups (the function's own). */
  readonly region: string;
  readonly maxDecompressedBytes: number;
  /** The operator's own networks (`internalNetworks`): targets inside them are `internal-target`. Default: none. */
  readonly internalNetworks?: NetworkSet;
  readonly logger: PipelineLogger;
  readonly metrics: PipelineMetrics;
  /**
   * Alert memory (docs/design.md section 8). Absent: every batch is judged alone and its alerts are published as
   * they are (memory `off`).
   */
  readonly memory?: {
    readonly incidents: IncidentMemory;
    /** The decision clock: wall time in the Lambda, the log's own time in a replay. */
    readonly now: () => number;
  };
  /**
   * The canary's receiving end (docs/design.md section 10): lines of the canary stream that claim to be the canary
   * are handed to it; one it does not accept is detected like any refusal. Absent: no line is a canary.
   */
  readonly canary?: {
    accept(
      claim: SignedCanary,
      eventId: string,
      eventTime: number,
      deliver?: () => Promise<void>,
    ): Promise<CanaryRejection | null>;
  };
}

export interface PipelineSummary {
  readonly kind: 'data' | 'control' | 'no-candidates';
  /** True when the batch held no refusal keyword and JSON parsing was skipped. */
  readonly fastPath: boolean;
  /**
   * Events parsed and examined: all of them, or on the sparse path only those holding a refusal keyword
   * (the others were counted). 0 when the batch was not parsed.
   */
  readonly examinedEvents: number;
  /** Null when the batch was not parsed (control message, fast path). */
  readonly logGroup: string | null;
  readonly logStream: string | null;
  readonly compressedBytes: number;
  readonly decompressedBytes: number;
  /** Log events examined; 0 when the batch was not parsed. */
  readonly events: number;
  readonly findings: number;
  readonly findingsByClassification: Readonly<Partial<Record<Classification, number>>>;
  readonly alertsPublished: number;
  /** The published alerts' deterministic ids (at most 20 listed), to trace an alert back to its invocation. */
  readonly alertIds: readonly string[];
  /** `on`: alert memory decided; `off`: no memory configured; `unavailable`: the store failed, sent unsuppressed. */
  readonly memory: 'on' | 'off' | 'unavailable';
  /** Clients of this batch whose part had been applied before: a retried batch (nothing counted twice). */
  readonly replayedClients: number;
  /** Canary lines proven and recorded (not findings). */
  readonly canaries: number;
}

const LISTED_ALERT_IDS = 20;

/**
 * `ftp-bounce-watch test --deliver`: the proven test line's own alert, marked TEST, straight to the alert topic
 * (outside alert memory: it opens no incident and counts towards none), so people see that email and Slack work.
 */
async function deliverTestAlert(
  entry: { finding: Finding; logGroup: string; logStream: string; eventId: string; timestamp: number },
  account: string,
  deps: PipelineDeps,
): Promise<void> {
  const accumulator = new AlertAccumulator({ region: deps.region, account });
  accumulator.add(entry);
  await deps.publisher.publish(accumulator.alerts().map((alert) => buildSnsMessage({ ...alert, test: true })));
}

/**
 * Processes one CloudWatch Logs subscription event. Resolves once every alert is published; rejects with
 * `MalformedPayloadError` for an undecodable payload and with the publisher's error when alerts could not all
 * be published. Either rejection must fail the invocation, so that Lambda retries or keeps the event.
 */
export async function processSubscriptionEvent(event: unknown, deps: PipelineDeps): Promise<PipelineSummary> {
  const { metrics, logger } = deps;
  metrics.count('Batches', 1);
  const decoded = decodeSubscriptionEvent(event, { maxDecompressedBytes: deps.maxDecompressedBytes });
  metrics.count('DecompressedBytes', decoded.decompressedBytes);
  const sizes = { compressedBytes: decoded.compressedBytes, decompressedBytes: decoded.decompressedBytes };
  const nothing = {
    events: 0,
    examinedEvents: 0,
    findings: 0,
    findingsByClassification: {},
    alertsPublished: 0,
    alertIds: [],
    memory: deps.memory === undefined ? ('off' as const) : ('on' as const),
    replayedClients: 0,
    canaries: 0,
  };

  if (decoded.kind === 'control') {
    metrics.count('ControlMessages', 1);
    return { kind: 'control', fastPath: false, logGroup: null, logStream: null, ...sizes, ...nothing };
  }
  if (decoded.kind === 'no-candidates') {
    metrics.count('FastPathBatches', 1);
    metrics.count('Findings', 0);
    return { kind: 'no-candidates', fastPath: true, logGroup: null, logStream: null, ...sizes, ...nothing };
  }

  const { logGroup, logStream, logEvents, owner } = decoded.batch;
  metrics.count('LogEvents', decoded.eventCount);
  // Grouped as detected: only per-alert aggregates stay in memory, however many events refuse.
  const internalNetworks = deps.internalNetworks;
  const accumulator = new AlertAccumulator({
    region: deps.region,
    account: owner,
    ...(internalNetworks === undefined ? {} : { internalNetworks }),
  });
  const evidence = deps.memory === undefined ? null : new BatchEvidence();
  const detectLine = createLineDetector(internalNetworks === undefined ? {} : { internalNetworks });
  const canaryStream = deps.canary !== undefined && logStream === CANARY_STREAM;
  const claims: Array<{ claim: SignedCanary; finding: Finding; eventId: string; timestamp: number }> = [];
  for (const logEvent of logEvents) {
    const finding = detectLine(logEvent.message);
    if (finding === null) continue;
    const claim = canaryStream ? canaryClaim(finding, logGroup, logStream) : null;
    if (claim !== null) {
      claims.push({ claim, finding, eventId: logEvent.id, timestamp: logEvent.timestamp });
      continue;
    }
    accumulator.add({ finding, logGroup, logStream, eventId: logEvent.id, timestamp: logEvent.timestamp });
    evidence?.add(logGroup, finding.srcIp, finding.classification, finding.target);
  }
  let canaries = 0;
  for (const { claim, finding, eventId, timestamp } of claims) {
    // A line the canary does not accept (planted, altered, copied, replayed) is a refusal like any other.
    const deliver = (): Promise<void> => deliverTestAlert({ finding, logGroup, logStream, eventId, timestamp }, owner, deps);
    if ((await deps.canary?.accept(claim, eventId, timestamp, deliver)) === null) {
      canaries++;
      continue;
    }
    accumulator.add({ finding, logGroup, logStream, eventId, timestamp });
    evidence?.add(logGroup, finding.srcIp, finding.classification, finding.target);
  }
  const findings = accumulator.findings;
  const byClassification = accumulator.findingsByClassification();
  metrics.count('Findings', findings);
  for (const [classification, n] of Object.entries(byClassification) as [Classification, number][]) {
    metrics.count('Findings', n, classification);
  }

  const alerts = accumulator.alerts();
  logger.debug('batch scanned', {
    logGroup,
    logStream,
    events: decoded.eventCount,
    examinedEvents: logEvents.length,
    findings,
    alerts: alerts.length,
  });
  let published: readonly { readonly id: string }[] = alerts;
  let memory: PipelineSummary['memory'] = 'off';
  let replayedClients = 0;
  if (deps.memory !== undefined && evidence !== null) {
    const outcome = await deps.memory.incidents.handleBatch(alerts, evidence, owner, deps.region, deps.memory.now());
    published = outcome.published;
    memory = outcome.failOpen ? 'unavailable' : 'on';
    replayedClients = outcome.replayed;
    if (outcome.failOpen) metrics.count('StateStoreUnavailable', 1);
    if (outcome.replayed > 0) metrics.count('BatchesReplayed', 1);
    if (outcome.folded > 0) metrics.count('IncidentsFolded', outcome.folded);
  } else if (alerts.length > 0) {
    await deps.publisher.publish(alerts.map((alert) => buildSnsMessage(alert)));
  }
  metrics.count('AlertsPublished', published.length);

  return {
    kind: 'data',
    fastPath: false,
    logGroup,
    logStream,
    ...sizes,
    events: decoded.eventCount,
    examinedEvents: logEvents.length,
    findings,
    findingsByClassification: byClassification,
    alertsPublished: published.length,
    alertIds: published.slice(0, LISTED_ALERT_IDS).map((alert) => alert.id),
    memory,
    replayedClients,
    canaries,
  };
}
