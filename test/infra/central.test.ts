/** Central mode (`mode=central`) and the member stack (`mode=member`), by shape (docs/design.md section 9). */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildAnyApp, buildApp } from '../../infra/app';
import { CENTRAL_BATCH_SIZE, CENTRAL_RETRY_ATTEMPTS } from '../../infra/central-intake';
import { ACCOUNT_POLICY_NAME, CENTRAL_DESTINATION_NAME, DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { MemberSubscriptionStack } from '../../infra/member-stack';
import { detectorId, flatten, newTestApp, onlyResource, synth } from './helpers';

jest.setTimeout(120_000);

const ORG = 'o-a1b2c3d4e5';

describe('central stack', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com' }));
  });

  it('takes the organisation\'s logs from an encrypted on-demand stream, not from subscriptions in this account', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS' },
    });
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
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
          Condition: Match.objectLike({ StringEquals: { 'aws:SourceOrgID': ORG } }),
        })],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['kinesis:PutRecord', 'kinesis:PutRecords'] })] },
    });
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

  it('alarms on iterator age and on failed records, besides the usual alarms', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Statistic: 'Maximum' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'KinesisRecordFailures' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors' });
    template.resourceCountIs('AWS::SNS::Topic', 2);
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
    expect(JSON.parse(flatten(props.PolicyDocument))).toEqual({
      DestinationArn: `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${CentralAccountId}:destination:${CENTRAL_DESTINATION_NAME}`,
      FilterPattern: DEFAULT_FILTER_PATTERN,
      Distribution: 'Random',
    });
    template.hasParameter('CentralAccountId', { Default: '111111111111', AllowedPattern: '^\\d{12}$' });
    expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['CentralAccountId']);
    expect(template.toJSON().Rules).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Role', 0);
  });
});
