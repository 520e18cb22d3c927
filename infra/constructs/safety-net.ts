/**
 * The safety net: where what failed is kept (the failure bucket for whole log batches, the failure queue for
 * undelivered emails) and the alarms that tell the operators, each description its runbook (docs/operations.md).
 */
import {
  Duration,
  Stack,
  Validations,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  type aws_kinesis as kinesis,
  type aws_kms as kms,
  type aws_lambda as lambda,
  aws_s3 as s3,
  aws_sns as sns,
  type aws_sqs as sqs,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ACCOUNT_POLICY_NAME, MEMBER_DELIVERY_ALARM_NAME, SUBSCRIPTION_FILTER_NAME } from '../filter-pattern';
import { RUNBOOKS } from '../runbooks';
import { SWEEP_PERIOD } from './alert-memory';
import { ALARM_PERIOD, METRICS_NAMESPACE, newFailureQueue, SERVICE_NAME, wireAlarm } from './common';

const FAILURE_BUCKET_METRICS_ID = 'FailedInvocations';
/** Central mode: how far behind the stream the detector may fall before the operators hear of it. */
const CENTRAL_ITERATOR_AGE_ALARM = Duration.minutes(10);
/** The detector's count of batches whose alerts went out unsuppressed because the incident table failed. */
export const STATE_STORE_UNAVAILABLE_METRIC = 'StateStoreUnavailable';
/** Counted by alert memory when published alerts could be recorded as sent nowhere (lambda/runtime.ts). */
export const OUTBOX_CLEANUP_FAILURES_METRIC = 'OutboxCleanupFailures';

/**
 * A CloudWatch Metrics Insights query summing a CloudWatch Logs delivery metric over every subscription of ours:
 * per-group filters share a name per stack (at most 17 names: filter-pattern.ts), the account-level policy has the
 * main stack's, so one alarm covers thousands of log groups without one alarm (or one metric) per group.
 */
export function logsDeliveryQuery(
  metricName: 'DeliveryErrors' | 'DeliveryThrottling',
  filterNames: readonly string[] = [SUBSCRIPTION_FILTER_NAME],
): string {
  const names = [...new Set([...filterNames, ACCOUNT_POLICY_NAME])].map((n) => `FilterName = '${n}'`);
  return `SELECT SUM(${metricName}) FROM "AWS/Logs" WHERE ${names.join(' OR ')}`;
}

export interface SafetyNetProps {
  /** How long failed detector invocations are kept in the failure bucket. */
  readonly failureRetention: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/** What the alarms watch: the machinery the other parts built. */
export interface WatchedMachinery {
  readonly operatorTopic: sns.ITopic;
  readonly alertTopic: sns.Topic;
  readonly detector: lambda.IFunction;
  readonly sweep: lambda.IFunction;
  /** The subscription filters' names (per-group mode), for the delivery alarms' query. */
  readonly filterNames: readonly string[];
  /** Central mode: the organisation's stream the detector reads (no async invocations, no subscriptions here). */
  readonly centralStream?: kinesis.IStream;
  readonly slackForwarder?: lambda.IFunction;
  readonly slackForwarderFailureQueue?: sqs.Queue;
  /** The hourly check of unconfirmed email subscriptions. */
  readonly subscriptionWatch?: lambda.IFunction;
}

export class SafetyNet extends Construct {
  /**
   * Where a batch lands when the detector failed on it after every retry, whole (an S3 object per failed
   * invocation: the record with its payload, up to the largest asynchronous invocation; an SQS message of 1 MiB
   * could not hold a 1 MB payload with its context, and Lambda would drop the payload). Encrypted, TLS-only,
   * objects expire after `failureRetention`.
   */
  public readonly failureBucket: s3.Bucket;
  /**
   * The dead-letter queue of the email subscriptions (alert and operator topics): notifications SNS gave up
   * delivering. Also fit for any function's on-failure destination whose events are SNS-sized.
   */
  public readonly failureQueue: sqs.Queue;
  private readonly alarmList: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: SafetyNetProps) {
    super(scope, id);
    this.failureBucket = new s3.Bucket(this, 'DetectorFailureBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireFailedInvocations', expiration: props.failureRetention }],
      // CloudWatch request metrics: every failed invocation written here is a PutRequest, which the alarm counts.
      metrics: [{ id: FAILURE_BUCKET_METRICS_ID }],
      removalPolicy: props.removalPolicy,
    });
    this.failureQueue = newFailureQueue(this, 'DetectorFailureQueue', props.removalPolicy);

    Validations.of(this.failureBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket only receives failed invocation records from the detector (write-only role) and is read by '
        + 'operators during an incident; CloudTrail records API access. A second, access-log bucket would itself '
        + 'need one, and would add cost and a resource to manage for no new evidence.',
    });
    const deadLetterStore =
      'This queue is itself the dead-letter store: the on-failure destination of an asynchronous Lambda '
      + 'invocation. Nothing consumes it automatically; an alarm fires on any message and an operator redrives.';
    Validations.of(this.failureQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: deadLetterStore });
    Validations.of(this.failureQueue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: deadLetterStore });
  }

  /** The operational alarms, all notifying the operator topic. */
  public get alarms(): readonly cloudwatch.Alarm[] {
    return this.alarmList;
  }

  /** Creates the alarms on the machinery (once, when every part exists). */
  public watch(m: WatchedMachinery): readonly cloudwatch.Alarm[] {
    const topic = m.operatorTopic;
    const newAlarm = (id: string, metric: cloudwatch.IMetric, description: string): cloudwatch.Alarm =>
      wireAlarm(
        new cloudwatch.Alarm(this, id, {
          metric,
          alarmDescription: description,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // No invocations means no datapoints, which is healthy.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        topic,
      );
    const newQueueAlarm = (id: string, queue: sqs.Queue, description: string): cloudwatch.Alarm =>
      wireAlarm(
        new cloudwatch.Alarm(this, id, {
          metric: queue.metricApproximateNumberOfMessagesVisible({ period: ALARM_PERIOD, statistic: 'Maximum' }),
          alarmDescription: description,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // SQS stops reporting idle queues; a gap must neither raise nor clear the alarm.
          treatMissingData: cloudwatch.TreatMissingData.IGNORE,
        }),
        topic,
      );
    const sum = { period: ALARM_PERIOD, statistic: 'Sum' } as const;
    const central = m.centralStream !== undefined;
    const alarms: cloudwatch.Alarm[] = [
      newAlarm('DetectorErrorsAlarm', m.detector.metricErrors(sum), RUNBOOKS.detectorErrors),
      newAlarm('DetectorThrottlesAlarm', m.detector.metricThrottles(sum), RUNBOOKS.detectorThrottles),
    ];
    if (!central) {
      // Asynchronous invocations only: in central mode the event source mapping invokes synchronously, so Lambda
      // never drops an async event nor writes an async failure record, and these metrics stay empty.
      alarms.push(
        newAlarm('DetectorEventsDroppedAlarm', m.detector.metric('AsyncEventsDropped', sum), RUNBOOKS.eventsDropped),
        newAlarm(
          'DetectorFailureDestinationAlarm',
          m.detector.metric('DestinationDeliveryFailures', sum),
          RUNBOOKS.destinationFailures,
        ),
      );
    }
    alarms.push(
      newAlarm(
        'DetectorFailureBucketAlarm',
        new cloudwatch.Metric({
          namespace: 'AWS/S3',
          metricName: 'PutRequests',
          dimensionsMap: { BucketName: this.failureBucket.bucketName, FilterId: FAILURE_BUCKET_METRICS_ID },
          ...sum,
        }),
        central ? RUNBOOKS.centralFailureBucket : RUNBOOKS.failureBucket,
      ),
      newQueueAlarm('DetectorFailureQueueAlarm', this.failureQueue, RUNBOOKS.failureQueue),
    );
    if (!central) {
      // Losses before our code runs: CloudWatch Logs could not invoke the detector. One query over every filter and
      // the account policy of this name, however many groups. (Central mode: these metrics are published in the
      // member accounts, which alarm there: MemberSubscriptionStack.)
      alarms.push(
        ...(['DeliveryErrors', 'DeliveryThrottling'] as const).map((metricName) =>
          newAlarm(
            `Logs${metricName}Alarm`,
            new cloudwatch.MathExpression({
              expression: logsDeliveryQuery(metricName, m.filterNames),
              period: ALARM_PERIOD,
              label: `${metricName} of the ${SUBSCRIPTION_FILTER_NAME} subscriptions`,
            }),
            RUNBOOKS[metricName === 'DeliveryErrors' ? 'logsDeliveryErrors' : 'logsDeliveryThrottling'],
          )),
      );
    }
    alarms.push(
      newAlarm(
        'AlertTopicNotificationsFailedAlarm',
        m.alertTopic.metricNumberOfNotificationsFailed(sum),
        RUNBOOKS.notificationsFailed,
      ),
      newAlarm('SweepErrorsAlarm', m.sweep.metricErrors({ period: ALARM_PERIOD, statistic: 'Sum' }), RUNBOOKS.sweepErrors),
      newAlarm('SweepThrottlesAlarm', m.sweep.metricThrottles({ period: ALARM_PERIOD, statistic: 'Sum' }), RUNBOOKS.sweepThrottles),
      this.newMissedRunsAlarm(m.sweep, topic),
      newAlarm(
        'AlertMemoryUnavailableAlarm',
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: STATE_STORE_UNAVAILABLE_METRIC,
          dimensionsMap: { service: SERVICE_NAME },
          period: ALARM_PERIOD,
          statistic: 'Sum',
        }),
        RUNBOOKS.alertMemoryUnavailable,
      ),
      newAlarm(
        'AlertMemoryCleanupFailedAlarm',
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: OUTBOX_CLEANUP_FAILURES_METRIC,
          dimensionsMap: { service: SERVICE_NAME },
          period: ALARM_PERIOD,
          statistic: 'Sum',
        }),
        RUNBOOKS.outboxCleanupFailures,
      ),
    );
    if (m.centralStream) {
      alarms.push(
        wireAlarm(
          new cloudwatch.Alarm(this, 'CentralIteratorAgeAlarm', {
            metric: m.detector.metric('IteratorAge', { period: ALARM_PERIOD, statistic: 'Maximum' }),
            alarmDescription: RUNBOOKS.centralIteratorAge,
            threshold: CENTRAL_ITERATOR_AGE_ALARM.toMilliseconds(),
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 1,
            treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          }),
          topic,
        ),
        newAlarm(
          'CentralRecordFailuresAlarm',
          new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName: 'KinesisRecordFailures',
            dimensionsMap: { service: SERVICE_NAME },
            period: ALARM_PERIOD,
            statistic: 'Sum',
          }),
          RUNBOOKS.centralRecordFailures,
        ),
        // The stream's intake: writes CloudWatch Logs could not put (throttled). It retries them for up to 24 hours;
        // a sustained throttle means the stream needs more shards.
        newAlarm(
          'CentralStreamWritesThrottledAlarm',
          m.centralStream.metricWriteProvisionedThroughputExceeded(sum),
          RUNBOOKS.centralWritesThrottled,
        ),
      );
    }
    if (m.subscriptionWatch) {
      alarms.push(newAlarm('SubscriptionWatchErrorsAlarm', m.subscriptionWatch.metricErrors(sum), RUNBOOKS.subscriptionWatchErrors));
    }
    if (m.slackForwarder && m.slackForwarderFailureQueue) {
      alarms.push(
        newAlarm('SlackForwarderErrorsAlarm', m.slackForwarder.metricErrors(sum), RUNBOOKS.forwarderErrors),
        newQueueAlarm('SlackForwarderFailureQueueAlarm', m.slackForwarderFailureQueue, RUNBOOKS.forwarderQueue),
      );
    }
    this.alarmList.push(...alarms);
    return alarms;
  }

  /**
   * Central mode: the member accounts' delivery-errors alarms (published there, where CloudWatch Logs sends from)
   * reach this account's default event bus; this rule hands their state changes to the operator topic. The bus
   * admits the organisation's accounts only (aws:PrincipalOrgID, as on the destination).
   */
  public forwardMemberAlarms(organizationId: string, operatorTopic: sns.ITopic, key: kms.IKey): events.Rule {
    const stack = Stack.of(this);
    const defaultBus = `arn:${stack.partition}:events:${stack.region}:${stack.account}:event-bus/default`;
    new events.CfnEventBusPolicy(this, 'MembersMayForwardAlarms', {
      statementId: 'ftp-bounce-watch-member-alarms',
      statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: defaultBus,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
      },
    });
    // Named, so that the key policy can name the rule without referring to it (the rule refers to the topic, the
    // topic to the key: a reference back would be a cycle). One central stack per account and Region.
    const ruleName = 'ftp-bounce-watch-member-delivery-alarms';
    const rule = new events.Rule(this, 'MemberDeliveryAlarms', {
      ruleName,
      description: 'ftp-bounce-watch: member accounts\' delivery-errors alarms, to the operator topic',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { alarmName: [MEMBER_DELIVERY_ALARM_NAME] },
      },
    });
    rule.addTarget(new eventsTargets.SnsTopic(operatorTopic, {
      // What EventBridge could not publish (after its retries) is kept with the undelivered emails.
      deadLetterQueue: this.failureQueue,
      message: events.RuleTargetInput.fromText(
        `ftp-bounce-watch member ${events.EventField.account} ${events.EventField.region}: CloudWatch Logs delivery `
        + `errors alarm is ${events.EventField.fromPath('$.detail.state.value')} `
        + `(${events.EventField.fromPath('$.detail.state.reason')}). ${RUNBOOKS.memberDeliveryErrors}`,
      ),
    }));
    // EventBridge publishes to the encrypted topic as the service: it needs the key, for this rule only.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowTheMemberAlarmRuleToPublishToEncryptedTopics',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        ArnEquals: { 'aws:SourceArn': `arn:${stack.partition}:events:${stack.region}:${stack.account}:rule/${ruleName}` },
      },
    }));
    return rule;
  }

  /** No sweep ran for three periods: the schedule is disabled or broken, or every run was throttled or dropped. */
  private newMissedRunsAlarm(sweep: lambda.IFunction, topic: sns.ITopic): cloudwatch.Alarm {
    // RUNBOOKS.sweepMissedRuns says 15 minutes: three periods of the 5-minute schedule.
    const periods = 3;
    return wireAlarm(
      new cloudwatch.Alarm(this, 'SweepMissedRunsAlarm', {
        metric: sweep.metricInvocations({ period: SWEEP_PERIOD, statistic: 'Sum' }),
        alarmDescription: RUNBOOKS.sweepMissedRuns,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        // A sweep that never runs reports nothing at all: missing data is the failure itself.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      topic,
    );
  }
}
