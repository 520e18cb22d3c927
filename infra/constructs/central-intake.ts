/**
 * The central mode's intake (docs/design.md section 9): the organisation's member accounts send their refusals, through
 * an account-level subscription policy, to a CloudWatch Logs destination in this account (cross-account
 * destinations accept Kinesis or Firehose, not Lambda); the destination writes each payload as one record into an
 * encrypted Kinesis stream (one provisioned shard by default), which the detector consumes through an event source
 * mapping. Records that still fail after the retries are kept whole in the failure bucket (an S3 on-failure
 * destination stores the batch's records with the invocation record).
 */
import {
  Duration,
  Stack,
  aws_iam as iam,
  aws_kinesis as kinesis,
  aws_lambda as lambda,
  aws_lambda_event_sources as eventSources,
  aws_logs as logs,
  type aws_s3 as s3,
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
/** The stream's shards by default: one carries 1 MB/s or 1,000 records/s of writes, far above a refusal trickle. */
export const CENTRAL_STREAM_DEFAULT_SHARDS = 1;

export interface CentralIntakeProps {
  /** The organisation whose accounts may subscribe (`aws:PrincipalOrgID`), e.g. `o-a1b2c3d4e5`. */
  readonly organizationId: string;
  /** The detector, with the Kinesis entry point. */
  readonly detector: lambda.Function;
  /**
   * Where records that failed after every retry are kept whole (the event source mapping's S3 on-failure
   * destination), and where the detector itself writes a malformed record under `kinesis/` (FAILURE_BUCKET_NAME).
   */
  readonly failureBucket: s3.IBucket;
  /** Provisioned shards of the stream. @default CENTRAL_STREAM_DEFAULT_SHARDS */
  readonly shardCount?: number;
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
      // Provisioned: one shard costs about a third of an idle on-demand stream (README, "What it costs")
      // and carries 1 MB/s of writes; a burst above it is throttled, CloudWatch Logs retries (up to 24 hours) and
      // the write-throttling alarm says to add shards.
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: props.shardCount ?? CENTRAL_STREAM_DEFAULT_SHARDS,
      // The AWS managed key: encrypted at rest with no key policy for every member account's writes to depend on.
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      removalPolicy: props.removalPolicy,
    });

    this.destinationRole = new iam.Role(this, 'DestinationRole', {
      description: 'FtpBounceWatch: lets CloudWatch Logs of the organisation write into the central stream',
      // The CloudWatch Logs guide's form: aws:SourceArn, CloudWatch Logs of the sending accounts and of this one (the
      // destination's creation test-writes on this account's behalf). No document says the service sets
      // aws:SourceOrgID, and a missing key would make the creation test fail. The accounts of an organisation that
      // grows are not known here, so any account of this Region matches; who may send is decided by the destination
      // policy (aws:PrincipalOrgID), and only this account can attach this role to a destination (iam:PassRole).
      // docs/operations.md, "The destination role".
      assumedBy: new iam.ServicePrincipal('logs.amazonaws.com', {
        conditions: { StringLike: { 'aws:SourceArn': [`arn:${stack.partition}:logs:${stack.region}:*:*`] } },
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
      // One batch at a time per shard bounds the detector's concurrency to the shard count. It does not order a log
      // stream's batches: the member policies distribute records at random over the shards, and alert memory does
      // not rely on order (conditional writes, each batch applied once).
      parallelizationFactor: 1,
      onFailure: new FailureBucketOnFailure(props.failureBucket),
    });
    props.detector.addEventSource(this.eventSource);
  }
}

/**
 * The event source mapping's S3 on-failure destination with only what Lambda needs to write there (s3:PutObject on
 * the objects, s3:ListBucket on the bucket: https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html);
 * `S3OnFailureDestination` would grant read and delete as well. Lambda stores the failed batch's records with the
 * invocation record, so nothing is lost when the stream's 24 hours run out.
 */
class FailureBucketOnFailure implements lambda.IEventSourceDlq {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] }));
    targetHandler.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    return { destination: this.bucket.bucketArn };
  }
}
