/**
 * The pending-subscription check (lambda/subscription-watch-handler.ts): every hour, warns the operator topic of any
 * email subscription still unconfirmed after 24 hours, before SNS deletes it at 48 (docs/operations.md). It remembers
 * first-seen times in the incident table, under its own key prefix only.
 */
import {
  Duration,
  Stack,
  type aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  type aws_kms as kms,
  aws_logs as logs,
  type aws_sns as sns,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { PENDING_STATE_KEY_PREFIX } from '../../lambda/subscriptions/pending';
import { LAMBDA_NODE_OPTIONS, SUBSCRIPTION_WATCH_ENTRY, SUBSCRIPTION_WATCH_HANDLER } from '../bundling-options';
import { acknowledgeScheduledFunction, lambdaBase, newFunctionRole } from './common';

/** How often the check runs: a subscription pending 24 hours is reported within the hour. */
export const SUBSCRIPTION_WATCH_PERIOD = Duration.hours(1);

export interface SubscriptionWatchProps {
  /** The topics whose subscriptions are checked. */
  readonly topics: readonly sns.ITopic[];
  /** Where the warnings go. */
  readonly operatorTopic: sns.ITopic;
  /** The key of the topics and the table. */
  readonly key: kms.IKey;
  /** Where first-seen times are kept (items `PENDING_STATE_KEY_PREFIX...` only). */
  readonly table: dynamodb.ITable;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export class SubscriptionWatch extends Construct {
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  public readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: SubscriptionWatchProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    const role = newFunctionRole(this, 'Role', this.logGroup);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sns:ListSubscriptionsByTopic'],
      resources: props.topics.map((t) => t.topicArn),
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.operatorTopic.topicArn] }));
    // Its own records of the incident table, and nothing else of it.
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [props.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${PENDING_STATE_KEY_PREFIX}*`] } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`sns.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:DescribeKey', 'kms:Encrypt'],
      resources: [props.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
    }));
    this.function = new NodejsFunction(this, 'Function', {
      description: 'FtpBounceWatch: warns the operators of email subscriptions still unconfirmed after 24 hours',
      ...lambdaBase(SUBSCRIPTION_WATCH_ENTRY, SUBSCRIPTION_WATCH_HANDLER),
      role,
      logGroup: this.logGroup,
      // A few list calls, a read and a write per topic.
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: {
        WATCHED_TOPIC_ARNS: props.topics.map((t) => t.topicArn).join(','),
        OPERATOR_TOPIC_ARN: props.operatorTopic.topicArn,
        INCIDENT_TABLE_NAME: props.table.tableName,
        LOG_LEVEL: 'INFO',
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      },
      // The next hourly run is the retry: what it remembers stays in the table.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(30),
    });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'FtpBounceWatch: checks for unconfirmed email subscriptions',
      schedule: events.Schedule.rate(SUBSCRIPTION_WATCH_PERIOD),
      targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    const keepsNothing =
      'A failed run loses nothing: the first-seen times are in the incident table and the next hourly run warns of '
      + 'what is due; its errors alarm to the operators. A dead-letter store would only hold empty schedule events.';
    const whyNoTracing =
      'One short run an hour (a list call and a read and write per topic), logged with a summary line and counted '
      + 'in its errors alarm; X-Ray would add a role permission and cost for no new evidence.';
    acknowledgeScheduledFunction(this.function, this.schedule, keepsNothing, whyNoTracing);
  }
}
