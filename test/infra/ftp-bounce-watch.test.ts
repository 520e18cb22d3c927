/**
 * The FtpBounceWatch construct as a library: prop validation, defaults, and properties other CDK apps rely on.
 * One app with a few stacks, synthesised once.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { LAMBDA_NODE_OPTIONS } from '../../infra/bundling-options';
import { FtpBounceWatch, type FtpBounceWatchProps, FtpBounceWatchPropsError } from '../../infra/ftp-bounce-watch';
import { detectorId, newTestApp, onlyResource, propertiesOf } from './helpers';

jest.setTimeout(60_000);

function propsError(props: FtpBounceWatchProps, env?: { account: string; region: string }): FtpBounceWatchPropsError {
  const stack = new Stack(newTestApp(), 'Invalid', env ? { env } : {});
  try {
    new FtpBounceWatch(stack, 'Watch', props);
  } catch (error) {
    if (error instanceof FtpBounceWatchPropsError) return error;
    throw error;
  }
  throw new Error('expected FtpBounceWatchPropsError');
}

describe('prop validation', () => {
  it('collects every problem and throws once, before creating anything', () => {
    const error = propsError({
      logGroups: ['/ok', 'bad name', '/ok'],
      filterPattern: ' ',
      alertEmails: ['ops@example.com', 'nope'],
      operatorEmails: ['also nope'],
      chatbot: { slackWorkspaceId: 'T0123ABCD', slackChannelId: '#alerts' },
      slackWebhookSecretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:x',
      detectorMemorySize: 64,
      detectorTimeout: Duration.minutes(20),
      maxEventAge: Duration.seconds(10),
    });
    expect(error.problems.map((p) => p.split(':')[0])).toEqual([
      'logGroups',
      'logGroups',
      'filterPattern',
      'alertEmails',
      'operatorEmails',
      'chatbot.slackChannelId',
      'slackWebhookSecretName',
      'detectorMemorySize',
      'detectorTimeout',
      'maxEventAge',
    ]);
    expect(error.message.split('\n')[0]).toBe('invalid FtpBounceWatch props:');
  });

  it('needs something to watch, and not both ways', () => {
    expect(propsError({}).problems).toEqual([
      'logGroups: expected at least one log group name, ARN or construct (or set accountWide: true)',
    ]);
    expect(propsError({ accountWide: true, logGroups: ['/a'] }).problems[0]).toMatch(/^logGroups: must be empty when accountWide/);
  });

  it('rejects ARNs of another Region or account than a stack whose environment is known', () => {
    const arn = 'arn:aws:logs:eu-west-1:123456789012:log-group:/var/log/proftpd';
    expect(propsError({ logGroups: [arn] }, { account: '999999999999', region: 'us-east-1' }).problems).toEqual([
      `logGroups: "${arn}" is in eu-west-1 but the stack is in us-east-1`,
      `logGroups: "${arn}" is in account 123456789012 but the stack is in 999999999999`,
    ]);
  });
});

describe('defaults and wiring', () => {
  let template: Template;
  let reordered: Template;
  let watch: FtpBounceWatch;

  beforeAll(() => {
    const app = newTestApp();
    const stack = new Stack(app, 'Library');
    const ownLogGroup = new LogGroup(stack, 'ProftpdLogs', { retention: RetentionDays.ONE_DAY });
    watch = new FtpBounceWatch(stack, 'Watch', { logGroups: ['/var/log/proftpd', '/aws/ec2/ftp', ownLogGroup] });
    const other = new Stack(app, 'Reordered');
    new FtpBounceWatch(other, 'Watch', { logGroups: ['/aws/ec2/ftp', '/var/log/proftpd'] });
    template = Template.fromStack(stack);
    reordered = Template.fromStack(other);
  });

  it('exposes what it created', () => {
    expect(watch.subscriptionFilters).toHaveLength(3);
    expect(watch.accountPolicy).toBeUndefined();
    expect(watch.chatbotChannel).toBeUndefined();
    expect(watch.slackForwarder).toBeUndefined();
    expect(watch.alarms).toHaveLength(17 + 3); // and a silence alarm per watched group
    expect(watch.sourceSilenceAlarms).toHaveLength(3);
  });

  it('accepts a log group construct', () => {
    const logGroup = Object.keys(template.findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 1 } }));
    expect(logGroup).toHaveLength(1);
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: { Ref: logGroup[0] } });
  });

  it('keeps each subscription filter\'s identity when the list is reordered', () => {
    // A replaced filter would be created under the same name and then deleted with the old resource.
    const idsByLogGroup = (t: Template): Record<string, string> =>
      Object.fromEntries(
        Object.entries(t.findResources('AWS::Logs::SubscriptionFilter'))
          .map(([id, r]) => [(r as { Properties: { LogGroupName: unknown } }).Properties.LogGroupName, id])
          .filter(([name]) => typeof name === 'string'),
      );
    const before = idsByLogGroup(template);
    expect(Object.keys(before).sort()).toEqual(['/aws/ec2/ftp', '/var/log/proftpd']);
    expect(idsByLogGroup(reordered)).toEqual(before);
  });

  it('runs the detector on Node.js 24, arm64, with the documented size and its own log group', () => {
    const detector = detectorId(template);
    const props = template.toJSON().Resources[detector].Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      Timeout: 60,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'ftp-bounce-watch',
          POWERTOOLS_METRICS_NAMESPACE: 'FtpBounceWatch',
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        },
      },
    });
    const logGroupRef = props.LoggingConfig.LogGroup.Ref as string;
    template.hasResource('AWS::Logs::LogGroup', Match.anyValue());
    expect(template.toJSON().Resources[logGroupRef]).toMatchObject({
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
    });
  });

  it('retries failed batches twice, for up to six hours, then keeps them whole in the failure bucket', () => {
    const detector = detectorId(template);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: detector },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [onlyResource(template, 'AWS::S3::Bucket').id, 'Arn'] } } },
    });
  });

  it('gives the functions least-privilege roles without AWS managed policies', () => {
    for (const role of propertiesOf(template, 'AWS::IAM::Role')) expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = propertiesOf(template, 'AWS::IAM::Policy').flatMap(
      (p) => (p.PolicyDocument as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }).Statement,
    );
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
    expect([...new Set(actions)]).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:ListBucket',
      's3:PutObject',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'sns:Publish',
    ]);
  });

  it('lets CloudWatch alarms (and only this account\'s) publish to the encrypted operator topic', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('retains the key, log groups and failure queue by default', () => {
    for (const type of ['AWS::KMS::Key', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
  });
});

describe('removal policy', () => {
  it('applies to the stateful resources it created', () => {
    const stack = new Stack(newTestApp(), 'Disposable');
    new FtpBounceWatch(stack, 'Watch', { accountWide: true, removalPolicy: RemovalPolicy.DESTROY });
    const template = Template.fromStack(stack);
    for (const type of ['AWS::KMS::Key', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource).toMatchObject({ DeletionPolicy: 'Delete' });
    }
  });
});
