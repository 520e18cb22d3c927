/**
 * Log-source health in the template (docs/design.md section 10): one silence alarm per watched log group, its metric,
 * window, missing data and action; per-group settings; none where there is no list of groups or too many of them.
 * By shape, never by logical ID.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { buildAnyApp } from '../../infra/app';
import { FtpBounceWatch, FtpBounceWatchPropsError, MAX_SOURCE_HEALTH_ALARMS } from '../../infra/ftp-bounce-watch';
import { flatten, newTestApp, propertiesOf, synth } from './helpers';

jest.setTimeout(120_000);

const EMAIL = { alertEmails: 'ops@example.com' };
const HOUR = 3600;

type Props = Record<string, unknown>;

/** The silence alarms' properties by log group (the group read from the metric's dimension). */
function silenceAlarms(template: Template): Map<string, Props> {
  const found = new Map<string, Props>();
  for (const alarm of propertiesOf(template, 'AWS::CloudWatch::Alarm')) {
    const text = JSON.stringify(alarm);
    if (!text.includes('IncomingLogEvents')) continue;
    const group = /"Name":"LogGroupName","Value":"([^"]+)"/.exec(text)?.[1];
    if (group === undefined) throw new Error(`a silence alarm without its group: ${text}`);
    found.set(group, alarm);
  }
  return found;
}

/** The period of an alarm's IncomingLogEvents metric, whether alone or inside the math expression. */
function periodOf(alarm: Props): number {
  if (alarm.MetricName === 'IncomingLogEvents') return alarm.Period as number;
  const metrics = alarm.Metrics as Array<{ MetricStat?: { Metric: { MetricName: string }; Period: number } }>;
  const incoming = metrics.find((m) => m.MetricStat?.Metric.MetricName === 'IncomingLogEvents');
  if (!incoming?.MetricStat) throw new Error('no IncomingLogEvents in the alarm');
  return incoming.MetricStat.Period;
}

describe('per-group mode with the canary (the default)', () => {
  const { template } = synth({ logGroups: '/var/log/proftpd,/aws/ec2/ftp', ...EMAIL });

  it('alarms once per watched group when the group received nothing but the canary for 6 hours', () => {
    const alarms = silenceAlarms(template);
    expect([...alarms.keys()].sort()).toEqual(['/aws/ec2/ftp', '/var/log/proftpd']);
    const alarm = alarms.get('/var/log/proftpd');
    expect(alarm).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'breaching',
      AlarmName: 'FtpBounceWatch-source-silent-/var/log/proftpd',
    });
    expect(alarm?.Metrics).toEqual(expect.arrayContaining([
      expect.objectContaining({ Expression: 'FILL(incoming, 0) - FILL(canaryRuns, 0)', ReturnData: true }),
      expect.objectContaining({
        Id: 'incoming',
        MetricStat: {
          Metric: { Namespace: 'AWS/Logs', MetricName: 'IncomingLogEvents', Dimensions: [{ Name: 'LogGroupName', Value: '/var/log/proftpd' }] },
          Period: 6 * HOUR,
          Stat: 'Sum',
        },
        ReturnData: false,
      }),
      expect.objectContaining({
        Id: 'canaryRuns',
        MetricStat: {
          Metric: { Namespace: 'FtpBounceWatch', MetricName: 'CanaryOverdue', Dimensions: [{ Name: 'service', Value: 'ftp-bounce-watch' }] },
          Period: 6 * HOUR,
          Stat: 'SampleCount',
        },
      }),
    ]));
  });

  it('tells the operator topic when it fires and when it clears, naming the group and what to check', () => {
    const alarm = silenceAlarms(template).get('/aws/ec2/ftp');
    const operatorTopic = [{ Ref: expect.stringMatching(/OperatorTopic/) }];
    expect(alarm?.AlarmActions).toEqual(operatorTopic);
    expect(alarm?.OKActions).toEqual(operatorTopic);
    const description = alarm?.AlarmDescription as string;
    expect(description).toContain('/aws/ec2/ftp for 6h');
    for (const check of ['CloudWatch agent is running', 'logs:PutLogEvents', 'log_group_name', 'renamed or deleted', 'NAME=off']) {
      expect(description).toContain(check);
    }
    expect(description.length).toBeLessThanOrEqual(1024);
  });
});

describe('per-group settings', () => {
  const groups = '/ftp/a,/ftp/quiet,/ftp/old';
  it.each([
    ['the default for all', '2d', { '/ftp/a': 48, '/ftp/quiet': 48, '/ftp/old': 48 }],
    ['text: a default and per-group overrides, one off', '6h,/ftp/quiet=24h,/ftp/old=off', { '/ftp/a': 6, '/ftp/quiet': 24 }],
    ['text: overrides only (the default stays 6h)', '/ftp/quiet=7d', { '/ftp/a': 6, '/ftp/quiet': 168, '/ftp/old': 6 }],
    ['text: off for all but one', 'off,/ftp/a=1h', { '/ftp/a': 1 }],
    ['JSON text', '{"default":"12h","/ftp/old":"off"}', { '/ftp/a': 12, '/ftp/quiet': 12 }],
    ['JSON object (cdk.json)', { 'default': 'off', '/ftp/quiet': 90 }, { '/ftp/quiet': 1.5 }],
  ])('%s', (_label, sourceSilence, hours) => {
    const { template } = synth({ logGroups: groups, ...EMAIL, canary: 'false', sourceSilence });
    const alarms = silenceAlarms(template);
    const got = Object.fromEntries([...alarms].map(([group, alarm]) => [group, periodOf(alarm) / HOUR]));
    expect(got).toEqual(hours);
  });

  it('alarms on IncomingLogEvents itself without the canary', () => {
    const { template } = synth({ logGroups: '/ftp/a', ...EMAIL, canary: 'false' });
    expect(silenceAlarms(template).get('/ftp/a')).toMatchObject({
      Namespace: 'AWS/Logs',
      MetricName: 'IncomingLogEvents',
      Dimensions: [{ Name: 'LogGroupName', Value: '/ftp/a' }],
      Statistic: 'Sum',
      Period: 6 * HOUR,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('sourceSilence=off makes none', () => {
    const { stack, template } = synth({ logGroups: groups, ...EMAIL, sourceSilence: 'off' });
    expect(silenceAlarms(template).size).toBe(0);
    expect(stack.watch.sourceSilenceAlarms).toHaveLength(0);
  });
});

describe('where there is no list of groups', () => {
  it.each([
    ['account-wide', { accountWide: 'true', ...EMAIL }],
    ['central', { mode: 'central', organizationId: 'o-a1b2c3d4e5', ...EMAIL }],
    ['member', { mode: 'member', centralAccount: '111111111111' }],
  ])('%s: no silence alarm', (_label, context) => {
    const built = buildAnyApp({ context });
    const template = Template.fromStack(built.stack);
    expect(silenceAlarms(template).size).toBe(0);
    expect(JSON.stringify(template.toJSON())).not.toContain('IncomingLogEvents');
  });
});

describe('beyond the limit', () => {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `/ftp/server-${String(i).padStart(4, '0')}`);

  it(`makes none over ${MAX_SOURCE_HEALTH_ALARMS} groups, and warns at synth`, () => {
    const { stack, template } = synth({ logGroups: names(MAX_SOURCE_HEALTH_ALARMS + 1).join(','), ...EMAIL });
    expect(silenceAlarms(template).size).toBe(0);
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp(`^${MAX_SOURCE_HEALTH_ALARMS + 1} log groups would each get a silence alarm, over ${MAX_SOURCE_HEALTH_ALARMS}: none was made`));
  });

  it('counts only the groups that would alarm: a few chosen among many get theirs, without a warning', () => {
    const listed = names(MAX_SOURCE_HEALTH_ALARMS + 20);
    const { stack, template } = synth({ logGroups: listed.join(','), ...EMAIL, sourceSilence: `off,${listed[3]}=12h,${listed[7]}=1d` });
    expect([...silenceAlarms(template).keys()].sort()).toEqual([listed[3], listed[7]]);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('silence alarm'));
  });

  it(`keeps ${MAX_SOURCE_HEALTH_ALARMS} groups within the main stack's 500 resources`, () => {
    const { template } = synth({ logGroups: names(MAX_SOURCE_HEALTH_ALARMS).join(','), ...EMAIL });
    expect(silenceAlarms(template).size).toBe(MAX_SOURCE_HEALTH_ALARMS);
    expect(Object.keys(template.toJSON().Resources as object).length).toBeLessThan(500);
  });
});

describe('Chatbot', () => {
  it('may read the silence alarms by their name prefix, in one resource', () => {
    const { template } = synth({ logGroups: '/ftp/a,/ftp/b', ...EMAIL, slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' });
    const [guardrail] = propertiesOf(template, 'AWS::IAM::ManagedPolicy')
      .filter((p) => JSON.stringify(p).includes('cloudwatch:DescribeAlarms'));
    const statement = (guardrail?.PolicyDocument as { Statement: Array<{ Resource: unknown[] }> }).Statement[0];
    const resources = (statement?.Resource ?? []).map(flatten);
    expect(resources).toContain('arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:FtpBounceWatch-source-silent-*');
    expect(resources.filter((r) => r.includes('SourceHealth'))).toEqual([]);
  });
});

describe('construct props', () => {
  const build = (props: Record<string, unknown>): FtpBounceWatch =>
    new FtpBounceWatch(new Stack(newTestApp(), 'Props'), 'Watch', { alertEmails: ['ops@example.com'], ...props });

  it.each([
    ['too short', { logGroups: ['/a'], sourceSilence: { default: Duration.minutes(30) } }, /^sourceSilence.default: expected whole minutes from 1h to 7d or 'off', got 30 minutes$/],
    ['too long, per group', { logGroups: ['/a'], sourceSilence: { perLogGroup: { '/a': Duration.days(8) } } }, /^sourceSilence.perLogGroup\["\/a"\]: expected whole minutes from 1h to 7d/],
    ['a group that is not watched', { logGroups: ['/a'], sourceSilence: { perLogGroup: { '/b': 'off' } } }, /^sourceSilence.perLogGroup: "\/b" is not a watched log group$/],
    ['account-wide', { accountWide: true, sourceSilence: { default: 'off' } }, /^sourceSilence: only listed log groups \(logGroups\) get silence alarms/],
  ])('%s: one clear line', (_label, props, pattern) => {
    let caught: unknown;
    try {
      build(props);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FtpBounceWatchPropsError);
    const problems = (caught as FtpBounceWatchPropsError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });

  it('exposes the alarms by group', () => {
    const watch = build({ logGroups: ['/a', '/b'], sourceSilence: { perLogGroup: { '/b': 'off' } } });
    expect([...(watch.sourceHealth?.alarmsByLogGroup.keys() ?? [])]).toEqual(['/a']);
    expect(watch.alarms).toEqual(expect.arrayContaining(watch.sourceSilenceAlarms as unknown[]));
  });
});
