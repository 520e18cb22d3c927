import type { AlertPublisher, SnsAlertMessage } from '../../lambda/adapters';
import { encodeSubscriptionEvent, type LogsBatch, MalformedPayloadError } from '../../lambda/awslogs';
import {
  type PipelineDeps,
  type PipelineMetricName,
  type PipelineMetrics,
  processSubscriptionEvent,
} from '../../lambda/pipeline';

const NAT_REFUSAL =
  'May 29 18:49:42 valhalla proftpd[16661]: valhalla.example (85.103.107.214[85.103.107.214]) - '
  + 'Refused PORT 192,168,1,33,4,83 (address mismatch)';
const BOUNCE =
  'Jun  3 02:14:07 ftp1 proftpd[20311]: ftp.example.com (scan.example.net[198.51.100.23]) - '
  + 'Refused PORT 203,0,113,7,0,25 (address mismatch)';
const ORDINARY =
  'Jun  1 11:51:24 valhalla proftpd[7301]: valhalla.example (81.215.6.178[81.215.6.178]) - '
  + 'Maximum login attempts (3) exceeded';

function batch(messages: string[]): LogsBatch {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/ftp/proftpd',
    logStream: 'ftp1',
    subscriptionFilters: ['ftp-bounce-watch'],
    logEvents: messages.map((message, i) => ({
      id: `evt-${i}`,
      timestamp: Date.UTC(2025, 4, 29, 18, 49, i),
      message,
    })),
  };
}

class RecordingPublisher implements AlertPublisher {
  readonly published: SnsAlertMessage[] = [];
  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    this.published.push(...messages);
  }
}

class RecordingMetrics implements PipelineMetrics {
  readonly values: string[] = [];
  count(name: PipelineMetricName, value: number, classification?: string): void {
    this.values.push(`${name}${classification ? `[${classification}]` : ''}=${value}`);
  }
}

function deps(publisher: AlertPublisher = new RecordingPublisher()) {
  const metrics = new RecordingMetrics();
  const debug: unknown[] = [];
  const all: PipelineDeps = {
    publisher,
    region: 'eu-west-1',
    maxDecompressedBytes: 1024 * 1024,
    logger: { debug: (message, attributes) => debug.push({ message, ...attributes }) },
    metrics,
  };
  return { all, metrics, debug };
}

describe('processSubscriptionEvent', () => {
  it('publishes one alert per client x classification and summarises the batch', async () => {
    const publisher = new RecordingPublisher();
    const { all, metrics } = deps(publisher);

    const summary = await processSubscriptionEvent(
      encodeSubscriptionEvent(batch([ORDINARY, NAT_REFUSAL, BOUNCE, NAT_REFUSAL])),
      all,
    );

    expect(summary).toMatchObject({
      kind: 'data',
      fastPath: false,
      logGroup: '/ftp/proftpd',
      logStream: 'ftp1',
      events: 4,
      findings: 3,
      findingsByClassification: { 'nat-misconfiguration': 2, 'bounce-attempt': 1 },
      alertsPublished: 2,
    });
    expect(summary.alertIds).toHaveLength(2);
    expect(publisher.published.map((m) => m.messageAttributes.classification).sort()).toEqual([
      'bounce-attempt',
      'nat-misconfiguration',
    ]);
    const [first] = publisher.published;
    expect(first?.messageStructure).toBe('json');
    expect(Object.keys(JSON.parse(first?.message ?? '{}')).sort()).toEqual(['default', 'email', 'https']);
    expect(metrics.values).toEqual(
      expect.arrayContaining([
        'Batches=1',
        'LogEvents=4',
        'Findings=3',
        'Findings[nat-misconfiguration]=2',
        'Findings[bounce-attempt]=1',
        'AlertsPublished=2',
      ]),
    );
  });

  it('publishes nothing for a parsed batch without findings', async () => {
    const publisher = new RecordingPublisher();
    const { all, metrics } = deps(publisher);
    // "Refused PORT" planted in a USER name: the keyword defeats the fast path, the detector refuses it.
    const planted =
      'May 21 20:22:44 slacker proftpd[25557] slacker.example (192.168.2.10[192.168.2.10]): '
      + 'USER Refused PORT 1,2,3,4,0,21 (Login failed): Incorrect password.';

    const summary = await processSubscriptionEvent(encodeSubscriptionEvent(batch([planted])), all);

    expect(summary).toMatchObject({ kind: 'data', events: 1, findings: 0, alertsPublished: 0 });
    expect(publisher.published).toEqual([]);
    expect(metrics.values).toContain('AlertsPublished=0');
  });

  it('takes the fast path for a batch with no keyword', async () => {
    const { all, metrics } = deps();

    const summary = await processSubscriptionEvent(encodeSubscriptionEvent(batch([ORDINARY, ORDINARY])), all);

    expect(summary).toMatchObject({
      kind: 'no-candidates',
      fastPath: true,
      events: 0,
      findings: 0,
      logGroup: null,
    });
    expect(metrics.values).toEqual(expect.arrayContaining(['Batches=1', 'FastPathBatches=1', 'Findings=0']));
  });

  it('does nothing for a control message', async () => {
    const { all, metrics } = deps();
    const control = {
      ...batch(['CWL CONTROL MESSAGE: Checking health of destination Lambda.']),
      messageType: 'CONTROL_MESSAGE',
    } as unknown as LogsBatch;

    const summary = await processSubscriptionEvent(encodeSubscriptionEvent(control), all);

    expect(summary.kind).toBe('control');
    expect(metrics.values).toContain('ControlMessages=1');
  });

  it('rejects a malformed payload with MalformedPayloadError', async () => {
    const { all } = deps();

    await expect(processSubscriptionEvent({ awslogs: { data: 'not base64!' } }, all)).rejects.toThrow(
      MalformedPayloadError,
    );
  });

  it('propagates a publishing failure and does not count the alerts as published', async () => {
    const failure = new Error('SNS is down');
    const { all, metrics } = deps({
      publish: () => Promise.reject(failure),
    });

    await expect(processSubscriptionEvent(encodeSubscriptionEvent(batch([BOUNCE])), all)).rejects.toBe(
      failure,
    );
    expect(metrics.values.some((v) => v.startsWith('AlertsPublished'))).toBe(false);
  });
});
