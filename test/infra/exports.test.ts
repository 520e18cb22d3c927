/**
 * The exports in the template (docs/export.md): PutEvents on the resolved bus for both functions that publish,
 * BatchImportFindings on the default product only when enabled, the environment, and the alarms. By shape.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildAnyApp, buildApp } from '../../infra/app';
import { ContextError, parseContext } from '../../infra/context';
import { newTestApp, synth } from './helpers';

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
    ['eventBus on a member', { mode: 'member', eventBus: 'x', centralAccount: '999999999999' }, [/^eventBus: is set on the central stack/]],
    ['securityHub on a member: its findings role', { mode: 'member', logGroups: undefined, securityHub: 'true', centralAccount: '999999999999' }, []],
  ])('%s', (_label, context, expected) => {
    const found = problems({ ...EMAIL, ...context });

    if (expected.length === 0) expect(found).toEqual([]);
    for (const pattern of expected) expect(found.filter((f) => pattern.test(f))).toHaveLength(1);
  });
});

describe('central mode with securityHub=true: a member\'s findings through the member\'s role', () => {
  const ORG = 'o-a1b2c3d4e5';
  const central = (securityHub: boolean) =>
    synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com', ...(securityHub && { securityHub: 'true' }) }, TARGET);
  const assumeGrants = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement
        .filter((s) => s.Action === 'sts:AssumeRole'));
  const roleNames = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Role'))
      .map((r) => (r as { Properties: { RoleName?: unknown } }).Properties.RoleName)
      .filter((name) => name !== undefined)
      .sort();

  it.each([
    ['on', true, 2, ['ftp-bounce-watch-detector-eu-west-1', 'ftp-bounce-watch-sweep-eu-west-1']],
    ['off', false, 0, []],
  ])('Security Hub %s: the AssumeRole grants and the importers\' fixed role names', (_label, securityHub, grants, names) => {
    const { template } = central(securityHub);

    expect(assumeGrants(template)).toEqual(Array.from({ length: grants }, () => ({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/ftp-bounce-watch-findings-eu-west-1']] },
      Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
    })));
    expect(roleNames(template)).toEqual(names);
    const withRole = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ SECURITY_HUB_MEMBER_ROLE: 'ftp-bounce-watch-findings-eu-west-1' }) } },
    });
    expect(Object.keys(withRole)).toHaveLength(grants);
  });
});

describe('cdk-nag with the members\' findings roles', () => {
  it.each([
    ['central', () => buildApp({
      context: { mode: 'central', organizationId: 'o-a1b2c3d4e5', alertEmails: 'ops@example.com', securityHub: 'true' },
      target: TARGET,
      outdir: newTestApp().outdir,
    }).app],
    ['member', () => buildAnyApp({
      context: { mode: 'member', centralAccount: '999999999999', securityHub: 'true' },
      outdir: newTestApp().outdir,
    }).app],
  ])('finds nothing unacknowledged (%s)', (_name, app) => {
    const report = new AwsSolutionsChecks().validateScope(app());

    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });
});

describe('member stack with securityHub=true: the role the central account imports through', () => {
  const CENTRAL = '999999999999';
  const member = (context: Record<string, unknown>) =>
    Template.fromStack(buildAnyApp({ context: { mode: 'member', centralAccount: CENTRAL, ...context }, outdir: newTestApp().outdir }).stack);
  const findingsRoles = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Role')).filter((r) =>
      JSON.stringify(r).includes('securityhub:BatchImportFindings'));
  const centralRole = (prefix: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, `:role/${prefix}`, { Ref: 'AWS::Region' }]],
  });

  it('trusts only the central detector and sweep, and may only import this account\'s findings in this Region', () => {
    const [role, ...others] = findingsRoles(member({ securityHub: 'true' }));

    expect(others).toEqual([]);
    expect(role).toMatchObject({
      Condition: 'InMemberAccount',
      Properties: {
        RoleName: { 'Fn::Join': ['', ['ftp-bounce-watch-findings-', { Ref: 'AWS::Region' }]] },
        AssumeRolePolicyDocument: {
          Statement: [{
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, ':root']] } },
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': [
                  centralRole('ftp-bounce-watch-detector-'),
                  centralRole('ftp-bounce-watch-sweep-'),
                ],
              },
            },
          }],
        },
        Policies: [{
          PolicyDocument: {
            Statement: [{
              Effect: 'Allow',
              Action: 'securityhub:BatchImportFindings',
              Resource: {
                'Fn::Join': ['', [
                  'arn:', { Ref: 'AWS::Partition' }, ':securityhub:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
                  ':product/', { Ref: 'AWS::AccountId' }, '/default',
                ]],
              },
            }],
          },
        }],
      },
    });
  });

  it('creates no such role without securityHub', () => {
    expect(findingsRoles(member({}))).toEqual([]);
  });
});
