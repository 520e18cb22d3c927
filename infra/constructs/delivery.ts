/**
 * Delivery: who hears of an alert and of an alarm. The KMS key, the alert and operator topics, their email
 * subscriptions, the AWS Chatbot channel and the Slack webhook forwarder (docs/design.md section 5).
 */
import {
  ArnFormat,
  Aws,
  CfnRule,
  Duration,
  Fn,
  Stack,
  Token,
  Validations,
  aws_chatbot as chatbot,
  type aws_cloudwatch as cloudwatch,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda_destinations as destinations,
  aws_logs as logs,
  type aws_lambda_nodejs as nodejs,
  aws_secretsmanager as secretsmanager,
  aws_sns as sns,
  aws_sns_subscriptions as subscriptions,
  type aws_sqs as sqs,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Severity } from '../../lambda/detector';
import { FORWARDER_ENTRY, FORWARDER_HANDLER, LAMBDA_NODE_OPTIONS } from '../bundling-options';
import { SEVERITIES, severitiesAtOrAbove } from '../validation';
import {
  ASYNC_RETRY_ATTEMPTS,
  ignoreRoleDependencyNote,
  lambdaBase,
  newFailureQueue,
  newFunctionRole,
  shortHash,
} from './common';

/** An AWS Chatbot Slack channel. The workspace must first be authorised once in the AWS Chatbot console. */
export interface ChatbotSlackChannel {
  /** The Slack workspace (team) ID shown in the AWS Chatbot console, e.g. `T0123ABCD`. */
  readonly slackWorkspaceId: string;
  /** The Slack channel ID, e.g. `C0123ABCD` (channel details, bottom of the About tab). */
  readonly slackChannelId: string;
}

/** Every action a topic policy can name (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html). */
/** `enforceSSL` denies only sns:Publish without TLS: this denies every topic action in clear text. */
export function denyEveryActionWithoutTls(topic: sns.ITopic): void {
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyEveryActionWithoutTls',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: TOPIC_ACTIONS.map((action) => `sns:${action}`),
      resources: [topic.topicArn],
      conditions: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
  );
}

const TOPIC_ACTIONS = [
  'AddPermission',
  'DeleteTopic',
  'GetTopicAttributes',
  'ListSubscriptionsByTopic',
  'Publish',
  'RemovePermission',
  'SetTopicAttributes',
  'Subscribe',
] as const;

export interface DeliveryProps {
  /** Subscribed to the alert topic by email. @default - none */
  readonly alertEmails?: readonly string[];
  /** The lowest severity emailed (an SNS filter policy on `severity`). @default 'low' */
  readonly emailMinSeverity?: Severity;
  /** Subscribed to the operator topic by email. @default - the `alertEmails` */
  readonly operatorEmails?: readonly string[];
  /** A Secrets Manager secret holding a Slack webhook URL: adds the forwarder. @default - no forwarder */
  readonly slackWebhookSecretName?: string;
  /** Where SNS keeps what it could not deliver to an email address (the safety net's failure queue). */
  readonly emailFailureQueue: sqs.IQueue;
  readonly maxEventAge: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export class Delivery extends Construct {
  /** Encrypts both topics (and the incident table). */
  public readonly key: kms.Key;
  /** Alerts (docs/design.md section 5): subscribe email, Chatbot, SQS, Lambda or HTTPS consumers here. */
  public readonly alertTopic: sns.Topic;
  /** Operational alarms about the pipeline itself. */
  public readonly operatorTopic: sns.Topic;
  /** The Slack webhook forwarder, its log group and failure queue (only with `slackWebhookSecretName`). */
  public readonly slackForwarder?: nodejs.NodejsFunction;
  public readonly slackForwarderLogGroup?: logs.LogGroup;
  public readonly slackForwarderFailureQueue?: sqs.Queue;
  /** The AWS Chatbot Slack channel (after `addChatbot`). */
  public chatbotChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: DeliveryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'TopicKey', {
      description: 'FtpBounceWatch: encrypts the alert and operator SNS topics and the incident table',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    // CloudWatch alarms publish to the (encrypted) operator topic as the service, so the key policy must let it use
    // the key; the functions get their KMS permissions through their roles. Only this account's alarms may
    // (confused-deputy protection, as on the topic policy below).
    const thisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    };
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToEncryptedTopics',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: thisAccountsAlarms,
      }),
    );

    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      displayName: 'FTP bounce watch',
      masterKey: this.key,
      enforceSSL: true,
      // SHA256 signatures for subscribers (HTTPS endpoints, Chatbot) that verify them.
      signatureVersion: '2',
    });
    this.operatorTopic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'FTP bounce watch operations',
      masterKey: this.key,
      enforceSSL: true,
      signatureVersion: '2',
    });
    this.operatorTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.operatorTopic.topicArn],
        // Only alarms of this account (confused-deputy protection).
        conditions: thisAccountsAlarms,
      }),
    );
    // `enforceSSL` denies only sns:Publish without TLS; subscribing, reading or changing the topic in clear text
    // must be refused too.
    for (const topic of [this.alertTopic, this.operatorTopic]) denyEveryActionWithoutTls(topic);

    const emailFilter =
      props.emailMinSeverity && props.emailMinSeverity !== SEVERITIES[0]
        ? {
            severity: sns.SubscriptionFilter.stringFilter({ allowlist: severitiesAtOrAbove(props.emailMinSeverity) }),
          }
        : undefined;
    // What SNS could not deliver to an email address (after its own retries) is kept, not dropped.
    for (const email of props.alertEmails ?? []) {
      this.alertTopic.addSubscription(
        new subscriptions.EmailSubscription(email, {
          deadLetterQueue: props.emailFailureQueue,
          ...(emailFilter && { filterPolicy: emailFilter }),
        }),
      );
    }
    for (const email of props.operatorEmails ?? props.alertEmails ?? []) {
      this.operatorTopic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: props.emailFailureQueue }),
      );
    }

    if (props.slackWebhookSecretName !== undefined) {
      const secret = secretsmanager.Secret.fromSecretNameV2(this, 'SlackWebhookSecret', props.slackWebhookSecretName);
      this.slackForwarderFailureQueue = newFailureQueue(this, 'SlackForwarderFailureQueue', props.removalPolicy);
      this.slackForwarderLogGroup = new logs.LogGroup(this, 'SlackForwarderLogGroup', {
        retention: props.logRetention,
        removalPolicy: props.removalPolicy,
      });
      const role = newFunctionRole(this, 'SlackForwarderRole', this.slackForwarderLogGroup);
      secret.grantRead(role);
      this.slackForwarder = new NodejsFunction(this, 'SlackForwarder', {
        description: 'FtpBounceWatch: posts alerts to a Slack incoming webhook',
        ...lambdaBase(FORWARDER_ENTRY, FORWARDER_HANDLER),
        role,
        logGroup: this.slackForwarderLogGroup,
        // One small JSON message per invocation; the time is spent waiting on Slack (bounded retries inside).
        memorySize: 128,
        timeout: Duration.seconds(30),
        environment: {
          SLACK_WEBHOOK_SECRET_NAME: props.slackWebhookSecretName,
          POWERTOOLS_SERVICE_NAME: 'ftp-bounce-watch-slack',
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        },
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
        maxEventAge: props.maxEventAge,
        // A queue suffices here: the event is one SNS notification (at most 256 KiB of alert JSON, escaped at most
        // 2x inside the SNS envelope of about 2 KB), so the failure record stays well under SQS's 1 MiB.
        onFailure: new destinations.SqsDestination(this.slackForwarderFailureQueue),
      });
      // The dead-letter queue catches what SNS itself could not hand to Lambda; the on-failure destination what the
      // function could not post. Either way the alert is kept.
      this.alertTopic.addSubscription(
        new subscriptions.LambdaSubscription(this.slackForwarder, { deadLetterQueue: this.slackForwarderFailureQueue }),
      );
      const deadLetterStore =
        'This queue is itself the dead-letter store: the on-failure destination of an asynchronous Lambda '
        + 'invocation. Nothing consumes it automatically; an alarm fires on any message and an operator redrives.';
      Validations.of(this.slackForwarderFailureQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: deadLetterStore });
      Validations.of(this.slackForwarderFailureQueue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason: deadLetterStore });
      Validations.of(this.slackForwarder).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'The function has an on-failure destination (the failure bucket or queue), which Lambda uses instead of a '
          + 'dead-letter queue and which keeps the error with the event.',
      });
      Validations.of(this.slackForwarder).acknowledge({
        id: 'Serverless-LambdaTracing',
        reason:
          'Each invocation is one short, self-contained call (one SNS publish or one webhook post), already logged '
          + 'with its request id and counted in metrics; X-Ray would add a role permission on every resource and cost.',
      });
      ignoreRoleDependencyNote(this.slackForwarder);
    }
  }

  /**
   * The Chatbot channel for both topics, allowed to read the given alarms (so their cards render) and nothing else;
   * `alarmNamePrefixes` name more alarms of this stack by the start of their names (for many alarms).
   */
  public addChatbot(
    channel: ChatbotSlackChannel,
    alarms: readonly cloudwatch.Alarm[],
    alarmNamePrefixes: readonly string[] = [],
  ): chatbot.SlackChannelConfiguration {
    const stack = Stack.of(this);
    const prefixArns = alarmNamePrefixes.map((prefix) => `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${prefix}*`);
    // The guardrail caps what the channel (and anyone typing commands in it) can do: read this stack's alarms, so
    // alarm notifications render; nothing else. Delivering SNS notifications needs no permission at all.
    const guardrail = new iam.ManagedPolicy(this, 'ChatbotGuardrail', {
      description: 'FtpBounceWatch: the most an AWS Chatbot channel may do (read this stack alarms)',
      statements: [
        new iam.PolicyStatement({
          actions: ['cloudwatch:DescribeAlarms'],
          resources: [...alarms.map((alarm) => alarm.alarmArn), ...prefixArns],
        }),
      ],
    });
    const shown = (value: string, pseudo: string): string => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    for (const prefix of alarmNamePrefixes) {
      const arn = `arn:<AWS::Partition>:cloudwatch:${shown(stack.region, 'Region')}:${shown(stack.account, 'AccountId')}:alarm:${prefix}*`;
      Validations.of(guardrail).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arn}]`,
        reason:
          'Read-only (DescribeAlarms) on the alarms this stack names with this prefix (one per watched log group): '
          + 'their ARNs one by one would not fit a managed policy.',
      });
    }
    if (Token.isUnresolved(stack.region)) {
      // Environment-agnostic synth: the partition is only known at deploy time (validateProps checks a known one).
      new CfnRule(this, 'ChatbotOnlyInAwsPartition', {
        assertions: [
          {
            assert: Fn.conditionEquals(Aws.PARTITION, 'aws'),
            assertDescription:
              'AWS Chatbot exists only in the aws partition: deploy without slackWorkspaceId/slackChannelId (use '
              + 'slackWebhookSecretName) in GovCloud, China and the isolated partitions.',
          },
        ],
      });
    }
    const role = new iam.Role(this, 'ChatbotRole', {
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      managedPolicies: [guardrail],
    });
    this.chatbotChannel = new chatbot.SlackChannelConfiguration(this, 'ChatbotChannel', {
      slackChannelConfigurationName: chatbotConfigurationName(stack, channel),
      slackWorkspaceId: channel.slackWorkspaceId,
      slackChannelId: channel.slackChannelId,
      notificationTopics: [this.alertTopic, this.operatorTopic],
      guardrailPolicies: [guardrail],
      role,
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
    return this.chatbotChannel;
  }
}

/** The Chatbot configuration's name, which also names its log group (`/aws/chatbot/<name>`). */
export function chatbotConfigurationName(stack: Stack, channel: ChatbotSlackChannel): string {
  // Chatbot is a global service: the name must be unique in the account, across Regions, hence the Region (a
  // token when the stack is environment-agnostic). Changing the workspace or channel replaces the configuration,
  // and CloudFormation creates the new one before deleting the old: the short hash of both gives it a new name,
  // so the two never collide. Allowed characters are letters, digits, - and _ (at most 128).
  const name = stack.stackName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 90);
  const channelHash = shortHash(`${channel.slackWorkspaceId}/${channel.slackChannelId}`).slice(0, 8);
  return `${name}-${stack.region}-${channelHash}`;
}
