/**
 * Per-log-group mode at organisation scale: 1,000 log groups synthesise into stacks CloudFormation accepts (at most
 * 500 resources each), with one invoke permission and a fixed set of alarms.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  FtpBounceWatch,
  INLINE_SUBSCRIPTION_LIMIT,
  MAX_FILTERS_PER_NESTED_STACK,
  SUBSCRIPTION_SHARDS,
} from '../../infra/ftp-bounce-watch';
import { SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { detectorId, flatten, newTestApp, propertiesOf, synth, type Synthesised } from './helpers';

jest.setTimeout(120_000);

const CLOUDFORMATION_MAX_RESOURCES = 500;
const names = (n: number, prefix = '/ftp/server-'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

function resourceCount(template: Template): number {
  return Object.keys(template.toJSON().Resources as object).length;
}

describe('1,000 log groups', () => {
  let built: Synthesised;
  let nested: Template[];
  beforeAll(() => {
    built = synth({ logGroups: names(1000).join(','), alertEmails: 'ops@example.com' });
    nested = built.stack.watch.subscriptionStacks.map((s) => Template.fromStack(s));
  });

  it('spreads one filter per log group over nested stacks, none near the 500-resource limit', () => {
    expect(built.stack.watch.subscriptionFilters).toHaveLength(1000);
    expect(nested.length).toBeGreaterThan(1);
    expect(nested.length).toBeLessThanOrEqual(SUBSCRIPTION_SHARDS);
    built.template.resourceCountIs('AWS::CloudFormation::Stack', nested.length);
    built.template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    expect(resourceCount(built.template)).toBeLessThan(CLOUDFORMATION_MAX_RESOURCES);
    const subscribed: string[] = [];
    const namesPerStack: string[] = [];
    for (const template of nested) {
      expect(resourceCount(template)).toBeLessThanOrEqual(MAX_FILTERS_PER_NESTED_STACK);
      const filters = propertiesOf(template, 'AWS::Logs::SubscriptionFilter');
      // One name per nested stack, never the main stack's: a filter moving between stacks changes name.
      const filterNames = new Set(filters.map((filter) => filter.FilterName as string));
      expect(filterNames.size).toBe(1);
      namesPerStack.push(...filterNames);
      for (const filter of filters) subscribed.push(filter.LogGroupName as string);
    }
    expect(subscribed.sort()).toEqual(names(1000));
    expect(new Set(namesPerStack).size).toBe(nested.length);
    for (const name of namesPerStack) expect(name).toMatch(new RegExp(`^${SUBSCRIPTION_FILTER_NAME}-shard-\\d+$`));
  });

  it('gives the detector one invoke permission for all of the account\'s log groups', () => {
    const permissions = propertiesOf(built.template, 'AWS::Lambda::Permission').filter(
      (p) => p.Principal === 'logs.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(flatten(permissions[0]?.SourceArn)).toBe('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*');
    expect(permissions[0]?.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(permissions[0]?.FunctionName).toEqual({ 'Fn::GetAtt': [detectorId(built.template), 'Arn'] });
    for (const template of nested) template.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  it('creates the nested stacks after the permission (CloudWatch Logs checks it when a filter is created)', () => {
    const permissionId = Object.keys(
      built.template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'logs.amazonaws.com' } }),
    )[0];
    for (const resource of Object.values(built.template.findResources('AWS::CloudFormation::Stack'))) {
      expect((resource as { DependsOn?: string[] }).DependsOn).toEqual(expect.arrayContaining([permissionId]));
    }
  });

  it('alarms on CloudWatch Logs delivery for the filters of every nested stack, in one query per metric', () => {
    const filterNames = nested.flatMap((template) =>
      [...new Set(propertiesOf(template, 'AWS::Logs::SubscriptionFilter').map((f) => f.FilterName as string))]);
    const queries = propertiesOf(built.template, 'AWS::CloudWatch::Alarm')
      .flatMap((a) => (a.Metrics as Array<{ Expression?: string }> | undefined) ?? [])
      .flatMap((m) => (m.Expression === undefined ? [] : [m.Expression]));
    expect(queries).toHaveLength(2);
    for (const query of queries) {
      // MetricDataQuery.Expression is at most 2,048 characters.
      expect(query.length).toBeLessThanOrEqual(2048);
      const named = [...query.matchAll(/FilterName = '([^']+)'/g)].map((m) => m[1]);
      expect(named.sort()).toEqual([...filterNames, SUBSCRIPTION_FILTER_NAME].sort());
    }
  });

  it('keeps the same alarms as two log groups do, without their silence alarms (too many groups: a warning instead)', () => {
    const small = new FtpBounceWatch(new Stack(newTestApp(), 'Small'), 'Watch', { logGroups: names(2), alertEmails: ['ops@example.com'] });
    expect(small.sourceSilenceAlarms).toHaveLength(2);
    expect(built.stack.watch.sourceSilenceAlarms).toHaveLength(0);
    expect(built.stack.watch.alarms).toHaveLength(small.alarms.length - 2);
    for (const template of nested) template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  it('keeps every group in its shard when another group is added (a moved filter would be deleted)', () => {
    const shardOf = (watch: FtpBounceWatch): Map<string, string> => {
      const map = new Map<string, string>();
      for (const filter of watch.subscriptionFilters) map.set(filter.node.id, filter.node.scope?.node.id ?? '');
      return map;
    };
    const listed = names(150);
    const before = shardOf(new FtpBounceWatch(new Stack(newTestApp(), 'Before'), 'Watch', { logGroups: listed }));
    const after = shardOf(
      new FtpBounceWatch(new Stack(newTestApp(), 'After'), 'Watch', { logGroups: ['/ftp/new', ...listed.slice(1)] }),
    );
    expect(new Set(before.values()).size).toBeGreaterThan(1);
    let kept = 0;
    for (const [id, shard] of before) {
      if (!after.has(id)) continue;
      expect(after.get(id)).toBe(shard);
      kept += 1;
    }
    expect(kept).toBe(149);
  });
});

/** Where each log group's filter is as CloudFormation sees it (stack and logical ID: its identity), and its name. */
interface Placement {
  readonly resource: string;
  readonly filterName: string;
}

function placements(logGroups: readonly string[]): Map<string, Placement> {
  const stack = new Stack(newTestApp(), 'Layout');
  const watch = new FtpBounceWatch(stack, 'Watch', { logGroups });
  const templates: Array<{ stackId: string; template: Template }> = [{ stackId: 'main', template: Template.fromStack(stack) }];
  for (const nested of watch.subscriptionStacks) {
    const resource = nested.nestedStackResource;
    if (!resource) throw new Error('a nested stack without its resource');
    templates.push({ stackId: stack.resolve(resource.logicalId) as string, template: Template.fromStack(nested) });
  }
  const found = new Map<string, Placement>();
  for (const { stackId, template } of templates) {
    for (const [logicalId, filter] of Object.entries(template.findResources('AWS::Logs::SubscriptionFilter'))) {
      const props = (filter as { Properties: Record<string, unknown> }).Properties;
      const logGroup = props.LogGroupName as string;
      expect(found.has(logGroup)).toBe(false);
      found.set(logGroup, { resource: `${stackId}/${logicalId}`, filterName: props.FilterName as string });
    }
  }
  expect([...found.keys()].sort()).toEqual([...logGroups].sort());
  return found;
}

/**
 * What a deploy from one list to the other does to each log group kept in both: a filter that stays the same
 * resource keeps its name (nothing happens to it); one that becomes a new resource gets a new name, so that
 * CloudFormation's delete of the old resource, after the new one is created, removes the old filter only.
 */
function transition(before: readonly string[], after: readonly string[]): { moved: number; kept: number } {
  const from = placements(before);
  const to = placements(after);
  let moved = 0;
  let kept = 0;
  for (const [logGroup, old] of from) {
    const now = to.get(logGroup);
    if (!now) continue;
    if (now.resource === old.resource) {
      expect({ logGroup, filterName: now.filterName }).toEqual({ logGroup, filterName: old.filterName });
      kept += 1;
    } else {
      expect({ logGroup, sameName: now.filterName === old.filterName }).toEqual({ logGroup, sameName: false });
      moved += 1;
    }
  }
  return { moved, kept };
}

describe('changing the layout never deletes the filter a group ends up with', () => {
  const limit = INLINE_SUBSCRIPTION_LIMIT;

  it.each([
    ['growing past the limit (main stack to nested stacks)', names(limit), names(limit + 1), { moved: limit, kept: 0 }],
    ['shrinking back under it (nested stacks to the main stack)', names(limit + 1), names(limit), { moved: limit, kept: 0 }],
    ['adding a group beyond the limit', names(limit + 20), names(limit + 21), { moved: 0, kept: limit + 20 }],
    ['removing a group beyond the limit', names(limit + 21), names(limit + 20), { moved: 0, kept: limit + 20 }],
    ['reordering beyond the limit', names(limit + 20), names(limit + 20).reverse(), { moved: 0, kept: limit + 20 }],
    ['adding a group under the limit', names(10), names(11), { moved: 0, kept: 10 }],
    ['reordering under the limit', names(10), names(10).reverse(), { moved: 0, kept: 10 }],
  ])('%s', (_label, before, after, expected) => {
    expect(transition(before, after)).toEqual(expected);
  });
});

describe('a few log groups', () => {
  it('keeps the filters in the main stack', () => {
    const { stack, template } = synth({ logGroups: names(3).join(','), alertEmails: 'ops@example.com' });
    expect(stack.watch.subscriptionStacks).toHaveLength(0);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 3);
    template.resourceCountIs('AWS::CloudFormation::Stack', 0);
  });
});
