/** The cost inventory (scripts/cost-inventory.ts) counts what is billed from a template's resources. */
import { inventory } from '../../scripts/cost-inventory';

describe('inventory', () => {
  it('tells Metrics Insights alarms from standard ones, provisioned shards from on-demand streams, and counts scheduled runs', () => {
    const incoming = { MetricStat: { Metric: { Namespace: 'AWS/Logs', MetricName: 'IncomingLogEvents' } } };
    const canaryRuns = { MetricStat: { Metric: { Namespace: 'FtpBounceWatch', MetricName: 'CanaryOverdue' } } };
    const counted = inventory('test', [
      { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'Errors' } },
      { Type: 'AWS::CloudWatch::Alarm', Properties: { MetricName: 'IncomingLogEvents', Namespace: 'AWS/Logs' } },
      { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Expression: 'FILL(incoming, 0) - FILL(canaryRuns, 0)' }, incoming, canaryRuns] } },
      { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Expression: 'SELECT SUM(DeliveryErrors) FROM "AWS/Logs"' }] } },
      { Type: 'AWS::CloudWatch::Alarm', Properties: { Metrics: [{ Expression: 'm1 + m2' }] } },
      { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'PROVISIONED' }, ShardCount: 2 } },
      { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } },
      { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(5 minutes)' } },
      { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)' } },
      { Type: 'AWS::Events::Rule', Properties: { EventPattern: {} } },
      { Type: 'AWS::KMS::Key' },
    ]);
    expect(counted).toEqual({
      mode: 'test',
      standardAlarms: 4,
      standardAlarmMetrics: 1 + 1 + 2 + 0,
      sourceSilenceAlarms: 2,
      metricsInsightsAlarms: 1,
      streams: 2,
      provisionedShards: 2,
      onDemandStreams: 1,
      kmsKeys: 1,
      secrets: 0,
      functions: 0,
      scheduledRunsPerMonth: 8760 + 730,
      eventRules: 3,
    });
  });
});
