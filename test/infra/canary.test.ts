/**
 * The canary in the template (docs/design.md section 10): its schedule, what its function may do, the detector's
 * part, the alarms, and where it writes in each mode. By shape, never by logical ID.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synth } from './helpers';

const EMAIL = { alertEmails: 'ops@example.com' };

/** A function's properties, as far as these tests read them. */
interface FunctionProps {
  readonly Environment: { readonly Variables: Record<string, unknown> };
}

function functionWithEnv(template: Template, variable: string): { id: string; props: FunctionProps } {
  const [entry] = Object.entries(template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [variable]: Match.anyValue() } } },
  }));
  if (entry === undefined) throw new Error(`no function with ${variable}`);
  return { id: entry[0], props: (entry[1] as { Properties: FunctionProps }).Properties };
}

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}
interface PolicyResource {
  readonly Properties: { readonly Roles: unknown; readonly PolicyDocument: { readonly Statement: Statement[] } };
}

function policyOf(template: Template, functionId: string): Statement[] {
  const roleId = (template.toJSON().Resources[functionId].Properties.Role['Fn::GetAtt'] as string[])[0];
  return (Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[])
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const actions = (statements: ReadonlyArray<{ Action: string | string[] }>): string[] =>
  [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

describe('the canary (per log group)', () => {
  const { template } = synth({ logGroups: '/var/log/proftpd,/aws/ec2/ftp', ...EMAIL, canaryInterval: '30m' });
  const canary = functionWithEnv(template, 'CANARY_INTERVAL_MINUTES');

  it('runs on its interval and knows the table, the key and the operator topic', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CANARY_INTERVAL_MINUTES: '30',
          CANARY_SECRET_ARN: { Ref: Match.stringLikeRegexp('CanaryKey') },
          INCIDENT_TABLE_NAME: { Ref: Match.stringLikeRegexp('IncidentTable') },
          OPERATOR_TOPIC_ARN: { Ref: Match.stringLikeRegexp('OperatorTopic') },
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(30 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [canary.id, 'Arn'] } })],
    });
  });

  it('may write only the canary stream of the watched groups, read its key, update its records and tell the operators', () => {
    const statements = policyOf(template, canary.id);
    expect(actions(statements)).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sns:Publish',
    ]);
    const put = statements.find((s) => s.Action === 'logs:PutLogEvents');
    expect(JSON.stringify(put?.Resource)).toContain(':log-group:/var/log/proftpd:log-stream:ftp-bounce-watch-canary');
    expect(JSON.stringify(put?.Resource)).toContain(':log-group:/aws/ec2/ftp:log-stream:ftp-bounce-watch-canary');
    expect(JSON.stringify(put?.Resource)).not.toContain('*');
  });

  it('lets the detector read the key and publish to the canary topic, which nobody is subscribed to', () => {
    const detector = functionWithEnv(template, 'CANARY_TOPIC_ARN');
    const topicId = (detector.props.Environment.Variables.CANARY_TOPIC_ARN as { Ref: string }).Ref;
    expect(detector.props.Environment.Variables.CANARY_SECRET_ARN).toEqual(canary.props.Environment.Variables.CANARY_SECRET_ARN);
    expect(policyOf(template, detector.id)).toContainEqual(expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: topicId } }));
    expect(Object.values(template.findResources('AWS::SNS::Subscription', { Properties: { TopicArn: { Ref: topicId } } }))).toEqual([]);
    template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'FTP bounce watch canary', KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
    });
  });

  it('alarms to the operator topic when a canary is overdue and when the function fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'FtpBounceWatch',
      MetricName: 'CanaryOverdue',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('OperatorTopic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: canary.id } }],
    });
  });
});

describe('the canary elsewhere', () => {
  it('writes into a log group of its own in account-wide mode, which the account policy does not leave out', () => {
    const { template } = synth({ accountWide: 'true', ...EMAIL });
    const own = Object.keys(template.findResources('AWS::Logs::LogGroup')).find((id) => id.includes('CanaryOwnLogGroup'));
    const policy = Object.values(template.findResources('AWS::Logs::AccountPolicy'))[0] as { Properties: { SelectionCriteria: unknown } };
    expect(own).toBeDefined();
    expect(JSON.stringify(policy.Properties.SelectionCriteria)).not.toContain(`"${own}"`);
  });

  it('is not there with canary=false', () => {
    const { template } = synth({ logGroups: '/a', ...EMAIL, canary: 'false' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(3);
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { DisplayName: 'FTP bounce watch canary' }, 0);
  });
});

describe('what ftp-bounce-watch test reads from the stack (docs/operations.md lists its IAM actions)', () => {
  const outputs = (context: Record<string, unknown>): Record<string, { Value: unknown }> =>
    synth(context).template.toJSON().Outputs as Record<string, { Value: unknown }>;

  it.each([
    ['per log group', { logGroups: '/a' }, ['CanarySecretArn', 'IncidentTableName']],
    ['account-wide', { accountWide: 'true' }, ['CanaryLogGroupName', 'CanarySecretArn', 'IncidentTableName']],
    ['without the canary', { logGroups: '/a', canary: 'false' }, ['IncidentTableName']],
  ])('outputs the table, the canary key and (account-wide, central) its log group: %s', (_mode, context, expected) => {
    const keys = Object.keys(outputs({ ...context, ...EMAIL })).filter((key) => /^(Incident|Canary)/.test(key)).sort();
    expect(keys).toEqual(expected);
  });

  it('names resources by reference: the table, the secret and the canary\'s own log group', () => {
    const { template } = synth({ accountWide: 'true', ...EMAIL });
    template.hasOutput('IncidentTableName', { Value: { Ref: Match.stringLikeRegexp('IncidentTable') } });
    template.hasOutput('CanarySecretArn', { Value: { Ref: Match.stringLikeRegexp('CanaryKey') } });
    template.hasOutput('CanaryLogGroupName', { Value: { Ref: Match.stringLikeRegexp('CanaryOwnLogGroup') } });
  });

  it('encrypts the table with the key KeyArn names (the CLI\'s reads need kms:Decrypt on it), the secret with the AWS managed key', () => {
    const { template } = synth({ logGroups: '/a', ...EMAIL });
    const keyArn = (template.toJSON().Outputs as Record<string, { Value: unknown }>).KeyArn?.Value;
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: Match.objectLike({ SSEEnabled: true, KMSMasterKeyId: keyArn }),
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.absent() });
  });
});
