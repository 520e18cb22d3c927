/**
 * The detector: the function that finds rule 11209's refusals in log batches and publishes alerts (entry
 * `lambda/handler.ts`, or `lambda/kinesis-handler.ts` behind the central stream), its role and log group.
 */
import {
  type Duration,
  Stack,
  Validations,
  aws_iam as iam,
  type aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  type aws_s3 as s3,
  type aws_sns as sns,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { DETECTOR_ENTRY, DETECTOR_HANDLER, KINESIS_DETECTOR_ENTRY } from '../bundling-options';
import { ASYNC_RETRY_ATTEMPTS, ignoreRoleDependencyNote, lambdaBase, newFunctionRole, snsKeyStatement } from './common';

export interface DetectorProps {
  /** Central mode: the Kinesis entry point, retried and kept by the event source mapping. */
  readonly central: boolean;
  /** A fixed role name, for a trust policy elsewhere that names it (central mode with Security Hub). @default - generated */
  readonly roleName?: string;
  readonly key: kms.IKey;
  readonly alertTopic: sns.ITopic;
  /** The functions' shared environment (topic, table, settings, logging). */
  readonly environment: Readonly<Record<string, string>>;
  /** Where an asynchronous invocation that failed after every retry is kept whole (not central). */
  readonly failureBucket: s3.IBucket;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly maxEventAge: Duration;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

export class Detector extends Construct {
  /** The detector function. */
  public readonly function: NodejsFunction;
  /** Its own log group, with the configured retention. */
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DetectorProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'DetectorLogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = newFunctionRole(this, 'DetectorRole', this.logGroup, props.roleName);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.alertTopic.topicArn] }));
    // Exactly what SNS needs to encrypt a published message (no `GenerateDataKey*` wildcard), through SNS only.
    this.role.addToPrincipalPolicy(snsKeyStatement(props.key, Stack.of(this).region));

    this.function = new NodejsFunction(this, 'Detector', {
      description: 'FtpBounceWatch: finds proftpd PORT/EPRT refusals (rule 11209) and publishes alerts',
      ...lambdaBase(props.central ? KINESIS_DETECTOR_ENTRY : DETECTOR_ENTRY, DETECTOR_HANDLER),
      role: this.role,
      logGroup: this.logGroup,
      // Why 512 MB: measured with the deployed bundle (`npm run bench`, docs/performance.md), the largest
      // asynchronous payload (1 MB of base64) peaks at 110 MB RSS for ordinary syslog and at 237 MB for the worst
      // valid case (95,787 near-identical refusals, 22.6 MB of JSON); 256 MB would risk running out of memory on
      // exactly the flood that matters most. 512 MB gives 2x headroom, and on Lambda CPU share grows with memory.
      // Why 60 s: a batch takes well under a second; the rest covers SNS PublishBatch retries with backoff.
      memorySize: props.memorySize,
      timeout: props.timeout,
      environment: { ...props.environment },
      // Central: the event source mapping retries and keeps failed records itself (CentralIntake).
      ...(!props.central && {
        retryAttempts: ASYNC_RETRY_ATTEMPTS,
        maxEventAge: props.maxEventAge,
        onFailure: new FailureBucketDestination(props.failureBucket),
      }),
    });

    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'The function has an on-failure destination (the failure bucket or queue), which Lambda uses instead of a '
        + 'dead-letter queue and which keeps the error with the event.',
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'Each invocation is one short, self-contained call (one SNS publish or one webhook post), already logged '
        + 'with its request id and counted in metrics; X-Ray would add a role permission on every resource and cost.',
    });
    ignoreRoleDependencyNote(this.function);
  }
}

/**
 * An S3 on-failure destination with only what Lambda needs to write a record (s3:PutObject on the objects,
 * s3:ListBucket on the bucket); `destinations.S3Destination` would grant read, delete and every `s3:Abort*`,
 * `s3:GetBucket*` and `s3:List*` action.
 */
class FailureBucketDestination implements lambda.IDestination {
  constructor(private readonly bucket: s3.IBucket) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    return { destination: this.bucket.bucketArn };
  }
}
