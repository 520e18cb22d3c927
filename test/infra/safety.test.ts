/**
 * Nothing lost, nothing silent, at the infrastructure level: least-privilege statements, TLS on every topic
 * action, Chatbot only where it exists and renamed when its channel changes.
 */
import { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { Template } from 'aws-cdk-lib/assertions';
import { FtpBounceWatch, FtpBounceWatchPropsError } from '../../infra/ftp-bounce-watch';
import { EXAMPLE_CONTEXT, newTestApp, propertiesOf, synth } from './helpers';

const everything = (() => {
  let built: ReturnType<typeof synth> | undefined;
  return () => (built ??= synth({ ...EXAMPLE_CONTEXT }));
})();

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Condition?: Record<string, unknown> };
const statementsOf = (document: unknown): Statement[] => (document as { Statement: Statement[] }).Statement;

describe('key and topic policies', () => {
  it('lets CloudWatch use the key only for this account\'s alarms', () => {
    const [key] = propertiesOf(everything().template, 'AWS::KMS::Key');
    const statement = statementsOf(key?.KeyPolicy).find((s) => s.Sid === 'AllowCloudWatchAlarmsToPublishToEncryptedTopics');
    expect(statement?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': expect.anything() },
    });
    expect(JSON.stringify(statement?.Condition?.ArnLike)).toContain(':alarm:*');
  });

  it('denies every topic action without TLS on every topic (alerts, operations, canary), not only Publish', () => {
    const policies = propertiesOf(everything().template, 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      const deny = statementsOf(policy.PolicyDocument).find((s) => s.Sid === 'DenyEveryActionWithoutTls');
      expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(deny?.Action).toEqual(expect.arrayContaining(['sns:Publish', 'sns:Subscribe', 'sns:SetTopicAttributes', 'sns:DeleteTopic']));
    }
  });
});

describe('AWS Chatbot', () => {
  const chatbotName = (template: Template): string => {
    const [config] = propertiesOf(template, 'AWS::Chatbot::SlackChannelConfiguration');
    return JSON.stringify(config?.ConfigurationName);
  };

  it('names the configuration with a short hash of workspace and channel, so a new channel never collides', () => {
    const first = chatbotName(everything().template);
    const other = chatbotName(synth({ ...EXAMPLE_CONTEXT, slackChannelId: 'C9999ZZZZ' }).template);
    expect(first).toMatch(/FtpBounceWatch-.*-[0-9a-f]{8}"/);
    expect(other).not.toBe(first);
  });

  it('asserts the aws partition at deploy time when the Region is not known at synth', () => {
    const rules = JSON.stringify(everything().template.toJSON().Rules);
    expect(rules).toContain('AWS::Partition');
    expect(rules).toContain('AWS Chatbot exists only in the aws partition');
  });

  it.each(['us-gov-west-1', 'cn-north-1'])('refuses Chatbot in %s at synth', (region) => {
    expect(() => synth({ ...EXAMPLE_CONTEXT }, { account: '123456789012', region })).toThrow(
      new RegExp(`^slackWorkspaceId: AWS Chatbot does not exist in ${region}`, 'm'),
    );
    const stack = new Stack(newTestApp(), 'Gov', { env: { account: '123456789012', region } });
    expect(
      () => new FtpBounceWatch(stack, 'Watch', { logGroups: ['/a'], chatbot: { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' } }),
    ).toThrow(FtpBounceWatchPropsError);
  });

  it('synthesises in GovCloud with the webhook and email instead', () => {
    const { template } = synth(
      { logGroups: '/a', alertEmails: 'ops@example.com', slackWebhookSecretName: 'x/slack' },
      { account: '123456789012', region: 'us-gov-west-1' },
    );
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
  });
});

describe('nothing lost', () => {
  it('gives every email subscription a dead-letter queue, on both topics', () => {
    const emails = propertiesOf(everything().template, 'AWS::SNS::Subscription').filter((p) => p.Protocol === 'email');
    expect(emails).toHaveLength(2);
    for (const subscription of emails) {
      const queue = { 'Fn::GetAtt': [expect.stringMatching(/^WatchDetectorFailureQueue/), 'Arn'] };
      expect(subscription.RedrivePolicy).toEqual({ deadLetterTargetArn: queue });
    }
  });

  it('keeps failed detector invocations whole in an encrypted, private, TLS-only, expiring bucket', () => {
    const { template } = everything();
    const [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket'));
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [bucketId, 'Arn'] } } },
    });
    const [bucket] = propertiesOf(template, 'AWS::S3::Bucket');
    expect(bucket).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
      MetricsConfigurations: [{ Id: 'FailedInvocations' }],
    });
    const [policy] = propertiesOf(template, 'AWS::S3::BucketPolicy');
    expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
  });

  it('lets the detector only write failure records, not read or delete them', () => {
    const s3Actions = propertiesOf(everything().template, 'AWS::IAM::Policy')
      .flatMap((p) => statementsOf(p.PolicyDocument))
      .flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]))
      .filter((action) => action.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
  });

  it('writes a runbook into every alarm description', () => {
    for (const alarm of propertiesOf(everything().template, 'AWS::CloudWatch::Alarm')) {
      const description = String(alarm.AlarmDescription);
      expect(description.length).toBeGreaterThan(150);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  it('watches CloudWatch Logs delivery with one query alarm per metric, whatever the number of log groups', () => {
    const many = Array.from({ length: 40 }, (_, i) => `/ftp/group-${i}`).join(',');
    const { template } = synth({ logGroups: many, alertEmails: 'ops@example.com' });
    const queries = propertiesOf(template, 'AWS::CloudWatch::Alarm')
      .flatMap((a) => (a.Metrics as Array<{ Expression?: string }> | undefined) ?? [])
      .map((m) => m.Expression)
      // The groups' silence alarms are metric math, not queries (test/infra/source-health.test.ts).
      .filter((expression) => expression?.startsWith('SELECT '));
    expect(queries).toEqual([
      'SELECT SUM(DeliveryErrors) FROM "AWS/Logs" WHERE FilterName = \'ftp-bounce-watch\'',
      'SELECT SUM(DeliveryThrottling) FROM "AWS/Logs" WHERE FilterName = \'ftp-bounce-watch\'',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NumberOfNotificationsFailed', Namespace: 'AWS/SNS' });
  });

  it('outputs the detector log group, the key and the failure bucket', () => {
    const outputs = everything().template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.DetectorLogGroupName?.Value).toEqual({ Ref: expect.stringMatching(/^WatchDetectorLogGroup/) });
    expect(outputs.KeyArn?.Value).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^WatchTopicKey/), 'Arn'] });
    expect(outputs.FailureBucketName?.Value).toEqual({ Ref: expect.stringMatching(/^WatchDetectorFailureBucket/) });
  });
});

describe('cdk-nag on every variant', () => {
  it.each([
    ['email only', { logGroups: '/a', alertEmails: 'ops@example.com', emailMinSeverity: 'high' }],
    ['Chatbot only', { logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' }],
    ['webhook, operators by email', { logGroups: '/a', slackWebhookSecretName: 'x/slack', operatorEmails: 'oncall@example.com' }],
    ['account-wide with everything', { ...EXAMPLE_CONTEXT, logGroups: undefined, accountWide: 'true' }],
  ])('finds nothing unacknowledged in the AwsSolutions and Serverless packs (%s)', (_name, context) => {
    const defined = Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
    const { app } = synth(defined);
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(app);
      expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    }
  });
});
