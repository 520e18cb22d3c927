/**
 * Per-log-group mode at organisation scale: 1,000 log groups synthesise into stacks CloudFormation accepts (at most
 * 500 resources each), with one invoke permission and a fixed set of alarms.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FtpBounceWatch, MAX_FILTERS_PER_NESTED_STACK, SUBSCRIPTION_SHARDS } from '../../infra/ftp-bounce-watch';
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
    for (const template of nested) {
      expect(resourceCount(template)).toBeLessThanOrEqual(MAX_FILTERS_PER_NESTED_STACK);
      for (const filter of propertiesOf(template, 'AWS::Logs::SubscriptionFilter')) {
        expect(filter.FilterName).toBe(SUBSCRIPTION_FILTER_NAME);
        subscribed.push(filter.LogGroupName as string);
      }
    }
    expect(subscribed.sort()).toEqual(names(1000));
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

  it('keeps the same alarms as two log groups do', () => {
    const small = new FtpBounceWatch(new Stack(newTestApp(), 'Small'), 'Watch', { logGroups: names(2) });
    expect(built.stack.watch.alarms).toHaveLength(small.alarms.length);
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

describe('a few log groups', () => {
  it('keeps the filters in the main stack', () => {
    const { stack, template } = synth({ logGroups: names(3).join(','), alertEmails: 'ops@example.com' });
    expect(stack.watch.subscriptionStacks).toHaveLength(0);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 3);
    template.resourceCountIs('AWS::CloudFormation::Stack', 0);
  });
});
