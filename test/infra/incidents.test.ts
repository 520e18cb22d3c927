/**
 * Alert memory in the stack (docs/design.md section 8): the incident table, the scheduled sweep, their grants and alarms,
 * the six context keys, and the settings infra restates from the runtime (which must not drift apart).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { DUE_INDEX_NAME } from '../../lambda/adapters/dynamodb-incident-store';
import { readIncidentSettings } from '../../lambda/config';
import type { PipelineMetricName } from '../../lambda/pipeline';
import { INCIDENT_DEFAULTS, INCIDENT_LIMITS, MINUTE_MS } from '../../lambda/incidents/settings';
import { CONTEXT_KEYS, ContextError, parseContext } from '../../infra/context';
import {
  FtpBounceWatch,
  type FtpBounceWatchProps,
  FtpBounceWatchPropsError,
  INCIDENT_TABLE_SCHEMA,
  STATE_STORE_UNAVAILABLE_METRIC,
} from '../../infra/ftp-bounce-watch';
import {
  formatMinutes,
  INCIDENT_SETTING_DEFAULTS,
  INCIDENT_SETTING_LIMITS,
  incidentEnvironment,
  type IncidentSettingsConfig,
} from '../../infra/incident-settings';
import { detectorId, EXAMPLE_CONTEXT, functionIdByDescription, newTestApp, onlyResource, propertiesOf, synth } from './helpers';

jest.setTimeout(120_000);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

/** The statements of the policies attached to the role a function runs as. */
function statementsOfFunction(template: Template, functionId: string): Statement[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const role = ((resources[functionId]?.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'])[0];
  return propertiesOf(template, 'AWS::IAM::Policy')
    .filter((p) => JSON.stringify(p.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

const sweepId = (template: Template): string => functionIdByDescription(template, /^FtpBounceWatch: ends incident windows/);

describe('runtime and infra agree on alert memory settings', () => {
  it('has the runtime\'s defaults and ranges', () => {
    expect(INCIDENT_SETTING_DEFAULTS).toEqual({
      alertWindowMinutes: INCIDENT_DEFAULTS.windowMs / MINUTE_MS,
      lowSeverity: INCIDENT_DEFAULTS.lowSeverity,
      digestIntervalMinutes: INCIDENT_DEFAULTS.digestIntervalMs / MINUTE_MS,
      maxNewIncidentsPerHour: INCIDENT_DEFAULTS.maxNewIncidentsPerHour,
      scanPorts: INCIDENT_DEFAULTS.scanPorts,
      scanHosts: INCIDENT_DEFAULTS.scanHosts,
    });
    expect(INCIDENT_SETTING_LIMITS).toEqual({
      alertWindowMinutes: INCIDENT_LIMITS.windowMinutes,
      digestIntervalMinutes: INCIDENT_LIMITS.digestIntervalMinutes,
      maxNewIncidentsPerHour: INCIDENT_LIMITS.maxNewIncidentsPerHour,
      scanPorts: INCIDENT_LIMITS.scanPorts,
      scanHosts: INCIDENT_LIMITS.scanHosts,
    });
  });

  const extremes: Array<[string, IncidentSettingsConfig]> = [
    ['every minimum', {
      alertWindowMinutes: INCIDENT_SETTING_LIMITS.alertWindowMinutes.min,
      lowSeverity: 'immediate',
      digestIntervalMinutes: INCIDENT_SETTING_LIMITS.digestIntervalMinutes.min,
      maxNewIncidentsPerHour: INCIDENT_SETTING_LIMITS.maxNewIncidentsPerHour.min,
      scanPorts: INCIDENT_SETTING_LIMITS.scanPorts.min,
      scanHosts: INCIDENT_SETTING_LIMITS.scanHosts.min,
    }],
    ['every maximum', {
      alertWindowMinutes: INCIDENT_SETTING_LIMITS.alertWindowMinutes.max,
      lowSeverity: 'digest',
      digestIntervalMinutes: INCIDENT_SETTING_LIMITS.digestIntervalMinutes.max,
      maxNewIncidentsPerHour: INCIDENT_SETTING_LIMITS.maxNewIncidentsPerHour.max,
      scanPorts: INCIDENT_SETTING_LIMITS.scanPorts.max,
      scanHosts: INCIDENT_SETTING_LIMITS.scanHosts.max,
    }],
  ];
  it.each(extremes)('hands %s to the runtime through the environment, which reads back the same values', (_name, settings) => {
    expect(readIncidentSettings(incidentEnvironment(settings))).toEqual({
      windowMs: settings.alertWindowMinutes * MINUTE_MS,
      lowSeverity: settings.lowSeverity,
      digestIntervalMs: settings.digestIntervalMinutes * MINUTE_MS,
      maxNewIncidentsPerHour: settings.maxNewIncidentsPerHour,
      scanPorts: settings.scanPorts,
      scanHosts: settings.scanHosts,
    });
  });

  it('names the index the store adapter queries', () => {
    expect(INCIDENT_TABLE_SCHEMA.dueIndexName).toBe(DUE_INDEX_NAME);
  });
});

describe('context keys for alert memory', () => {
  const base = { logGroups: '/a', alertEmails: 'ops@example.com' };
  const accepted: Array<[string, Record<string, unknown>, Partial<IncidentSettingsConfig>]> = [
    ['defaults when absent', {}, INCIDENT_SETTING_DEFAULTS],
    ['alertWindow as plain minutes', { alertWindow: '90' }, { alertWindowMinutes: 90 }],
    ['alertWindow in minutes', { alertWindow: '90m' }, { alertWindowMinutes: 90 }],
    ['alertWindow in hours, any case', { alertWindow: '2H' }, { alertWindowMinutes: 120 }],
    ['alertWindow at its minimum', { alertWindow: '5m' }, { alertWindowMinutes: 5 }],
    ['alertWindow at its maximum, in days', { alertWindow: '1d' }, { alertWindowMinutes: 1440 }],
    ['alertWindow as a cdk.json number', { alertWindow: 30 }, { alertWindowMinutes: 30 }],
    ['lowSeverity immediate', { lowSeverity: 'immediate' }, { lowSeverity: 'immediate' }],
    ['lowSeverity, any case and spacing', { lowSeverity: ' Digest ' }, { lowSeverity: 'digest' }],
    ['digestInterval in hours', { digestInterval: '12h' }, { digestIntervalMinutes: 720 }],
    ['digestInterval at its minimum', { digestInterval: '60m' }, { digestIntervalMinutes: 60 }],
    ['digestInterval at its maximum', { digestInterval: '7d' }, { digestIntervalMinutes: 10080 }],
    ['maxNewIncidentsPerHour', { maxNewIncidentsPerHour: '100' }, { maxNewIncidentsPerHour: 100 }],
    ['maxNewIncidentsPerHour as a number', { maxNewIncidentsPerHour: 10000 }, { maxNewIncidentsPerHour: 10000 }],
    ['scanPorts', { scanPorts: '2' }, { scanPorts: 2 }],
    ['scanHosts', { scanHosts: '1000' }, { scanHosts: 1000 }],
  ];
  it.each(accepted)('accepts %s', (_name, context, expected) => {
    expect(parseContext({ ...base, ...context }).incidents).toMatchObject(expected);
  });

  const window = 'alertWindow: expected a duration from 5m to 24h: minutes (90) or a number with m, h or d (90m, 2h, 1d)';
  const digest = 'digestInterval: expected a duration from 1h to 7d: minutes (90) or a number with m, h or d (90m, 2h, 1d)';
  const rejected: Array<[string, Record<string, unknown>, string]> = [
    ['alertWindow below 5 minutes', { alertWindow: '4m' }, `${window}, got "4m"`],
    ['alertWindow above 24 hours', { alertWindow: '25h' }, `${window}, got "25h"`],
    ['alertWindow in seconds', { alertWindow: '300s' }, `${window}, got "300s"`],
    ['alertWindow with a fraction', { alertWindow: '1.5h' }, `${window}, got "1.5h"`],
    ['alertWindow empty', { alertWindow: '' }, `${window}, got ""`],
    ['alertWindow negative', { alertWindow: -10 }, `${window}, got "-10"`],
    ['alertWindow as a boolean', { alertWindow: true }, `${window}, got "true"`],
    ['digestInterval below an hour', { digestInterval: '30m' }, `${digest}, got "30m"`],
    ['digestInterval above 7 days', { digestInterval: '8d' }, `${digest}, got "8d"`],
    ['digestInterval as a word', { digestInterval: 'daily' }, `${digest}, got "daily"`],
    ['lowSeverity unknown', { lowSeverity: 'weekly' }, 'lowSeverity: expected digest or immediate, got "weekly"'],
    ['lowSeverity as a severity name', { lowSeverity: 'low' }, 'lowSeverity: expected digest or immediate, got "low"'],
    ['maxNewIncidentsPerHour zero', { maxNewIncidentsPerHour: '0' }, 'maxNewIncidentsPerHour: expected a whole number from 1 to 10000, got "0"'],
    ['maxNewIncidentsPerHour too large', { maxNewIncidentsPerHour: 10001 }, 'maxNewIncidentsPerHour: expected a whole number from 1 to 10000, got "10001"'],
    ['maxNewIncidentsPerHour a fraction', { maxNewIncidentsPerHour: 2.5 }, 'maxNewIncidentsPerHour: expected a whole number from 1 to 10000, got "2.5"'],
    ['scanPorts one', { scanPorts: '1' }, 'scanPorts: expected a whole number from 2 to 1000, got "1"'],
    ['scanPorts a word', { scanPorts: 'ten' }, 'scanPorts: expected a whole number from 2 to 1000, got "ten"'],
    ['scanHosts too large', { scanHosts: '1001' }, 'scanHosts: expected a whole number from 2 to 1000, got "1001"'],
    ['a misspelt key', { scanPort: '10' }, `scanPort: unknown context key; did you mean scanPorts? (the keys: ${CONTEXT_KEYS.join(', ')})`],
  ];
  it.each(rejected)('rejects %s in one line naming the key', (_name, context, message) => {
    let problems: string[] = [];
    try {
      parseContext({ ...base, ...context });
    } catch (error) {
      if (!(error instanceof ContextError)) throw error;
      problems = error.message.split('\n');
    }
    expect(problems).toEqual([message]);
  });

  it('formats minutes the way the messages show them', () => {
    expect([5, 60, 90, 1440, 2880, 10080].map(formatMinutes)).toEqual(['5m', '1h', '90m', '24h', '2d', '7d']);
  });
});

describe('construct props for alert memory', () => {
  function problemsOf(props: Partial<FtpBounceWatchProps>): readonly string[] {
    try {
      new FtpBounceWatch(new Stack(newTestApp(), 'Invalid'), 'Watch', { logGroups: ['/a'], ...props });
    } catch (error) {
      if (error instanceof FtpBounceWatchPropsError) return error.problems;
      throw error;
    }
    throw new Error('expected FtpBounceWatchPropsError');
  }

  it('collects every bad setting with its expected range', () => {
    expect(
      problemsOf({
        alertWindow: Duration.seconds(90),
        digestInterval: Duration.days(8),
        lowSeverity: 'later' as never,
        maxNewIncidentsPerHour: 0,
        scanPorts: 1.5,
        scanHosts: 1001,
      }),
    ).toEqual([
      'alertWindow: expected whole minutes from 5m to 24h, got 1 minute 30 seconds',
      'digestInterval: expected whole minutes from 1h to 7d, got 8 days',
      'lowSeverity: expected digest or immediate, got "later"',
      'maxNewIncidentsPerHour: expected a whole number from 1 to 10000, got "0"',
      'scanPorts: expected a whole number from 2 to 1000, got "1.5"',
      'scanHosts: expected a whole number from 2 to 1000, got "1001"',
    ]);
  });
});

describe('the stack with alert memory', () => {
  let template: Template;
  let tuned: Template;

  beforeAll(() => {
    template = synth(EXAMPLE_CONTEXT).template;
    tuned = synth({
      logGroups: '/a',
      alertEmails: 'ops@example.com',
      alertWindow: '2h',
      lowSeverity: 'immediate',
      digestInterval: '7d',
      maxNewIncidentsPerHour: '100',
      scanPorts: '20',
      scanHosts: '8',
    }).template;
  });

  it('keeps incidents in one on-demand table with TTL, point-in-time recovery and the due index', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'dueShard', AttributeType: 'S' },
        { AttributeName: 'dueAt', AttributeType: 'N' },
      ]),
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: 'due',
          KeySchema: [
            { AttributeName: 'dueShard', KeyType: 'HASH' },
            { AttributeName: 'dueAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
    const table = onlyResource(template, 'AWS::DynamoDB::Table').resource.Properties as Record<string, unknown>;
    // On-demand: no provisioned throughput anywhere.
    expect(JSON.stringify(table)).not.toContain('ProvisionedThroughput');
  });

  it('encrypts the table with the stack\'s own rotating key and keeps it when the stack is deleted', () => {
    const key = onlyResource(template, 'AWS::KMS::Key');
    expect(key.resource).toMatchObject({ Properties: { EnableKeyRotation: true } });
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('gives the detector the table and every setting, defaults when the context has none', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table').id;
    const detector = template.toJSON().Resources[detectorId(template)].Properties;
    expect(detector.Environment.Variables).toMatchObject({
      INCIDENT_TABLE_NAME: { Ref: table },
      ALERT_WINDOW_MINUTES: '60',
      LOW_SEVERITY: 'digest',
      DIGEST_INTERVAL_MINUTES: '1440',
      MAX_NEW_INCIDENTS_PER_HOUR: '30',
      SCAN_PORTS: '10',
      SCAN_HOSTS: '5',
    });
  });

  it('passes context settings to both functions', () => {
    const expected = {
      ALERT_WINDOW_MINUTES: '120',
      LOW_SEVERITY: 'immediate',
      DIGEST_INTERVAL_MINUTES: '10080',
      MAX_NEW_INCIDENTS_PER_HOUR: '100',
      SCAN_PORTS: '20',
      SCAN_HOSTS: '8',
    };
    for (const id of [detectorId(tuned), sweepId(tuned)]) {
      expect(tuned.toJSON().Resources[id].Properties.Environment.Variables).toMatchObject(expected);
    }
  });

  it('runs the sweep like the detector, every five minutes, with the same topic and table', () => {
    const detector = template.toJSON().Resources[detectorId(template)].Properties;
    const sweep = sweepId(template);
    const props = template.toJSON().Resources[sweep].Properties;
    expect(props).toMatchObject({
      Runtime: detector.Runtime,
      Architectures: detector.Architectures,
      Handler: 'index.handler',
      Timeout: 120,
      // The detector's variables, less the canary's (the detector proves canaries; the sweep does not).
      Environment: {
        Variables: Object.fromEntries(
          Object.entries(detector.Environment.Variables as Record<string, unknown>).filter(([k]) => !k.startsWith('CANARY_')),
        ),
      },
    });
    // Its own log group, kept as long as the detector's.
    const logGroup = template.toJSON().Resources[props.LoggingConfig.LogGroup.Ref as string];
    expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweep, 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [sweep, 'Arn'] },
    });
    // A failed sweep is not retried: the next scheduled run does its work, and a stale event is dropped.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweep },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 240,
    });
    // Below the schedule's period, so that two sweeps never overlap.
    expect(props.Timeout).toBeLessThan(300);
  });

  it('alarms on the sweep\'s errors, throttles and missed runs, to the operator topic', () => {
    const sweep = sweepId(template);
    const alarms = propertiesOf(template, 'AWS::CloudWatch::Alarm').filter(
      (a) => JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: sweep } }]),
    );
    const operatorAction = propertiesOf(template, 'AWS::CloudWatch::Alarm')[0]?.AlarmActions;
    expect(alarms.map((a) => a.MetricName).sort()).toEqual(['Errors', 'Invocations', 'Throttles']);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual(operatorAction);
    expect(alarms.find((a) => a.MetricName === 'Invocations')).toMatchObject({
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when the detector fails open, on the metric the pipeline emits under the detector\'s service', () => {
    // Checked by the compiler (npm test typechecks the tests): the name is one the pipeline counts.
    const metricName: PipelineMetricName = STATE_STORE_UNAVAILABLE_METRIC;
    const env = template.toJSON().Resources[detectorId(template)].Properties.Environment.Variables;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: [{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('grants the detector only the table calls it makes, on the table alone', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table').id;
    const dynamo = statementsOfFunction(template, detectorId(template)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      },
    ]);
  });

  it('grants the sweep the table calls it makes, and Query on the due index only', () => {
    const table = onlyResource(template, 'AWS::DynamoDB::Table').id;
    const dynamo = statementsOfFunction(template, sweepId(template)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toEqual([
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:Query',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/due']] },
      },
    ]);
  });

  it('lets both functions use the key for the table only through DynamoDB, and the sweep publish alerts', () => {
    const key = onlyResource(template, 'AWS::KMS::Key').id;
    for (const id of [detectorId(template), sweepId(template)]) {
      const statements = statementsOfFunction(template, id);
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [key, 'Arn'] },
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        },
      });
      expect(statements).toContainEqual(expect.objectContaining({ Action: 'sns:Publish' }));
    }
  });

  it('grants no wildcard DynamoDB action, no Scan, no deletes and no table management to anyone', () => {
    const actions = propertiesOf(template, 'AWS::IAM::Policy')
      .flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('dynamodb:'));
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toContain('*');
      expect(action).not.toMatch(/Scan|Delete|Table|PartiQL|Transact/);
    }
  });
});
