/**
 * `status`: is the deployment attached to each log group? It recognises what the CDK app creates by the
 * names and pattern in infra/filter-pattern.ts, so the two cannot drift apart.
 *
 * A log group is healthy when it exists and events reach a Lambda function through our subscription filter
 * (named SUBSCRIPTION_FILTER_NAME, or carrying the deployment's pattern) or through the account-level
 * subscription policy (`accountWide=true`).
 */
import {
  type CloudWatchLogsClient,
  DescribeAccountPoliciesCommand,
  type DescribeAccountPoliciesCommandOutput,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeSubscriptionFiltersCommand,
  type LogGroup,
  type SubscriptionFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT_POLICY_NAME, isOurFilterName, SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { type CallOptions, callAws } from '../aws/call';
import { AccessDeniedError, awsErrorShape, oneLine } from '../aws/errors';
import { pages } from '../aws/pages';
import type { LogGroupTarget } from './log-group-ref';
import { isoOrNull } from './time-range';

/** CloudWatch Logs allows this many subscription filters per log group (a hard quota). */
export const SUBSCRIPTION_FILTER_LIMIT = 2;

export interface FilterInfo {
  readonly name: string;
  readonly pattern: string;
  readonly destinationArn: string;
  /** True for the filter status takes to be the deployment's. */
  readonly ours: boolean;
}

export type AttachedVia = 'subscription-filter' | 'account-policy';

export interface LogGroupStatus {
  readonly logGroup: string;
  readonly exists: boolean;
  readonly healthy: boolean;
  /** Why it is unhealthy, each with what to do. Empty when healthy. */
  readonly problems: readonly string[];
  /** Worth knowing, not a fault. */
  readonly notes: readonly string[];
  /** How events reach the function, when they do. */
  readonly attachedVia: AttachedVia | null;
  /** The destination (the detector function) when attached. */
  readonly destinationArn: string | null;
  readonly filters: readonly FilterInfo[];
  readonly filterLimit: number;
  /** ISO-8601; null when the group has no events (or does not exist). */
  readonly lastEventTime: string | null;
}

export interface StatusReport {
  readonly region: string;
  readonly filterPattern: string;
  readonly healthy: boolean;
  readonly logGroups: readonly LogGroupStatus[];
}

export interface StatusCheck {
  readonly client: CloudWatchLogsClient;
  readonly region: string;
  readonly filterPattern: string;
  readonly call: CallOptions;
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9$_-]+)?$/;

export function isLambdaArn(arn: string): boolean {
  return LAMBDA_ARN.test(arn);
}

/** The account-level policy as far as status needs it; `unreadable` says why it could not be read. */
interface AccountPolicy {
  readonly found: boolean;
  readonly destinationArn?: string;
  readonly filterPattern?: string;
  readonly excluded: readonly string[];
  readonly unreadable?: string;
}

async function findLogGroup(target: LogGroupTarget, check: StatusCheck): Promise<LogGroup | undefined> {
  const context = { operation: 'DescribeLogGroups', region: check.region };
  // A prefix query is the only lookup by name; the exact name is the first match, the rest are neighbours.
  const listing = pages((nextToken) => {
    const request = new DescribeLogGroupsCommand({
      logGroupNamePrefix: target.name,
      ...(nextToken !== undefined && { nextToken }),
    });
    return callAws(context, (abortSignal) => check.client.send(request, { abortSignal }), check.call);
  });
  for await (const page of listing) {
    const match = page.logGroups?.find((group) => group.logGroupName === target.name);
    if (match !== undefined) return match;
  }
  return undefined;
}

async function subscriptionFilters(target: LogGroupTarget, check: StatusCheck): Promise<SubscriptionFilter[]> {
  const context = { operation: 'DescribeSubscriptionFilters', region: check.region, logGroup: target.name };
  const filters: SubscriptionFilter[] = [];
  const listing = pages((nextToken) => {
    const request = new DescribeSubscriptionFiltersCommand({
      logGroupName: target.name,
      ...(nextToken !== undefined && { nextToken }),
    });
    return callAws(context, (abortSignal) => check.client.send(request, { abortSignal }), check.call);
  });
  for await (const page of listing) filters.push(...(page.subscriptionFilters ?? []));
  return filters;
}

async function lastEventTime(target: LogGroupTarget, check: StatusCheck): Promise<number | undefined> {
  const context = { operation: 'DescribeLogStreams', region: check.region, logGroup: target.name };
  const request = new DescribeLogStreamsCommand({
    logGroupName: target.name,
    orderBy: 'LastEventTime',
    descending: true,
    limit: 1,
  });
  const page = await callAws(context, (abortSignal) => check.client.send(request, { abortSignal }), check.call);
  const stream = page.logStreams?.[0];
  // lastEventTimestamp lags by up to an hour (CloudWatch Logs updates it eventually); ingestion time is a fallback.
  return stream?.lastEventTimestamp ?? stream?.lastIngestionTime;
}

/** `LogGroupName NOT IN ["a", "b"]` -> ["a", "b"]; the only form the app writes. */
function excludedLogGroups(selectionCriteria: string | undefined): string[] {
  if (selectionCriteria === undefined || !/^\s*LogGroupName\s+NOT\s+IN\s*\[/i.test(selectionCriteria)) return [];
  const names: string[] = [];
  for (const m of selectionCriteria.matchAll(/"((?:[^"\\]|\\.)*)"/g)) names.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
  return names;
}

async function readAccountPolicy(check: StatusCheck): Promise<AccountPolicy> {
  const context = { operation: 'DescribeAccountPolicies', region: check.region };
  const request = new DescribeAccountPoliciesCommand({
    policyType: 'SUBSCRIPTION_FILTER_POLICY',
    policyName: ACCOUNT_POLICY_NAME,
  });
  let page: DescribeAccountPoliciesCommandOutput;
  try {
    page = await callAws(
      context,
      async (abortSignal) => {
        try {
          return await check.client.send(request, { abortSignal });
        } catch (error) {
          // No such policy is an answer, not a failure.
          if (awsErrorShape(error).name === 'ResourceNotFoundException') {
            return { accountPolicies: [], $metadata: {} } satisfies DescribeAccountPoliciesCommandOutput;
          }
          throw error;
        }
      },
      check.call,
    );
  } catch (error) {
    // Most roles allowed to read subscription filters may not read account policies: report it, carry on.
    if (error instanceof AccessDeniedError) {
      return { found: false, excluded: [], unreadable: 'access denied (logs:DescribeAccountPolicies)' };
    }
    throw error;
  }
  const policy = page.accountPolicies?.find((p) => p.policyName === ACCOUNT_POLICY_NAME);
  if (policy === undefined) return { found: false, excluded: [] };
  let document: { DestinationArn?: unknown; FilterPattern?: unknown } = {};
  try {
    document = JSON.parse(policy.policyDocument ?? '{}') as typeof document;
  } catch (error) {
    return { found: true, excluded: [], unreadable: `its policy document is not JSON (${oneLine(String(error), 80)})` };
  }
  return {
    found: true,
    excluded: excludedLogGroups(policy.selectionCriteria),
    ...(typeof document.DestinationArn === 'string' && { destinationArn: document.DestinationArn }),
    ...(typeof document.FilterPattern === 'string' && { filterPattern: document.FilterPattern }),
  };
}

function describeFilters(filters: readonly FilterInfo[]): string {
  return filters.map((f) => `${JSON.stringify(f.name)} -> ${f.destinationArn}`).join(', ');
}

/** Checks each log group in turn; the account policy is read at most once, and only when needed. */
export async function checkStatus(targets: readonly LogGroupTarget[], check: StatusCheck): Promise<StatusReport> {
  let accountPolicy: Promise<AccountPolicy> | undefined;
  const policy = (): Promise<AccountPolicy> => (accountPolicy ??= readAccountPolicy(check));
  const results: LogGroupStatus[] = [];
  for (const target of targets) results.push(await checkLogGroup(target, check, policy));
  return {
    region: check.region,
    filterPattern: check.filterPattern,
    healthy: results.every((r) => r.healthy),
    logGroups: results,
  };
}

async function checkLogGroup(
  target: LogGroupTarget,
  check: StatusCheck,
  accountPolicy: () => Promise<AccountPolicy>,
): Promise<LogGroupStatus> {
  const base = { logGroup: target.name, filterLimit: SUBSCRIPTION_FILTER_LIMIT };
  const group = await findLogGroup(target, check);
  if (group === undefined) {
    return {
      ...base,
      exists: false,
      healthy: false,
      problems: [
        `does not exist in ${check.region}: check the name and the Region (AWS_REGION); `
        + 'the CloudWatch agent creates it when it ships its first line',
      ],
      notes: [],
      attachedVia: null,
      destinationArn: null,
      filters: [],
      lastEventTime: null,
    };
  }

  const raw = await subscriptionFilters(target, check);
  const described = raw.map((f) => ({
    name: f.filterName ?? '',
    pattern: f.filterPattern ?? '',
    destinationArn: f.destinationArn ?? '',
  }));
  // By name first: that is what the stack creates (the main stack's name, or a nested stack's beyond 100 groups; both
  // for the length of the deploy that moves a group between them). By pattern: the same filter created by hand.
  const named = described.filter((f) => isOurFilterName(f.name));
  const ours =
    named.find((f) => f.name === SUBSCRIPTION_FILTER_NAME)
    ?? named[0]
    ?? described.find((f) => f.pattern === check.filterPattern && isLambdaArn(f.destinationArn));
  const filters: FilterInfo[] = described.map((f) => ({ ...f, ours: f === ours || named.includes(f) }));
  const others = filters.filter((f) => !f.ours);

  const problems: string[] = [];
  const notes: string[] = [];
  let attachedVia: AttachedVia | null = null;
  let destinationArn: string | null = null;

  if (ours !== undefined) {
    destinationArn = ours.destinationArn;
    if (!isLambdaArn(ours.destinationArn)) {
      problems.push(
        `subscription filter ${JSON.stringify(ours.name)} sends to ${JSON.stringify(ours.destinationArn)}, `
        + 'not to a Lambda function: redeploy the stack (cdk deploy) to point it at the detector',
      );
    } else if (ours.pattern !== check.filterPattern) {
      problems.push(
        `subscription filter ${JSON.stringify(ours.name)} uses the pattern ${JSON.stringify(ours.pattern)}, `
        + `not ${JSON.stringify(check.filterPattern)}: redeploy (cdk deploy), or pass --filter-pattern with the pattern you deployed`,
      );
    } else {
      attachedVia = 'subscription-filter';
    }
  } else {
    const policy = await accountPolicy();
    const covered =
      policy.found
      && policy.destinationArn !== undefined
      && isLambdaArn(policy.destinationArn)
      && !policy.excluded.includes(target.name);
    if (covered) {
      attachedVia = 'account-policy';
      destinationArn = policy.destinationArn ?? null;
      if (policy.filterPattern !== check.filterPattern) {
        notes.push(`the account-level policy uses the pattern ${JSON.stringify(policy.filterPattern ?? '')}`);
      }
    } else if (others.length >= SUBSCRIPTION_FILTER_LIMIT) {
      problems.push(
        `no ${SUBSCRIPTION_FILTER_NAME} subscription filter, and ours cannot be added: both of the `
        + `${SUBSCRIPTION_FILTER_LIMIT} filter slots are taken (${describeFilters(others)}); remove one, or merge `
        + 'two into one destination, or deploy with -c accountWide=true',
      );
    } else {
      problems.push(
        `no ${SUBSCRIPTION_FILTER_NAME} subscription filter: add the log group to the app's logGroups context `
        + `and run cdk deploy (${SUBSCRIPTION_FILTER_LIMIT - others.length} of ${SUBSCRIPTION_FILTER_LIMIT} filter slots free)`,
      );
    }
    if (!covered && policy.found && policy.excluded.includes(target.name)) {
      notes.push(`the account-level policy ${ACCOUNT_POLICY_NAME} excludes this log group`);
    }
    if (policy.unreadable !== undefined) notes.push(`could not read the account-level policy: ${policy.unreadable}`);
  }

  const last = await lastEventTime(target, check);
  if (last === undefined) notes.push('no log events yet');
  return {
    ...base,
    exists: true,
    healthy: problems.length === 0,
    problems,
    notes,
    attachedVia,
    destinationArn,
    filters,
    lastEventTime: last === undefined ? null : isoOrNull(last),
  };
}
