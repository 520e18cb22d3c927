/**
 * Log intake: how refusals reach the detector. Per log group, subscription filters (in nested stacks beyond
 * `INLINE_SUBSCRIPTION_LIMIT` groups) under one invoke permission; account-wide, one account-level subscription
 * filter policy; in central mode, the organisation's destination and stream (`CentralIntake`).
 */
import {
  Aws,
  CfnRule,
  Fn,
  NestedStack,
  Stack,
  Token,
  aws_lambda as lambda,
  aws_logs as logs,
  type aws_s3 as s3,
  type RemovalPolicy,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ACCOUNT_POLICY_NAME, subscriptionFilterName } from '../filter-pattern';
import { parseLogGroup } from '../validation';
import { CentralIntake } from './central-intake';
import { shortHash } from './common';

/** Up to this many log groups, their filters sit in the main stack (about 70 resources of its own). */
export const INLINE_SUBSCRIPTION_LIMIT = 100;
/** Beyond it, the filters are spread over this many nested stacks, by a hash of the log group's name. */
export const SUBSCRIPTION_SHARDS = 16;
/** A nested stack's filters, kept well below CloudFormation's 500 resources per stack. */
export const MAX_FILTERS_PER_NESTED_STACK = 450;
/**
 * At most this many filters are created (or deleted) at once in a deployment: the filters of a stack form this many
 * dependency chains (filter i waits for filter i - N), and the nested stacks are deployed one after the other.
 * CloudWatch Logs answers "Rate exceeded" to a few dozen concurrent filter operations (aws-cdk issue 34679: ~70 in
 * one stack); five in flight stays far below that while 1,000 filters still take minutes, not hours.
 */
export const SUBSCRIPTION_WAVE_WIDTH = 5;

/** Too many log groups for the nested stacks: every crowded stack named in one message. */
export class LogIntakeCapacityError extends Error {
  override readonly name = 'LogIntakeCapacityError';
}

export interface LogIntakeProps {
  /** The detector every subscription sends to. */
  readonly detector: lambda.Function;
  /** Per-group mode: the log groups (names, ARNs or constructs). @default - none */
  readonly logGroups?: ReadonlyArray<string | logs.ILogGroup>;
  /** Account-wide mode: one account policy for every log group but `excludedLogGroups`. @default false */
  readonly accountWide?: boolean;
  /** Account-wide mode: the log groups that must never feed the detector (its own output). @default - none */
  readonly excludedLogGroups?: readonly string[];
  /** Central mode: the organisation sending through the destination and stream. @default - not central */
  readonly organizationId?: string;
  /** Central mode: where records that failed after every retry are kept whole. */
  readonly failureBucket: s3.IBucket;
  /** Central mode: the stream's provisioned shards. @default CENTRAL_STREAM_DEFAULT_SHARDS */
  readonly centralStreamShards?: number;
  readonly filterPattern: string;
  readonly removalPolicy: RemovalPolicy;
}

export class LogIntake extends Construct {
  /** One per watched log group (empty when account-wide or central). */
  public readonly subscriptionFilters: readonly logs.SubscriptionFilter[];
  /** The nested stacks holding the filters beyond `INLINE_SUBSCRIPTION_LIMIT` log groups (empty otherwise). */
  public readonly subscriptionStacks: readonly NestedStack[];
  /** The names the filters carry (one per stack holding filters); the delivery alarms query them. */
  public readonly filterNames: readonly string[];
  /**
   * The one permission letting CloudWatch Logs of this account invoke the detector for any of its log groups (per
   * log group mode): one statement whatever the number of groups, so the function's 20 KB policy never overflows.
   */
  public readonly logsInvokePermission?: lambda.CfnPermission;
  /** The account-level subscription filter policy (only when account-wide). */
  public readonly accountPolicy?: logs.CfnAccountPolicy;
  /** The central mode's destination, stream and event source mapping (only with `organizationId`). */
  public readonly centralIntake?: CentralIntake;

  constructor(scope: Construct, id: string, props: LogIntakeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.organizationId !== undefined) {
      this.centralIntake = new CentralIntake(this, 'Central', {
        organizationId: props.organizationId,
        detector: props.detector,
        failureBucket: props.failureBucket,
        ...(props.centralStreamShards !== undefined && { shardCount: props.centralStreamShards }),
        removalPolicy: props.removalPolicy,
      });
    }
    const watched = this.addSubscriptionFilters(stack, props.detector, props.logGroups ?? [], props.filterPattern);
    this.subscriptionFilters = watched.filters;
    this.subscriptionStacks = watched.shards;
    this.filterNames = watched.filterNames;
    if (watched.permission) this.logsInvokePermission = watched.permission;
    this.assertArnsMatchDeployment(props.logGroups ?? [], stack);
    if (props.accountWide) {
      this.accountPolicy = this.addAccountPolicy(stack, props.detector, props.filterPattern, props.excludedLogGroups ?? []);
    }
  }

  /**
   * One filter per log group, all sending to the detector under one account-wide invoke permission. Up to
   * `INLINE_SUBSCRIPTION_LIMIT` groups the filters sit in this stack; beyond, in `SUBSCRIPTION_SHARDS` nested
   * stacks, each group's shard chosen by a hash of its name, so adding or removing a group never moves another one.
   * Crossing the limit (either way) moves every filter to another stack: a new resource, which CloudFormation creates
   * before it deletes the old one. The filter's name therefore names its stack (`subscriptionFilterName`): the new
   * filter takes the group's other slot for the length of the update, and deleting the old one leaves it in place.
   * A name shared by both would be one filter, updated in place and then deleted: the group silently unsubscribed.
   */
  private addSubscriptionFilters(
    stack: Stack,
    detector: lambda.Function,
    sources: ReadonlyArray<string | logs.ILogGroup>,
    filterPattern: string,
  ): { filters: logs.SubscriptionFilter[]; shards: NestedStack[]; filterNames: string[]; permission?: lambda.CfnPermission } {
    if (sources.length === 0) return { filters: [], shards: [], filterNames: [] };
    const permission = new lambda.CfnPermission(this, 'LogsInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: detector.functionArn,
      principal: 'logs.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
    });
    const destination = new DetectorDestination(detector.functionArn);
    const shards = new Map<number, NestedStack>();
    const sharded = sources.length > INLINE_SUBSCRIPTION_LIMIT;
    const shardOf = (index: number): Construct => {
      let shard = shards.get(index);
      if (!shard) {
        shard = new NestedStack(this, `Subscriptions${index}`, {
          description: `ftp-bounce-watch: subscription filters, shard ${index} of ${SUBSCRIPTION_SHARDS}`,
        });
        shards.set(index, shard);
      }
      return shard;
    };
    const filters: logs.SubscriptionFilter[] = [];
    // Per stack, the filters in creation order: filter i depends on filter i - SUBSCRIPTION_WAVE_WIDTH.
    const chains = new Map<Construct, logs.SubscriptionFilter[]>();
    for (const source of sources) {
      const key = logGroupKey(source);
      const index = sharded ? Number.parseInt(shortHash(key).slice(0, 8), 16) % SUBSCRIPTION_SHARDS : undefined;
      const scope = index === undefined ? this : shardOf(index);
      // The construct id derives from the log group, not its position, so reordering the list never replaces (and
      // thereby deletes, since the name is shared) a live filter.
      const filter = new logs.SubscriptionFilter(scope, `Subscription${shortHash(key)}`, {
        logGroup: importLogGroup(scope, source),
        destination,
        filterPattern: logs.FilterPattern.literal(filterPattern),
        filterName: subscriptionFilterName(index),
      });
      // CloudWatch Logs checks that it may invoke the destination when the filter is created.
      filter.node.addDependency(permission);
      const chain = chains.get(scope) ?? [];
      const previous = chain[chain.length - SUBSCRIPTION_WAVE_WIDTH];
      if (previous) filter.node.addDependency(previous);
      chain.push(filter);
      chains.set(scope, chain);
      filters.push(filter);
    }
    // One nested stack at a time, so the waves of two stacks never add up.
    const ordered = [...shards.entries()].sort(([a], [b]) => a - b).map(([, shard]) => shard);
    ordered.forEach((shard, i) => {
      const before = ordered[i - 1];
      if (before) shard.node.addDependency(before);
    });
    const crowded = [...shards.entries()]
      .map(([index, shard]) => ({ index, count: shard.node.children.filter((c) => c instanceof logs.SubscriptionFilter).length }))
      .filter(({ count }) => count > MAX_FILTERS_PER_NESTED_STACK);
    if (crowded.length > 0) {
      throw new LogIntakeCapacityError(
        `logGroups: ${sources.length} log groups put ${crowded.map((c) => c.count).join(', ')} filters in one nested stack `
        + `(at most ${MAX_FILTERS_PER_NESTED_STACK}); watch that many through accountWide instead`,
      );
    }
    const filterNames = sharded
      ? [...shards.keys()].sort((a, b) => a - b).map((i) => subscriptionFilterName(i))
      : [subscriptionFilterName()];
    return { filters, shards: [...shards.values()], filterNames, permission };
  }

  /**
   * Subscriptions cannot cross accounts or Regions. When the stack's environment is known, the props' validation
   * already compared; when it is not (an environment-agnostic synth), CloudFormation checks at deploy time instead.
   */
  private assertArnsMatchDeployment(sources: ReadonlyArray<string | logs.ILogGroup>, stack: Stack): void {
    const arns = sources.flatMap((source) => {
      if (typeof source !== 'string') return [];
      const parsed = parseLogGroup(source);
      return 'ref' in parsed && parsed.ref.arn ? [parsed.ref.arn] : [];
    });
    const first = arns[0];
    if (!first || !(Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account))) return;
    new CfnRule(this, 'LogGroupArnsMatchDeployment', {
      assertions: [
        {
          assert: Fn.conditionAnd(
            Fn.conditionEquals(Aws.REGION, first.region),
            Fn.conditionEquals(Aws.ACCOUNT_ID, first.account),
          ),
          assertDescription: `The log group ARNs given to FtpBounceWatch are in account ${first.account}, Region ${first.region}: deploy the stack there (subscriptions cannot cross accounts or Regions).`,
        },
      ],
    });
  }

  private addAccountPolicy(
    stack: Stack,
    detector: lambda.Function,
    filterPattern: string,
    excluded: readonly string[],
  ): logs.CfnAccountPolicy {
    const permission = new lambda.CfnPermission(this, 'AccountPolicyInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: detector.functionArn,
      principal: 'logs.amazonaws.com',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
    });
    const policy = new logs.CfnAccountPolicy(this, 'AccountPolicy', {
      policyName: ACCOUNT_POLICY_NAME,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: stack.toJsonString({
        DestinationArn: detector.functionArn,
        FilterPattern: filterPattern,
        Distribution: 'Random',
      }),
      selectionCriteria: `LogGroupName NOT IN [${excluded.map((name) => `"${name}"`).join(', ')}]`,
    });
    // CloudWatch Logs checks that it may invoke the destination when the policy is created.
    policy.node.addDependency(permission);
    return policy;
  }
}

function importLogGroup(scope: Construct, source: string | logs.ILogGroup): logs.ILogGroup {
  if (typeof source !== 'string') return source;
  const id = `LogGroup${shortHash(source)}`;
  return source.startsWith('arn:')
    ? logs.LogGroup.fromLogGroupArn(scope, id, source)
    : logs.LogGroup.fromLogGroupName(scope, id, source);
}

/**
 * The detector as a subscription destination, without the per-log-group invoke permission `LambdaDestination` adds
 * (one statement per group overflows the function's 20 KB resource policy at about 50 groups): the construct's one
 * `log-group:*` permission covers them all.
 */
class DetectorDestination implements logs.ILogSubscriptionDestination {
  constructor(private readonly functionArn: string) {}
  bind(): logs.LogSubscriptionDestinationConfig {
    return { arn: this.functionArn };
  }
}

function logGroupKey(source: string | logs.ILogGroup): string {
  if (typeof source !== 'string') return source.node.path;
  const parsed = parseLogGroup(source);
  return 'ref' in parsed ? parsed.ref.name : source;
}
