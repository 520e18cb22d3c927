/**
 * Nothing lost, nothing silent, at the infrastructure level: least-privilege statements, TLS on every topic
 * action, Chatbot only where it exists and renamed when its channel changes.
 */
import { Stack } from 'aws-cdk-lib';
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

  it('denies every topic action without TLS on both topics, not only Publish', () => {
    const policies = propertiesOf(everything().template, 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(2);
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
