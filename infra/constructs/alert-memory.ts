/**
 * Alert memory (docs/design.md section 8): the incident table and the sweep that ends windows, sends updates and
 * digests, and publishes what a failed detector run left in an outbox, every five minutes.
 */
import {
  Duration,
  Stack,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventsTargets,
  aws_iam as iam,
  type aws_kms as kms,
  aws_logs as logs,
  type aws_sns as sns,
  RemovalPolicy,
} from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { SWEEP_ENTRY, SWEEP_HANDLER } from '../bundling-options';
import { acknowledgeScheduledFunction, lambdaBase, newFunctionRole, snsKeyStatement } from './common';

/**
 * The incident table's schema, as `lambda/adapters/dynamodb-incident-store.ts` uses it: partition key `pk`, TTL
 * `expiresAt`, and the sparse `due` index the sweep queries (only records with something due carry its keys).
 */
export const INCIDENT_TABLE_SCHEMA = {
  partitionKey: 'pk',
  timeToLiveAttribute: 'expiresAt',
  dueIndexName: 'due',
  dueIndexPartitionKey: 'dueShard',
  dueIndexSortKey: 'dueAt',
} as const;

/**
 * The DynamoDB actions each function's code sends (the store adapter's calls, by caller), and nothing else: no
 * Scan, no DeleteItem, no table management. Both: load and the sent and digest markers (BatchGetItem), conditional
 * saves and canary nonces (PutItem), the flood guard's and the send rate's counters (UpdateItem, GetItem), sent
 * markers for alerts whose clean-up failed (BatchWriteItem). The sweep adds the due index (Query) and the digest
 * markers (UpdateItem).
 */
export const DETECTOR_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;
export const SWEEP_TABLE_ACTIONS = DETECTOR_TABLE_ACTIONS;
export const SWEEP_INDEX_ACTIONS = ['dynamodb:Query'] as const;

/**
 * The sweep's schedule: a window's update goes out within this long after the window ends (docs/design.md section 8).
 * Its timeout stays well below it, so runs do not overlap unless a delivery is retried.
 */
export const SWEEP_PERIOD = Duration.minutes(5);
const SWEEP_TIMEOUT = Duration.minutes(2);

export interface AlertMemoryProps {
  /** Encrypts the table (the topics' key). */
  readonly key: kms.IKey;
  /** Where the sweep publishes updates and digests. */
  readonly alertTopic: sns.ITopic;
  /** The functions' shared environment (topic, settings, logging); the table's name is added. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** A fixed name for the sweep's role, for a trust policy elsewhere that names it. @default - generated */
  readonly sweepRoleName?: string;
}

export class AlertMemory extends Construct {
  /** Alert memory's state (docs/design.md section 8): incidents per client, flood counters, sent digests. */
  public readonly incidentTable: dynamodb.Table;
  /** The scheduled sweep (entry `lambda/sweep-handler.ts`): window ends, updates, digests, unsent messages. */
  public readonly sweepFunction: NodejsFunction;
  /** The sweep's own log group, with the configured retention. */
  public readonly sweepLogGroup: logs.LogGroup;
  /** The EventBridge rule that runs the sweep every five minutes. */
  public readonly sweepSchedule: events.Rule;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: AlertMemoryProps) {
    super(scope, id);
    this.key = props.key;
    this.incidentTable = new dynamodb.Table(this, 'IncidentTable', {
      partitionKey: { name: INCIDENT_TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      // Traffic follows attacks and floods: on-demand costs nothing while quiet and never throttles a burst.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: INCIDENT_TABLE_SCHEMA.timeToLiveAttribute,
      // Alert memory is state a deleted table cannot give back: deleting it takes turning this off first (unless
      // the stack is meant to be destroyed with its data).
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy,
    });
    this.incidentTable.addGlobalSecondaryIndex({
      indexName: INCIDENT_TABLE_SCHEMA.dueIndexName,
      partitionKey: { name: INCIDENT_TABLE_SCHEMA.dueIndexPartitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: INCIDENT_TABLE_SCHEMA.dueIndexSortKey, type: dynamodb.AttributeType.NUMBER },
      // Keys only: the sweep reads the records themselves (strongly consistent); the index costs 1 WCU a change.
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });

    this.sweepLogGroup = new logs.LogGroup(this, 'SweepLogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const sweepRole = newFunctionRole(this, 'SweepRole', this.sweepLogGroup, props.sweepRoleName);
    sweepRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [props.alertTopic.topicArn] }));
    sweepRole.addToPrincipalPolicy(snsKeyStatement(props.key, Stack.of(this).region));
    this.grantTable(sweepRole, SWEEP_TABLE_ACTIONS, SWEEP_INDEX_ACTIONS);
    this.sweepFunction = new NodejsFunction(this, 'Sweep', {
      description: 'FtpBounceWatch: ends incident windows with one update, sends digests and messages left unsent',
      ...lambdaBase(SWEEP_ENTRY, SWEEP_HANDLER),
      role: sweepRole,
      logGroup: this.sweepLogGroup,
      // Why 512 MB and 2 minutes: a sweep normally handles a few records in about a second, but one run may take up
      // to 5,000 due records (the runtime's cap), each a conditional write, and hold their states until it
      // publishes. The timeout stays below the 5-minute schedule so runs never overlap.
      memorySize: 512,
      timeout: SWEEP_TIMEOUT,
      // No reserved concurrency: reserving even 1 is refused in accounts whose concurrency quota is low (new accounts:
      // 10), since Lambda keeps 100 unreserved (docs/operations.md). Runs do not overlap in practice (2-minute timeout,
      // 5-minute schedule, no retries), and when they do (an EventBridge retry), alert memory's conditional writes
      // let only one of two sweeps apply a due record; the other sees it changed and leaves it.
      environment: { ...props.environment, INCIDENT_TABLE_NAME: this.incidentTable.tableName },
      // The next scheduled run is the retry: a failed sweep leaves its work due, so nothing is lost, and an event
      // older than one period is superseded by the next one.
      retryAttempts: 0,
      maxEventAge: SWEEP_PERIOD.minus(Duration.minutes(1)),
    });
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'FtpBounceWatch: runs the incident sweep (window ends, updates, digests)',
      schedule: events.Schedule.rate(SWEEP_PERIOD),
      targets: [new eventsTargets.LambdaFunction(this.sweepFunction, { retryAttempts: 2 })],
    });

    // The sweep keeps nothing in its invocation: all it works on stays in the incident table, due until done.
    const sweepKeepsNothing =
      'A failed or missed sweep run loses nothing: the windows, digests and unsent messages it handles stay due in '
      + 'the incident table, and the next run (5 minutes later) takes them. Its errors, throttles and missed runs '
      + 'alarm to the operators; a dead-letter store would only hold empty schedule events.';
    const whyNoTracing =
      'One sweep is a few table reads and writes and at most a few publishes, logged with a summary line and '
      + 'counted in metrics; X-Ray would add a role permission and cost for no new evidence.';
    acknowledgeScheduledFunction(this.sweepFunction, this.sweepSchedule, sweepKeepsNothing, whyNoTracing);
  }

  /**
   * Least-privilege access to the incident table: the given actions on the table and on its `due` index, and the
   * use of the table's KMS key through DynamoDB only.
   */
  public grantTable(role: iam.IRole, tableActions: readonly string[], indexActions: readonly string[]): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...tableActions], resources: [this.incidentTable.tableArn] }));
    if (indexActions.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...indexActions],
          resources: [`${this.incidentTable.tableArn}/index/${INCIDENT_TABLE_SCHEMA.dueIndexName}`],
        }),
      );
    }
    // DynamoDB decrypts the table key with the caller's credentials, and encrypts new data with it.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
  }
}
