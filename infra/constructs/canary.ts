/**
 * The canary (docs/design.md section 10): a scheduled function writes one proven refusal line into each watched log
 * group; the detector proves it, records the round trip and publishes it to a topic nobody reads; an alarm fires
 * when a group's canary stops coming back (the canary function also names the groups on the operator topic).
 * The HMAC key is a generated secret only the canary function and the detector may read.
 */
import {
  Duration,
  Stack,
  Token,
  Validations,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  type aws_kinesis as kinesis,
  type aws_kms as kms,
  type aws_lambda as lambda,
  aws_logs as logs,
  aws_logs_destinations as destinations,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { CANARY_ENTRY, CANARY_HANDLER } from '../bundling-options';
import type { AlertMemory } from './alert-memory';
import {
  ALARM_PERIOD,
  acknowledgeScheduledFunction,
  lambdaBase,
  METRICS_NAMESPACE,
  newFunctionRole,
  SERVICE_NAME,
  snsKeyStatement,
  wireAlarm,
} from './common';
import { denyEveryActionWithoutTls } from './delivery';

/** The canary's metric for groups whose canary has not come back for two intervals (lambda/canary/service.ts). */
export const CANARY_OVERDUE_METRIC = 'CanaryOverdue';
/** The table actions the canary function sends: its records (BatchGetItem) and their updates (UpdateItem). */
export const CANARY_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] as const;
/** The detector's part of the canary: the nonce (PutItem, already granted) and the round trip (UpdateItem). */
const CANARY_STREAM = 'ftp-bounce-watch-canary';
/** Per group, a write takes two requests at most; a run must end well within its schedule. */
const MS_PER_GROUP = 200;

export interface CanaryProps {
  /**
   * The watched log groups the canary writes into. Empty: the construct creates a log group of its own, which the
   * account-level policy covers (account-wide mode) or which is subscribed to `centralStream` (central mode).
   */
  readonly logGroupNames: readonly string[];
  /** How often the canary runs; two intervals without its return alarm. */
  readonly interval: Duration;
  /** Encrypts the canary topic (the topics' key). */
  readonly key: kms.IKey;
  /** Told which groups' canaries are overdue, and where the alarms go. */
  readonly operatorTopic: sns.ITopic;
  /** The detector, which proves canaries: it gets the key and the canary topic. */
  readonly detector: lambda.Function;
  readonly detectorRole: iam.IRole;
  /** The incident table, where round trips are recorded. */
  readonly alertMemory: AlertMemory;
  /** Logging and metrics settings the functions share. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export class Canary extends Construct {
  /** The canary's HMAC key, generated (64 characters). */
  public readonly secret: secretsmanager.Secret;
  /** Proven canaries are published here; nobody is subscribed (it proves the detector can publish). */
  public readonly topic: sns.Topic;
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  public readonly schedule: events.Rule;
  /** The log group the canary writes into when no watched group is listed (account-wide and central modes). */
  public readonly ownLogGroup?: logs.LogGroup;
  /** Overdue canaries, and the canary function's errors. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  /**
   * Central mode: the canary's own group is subscribed to the organisation's stream (the path members' events take
   * from the destination on), with the members' filter pattern.
   */
  public subscribeOwnGroupTo(stream: kinesis.IStream, filterPattern: string): logs.SubscriptionFilter | undefined {
    if (this.ownLogGroup === undefined) return undefined;
    return new logs.SubscriptionFilter(this, 'OwnSubscription', {
      logGroup: this.ownLogGroup,
      destination: new destinations.KinesisDestination(stream),
      filterPattern: logs.FilterPattern.literal(filterPattern),
    });
  }

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.secret = new secretsmanager.Secret(this, 'Key', {
      description: 'FtpBounceWatch: the canary\'s HMAC key (only the canary function and the detector read it)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key only signs the hourly canary line; a leaked key lets someone fake a healthy canary, not hide a '
        + 'refusal. Rotate it by changing the secret\'s value: both functions pick it up within an hour.',
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'FTP bounce watch canary',
      masterKey: props.key,
      enforceSSL: true,
    });
    denyEveryActionWithoutTls(this.topic);

    let logGroupNames = [...props.logGroupNames];
    if (logGroupNames.length === 0) {
      this.ownLogGroup = new logs.LogGroup(this, 'OwnLogGroup', { retention: logs.RetentionDays.ONE_WEEK, removalPolicy: props.removalPolicy });
      logGroupNames = [this.ownLogGroup.logGroupName];
    }

    this.logGroup = new logs.LogGroup(this, 'FunctionLogGroup', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const role = newFunctionRole(this, 'Role', this.logGroup);
    this.secret.grantRead(role);
    props.alertMemory.grantTable(role, CANARY_TABLE_ACTIONS, []);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.operatorTopic.topicArn] }));
    role.addToPrincipalPolicy(snsKeyStatement(props.key, stack.region));
    const groupArn = (name: string): string => `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${name}`;
    // Only the canary stream of the watched groups (a wildcard beyond 50 names keeps the policy small).
    const few = logGroupNames.length <= 50;
    // CloudWatch Logs names a log group both with and without a trailing `:*`; policies for actions on the group use
    // the second (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream'],
        resources:
          this.ownLogGroup !== undefined
            ? [this.ownLogGroup.logGroupArn]
            : few
              ? logGroupNames.flatMap((g) => [groupArn(g), `${groupArn(g)}:*`])
              : [groupArn('*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:PutLogEvents'],
        resources: few ? logGroupNames.map((g) => `${groupArn(g)}:log-stream:${CANARY_STREAM}`) : [`${groupArn('*')}:log-stream:${CANARY_STREAM}`],
      }),
    );

    const canaryStreamOnly =
      'The canary writes one stream, ftp-bounce-watch-canary, in each watched log group: PutLogEvents names that '
      + 'stream; CreateLogStream can only name the group (as `log-group:NAME:*`, the ARN form CloudWatch Logs '
      + 'documents for policies), and beyond 50 groups every group of this account and Region, to keep the policy '
      + 'within IAM\'s size limit.';
    const shown = (value: string, pseudo: string): string => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const findingArn = (name: string): string =>
      `arn:<AWS::Partition>:logs:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:log-group:${name}`;
    const wildcards = few ? logGroupNames.filter((g) => !Token.isUnresolved(g)).map((g) => `${findingArn(g)}:*`) : [findingArn('*')];
    for (const arn of [...wildcards, ...(few ? [] : [`${findingArn('*')}:log-stream:${CANARY_STREAM}`])]) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${arn}]`, reason: canaryStreamOnly });
    }
    const base = lambdaBase(CANARY_ENTRY, CANARY_HANDLER);
    // The group list can exceed Lambda's 4 KB of environment: it is compiled into the code instead.
    const groupsJson = JSON.stringify(logGroupNames);
    const inBundle = !logGroupNames.some((g) => stack.resolve(g) !== g);
    this.function = new NodejsFunction(this, 'Function', {
      description: 'FtpBounceWatch: writes the hourly canary into each watched log group and names those it does not come back from',
      ...base,
      ...(inBundle && { bundling: { ...base.bundling, define: { 'process.env.CANARY_LOG_GROUPS': JSON.stringify(groupsJson) } } }),
      role,
      logGroup: this.logGroup,
      memorySize: 256,
      timeout: Duration.seconds(Math.min(15 * 60, 30 + Math.ceil((MS_PER_GROUP * logGroupNames.length) / 1000))),
      environment: {
        ...props.environment,
        ...(inBundle ? {} : { CANARY_LOG_GROUPS: stack.toJsonString(logGroupNames) }),
        CANARY_INTERVAL_MINUTES: String(props.interval.toMinutes()),
        CANARY_SECRET_ARN: this.secret.secretArn,
        INCIDENT_TABLE_NAME: props.alertMemory.incidentTable.tableName,
        OPERATOR_TOPIC_ARN: props.operatorTopic.topicArn,
      },
      retryAttempts: 0,
    });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'FtpBounceWatch: runs the canary',
      schedule: events.Schedule.rate(props.interval),
      targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    // The detector's end: read the key, publish to the canary topic, record round trips.
    this.secret.grantRead(props.detectorRole);
    props.detectorRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    props.detector.addEnvironment('CANARY_SECRET_ARN', this.secret.secretArn);
    props.detector.addEnvironment('CANARY_TOPIC_ARN', this.topic.topicArn);

    const missed =
      'A missed canary run loses nothing: the next run writes again, and a canary that does not come back for two '
      + 'intervals alarms; the function\'s errors alarm too.';
    const whyNoTracing =
      'One run is one write per group, logged with a summary line and counted in metrics.';
    acknowledgeScheduledFunction(this.function, this.schedule, missed, whyNoTracing);

    const overdue = new cloudwatch.Alarm(this, 'OverdueAlarm', {
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: CANARY_OVERDUE_METRIC,
        dimensionsMap: { service: SERVICE_NAME },
        period: ALARM_PERIOD,
        statistic: 'Maximum',
      }),
      alarmDescription:
        'The canary has not come back from one or more watched log groups for two intervals: refusals there would '
        + 'not be detected either. The canary function\'s message on this topic names the groups (and its log group, '
        + 'ERROR "canary overdue"). Check the subscription filter (ftp-bounce-watch status), the detector\'s errors '
        + 'and log group, and in organisation mode the member account policy and the central stream.',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // The metric is emitted once per run: between runs there is nothing to say, which is not a recovery.
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
    const errors = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      metric: this.function.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }),
      alarmDescription:
        'The canary could not be written into some log groups (its log group names them: ERROR "canary not written"): '
        + 'a group deleted or renamed, or the function\'s permissions. Until it runs, nothing proves the path works.',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [wireAlarm(overdue, props.operatorTopic), wireAlarm(errors, props.operatorTopic)];
  }
}
