/** Central mode (`mode=central`) and the member stack (`mode=member`), by shape (docs/design.md section 9). */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildAnyApp, buildApp } from '../../infra/app';
import { CENTRAL_BATCH_SIZE, CENTRAL_RETRY_ATTEMPTS } from '../../infra/constructs/central-intake';
import { ACCOUNT_POLICY_NAME, CENTRAL_DESTINATION_NAME, DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { MemberStackPropsError, MemberSubscriptionStack } from '../../infra/member-stack';
import { detectorId, flatten, newTestApp, onlyResource, synth } from './helpers';

jest.setTimeout(120_000);

const ORG = 'o-a1b2c3d4e5';

describe('central stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com' }));
  });

  it('takes the organisation\'s logs from an encrypted one-shard stream, not from subscriptions in this account', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 1,
      StreamEncryption: { EncryptionType: 'KMS' },
    });
    // Only the canary's own group, subscribed to the stream: nothing of this account's own logs.
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 1);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Stream'), 'Arn'] },
      LogGroupName: { Ref: Match.stringLikeRegexp('CanaryOwnLogGroup') },
    });
    template.resourceCountIs('AWS::Logs::AccountPolicy', 0);
    const detector = template.toJSON().Resources[detectorId(template)];
    expect(detector.Properties.Handler).toBe('index.handler');
  });

  it('admits the organisation, and only it, to the destination, which writes with its own role', () => {
    const { resource } = onlyResource(template, 'AWS::Logs::Destination');
    const props = resource.Properties as Record<string, unknown>;
    expect(props.DestinationName).toBe(CENTRAL_DESTINATION_NAME);
    const policy = JSON.parse(flatten(props.DestinationPolicy)) as { Statement: Array<Record<string, unknown>> };
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: expect.arrayContaining(['logs:PutSubscriptionFilter', 'logs:PutAccountPolicy']),
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
      }),
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Principal: { Service: 'logs.amazonaws.com' },
          // As the CloudWatch Logs guide writes it: aws:SourceArn only (no aws:SourceOrgID, which no document says
          // the service sets), CloudWatch Logs of this Region.
          Condition: { StringLike: { 'aws:SourceArn': [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':*:*']] }] } },
        })],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['kinesis:PutRecord', 'kinesis:PutRecords'] })] },
    });
  });

  it('creates the destination after its role may write (CloudWatch Logs checks it then), with no redundant dependency', () => {
    const { resource } = onlyResource(template, 'AWS::Logs::Destination');
    const writePolicies = Object.entries(template.findResources('AWS::IAM::Policy', {
      Properties: { PolicyDocument: { Statement: [Match.objectLike({ Action: ['kinesis:PutRecord', 'kinesis:PutRecords'] })] } },
    })).map(([id]) => id);

    // The role itself comes first through RoleArn's GetAtt; cfn-lint flags a DependsOn on it too (W3005).
    expect(resource.DependsOn).toEqual(writePolicies);
  });

  it('consumes the stream in bounded, bisected batches that report failed records and keep them', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: detectorId(template) },
      BatchSize: CENTRAL_BATCH_SIZE,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: CENTRAL_RETRY_ATTEMPTS,
      MaximumRecordAgeInSeconds: Match.anyValue(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
    });
  });

  it('alarms on iterator age, failed records and the stream\'s throttled intake, besides the usual alarms', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Statistic: 'Maximum' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'KinesisRecordFailures' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Kinesis',
      MetricName: 'WriteProvisionedThroughputExceeded',
      Dimensions: [{ Name: 'StreamName', Value: { Ref: Match.anyValue() } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors' });
    template.resourceCountIs('AWS::SNS::Topic', 3);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('refuses a central stack without an organisation, or with log groups', () => {
    expect(() => buildApp({ context: { mode: 'central' } })).toThrow(/^organizationId: expected the AWS Organizations ID/m);
    expect(() => buildApp({ context: { mode: 'central', organizationId: 'org-1' } })).toThrow(/^organizationId: expected an AWS Organizations ID like/m);
    expect(() => buildApp({ context: { mode: 'central', organizationId: ORG, logGroups: '/x' } })).toThrow(/^logGroups: remove it with mode=central/m);
  });
});

describe('member stack', () => {
  it('sends every log group\'s refusals to the central destination of its own Region, needing no bootstrap', () => {
    const built = buildAnyApp({ context: { mode: 'member', centralAccount: '111111111111' }, outdir: newTestApp().outdir });
    expect(built.stack).toBeInstanceOf(MemberSubscriptionStack);
    const template = Template.fromStack(built.stack);
    const props = onlyResource(template, 'AWS::Logs::AccountPolicy').resource.Properties as Record<string, unknown>;
    expect(props).toMatchObject({ PolicyName: ACCOUNT_POLICY_NAME, PolicyType: 'SUBSCRIPTION_FILTER_POLICY', Scope: 'ALL' });
    const roleId = Object.keys(template.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'logs.amazonaws.com' } })] } },
    }));
    expect(roleId).toHaveLength(1);
    expect(JSON.parse(flatten(props.PolicyDocument))).toEqual({
      DestinationArn: `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${CentralAccountId}:destination:${CENTRAL_DESTINATION_NAME}`,
      RoleArn: `\${${roleId[0] as string}.Arn}`,
      FilterPattern: DEFAULT_FILTER_PATTERN,
      Distribution: 'Random',
    });
    template.hasParameter('CentralAccountId', { Default: '111111111111', AllowedPattern: '^\\d{12}$' });
    expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['CentralAccountId', 'ExcludedLogGroups']);
    expect(template.toJSON().Rules).toBeUndefined();
  });
});

interface TemplateJson {
  readonly Parameters: Record<string, { AllowedPattern: string; MaxLength: number; Default: string }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
}

/**
 * Evaluates the intrinsic functions the member template uses (Ref, Fn::Join, Fn::Split, Fn::If, Fn::Equals, Fn::Not)
 * as CloudFormation would with these parameter values: the tests read what a deployed stack gets, not its syntax.
 */
function evaluate(template: TemplateJson, value: unknown, parameters: Record<string, string>): unknown {
  const conditions = template.Conditions ?? {};
  const ev = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(ev);
    if (v === null || typeof v !== 'object') return v;
    const [fn, arg] = Object.entries(v as Record<string, unknown>)[0] ?? [];
    const args = arg as unknown[];
    switch (fn) {
      case 'Ref':
        if (arg === 'AWS::NoValue') return undefined;
        if (!((arg as string) in parameters)) throw new Error(`no value for ${String(arg)}`);
        return parameters[arg as string];
      case 'Fn::Join': return (ev(args[1]) as string[]).join(args[0] as string);
      case 'Fn::Split': return (ev(args[1]) as string).split(args[0] as string);
      case 'Fn::Equals': return ev(args[0]) === ev(args[1]);
      case 'Fn::Not': return !(ev(args[0]) as boolean);
      case 'Fn::If': return ev(conditions[args[0] as string]) ? ev(args[1]) : ev(args[2]);
      default: throw new Error(`unexpected ${String(fn)}`);
    }
  };
  return ev(value);
}

describe('member stack exclusions', () => {
  const MEMBER = '222222222222';
  const CENTRAL = '111111111111';
  const memberTemplate = (context: Record<string, unknown> = {}): TemplateJson => {
    const built = buildAnyApp({ context: { mode: 'member', centralAccount: CENTRAL, ...context }, outdir: newTestApp().outdir });
    return Template.fromStack(built.stack).toJSON() as TemplateJson;
  };
  /** What the account policy of one account gets: undefined when the stack creates no policy there. */
  const deployed = (template: TemplateJson, excluded: string, account = MEMBER): { selection?: unknown } | undefined => {
    const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::AccountPolicy');
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    const parameters = { 'AWS::AccountId': account, 'CentralAccountId': CENTRAL, 'ExcludedLogGroups': excluded };
    const condition = policy?.Condition;
    if (condition !== undefined && !evaluate(template, template.Conditions?.[condition], parameters)) return undefined;
    const selection = evaluate(template, policy?.Properties?.SelectionCriteria, parameters);
    return selection === undefined ? {} : { selection };
  };

  it('excludes nothing by default, and what the ExcludedLogGroups parameter lists when given', () => {
    const template = memberTemplate();
    expect(deployed(template, '')).toEqual({});
    expect(deployed(template, '/var/log/noisy')).toEqual({ selection: 'LogGroupName NOT IN ["/var/log/noisy"]' });
    expect(deployed(template, '/a,/aws/lambda/b')).toEqual({ selection: 'LogGroupName NOT IN ["/a", "/aws/lambda/b"]' });
  });

  it('excludes the memberExcludedLogGroups everywhere, and the parameter\'s on top', () => {
    const template = memberTemplate({ memberExcludedLogGroups: '/org/shared,/org/audit' });
    expect(deployed(template, '')).toEqual({ selection: 'LogGroupName NOT IN ["/org/shared", "/org/audit"]' });
    expect(deployed(template, '/x')).toEqual({ selection: 'LogGroupName NOT IN ["/org/shared", "/org/audit", "/x"]' });
  });

  it('creates no policy in the central account itself (its functions\' logs would loop), yet keeps a valid stack', () => {
    const template = memberTemplate({ memberExcludedLogGroups: '/org/shared' });
    expect(deployed(template, '', CENTRAL)).toBeUndefined();
    expect(deployed(template, '', MEMBER)).toEqual({ selection: 'LogGroupName NOT IN ["/org/shared"]' });
    const unconditional = Object.values(template.Resources).filter((r) => !r.Condition);
    expect(unconditional.length).toBeGreaterThan(0);
  });

  it('refuses, at deploy time, a parameter CloudWatch Logs would choke on (spaces, empty entries, ARNs, too long)', () => {
    const parameter = memberTemplate().Parameters.ExcludedLogGroups;
    if (!parameter) throw new Error('no ExcludedLogGroups parameter');
    const allowed = new RegExp(parameter.AllowedPattern);
    for (const ok of ['', '/a', '/aws/lambda/x,/var/log/y', 'a.b-c_d/e#f']) {
      expect({ ok, matches: allowed.test(ok) }).toEqual({ ok, matches: true });
    }
    for (const bad of ['/a, /b', '/a,,/b', ',/a', '/a,', 'arn:aws:logs:eu-west-1:123456789012:log-group:/a', '"/a"']) {
      expect({ bad, matches: allowed.test(bad) }).toEqual({ bad, matches: false });
    }
    expect(parameter.Default).toBe('');
    expect(parameter.MaxLength).toBe(4096);
  });

  it('fits the largest parameter and the largest accepted context in the 25,000 bytes of a SelectionCriteria', () => {
    // At the synth-time budget (14,759 bytes: 334 names of 40 characters take 14,716, 335 take 14,760), then the
    // parameter that grows most when quoted: as many commas as its 4,096 characters allow.
    const fixed = Array.from({ length: 335 }, (_, i) => `/g/${String(i).padStart(37, '0')}`);
    const template = memberTemplate({ memberExcludedLogGroups: fixed.slice(0, 334).join(',') });
    const worst = `x${',x'.repeat(2047)}x`;
    expect(worst.length).toBe(4096);
    const selection = deployed(template, worst)?.selection as string;
    expect(Buffer.byteLength(selection, 'utf8')).toBeLessThanOrEqual(25_000);
    expect(() => memberTemplate({ memberExcludedLogGroups: fixed.join(',') }))
      .toThrow(/^memberExcludedLogGroups: 335 log groups make a SelectionCriteria of 14760 bytes, over the 14759/m);
  });

  it('checks its own props when built directly', () => {
    expect(() => new MemberSubscriptionStack(newTestApp(), 'M', { excludedLogGroups: ['/a', 'arn:aws:logs:x'] }))
      .toThrow(MemberStackPropsError);
  });
});
