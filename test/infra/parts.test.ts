/**
 * FtpBounceWatch's parts (infra/constructs/): every resource keeps the logical ID it had when the construct was one,
 * so the split replaces nothing on upgrade (docs/contract-changes.md, "Layout").
 */
import { App, CfnResource, Names, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { keepLogicalIdsWithoutParts } from '../../infra/constructs/common';
import { synth } from './helpers';

jest.setTimeout(120_000);

/** The logical ID a resource gets in `stack` under `path` (ids below the stack). */
function logicalIdAt(path: readonly string[]): string {
  const stack = new Stack(new App(), 'Reference');
  let scope: Construct = stack;
  for (const id of path.slice(0, -1)) scope = new Construct(scope, id);
  const resource = new CfnResource(scope, path[path.length - 1] as string, { type: 'Test::Thing' });
  return stack.resolve(resource.logicalId) as string;
}

describe('keepLogicalIdsWithoutParts', () => {
  const cases: Array<{ name: string; path: string[] }> = [
    { name: 'a resource directly in the part', path: ['Watch', 'Part', 'Thing'] },
    { name: 'a resource deeper in the part', path: ['Watch', 'Part', 'Topic', 'Resource'] },
  ];
  it.each(cases)('gives $name the ID it had without the part', ({ path }) => {
    const stack = new Stack(new App(), 'Test');
    const watch = new Construct(stack, path[0] as string);
    const part = new Construct(watch, path[1] as string);
    let scope: Construct = part;
    for (const id of path.slice(2, -1)) scope = new Construct(scope, id);
    const resource = new CfnResource(scope, path[path.length - 1] as string, { type: 'Test::Thing' });

    keepLogicalIdsWithoutParts([part]);

    const withoutPart = path.filter((_, i) => i !== 1);
    expect(stack.resolve(resource.logicalId)).toBe(logicalIdAt(withoutPart));
    expect(stack.resolve(resource.logicalId)).not.toBe(logicalIdAt(path));
  });

  it('maps an id that embeds another part\'s construct (a permission naming its rule) back as well', () => {
    const stack = new Stack(new App(), 'Test');
    const watch = new Construct(stack, 'Watch');
    const memory = new Construct(watch, 'Memory');
    const sweep = new Construct(memory, 'Sweep');
    const rules = new Construct(watch, 'Rules');
    const permission = new CfnResource(rules, `AllowRule${Names.nodeUniqueId(sweep.node)}`, { type: 'Test::Thing' });

    keepLogicalIdsWithoutParts([memory, rules]);

    const oldSweep = new Construct(new Construct(new Stack(new App(), 'Test'), 'Watch'), 'Sweep');
    expect(stack.resolve(permission.logicalId)).toBe(logicalIdAt(['Watch', `AllowRule${Names.nodeUniqueId(oldSweep.node)}`]));
  });
});

describe('FtpBounceWatch parts', () => {
  it('are found by name: log intake, detector, alert memory, delivery, safety net, exports (and the subscription check, the canary, source health)', () => {
    const { stack } = synth({ logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' });
    const watch = stack.watch;
    expect(watch.node.children.map((c) => c.node.id).sort()).toEqual(
      ['AlertMemory', 'Canary', 'Delivery', 'Detection', 'Exports', 'LogIntake', 'SafetyNet', 'SourceHealth', 'SubscriptionWatch'].sort(),
    );
    expect(watch.detector).toBe(watch.detection.function);
    expect(watch.incidentTable).toBe(watch.alertMemory.incidentTable);
    expect(watch.alertTopic).toBe(watch.delivery.alertTopic);
    expect(watch.failureBucket).toBe(watch.safetyNet.failureBucket);
    expect(watch.subscriptionFilters).toBe(watch.logIntake.subscriptionFilters);
    expect(watch.sourceSilenceAlarms).toBe(watch.sourceHealth?.alarms);
    expect(watch.alarms).toEqual(expect.arrayContaining([...watch.exports.alarms]));
  });
});
