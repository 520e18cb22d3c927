/**
 * The exports in the template (docs/export.md): PutEvents on the resolved bus for both functions that publish,
 * BatchImportFindings on the default product only when enabled, the environment, and the alarms. By shape.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ContextError, parseContext } from '../../infra/context';
import { synth } from './helpers';

const EMAIL = { logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' };
const TARGET = { account: '111122223333', region: 'eu-west-1' };

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

/** Every statement of the template's policies that allows `action`, as JSON text of its resource. */
function grantsOf(template: Template, action: string): string[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
    ((p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement)
      .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes(action))
      .map((s) => JSON.stringify(s.Resource)));
}

const exportAlarm = (metricName: string) => ({
  MetricName: metricName,
  Namespace: 'FtpBounceWatch',
  Threshold: 0,
  ComparisonOperator: 'GreaterThanThreshold',
  AlarmActions: [Match.objectLike({ Ref: Match.stringLikeRegexp('OperatorTopic') })],
});

describe('exports, by default', () => {
  const { template } = synth(EMAIL, TARGET);

  it('lets the detector and the sweep put events on the default bus, and tells them so', () => {
    expect(grantsOf(template, 'events:PutEvents')).toEqual([
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/default']] }),
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/default']] }),
    ]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ EVENT_BUS: 'default' }) } },
    })).length).toBe(2);
  });

  it('grants no Security Hub permission and sets no product', () => {
    expect(grantsOf(template, 'securityhub:BatchImportFindings')).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('SECURITY_HUB_PRODUCT_ARN');
  });

  it('alarms on events not exported, to the operator topic; no finding alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', exportAlarm('EventExportFailed'));
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'FindingImportFailed' } }))).toEqual([]);
  });
});

describe('exports with securityHub=true and a bus of another account', () => {
  const bus = 'arn:aws:events:eu-west-1:999999999999:event-bus/security';
  const { template } = synth({ ...EMAIL, securityHub: 'true', eventBus: bus }, TARGET);
  const product = JSON.stringify({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:111122223333:product/111122223333/default']],
  });

  it('puts events on that bus ARN as given', () => {
    expect(grantsOf(template, 'events:PutEvents')).toEqual([JSON.stringify(bus), JSON.stringify(bus)]);
  });

  it('lets both functions import findings into this account\'s default product only', () => {
    expect(grantsOf(template, 'securityhub:BatchImportFindings')).toEqual([product, product]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS: bus, SECURITY_HUB_PRODUCT_ARN: Match.anyValue() }) },
    });
  });

  it('alarms on findings not imported', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', exportAlarm('FindingImportFailed'));
  });
});

describe('eventBus and securityHub context', () => {
  const problems = (context: Record<string, unknown>, target = TARGET): string[] => {
    try {
      parseContext(context, target);
      return [];
    } catch (error) {
      if (!(error instanceof ContextError)) throw error;
      return error.problems.map((p) => `${p.key}: ${p.message}`);
    }
  };

  it.each([
    ['a bus name', { eventBus: 'security-events' }, []],
    ['a bus ARN of the Region', { eventBus: 'arn:aws:events:eu-west-1:999999999999:event-bus/x' }, []],
    ['a bus ARN of another Region', { eventBus: 'arn:aws:events:us-east-1:999999999999:event-bus/x' }, [/^eventBus: the bus must be in the stack's Region eu-west-1/]],
    ['a name with spaces', { eventBus: 'my bus' }, [/^eventBus: expected an event bus name/]],
    ['securityHub not a boolean', { securityHub: 'yes' }, [/^securityHub: expected true or false/]],
    ['securityHub on a member', { mode: 'member', securityHub: 'true', centralAccount: '999999999999' }, [/^securityHub: is set on the central stack/]],
  ])('%s', (_label, context, expected) => {
    const found = problems({ ...EMAIL, ...context });

    if (expected.length === 0) expect(found).toEqual([]);
    for (const pattern of expected) expect(found.filter((f) => pattern.test(f))).toHaveLength(1);
  });
});
