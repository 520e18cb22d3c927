/**
 * The central mode's intake (docs/design.md section 9): the organisation's member accounts send their refusals, through
 * an account-level subscription policy, to a CloudWatch Logs destination in this account (cross-account
 * destinations accept Kinesis or Firehose, not Lambda); the destination writes each payload as one record into an
 * encrypted on-demand Kinesis stream, which the detector consumes through an event source mapping.
 */
import {
  Duration,
  Stack,
  aws_iam as iam,
  aws_kinesis as kinesis,
  aws_lambda as lambda,
  aws_lambda_event_sources as eventSources,
  aws_logs as logs,
  type aws_sqs as sqs,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CENTRAL_DESTINATION_NAME } from '../filter-pattern';

/** Records per invocation: a payload is at most ~1 MB, and a batch of payloads stays well within the timeout. */
export const CENTRAL_BATCH_SIZE = 100;
/** Retries of a failing record (bisecting the batch each time) before it goes to the on-failure destination. */
export const CENTRAL_RETRY_ATTEMPTS = 3;
/** A record older than this is sent to the on-failure destination instead of being processed late. */
export const CENTRAL_MAX_RECORD_AGE = Duration.hours(6);

export interface CentralIntakeProps {
  /** The organisation whose accounts may subscribe (`aws:PrincipalOrgID`), e.g. `o-a1b2c3d4e5`. */
  readonly organizationId: string;
  /** The detector, with the Kinesis entry point. */
  readonly detector: lambda.Function;
  /** Where a record that failed after every retry is described (shard, sequence numbers) for a redrive. */
  readonly failureQueue: sqs.IQueue;
  readonly removalPolicy: RemovalPolicy;
}

export class CentralIntake extends Construct {
  public readonly stream: kinesis.Stream;
  public readonly destination: logs.CfnDestination;
  /** The role CloudWatch Logs assumes to write into the stream. */
  public readonly destinationRole: iam.Role;
  public readonly eventSource: eventSources.KinesisEventSource;

  constructor(scope: Construct, id: string, props: CentralIntakeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stream = new kinesis.Stream(this, 'Stream', {
      // On-demand: no shard to size, idle costs the hourly stream charge only, bursts scale by themselves.
      streamMode: kinesis.StreamMode.ON_DEMAND,
      // The AWS managed key: encrypted at rest with no key policy for every member account's writes to depend on.
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      removalPolicy: props.removalPolicy,
    });

    this.destinationRole = new iam.Role(this, 'DestinationRole', {
      description: 'FtpBounceWatch: lets CloudWatch Logs of the organisation write into the central stream',
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceOrgID': props.organizationId },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:logs:${stack.region}:*:*` },
        },
      }),
    });
    const writeGrant = this.destinationRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [this.stream.streamArn] }),
    );

    const destinationArn = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:destination:${CENTRAL_DESTINATION_NAME}`;
    this.destination = new logs.CfnDestination(this, 'Destination', {
      destinationName: CENTRAL_DESTINATION_NAME,
      roleArn: this.destinationRole.roleArn,
      targetArn: this.stream.streamArn,
      // Any principal of the organisation may point a subscription filter or an account-level policy here; nobody
      // outside it can.
      destinationPolicy: stack.toJsonString({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OrganisationMembersMaySubscribe',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: ['logs:PutSubscriptionFilter', 'logs:PutAccountPolicy'],
            Resource: destinationArn,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
          },
        ],
      }),
    });
    // CloudWatch Logs checks that it can assume the role and write when the destination is created: the role comes
    // first through roleArn, its policy through this dependency.
    if (writeGrant.policyDependable !== undefined) this.destination.node.addDependency(writeGrant.policyDependable);

    this.eventSource = new eventSources.KinesisEventSource(this.stream, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: CENTRAL_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(5),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: CENTRAL_RETRY_ATTEMPTS,
      maxRecordAge: CENTRAL_MAX_RECORD_AGE,
      // One batch at a time per shard keeps each log stream's batches in order (alert memory counts them in order).
      parallelizationFactor: 1,
      onFailure: new eventSources.SqsDlq(props.failureQueue),
    });
    props.detector.addEventSource(this.eventSource);
  }
}
