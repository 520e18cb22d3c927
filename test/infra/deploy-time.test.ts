/**
 * What would fail or lose alerts at deploy time (issue 20), by shape: concurrency reservations new accounts refuse,
 * central failures kept whole, central alarms that can fire.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildAnyApp, buildApp } from '../../infra/app';
import { STACK_OUTPUT_KEYS } from '../../infra/deployment-names';
import { MEMBER_DELIVERY_ALARM_NAME } from '../../infra/filter-pattern';
import { SUBSCRIPTION_WAVE_WIDTH } from '../../infra/constructs/log-intake';
import { PENDING_STATE_KEY_PREFIX } from '../../lambda/subscriptions/pending';
import { detectorId, flatten, functionIdByDescription, propertiesOf, synth } from './helpers';

jest.setTimeout(120_000);

const ORG = 'o-a1b2c3d4e5';
const VARIANTS: Array<[string, Record<string, unknown>]> = [
  ['per group', { logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com', slackWebhookSecretName: 'ftp-bounce-watch/slack' }],
  ['account-wide', { accountWide: 'true', alertEmails: 'ops@example.com' }],
  ['central', { mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com' }],
];

describe.each(VARIANTS)('%s stack', (_name, context) => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth(context));
  });

  it('reserves no concurrency under 10 anywhere (new accounts, with a quota of 10, refuse any reservation)', () => {
    for (const props of propertiesOf(template, 'AWS::Lambda::Function')) {
      const reserved = props.ReservedConcurrentExecutions as number | undefined;
      if (reserved !== undefined) expect(reserved).toBeGreaterThanOrEqual(10);
    }
  });
});

describe('central stack failures and alarms', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com' }));
  });
  const bucketId = (): string => {
    const ids = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(ids).toHaveLength(1);
    return ids[0] as string;
  };

  it('keeps failed records whole in the failure bucket: the event source mapping\'s on-failure destination is S3', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [bucketId(), 'Arn'] } } },
    });
    template.resourceCountIs('AWS::SQS::Queue', 1); // the email dead-letter queue only
  });

  it('tells the detector the bucket, and lets it (and Lambda for it) write objects there and nothing more', () => {
    const detector = template.toJSON().Resources[detectorId(template)];
    expect(detector.Properties.Environment.Variables.FAILURE_BUCKET_NAME).toEqual({ Ref: bucketId() });
    const roleRef = detector.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: roleRef }] },
    })).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } })
      .Properties.PolicyDocument.Statement);
    const s3 = statements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual(expect.arrayContaining([
      expect.objectContaining({
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(), 'Arn'] }, '/*']] },
      }),
      expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId(), 'Arn'] } }),
    ]));
    expect(s3.flatMap((s) => [s.Action].flat())).not.toEqual(expect.arrayContaining(['s3:GetObject*', 's3:DeleteObject*']));
  });

  it('has no alarm that cannot fire there: no asynchronous drops, no CloudWatch Logs delivery metrics of this account', () => {
    const alarms = propertiesOf(template, 'AWS::CloudWatch::Alarm');
    const names = alarms.map((a) => a.MetricName).filter((n) => n !== undefined);
    expect(names).not.toEqual(expect.arrayContaining(['AsyncEventsDropped']));
    expect(names).not.toEqual(expect.arrayContaining(['DestinationDeliveryFailures']));
    expect(JSON.stringify(alarms)).not.toContain('AWS/Logs');
    // The failure bucket is written in central mode too (the mapping's destination, the detector's malformed records).
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/S3', MetricName: 'PutRequests' });
  });

  it('alarms on the stream\'s intake (throttled writes) and on how far behind the detector reads', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      Namespace: 'AWS/Kinesis', MetricName: 'WriteProvisionedThroughputExceeded', Threshold: 0,
    }));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({ MetricName: 'IteratorAge' }));
  });

  it('takes its shard count from centralStreamShards, 1 to 100, central mode only', () => {
    const { template: four } = synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com', centralStreamShards: '4' });
    four.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4 });
    expect(() => buildApp({ context: { mode: 'central', organizationId: ORG, alertEmails: 'a@example.com', centralStreamShards: '0' } }))
      .toThrow(/^centralStreamShards: /m);
    expect(() => buildApp({ context: { logGroups: '/x', alertEmails: 'a@example.com', centralStreamShards: '2' } }))
      .toThrow(/^centralStreamShards: is only used with mode=central/m);
  });
});

describe('single-account stack alarms', () => {
  it('keeps the asynchronous and CloudWatch Logs delivery alarms, which can fire there', () => {
    const { template } = synth({ logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'AsyncEventsDropped' });
    expect(JSON.stringify(propertiesOf(template, 'AWS::CloudWatch::Alarm'))).toContain('AWS/Logs');
  });
});

describe('subscription filters, created in bounded waves', () => {
  /** Per filter: the filters it depends on. */
  const filterDependencies = (template: Template): string[][] => {
    const filters = template.findResources('AWS::Logs::SubscriptionFilter');
    const ids = new Set(Object.keys(filters));
    return Object.values(filters).map((f) => [(f as { DependsOn?: string[] }).DependsOn ?? []].flat().filter((d) => ids.has(d)));
  };
  const expectWaves = (template: Template, filterCount: number): void => {
    const deps = filterDependencies(template);
    expect(deps).toHaveLength(filterCount);
    // At most SUBSCRIPTION_WAVE_WIDTH filters start at once; every other one waits for exactly one before it.
    expect(deps.filter((d) => d.length === 0)).toHaveLength(Math.min(SUBSCRIPTION_WAVE_WIDTH, filterCount));
    expect(deps.every((d) => d.length <= 1)).toBe(true);
  };

  it('chains the main stack\'s filters, at most SUBSCRIPTION_WAVE_WIDTH at a time', () => {
    const groups = Array.from({ length: 23 }, (_, i) => `/var/log/ftp${i}`);
    const { template } = synth({ logGroups: groups.join(','), alertEmails: 'ops@example.com' });
    expectWaves(template, 23);
  });

  it('chains each nested stack\'s filters the same way, and deploys the nested stacks one after the other', () => {
    const groups = Array.from({ length: 150 }, (_, i) => `/g/${i}`);
    const built = buildApp({ context: { logGroups: groups.join(','), alertEmails: 'ops@example.com' } });
    const nested = built.stack.watch.subscriptionStacks.map((s) => Template.fromStack(s));
    let total = 0;
    for (const template of nested) {
      const count = Object.keys(template.findResources('AWS::Logs::SubscriptionFilter')).length;
      expectWaves(template, count);
      total += count;
    }
    expect(total).toBe(150);
    const main = Template.fromStack(built.stack);
    const stacks = main.findResources('AWS::CloudFormation::Stack');
    const stackIds = new Set(Object.keys(stacks));
    const after = Object.values(stacks)
      .map((s) => [(s as { DependsOn?: string[] }).DependsOn ?? []].flat().filter((d) => stackIds.has(d)));
    expect(after.filter((d) => d.length === 0)).toHaveLength(1);
    expect(after.every((d) => d.length <= 1)).toBe(true);
  });
});

describe('member stack: the role CloudWatch Logs needs for an organisation\'s destination, and its health signal', () => {
  let template: Template;
  let json: { Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, unknown> }> };
  beforeAll(() => {
    const built = buildAnyApp({ context: { mode: 'member', centralAccount: '111111111111' } });
    template = Template.fromStack(built.stack);
    json = template.toJSON() as typeof json;
  });
  const ofType = (type: string): Array<[string, { Condition?: string; Properties: Record<string, unknown> }]> =>
    Object.entries(json.Resources).filter(([, r]) => r.Type === type);

  it('creates a role CloudWatch Logs assumes, trusted and allowed as the guide documents, named per stack instance', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      Policies: [Match.objectLike({
        PolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Action: 'logs:PutLogEvents' })] }),
      })],
    });
    // IAM is global: a fixed name would collide between the StackSet's instances in two Regions.
    for (const [, role] of ofType('AWS::IAM::Role')) expect(role.Properties.RoleName).toBeUndefined();
  });

  it('gives the account policy that role as RoleArn, and outputs it for the per-group fallback', () => {
    const roleIds = ofType('AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties).includes('logs.amazonaws.com'));
    expect(roleIds).toHaveLength(1);
    const roleId = roleIds[0]?.[0] as string;
    const policy = ofType('AWS::Logs::AccountPolicy')[0]?.[1];
    if (!policy) throw new Error('no account policy');
    expect(JSON.parse(flatten(policy.Properties.PolicyDocument)).RoleArn).toBe(`\${${roleId}.Arn}`);
    template.hasOutput('SubscriptionRoleArn', { Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });

  it('alarms on its delivery errors and forwards the alarm\'s state changes to the central event bus', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', Match.objectLike({
      AlarmName: MEMBER_DELIVERY_ALARM_NAME,
      Metrics: [Match.objectLike({ Expression: Match.stringLikeRegexp('SUM\\(DeliveryErrors\\) FROM "AWS/Logs"') })],
    }));
    const rule = ofType('AWS::Events::Rule')[0]?.[1];
    if (!rule) throw new Error('no rule');
    expect(rule.Properties.EventPattern).toMatchObject({ detail: { alarmName: [MEMBER_DELIVERY_ALARM_NAME] } });
    const [target] = rule.Properties.Targets as Array<Record<string, unknown>>;
    expect(flatten(target?.Arn)).toBe('arn:${AWS::Partition}:events:${AWS::Region}:${CentralAccountId}:event-bus/default');
    expect(target?.RoleArn).toBeDefined();
  });

  it('creates none of it in the central account itself', () => {
    for (const type of ['AWS::IAM::Role', 'AWS::CloudWatch::Alarm', 'AWS::Events::Rule', 'AWS::Logs::AccountPolicy']) {
      for (const [, resource] of ofType(type)) expect(resource.Condition).toBe('InMemberAccount');
    }
  });
});

describe('central stack: the members\' health signal', () => {
  it('admits the organisation to its default event bus and sends the members\' delivery alarms to the operator topic', () => {
    const { template } = synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com' });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } } }),
    });
    const operatorTopic = Object.entries(template.findResources('AWS::SNS::Topic'))
      .find(([, t]) => (t as { Properties: { DisplayName: string } }).Properties.DisplayName.endsWith('operations'))?.[0];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { detail: { alarmName: [MEMBER_DELIVERY_ALARM_NAME] } },
      Targets: [Match.objectLike({ Arn: { Ref: operatorTopic } })],
    });
  });
});

describe('the pending-subscription check', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' }));
  });
  const watchId = (): string => functionIdByDescription(template, /unconfirmed after 24 hours/);

  it('runs every hour, watching both topics and warning the operator topic', () => {
    const fn = template.toJSON().Resources[watchId()].Properties;
    // The canary's topic has no subscriptions to watch.
    const topics = Object.entries(template.findResources('AWS::SNS::Topic')).filter(
      ([, t]) => (t as { Properties: { DisplayName: string } }).Properties.DisplayName !== 'FTP bounce watch canary',
    );
    const operator = topics.find(([, t]) => (t as { Properties: { DisplayName: string } }).Properties.DisplayName.endsWith('operations'))?.[0];
    expect(flatten(fn.Environment.Variables.WATCHED_TOPIC_ARNS).split(',').sort()).toEqual(topics.map(([id]) => `\${${id}}`).sort());
    expect(fn.Environment.Variables.OPERATOR_TOPIC_ARN).toEqual({ Ref: operator });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [watchId(), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: watchId() } }],
    });
  });

  it('may read and write only its own records of the incident table (their key prefix)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${PENDING_STATE_KEY_PREFIX}*`] } },
        })]),
      },
    });
  });

  it('is not deployed when nobody is subscribed by email', () => {
    const { template: chatbotOnly } = synth({ logGroups: '/var/log/proftpd', slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' });
    expect(() => functionIdByDescription(chatbotOnly, /unconfirmed after 24 hours/)).toThrow(/found 0/);
  });
});

describe('smaller findings', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = synth({ logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' }));
  });

  it('protects the incident table from deletion', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it('lets the functions use the topics\' key for SNS only (kms:ViaService)', () => {
    const statements = propertiesOf(template, 'AWS::IAM::Policy')
      .flatMap((p) => (p.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement)
      .filter((s) => JSON.stringify(s.Action).includes('kms:GenerateDataKey'));
    expect(statements.length).toBeGreaterThanOrEqual(3);
    for (const statement of statements) {
      expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
    }
  });
});

describe('central stack outputs', () => {
  it('names the stream, for the redrive of failed records', () => {
    const { template } = synth({ mode: 'central', organizationId: ORG, alertEmails: 'ops@example.com' });
    const streamId = Object.keys(template.findResources('AWS::Kinesis::Stream'))[0];
    template.hasOutput(STACK_OUTPUT_KEYS.centralStreamName, { Value: { Ref: streamId } });
  });
});
