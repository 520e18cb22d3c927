/**
 * A deployed stack as `status` sees it: real SDK clients with aws-sdk-client-mock for CloudFormation, SNS, SQS,
 * S3 and DynamoDB (the CloudWatch Logs side is each test's own).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type AttributeValue, BatchGetItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_STACK_NAME, STACK_OUTPUT_KEYS } from '../../../infra/deployment-names';
import type { CommandDeps } from '../../../cli/io';
import type { Suppression } from '../../../lambda/incidents';
import { REGION, snsClient } from './aws-fixtures';

const CREDENTIALS = { accessKeyId: 'AKIDUNITTEST', secretAccessKey: 'unit-test-secret' };
const meta = { $metadata: {} };

export const ALERT_TOPIC = `arn:aws:sns:${REGION}:123456789012:FtpBounceWatch-AlertTopic`;
export const OPERATOR_TOPIC = `arn:aws:sns:${REGION}:123456789012:FtpBounceWatch-OperatorTopic`;
export const FAILURE_QUEUE = `https://sqs.${REGION}.amazonaws.com/123456789012/FtpBounceWatch-DetectorFailureQueue`;
export const FORWARDER_QUEUE = `https://sqs.${REGION}.amazonaws.com/123456789012/FtpBounceWatch-SlackForwarderFailureQueue`;
export const FAILURE_BUCKET = 'ftpbouncewatch-detectorfailurebucket-abc123';
export const DETECTOR_LOG_GROUP = '/aws/lambda/FtpBounceWatch-DetectorLogGroup';
export const SWEEP_LOG_GROUP = '/aws/lambda/FtpBounceWatch-SweepLogGroup';
export const FORWARDER_LOG_GROUP = '/aws/lambda/FtpBounceWatch-SlackForwarderLogGroup';
export const INCIDENT_TABLE = 'FtpBounceWatch-AlertMemoryIncidents-ABC123';

/** The outputs of a stack deployed with a webhook forwarder. */
export const FULL_OUTPUTS: Record<string, string> = {
  [STACK_OUTPUT_KEYS.alertTopicArn]: ALERT_TOPIC,
  [STACK_OUTPUT_KEYS.operatorTopicArn]: OPERATOR_TOPIC,
  [STACK_OUTPUT_KEYS.failureQueueUrl]: FAILURE_QUEUE,
  [STACK_OUTPUT_KEYS.failureBucketName]: FAILURE_BUCKET,
  [STACK_OUTPUT_KEYS.detectorLogGroupName]: DETECTOR_LOG_GROUP,
  [STACK_OUTPUT_KEYS.sweepLogGroupName]: SWEEP_LOG_GROUP,
  [STACK_OUTPUT_KEYS.forwarderFunctionName]: 'FtpBounceWatch-SlackForwarder',
  [STACK_OUTPUT_KEYS.forwarderFailureQueueUrl]: FORWARDER_QUEUE,
  [STACK_OUTPUT_KEYS.forwarderLogGroupName]: FORWARDER_LOG_GROUP,
  [STACK_OUTPUT_KEYS.incidentTableName]: INCIDENT_TABLE,
};

export interface Subscription {
  readonly endpoint: string;
  readonly protocol?: string;
  readonly pending?: boolean;
}

export interface DeployedWorld {
  /** Stack outputs; undefined: no such stack. */
  readonly outputs?: Record<string, string>;
  readonly stackName?: string;
  readonly subscriptions?: Record<string, readonly Subscription[]>;
  /** Visible and in-flight messages per queue URL. */
  readonly queues?: Record<string, readonly [number, number]>;
  /** Objects in the failure bucket (one listing page holds at most 1000). */
  readonly bucketObjects?: number;
  /** The stack's CreationTime and LastUpdatedTime; default created at the epoch, never updated. */
  readonly stackTimes?: { readonly created?: Date; readonly updated?: Date };
  /** The canary records in the incident table, per log group (ms fields as the detector writes them). */
  readonly canaries?: Record<string, Partial<Record<'writtenAt' | 'seenAt' | 'seenLatencyMs' | 'publishedAt' | 'publishLatencyMs' | 'warnedAt', number>>>;
  /** The table's suppressions item; `denied`: GetItem is refused. Default: no item. */
  readonly suppressions?: readonly Suppression[] | 'denied';
}

export function deployedClients(world: DeployedWorld) {
  const cloudFormation = new CloudFormationClient({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  const sns: SNSClient = snsClient();
  const sqs = new SQSClient({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  const s3 = new S3Client({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  const dynamodb = new DynamoDBClient({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  const mocks = {
    dynamodb: mockClient(dynamodb),
    cloudFormation: mockClient(cloudFormation),
    sns: mockClient(sns),
    sqs: mockClient(sqs),
    s3: mockClient(s3),
  };
  mocks.cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => {
    const outputs = world.outputs;
    if (outputs === undefined || input.StackName !== (world.stackName ?? DEFAULT_STACK_NAME)) {
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), {
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      ...meta,
      Stacks: [
        {
          StackName: input.StackName,
          CreationTime: world.stackTimes?.created ?? new Date(0),
          ...(world.stackTimes?.updated !== undefined && { LastUpdatedTime: world.stackTimes.updated }),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    };
  });
  mocks.sns.on(ListSubscriptionsByTopicCommand).callsFake((input: { TopicArn: string }) => ({
    ...meta,
    Subscriptions: (world.subscriptions?.[input.TopicArn] ?? []).map((s, i) => ({
      TopicArn: input.TopicArn,
      Protocol: s.protocol ?? 'email',
      Endpoint: s.endpoint,
      SubscriptionArn: s.pending ? 'PendingConfirmation' : `${input.TopicArn}:sub-${i}`,
    })),
  }));
  mocks.sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
    const [visible, inFlight] = world.queues?.[input.QueueUrl] ?? [0, 0];
    return {
      ...meta,
      Attributes: { ApproximateNumberOfMessages: String(visible), ApproximateNumberOfMessagesNotVisible: String(inFlight) },
    };
  });
  mocks.s3.on(ListObjectsV2Command).callsFake((input: { MaxKeys?: number }) => {
    const total = world.bucketObjects ?? 0;
    const shown = Math.min(total, input.MaxKeys ?? 1000);
    return {
      ...meta,
      KeyCount: shown,
      IsTruncated: total > shown,
      ...(shown > 0 && {
        Contents: Array.from({ length: shown }, (_, i) => ({
          Key: `aws/lambda/async/${i}`,
          LastModified: new Date(Date.UTC(2025, 5, 1, 9, 0, i % 60)),
        })),
      }),
    };
  });
  type BatchGet = { RequestItems: Record<string, { Keys: Array<{ pk: { S: string } }> }> };
  mocks.dynamodb.on(BatchGetItemCommand).callsFake((input: BatchGet) => {
    const [table, request] = Object.entries(input.RequestItems)[0] ?? ['', { Keys: [] }];
    const items = request.Keys.flatMap(({ pk }) => {
      const record = world.canaries?.[pk.S.slice(2)];
      if (record === undefined) return [];
      const fields: Record<string, AttributeValue> = Object.fromEntries(
        Object.entries(record).map(([k, v]) => [k, { N: String(v) }]),
      );
      return [{ pk: { S: pk.S }, ...fields }];
    });
    return { ...meta, Responses: { [table]: items } };
  });
  mocks.dynamodb.on(GetItemCommand).callsFake(() => {
    const item = world.suppressions;
    if (item === 'denied') {
      throw Object.assign(new Error('not authorized to perform: dynamodb:GetItem'), {
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      ...meta,
      ...(item !== undefined && {
        Item: { pk: { S: 'X#suppressions' }, version: { N: '1' }, entries: { S: JSON.stringify(item) } },
      }),
    };
  });
  const deps: Pick<CommandDeps, 'cloudFormationClient' | 'snsClient' | 'sqsClient' | 's3Client' | 'dynamodbClient'> = {
    dynamodbClient: () => dynamodb,
    cloudFormationClient: () => cloudFormation,
    snsClient: () => sns,
    sqsClient: () => sqs,
    s3Client: () => s3,
  };
  return { mocks, deps };
}
