/**
 * The stack name and output keys the app uses. No CDK imports, so the CLI can read a deployed stack's outputs
 * by the same keys.
 */

/** The CloudFormation stack name `infra/app.ts` deploys. */
export const DEFAULT_STACK_NAME = 'FtpBounceWatch';

/** Keys of the stack outputs (CloudFormation `Outputs`), stable across releases. */
export const STACK_OUTPUT_KEYS = {
  alertTopicArn: 'AlertTopicArn',
  operatorTopicArn: 'OperatorTopicArn',
  failureQueueUrl: 'FailureQueueUrl',
  failureQueueArn: 'FailureQueueArn',
  failureBucketName: 'FailureBucketName',
  detectorFunctionName: 'DetectorFunctionName',
  detectorLogGroupName: 'DetectorLogGroupName',
  sweepLogGroupName: 'SweepLogGroupName',
  keyArn: 'KeyArn',
  centralStreamName: 'CentralStreamName',
  forwarderFunctionName: 'SlackForwarderFunctionName',
  forwarderFailureQueueUrl: 'SlackForwarderFailureQueueUrl',
  forwarderLogGroupName: 'SlackForwarderLogGroupName',
  incidentTableName: 'IncidentTableName',
} as const;
