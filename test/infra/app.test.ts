/**
 * The app as `cdk synth -c ...` builds it, one context combination per describe (each synthesised once, esbuild
 * bundling included). Resources are matched by type and shape, never by logical id.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../infra/app';
import { ContextError } from '../../infra/context';
import { STACK_OUTPUT_KEYS } from '../../infra/deployment-names';
import { ACCOUNT_POLICY_NAME, DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { detectorId, EXAMPLE_CONTEXT, flatten, functionIdWithEnv, onlyResource, propertiesOf, synth } from './helpers';

jest.setTimeout(60_000);

const EMAIL_TYPE = { Protocol: 'email' };

function topicIdByDisplayName(template: Template, displayName: string): string {
  const ids = Object.keys(template.findResources('AWS::SNS::Topic', { Properties: { DisplayName: displayName } }));
  if (ids.length !== 1) throw new Error(`expected one topic named ${displayName}`);
  return ids[0] as string;
}

/** Synthesised once, on first use, and shared by the feature tests and the cdk-nag tests. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
const everything = once(() => synth({ ...EXAMPLE_CONTEXT }));
const { logGroups: _perGroup, ...slackAndEmail } = EXAMPLE_CONTEXT;
const accountWide = once(() => synth({ ...slackAndEmail, accountWide: 'true', slackWebhookSecretName: 'x/slack' }));

describe('everything: two log groups by name, email, Chatbot and webhook', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = everything());
  });

  it('subscribes both log groups with the default pattern and the stable filter name', () => {
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    const detector = detectorId(template);
    for (const logGroupName of ['/var/log/proftpd', '/aws/ec2/ftp']) {
      template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
        LogGroupName: logGroupName,
        FilterPattern: DEFAULT_FILTER_PATTERN,
        FilterName: SUBSCRIPTION_FILTER_NAME,
        DestinationArn: { 'Fn::GetAtt': [detector, 'Arn'] },
      });
    }
    template.resourceCountIs('AWS::Logs::AccountPolicy', 0);
  });

  it('lets CloudWatch Logs invoke the detector through one permission for all of the account\'s log groups', () => {
    const permissions = propertiesOf(template, 'AWS::Lambda::Permission').filter((p) => p.Principal === 'logs.amazonaws.com');
    expect(permissions).toHaveLength(1);
    expect(permissions[0]).toMatchObject({ SourceAccount: { Ref: 'AWS::AccountId' } });
    expect(flatten(permissions[0]?.SourceArn)).toBe('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*');
  });

  it('encrypts the topics with a rotating customer-managed key and refuses publishes without TLS', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    const key = onlyResource(template, 'AWS::KMS::Key').id;
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourceCountIs('AWS::SNS::Topic', 3); // alerts, operations, and the canary's (nobody subscribed)
    for (const props of propertiesOf(template, 'AWS::SNS::Topic')) {
      expect(props.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
    }
    const alertTopic = topicIdByDisplayName(template, 'FTP bounce watch');
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: alertTopic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Principal: '*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes the email address to alerts and to the operational alarms', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    const alertTopic = topicIdByDisplayName(template, 'FTP bounce watch');
    const operatorTopic = topicIdByDisplayName(template, 'FTP bounce watch operations');
    for (const topic of [alertTopic, operatorTopic]) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        ...EMAIL_TYPE,
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: topic },
        FilterPolicy: Match.absent(),
      });
    }
  });

  it('connects AWS Chatbot to both topics with a narrow guardrail', () => {
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 1);
    const guardrail = onlyResource(template, 'AWS::IAM::ManagedPolicy').id;
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: Match.arrayWith([
        { Ref: topicIdByDisplayName(template, 'FTP bounce watch') },
        { Ref: topicIdByDisplayName(template, 'FTP bounce watch operations') },
      ]),
      GuardrailPolicies: [{ Ref: guardrail }],
    });
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('AdministratorAccess');
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Allow', Action: 'cloudwatch:DescribeAlarms' })] },
    });
  });

  it('subscribes the webhook forwarder, with a dead-letter queue', () => {
    const forwarder = functionIdWithEnv(template, 'SLACK_WEBHOOK_SECRET_NAME');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [forwarder, 'Arn'] },
      TopicArn: { Ref: topicIdByDisplayName(template, 'FTP bounce watch') },
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SLACK_WEBHOOK_SECRET_NAME: 'ftp-bounce-watch/slack' }) },
    });
  });

  it('keeps failed batches in encrypted, TLS-only queues for 14 days', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    for (const props of propertiesOf(template, 'AWS::SQS::Queue')) {
      expect(props).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    }
    const queuePolicies = propertiesOf(template, 'AWS::SQS::QueuePolicy');
    expect(queuePolicies).toHaveLength(2);
    for (const policy of queuePolicies) {
      expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('alarms on detector and sweep errors, throttles, lost events, failure stores, delivery losses and forwarder errors', () => {
    // And one silence alarm per watched group; the exports' failure alarm is in the 20 (test/infra/source-health.test.ts).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 20 + 2);
    const operatorTopic = topicIdByDisplayName(template, 'FTP bounce watch operations');
    const machinery = propertiesOf(template, 'AWS::CloudWatch::Alarm').filter((a) => !JSON.stringify(a).includes('IncomingLogEvents'));
    const metrics = machinery.map((a) => {
      expect(a.AlarmActions).toEqual([{ Ref: operatorTopic }]);
      // The sweep's missed-runs alarm is the one that fires on too few datapoints (test/infra/incidents.test.ts).
      if (a.MetricName !== 'Invocations') {
        expect(a).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1 });
      }
      const query = (a.Metrics as Array<{ Expression?: string }> | undefined)?.[0]?.Expression;
      return query ?? `${String(a.Namespace)}/${String(a.MetricName)}`;
    });
    expect(metrics.sort()).toEqual([
      'AWS/Lambda/AsyncEventsDropped',
      'AWS/Lambda/DestinationDeliveryFailures',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Invocations',
      'AWS/Lambda/Throttles',
      'AWS/Lambda/Throttles',
      'AWS/S3/PutRequests',
      'AWS/SNS/NumberOfNotificationsFailed',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'FtpBounceWatch/CanaryOverdue',
      'FtpBounceWatch/EventExportFailed',
      'FtpBounceWatch/OutboxCleanupFailures',
      'FtpBounceWatch/StateStoreUnavailable',
      'SELECT SUM(DeliveryErrors) FROM "AWS/Logs" WHERE FilterName = \'ftp-bounce-watch\'',
      'SELECT SUM(DeliveryThrottling) FROM "AWS/Logs" WHERE FilterName = \'ftp-bounce-watch\'',
    ]);
  });

  it('outputs the topic, the failure queue and the functions', () => {
    for (const key of Object.values(STACK_OUTPUT_KEYS)) {
      if (key === STACK_OUTPUT_KEYS.centralStreamName) continue; // central mode only (test/infra/deploy-time.test.ts)
      if (key === STACK_OUTPUT_KEYS.canaryLogGroupName) continue; // account-wide and central only (test/infra/canary.test.ts)
      template.hasOutput(key, { Value: Match.anyValue() });
    }
  });
});

describe('log groups by ARN', () => {
  const arn = 'arn:aws:logs:eu-west-1:123456789012:log-group:/var/log/proftpd:*';

  it('subscribes the named group and asserts the Region at deploy time', () => {
    const { template } = synth({ logGroups: arn, alertEmails: 'ops@example.com' });
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: '/var/log/proftpd' });
    // Environment-agnostic synth: CloudFormation checks the stack lands where the log group is.
    const rules = JSON.stringify(template.toJSON().Rules);
    expect(rules).toContain('"eu-west-1"');
    expect(rules).toContain('"123456789012"');
  });

  it('needs no deploy-time check once the stack environment is known and matches', () => {
    const { template } = synth({ logGroups: arn, alertEmails: 'ops@example.com' }, { account: '123456789012', region: 'eu-west-1' });
    expect(JSON.stringify(template.toJSON().Rules ?? {})).not.toContain('123456789012');
  });

  it('fails synth when the ARN is in another Region than the stack', () => {
    expect(() => buildApp({ context: { logGroups: arn, alertEmails: 'ops@example.com' }, target: { account: '123456789012', region: 'us-east-1' } })).toThrow(
      /^logGroups: .* is in eu-west-1 but the stack deploys to us-east-1/,
    );
  });
});

describe('account-wide', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = accountWide());
  });

  it('creates one account-level subscription filter policy and no per-group filters', () => {
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
    const { resource } = onlyResource(template, 'AWS::Logs::AccountPolicy');
    const props = resource.Properties as Record<string, unknown>;
    expect(props).toMatchObject({ PolicyName: ACCOUNT_POLICY_NAME, PolicyType: 'SUBSCRIPTION_FILTER_POLICY', Scope: 'ALL' });
    const detector = detectorId(template);
    const document = flatten(props.PolicyDocument);
    expect(JSON.parse(document.replace(`\${${detector}.Arn}`, 'DETECTOR_ARN'))).toEqual({
      DestinationArn: 'DETECTOR_ARN',
      FilterPattern: DEFAULT_FILTER_PATTERN,
      Distribution: 'Random',
    });
  });

  it('excludes the functions\' and Chatbot\'s own log groups, so alerts never feed the detector', () => {
    const props = onlyResource(template, 'AWS::Logs::AccountPolicy').resource.Properties as Record<string, unknown>;
    // Every log group the stack creates but the one the canary writes into (the account policy must cover it).
    const canaryOwn = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) => id.includes('CanaryOwnLogGroup'));
    const logGroupIds = Object.keys(template.findResources('AWS::Logs::LogGroup')).filter((id) => !canaryOwn.includes(id));
    expect(canaryOwn).toHaveLength(1);
    expect(logGroupIds).toHaveLength(5);
    const chatbot = onlyResource(template, 'AWS::Chatbot::SlackChannelConfiguration').resource;
    const configurationName = flatten((chatbot.Properties as Record<string, unknown>).ConfigurationName);
    expect(configurationName).toMatch(/^FtpBounceWatch-\$\{AWS::Region\}-[0-9a-f]{8}$/);
    // The functions' log groups in any order, then Chatbot's.
    const criteria = flatten(props.SelectionCriteria);
    const listed = /^LogGroupName NOT IN \[(.*)\]$/.exec(criteria)?.[1]?.split(', ') ?? [];
    expect(listed.slice(0, 5).sort()).toEqual(logGroupIds.map((id) => `"\${${id}}"`).sort());
    expect(listed.slice(5)).toEqual([`"/aws/chatbot/${configurationName}"`]);
  });

  it('lets CloudWatch Logs of this account invoke the detector, before the policy is created', () => {
    const detector = detectorId(template);
    const permissions = Object.entries(template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'logs.amazonaws.com' },
    }));
    expect(permissions).toHaveLength(1);
    const [permissionId, permission] = permissions[0] as [string, { Properties: Record<string, unknown> }];
    expect(permission.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [detector, 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    expect(flatten(permission.Properties.SourceArn)).toBe(
      'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*',
    );
    const { resource } = onlyResource(template, 'AWS::Logs::AccountPolicy');
    expect(resource.DependsOn).toEqual(expect.arrayContaining([permissionId]));
  });
});

describe('email only', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ logGroups: '/var/log/proftpd', alertEmails: 'a@example.com,b@example.com', emailMinSeverity: 'high' }));
  });

  it('filters alert emails by severity but sends every alarm', () => {
    const alertTopic = topicIdByDisplayName(template, 'FTP bounce watch');
    const operatorTopic = topicIdByDisplayName(template, 'FTP bounce watch operations');
    for (const email of ['a@example.com', 'b@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        ...EMAIL_TYPE,
        Endpoint: email,
        TopicArn: { Ref: alertTopic },
        FilterPolicy: { severity: ['high', 'critical'] },
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        ...EMAIL_TYPE,
        Endpoint: email,
        TopicArn: { Ref: operatorTopic },
        FilterPolicy: Match.absent(),
      });
    }
    template.resourceCountIs('AWS::SNS::Subscription', 4);
  });

  it('creates neither Chatbot nor the forwarder', () => {
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::Lambda::Function', 4); // detector, sweep, pending-subscription check, canary
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 18 + 1); // and the one group's silence alarm
    expect(template.toJSON().Outputs).not.toHaveProperty(STACK_OUTPUT_KEYS.forwarderFunctionName);
  });
});

describe('operator emails', () => {
  it('sends alarms to the operators and alerts to the alert recipients', () => {
    const { template } = synth({ logGroups: '/a', alertEmails: 'sec@example.com', operatorEmails: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'sec@example.com',
      TopicArn: { Ref: topicIdByDisplayName(template, 'FTP bounce watch') },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topicIdByDisplayName(template, 'FTP bounce watch operations') },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
  });
});

describe('Chatbot only', () => {
  it('delivers to Slack through Chatbot, with no email subscriptions and no forwarder', () => {
    const { template } = synth({ logGroups: '/a', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'G0123ABCD' });
    template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'G0123ABCD',
      LoggingLevel: 'ERROR',
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::Lambda::Function', 3); // detector, sweep, canary
    // The channel role trusts Chatbot and carries only the guardrail (no AWS managed policy).
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'chatbot.amazonaws.com' } })] },
      ManagedPolicyArns: [{ Ref: onlyResource(template, 'AWS::IAM::ManagedPolicy').id }],
    });
  });
});

describe('webhook only (operators by email)', () => {
  it('adds the forwarder, allowed to read only that secret, failing to its own queue', () => {
    const { template } = synth({
      logGroups: '/a',
      slackWebhookSecretName: 'ftp-bounce-watch/slack',
      operatorEmails: 'oncall@example.com',
    });
    const forwarder = functionIdWithEnv(template, 'SLACK_WEBHOOK_SECRET_NAME');
    const policies = propertiesOf(template, 'AWS::IAM::Policy').map((p) => JSON.stringify(p));
    const secretPolicy = policies.find((p) => p.includes('secretsmanager:GetSecretValue'));
    expect(secretPolicy).toContain(':secret:ftp-bounce-watch/slack-??????');
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: forwarder },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    // The forwarder on the alert topic, the operators' email on the operator topic.
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasOutput(STACK_OUTPUT_KEYS.forwarderFunctionName, { Value: { Ref: forwarder } });
  });
});

describe('custom filter pattern', () => {
  it('is used instead of the default', () => {
    const { template } = synth({ logGroups: '/a', alertEmails: 'ops@example.com', filterPattern: '"Refused PORT"' });
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { FilterPattern: '"Refused PORT"' });
  });
});

describe('bad context', () => {
  it.each([
    [{ logGroups: '/a', alertEmails: 'ops@' }, 'alertEmails'],
    [{ logGroups: '/a', slackWorkspaceId: 'T0123ABCD' }, 'slackChannelId'],
    [{ logGroup: '/a' }, 'logGroup'],
    [{ logGroups: 'arn:aws:logs:eu-west-1:1234:log-group:/a' }, 'logGroups'],
    [{ logGroups: '/a' }, 'alertEmails'],
    [{ logGroups: '/a', slackWebhookSecretName: 'x/slack' }, 'operatorEmails'],
  ])('%p fails with %s named', (context, key) => {
    let caught: unknown;
    try {
      buildApp({ context });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ContextError);
    expect((caught as ContextError).message).toMatch(new RegExp(`^${key}: `, 'm'));
  });

  it('makes the app entry (what cdk.json runs) print one line per problem and exit 1, without a stack trace', () => {
    const root = path.resolve(__dirname, '..', '..');
    const outdir = mkdtempSync(path.join(tmpdir(), 'fbw-cli-'));
    const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'infra/app.ts'], {
      cwd: root,
      encoding: 'utf8',
      // How the CDK CLI hands `-c` values and the output directory to the app.
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ logGroups: '/a', alertEmails: 'ops@example' }), CDK_OUTDIR: outdir },
      timeout: 60_000,
    });
    rmSync(outdir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('alertEmails: expected an email address like ops@example.com, got "ops@example"');
  });
});

describe('cdk-nag AwsSolutions', () => {
  /** Every acknowledgement in the app: rule id and reason. */
  function acknowledgements(app: App): Array<{ id: string; reason: string }> {
    return app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
        .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), reason })),
    );
  }

  it.each([
    ['everything', everything],
    ['account-wide', accountWide],
  ])('finds nothing unacknowledged (%s), errors and warnings alike', (_name, built) => {
    const { app } = built();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });

  it('acknowledges only the dead-letter stores, the failure bucket, its object writes, the silence alarms\' names and the functions\' DLQ and tracing, each with its reason', () => {
    const found = acknowledgements(everything().app);
    expect(found.map((a) => a.id).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::<WatchDetectorFailureBucketF35302A1.Arn>/*]',
      // Chatbot may read the silence alarms, one per watched group, by their name prefix (read-only).
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:FtpBounceWatch-source-silent-*]',
      // The canary may create its stream in the watched groups (the group's documented ARN form ends in `:*`).
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/ec2/ftp:*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/var/log/proftpd:*]',
      'AwsSolutions-S1',
      // The canary's generated key: rotated by changing its value.
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
      'AwsSolutions-SQS3',
      'Serverless-EventBusDLQ',
      'Serverless-EventBusDLQ',
      'Serverless-EventBusDLQ',
      'Serverless-LambdaAsyncFailureDestination',
      'Serverless-LambdaAsyncFailureDestination',
      'Serverless-LambdaAsyncFailureDestination',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-LambdaTracing',
      'Serverless-SQSRedrivePolicy',
      'Serverless-SQSRedrivePolicy',
    ]);
    for (const { id, reason } of found) {
      if (id.endsWith('SQS3') || id.endsWith('SQSRedrivePolicy')) expect(reason).toMatch(/^This queue is itself the dead-letter store/);
      else expect(reason.length).toBeGreaterThan(80);
    }
  });

  it('runs as part of synth: an unencrypted queue fails the app', () => {
    const { app, stack } = buildApp({ context: { logGroups: '/a', alertEmails: 'ops@example.com' }, outdir: everything().app.outdir });
    new Queue(stack, 'Plain');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
