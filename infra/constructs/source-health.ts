/**
 * Log-source health (docs/design.md section 10, "Log sources that go quiet"): one alarm per watched log group when no
 * log event has reached it for a while (AWS/Logs `IncomingLogEvents`). The canary proves the path from the log group
 * on; it cannot see the server's side, because it writes into the group itself. This alarm is about that side: the
 * CloudWatch agent stopped, lost its permission, or writes to another group.
 */
import {
  Annotations,
  Duration,
  Stack,
  Token,
  aws_cloudwatch as cloudwatch,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { formatMinutes } from '../incident-settings';
import { show } from '../validation';
import { CANARY_OVERDUE_METRIC } from './canary';
import { METRICS_NAMESPACE, SERVICE_NAME, shortHash, wireAlarm } from './common';

/** A group's silence before it alarms, or `off` (no alarm). */
export type SourceSilenceSetting = Duration | 'off';

/** How long each watched log group may stay silent. */
export interface SourceSilence {
  /**
   * Every watched group not named in `perLogGroup`.
   * @default Duration.hours(6)
   */
  readonly default?: SourceSilenceSetting;
  /**
   * Per log group name (as watched, without the ARN), overriding `default`.
   * @default - none
   */
  readonly perLogGroup?: Readonly<Record<string, SourceSilenceSetting>>;
}

export const SOURCE_SILENCE_DEFAULT = Duration.hours(6);
/**
 * 1 hour to 7 days. The alarm has one period of that length, and CloudWatch allows at most 7 days of evaluation
 * (Period x EvaluationPeriods <= 604,800 s; under 1 h periods, one day): docs/operations.md.
 */
export const SOURCE_SILENCE_LIMITS_MINUTES = { min: 60, max: 7 * 24 * 60 } as const;
/**
 * Beyond this many alarmed groups, none: $0.10 a month each, and per-group resources would crowd the main stack
 * (CloudFormation's 500) which keeps the first 100 subscription filters. docs/operations.md.
 */
export const MAX_SOURCE_HEALTH_ALARMS = 100;
/** Alarm names start with `<stack name>` and this, so the Chatbot guardrail can name them all in one ARN. */
export const SOURCE_SILENCE_ALARM_INFIX = '-source-silent-';
const ALARM_NAME_MAX = 255;

/** Problems with a SourceSilence, each `sourceSilence...: message`. `watched`: the watched groups' concrete names. */
export function sourceSilenceProblems(silence: SourceSilence, watched: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const check = (where: string, setting: SourceSilenceSetting): void => {
    if (setting === 'off' || setting.isUnresolved()) return;
    const minutes = setting.toMinutes({ integral: false });
    const { min, max } = SOURCE_SILENCE_LIMITS_MINUTES;
    if (!(Number.isInteger(minutes) && minutes >= min && minutes <= max)) {
      problems.push(`${where}: expected whole minutes from ${formatMinutes(min)} to ${formatMinutes(max)} or 'off', got ${setting.toHumanString()}`);
    }
  };
  if (silence.default !== undefined) check('sourceSilence.default', silence.default);
  for (const [name, setting] of Object.entries(silence.perLogGroup ?? {})) {
    check(`sourceSilence.perLogGroup[${show(name)}]`, setting);
    if (!watched.has(name)) problems.push(`sourceSilence.perLogGroup: ${show(name)} is not a watched log group`);
  }
  return problems;
}

/** Invalid SourceHealth props: every problem, one per line. */
export class SourceHealthPropsError extends Error {
  override readonly name = 'SourceHealthPropsError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid SourceHealth props:\n${problems.map((p) => `  ${p}`).join('\n')}`, options);
  }
}

export interface SourceHealthProps {
  /** The watched log groups' names (per-group mode: account-wide and central modes have no list). */
  readonly logGroupNames: readonly string[];
  /**
   * How long each group may stay silent.
   * @default - 6 hours for every group
   */
  readonly silence?: SourceSilence;
  /** Where the alarms go. */
  readonly operatorTopic: sns.ITopic;
  /**
   * The canary writes one line into every watched group per run: those lines are not counted (they would keep a
   * dead source looking alive). The canary function's `CanaryOverdue` metric has one datapoint per run.
   * @default false
   */
  readonly canaryWritesIntoGroups?: boolean;
}

export class SourceHealth extends Construct {
  /** One per watched log group whose silence is not `off` (none beyond MAX_SOURCE_HEALTH_ALARMS). */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** The same alarms by log group name. */
  public readonly alarmsByLogGroup: ReadonlyMap<string, cloudwatch.Alarm>;
  /** The prefix of every alarm's name (`<stack name>-source-silent-`). */
  public readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: SourceHealthProps) {
    super(scope, id);
    const silence = props.silence ?? {};
    const concreteNames = new Set(props.logGroupNames.filter((name) => !Token.isUnresolved(name)));
    const problems = sourceSilenceProblems(silence, concreteNames);
    if (problems.length > 0) throw new SourceHealthPropsError(problems);

    this.alarmNamePrefix = `${Stack.of(this).stackName}${SOURCE_SILENCE_ALARM_INFIX}`;
    const fallback = silence.default ?? SOURCE_SILENCE_DEFAULT;
    const watched = props.logGroupNames.flatMap((name) => {
      const setting = Object.hasOwn(silence.perLogGroup ?? {}, name) ? (silence.perLogGroup?.[name] ?? fallback) : fallback;
      return setting === 'off' ? [] : [{ name, window: setting }];
    });

    const byGroup = new Map<string, cloudwatch.Alarm>();
    if (watched.length > MAX_SOURCE_HEALTH_ALARMS) {
      Annotations.of(this).addWarningV2(
        'ftp-bounce-watch:sourceHealthSkipped',
        `${watched.length} log groups would each get a silence alarm, over ${MAX_SOURCE_HEALTH_ALARMS}: none was made `
        + '($0.10 a month each, and a stack holds at most 500 resources). The canary still proves the path into '
        + 'each group; to watch a few sources, set sourceSilence=off,NAME=6h for them (docs/operations.md).',
      );
    } else {
      for (const { name, window } of watched) {
        const alarm = new cloudwatch.Alarm(this, `Silent${shortHash(name)}`, {
          alarmName: this.alarmName(name),
          metric: silenceMetric(name, window, props.canaryWritesIntoGroups ?? false),
          alarmDescription: description(name, window, props.canaryWritesIntoGroups ?? false),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          // A group nobody writes to publishes no datapoint at all: no data is the silence this alarm is about.
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        });
        byGroup.set(name, wireAlarm(alarm, props.operatorTopic));
      }
    }
    this.alarmsByLogGroup = byGroup;
    this.alarms = [...byGroup.values()];
  }

  /** `<stack>-source-silent-<group>`, the group shortened with a hash when the name would pass CloudWatch's 255. */
  private alarmName(logGroupName: string): string {
    if (Token.isUnresolved(logGroupName)) return `${this.alarmNamePrefix}${shortHash(this.node.path + logGroupName)}`;
    const whole = `${this.alarmNamePrefix}${logGroupName}`;
    if (whole.length <= ALARM_NAME_MAX) return whole;
    const room = ALARM_NAME_MAX - this.alarmNamePrefix.length - 11;
    return `${this.alarmNamePrefix}${logGroupName.slice(0, room)}-${shortHash(logGroupName)}`;
  }
}

/** Events that reached the group in one window, less the canary's own lines (one per canary run). */
function silenceMetric(logGroupName: string, window: Duration, withoutCanary: boolean): cloudwatch.IMetric {
  const incoming = new cloudwatch.Metric({
    namespace: 'AWS/Logs',
    metricName: 'IncomingLogEvents',
    dimensionsMap: { LogGroupName: logGroupName },
    statistic: 'Sum',
    period: window,
  });
  if (!withoutCanary) return incoming;
  const canaryRuns = new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: CANARY_OVERDUE_METRIC,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: 'SampleCount',
    period: window,
  });
  return new cloudwatch.MathExpression({
    expression: 'FILL(incoming, 0) - FILL(canaryRuns, 0)',
    usingMetrics: { incoming, canaryRuns },
    period: window,
    label: 'log events, not counting the canary',
  });
}

/** What the operator reads: which group, and what to check. Names the group once (names reach 512 characters). */
function description(logGroupName: string, window: Duration, withoutCanary: boolean): string {
  const span = formatMinutes(window.toMinutes());
  return (
    `No log event has reached the log group ${logGroupName} for ${span}`
    + `${withoutCanary ? ' (not counting the canary\'s own line)' : ''}: refusals there cannot be seen. Check on the `
    + 'server that sends it: the CloudWatch agent is running (amazon-cloudwatch-agent-ctl -a status); its IAM role may '
    + 'logs:PutLogEvents and logs:CreateLogStream on this group; the log_group_name in the agent config is exactly this '
    + 'name; the group was not renamed or deleted (aws logs describe-log-groups). Quiet on purpose: context '
    + 'sourceSilence=6h,NAME=24h (or NAME=off).'
  );
}
