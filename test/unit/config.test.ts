import { CONFIG_DEFAULTS, ConfigError, readCanaryWriterConfig, readConfig } from '../../lambda/config';
import { NetworkSet } from '../../lambda/detector';
import { INCIDENT_DEFAULTS } from '../../lambda/incidents';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ftp-bounce-watch-alerts';
const base = { ALERT_TOPIC_ARN: TOPIC, AWS_REGION: 'eu-west-1' };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected readConfig to throw');
}

describe('readConfig', () => {
  it('applies the defaults when only the required variables are set', () => {
    expect(readConfig(base)).toEqual({
      topicArn: TOPIC,
      topicRegion: 'eu-west-1',
      region: 'eu-west-1',
      maxDecompressedBytes: 64 * 1024 * 1024,
      publishMaxAttempts: 5,
      alertMessagesPerSecond: 5,
      serviceName: 'ftp-bounce-watch',
      metricsNamespace: 'FtpBounceWatch',
      logLevel: 'INFO',
      incidentTable: null,
      failureBucket: null,
      canary: null,
      incidents: INCIDENT_DEFAULTS,
      internalNetworks: NetworkSet.EMPTY,
      suppressions: [],
      exports: { eventBus: null, securityHubProductArn: null, securityHubMemberRole: null },
    });
    expect(CONFIG_DEFAULTS.maxDecompressedBytes).toBe(64 * 1024 * 1024);
  });

  it('reads every optional variable', () => {
    const config = readConfig({
      ...base,
      MAX_DECOMPRESSED_BYTES: '16777216',
      PUBLISH_MAX_ATTEMPTS: '3',
      ALERT_MESSAGES_PER_SECOND: '8',
      FAILURE_BUCKET_NAME: 'ftp-bounce-watch-failures-123',
      POWERTOOLS_SERVICE_NAME: 'ftp-watch-prod',
      POWERTOOLS_METRICS_NAMESPACE: 'Security/FtpBounceWatch',
      LOG_LEVEL: 'debug',
    });

    expect(config).toMatchObject({
      maxDecompressedBytes: 16_777_216,
      publishMaxAttempts: 3,
      alertMessagesPerSecond: 8,
      failureBucket: 'ftp-bounce-watch-failures-123',
      serviceName: 'ftp-watch-prod',
      metricsNamespace: 'Security/FtpBounceWatch',
      logLevel: 'DEBUG',
    });
  });

  it('reads alert memory\'s table and settings', () => {
    const config = readConfig({
      ...base,
      INCIDENT_TABLE_NAME: 'ftp-bounce-watch-incidents',
      ALERT_WINDOW_MINUTES: '30',
      LOW_SEVERITY: 'Immediate',
      DIGEST_INTERVAL_MINUTES: '60',
      MAX_NEW_INCIDENTS_PER_HOUR: '5',
      SCAN_PORTS: '20',
      SCAN_HOSTS: '3',
    });

    expect(config.incidentTable).toBe('ftp-bounce-watch-incidents');
    expect(config.incidents).toEqual({
      windowMs: 30 * 60_000,
      lowSeverity: 'immediate',
      digestIntervalMs: 3_600_000,
      maxNewIncidentsPerHour: 5,
      scanPorts: 20,
      scanHosts: 3,
    });
  });

  it('reads INTERNAL_NETWORKS as CIDRs, IPv4 and IPv6', () => {
    const config = readConfig({ ...base, INTERNAL_NETWORKS: '10.0.0.0/16,2001:db8:1::/48' });
    expect(config.internalNetworks.networks.map((n) => n.cidr)).toEqual(['10.0.0.0/16', '2001:db8:1::/48']);
  });

  it.each([
    ['10.0.0.0/40', /INTERNAL_NETWORKS .*prefix length/],
    ['10.0.0.1/8', /INTERNAL_NETWORKS .*host bits/],
    ['vpc-123', /INTERNAL_NETWORKS .*not an IPv4 or IPv6 address/],
  ])('refuses INTERNAL_NETWORKS=%s naming the variable', (value, message) => {
    expect(() => readConfig({ ...base, INTERNAL_NETWORKS: value })).toThrow(message);
  });

  it('treats empty optional variables as unset', () => {
    expect(readConfig({ ...base, PUBLISH_MAX_ATTEMPTS: '', LOG_LEVEL: ' ' })).toMatchObject({
      publishMaxAttempts: 5,
      logLevel: 'INFO',
    });
  });

  it('takes the SNS client region from the topic ARN, not from AWS_REGION', () => {
    const config = readConfig({
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      AWS_REGION: 'eu-west-1',
    });

    expect(config.topicRegion).toBe('us-east-1');
    expect(config.region).toBe('eu-west-1');
  });

  it('accepts ARNs of other partitions', () => {
    expect(
      readConfig({
        ALERT_TOPIC_ARN: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:a',
        AWS_REGION: 'us-gov-west-1',
      }).topicRegion,
    ).toBe('us-gov-west-1');
  });

  it.each([
    ['missing', undefined, /ALERT_TOPIC_ARN is required/],
    ['empty', '', /ALERT_TOPIC_ARN is required/],
    ['an SQS queue ARN', 'arn:aws:sqs:eu-west-1:123456789012:q', /must be an SNS topic ARN/],
    ['a topic name', 'ftp-bounce-watch-alerts', /must be an SNS topic ARN/],
    ['a short account id', 'arn:aws:sns:eu-west-1:1234:alerts', /must be an SNS topic ARN/],
    ['a FIFO topic', 'arn:aws:sns:eu-west-1:123456789012:alerts.fifo', /FIFO topics are not supported/],
  ])('rejects ALERT_TOPIC_ARN when %s', (_label, value, message) => {
    const error = configError({ ...base, ALERT_TOPIC_ARN: value });

    expect(error.name).toBe('ConfigError');
    expect(error.variable).toBe('ALERT_TOPIC_ARN');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['AWS_REGION', undefined],
    ['AWS_REGION', 'Ireland'],
    ['MAX_DECOMPRESSED_BYTES', '64MiB'],
    ['MAX_DECOMPRESSED_BYTES', '-1'],
    ['MAX_DECOMPRESSED_BYTES', '1.5'],
    ['MAX_DECOMPRESSED_BYTES', '100'],
    ['MAX_DECOMPRESSED_BYTES', '99999999999'],
    ['PUBLISH_MAX_ATTEMPTS', '0'],
    ['PUBLISH_MAX_ATTEMPTS', '11'],
    ['PUBLISH_MAX_ATTEMPTS', 'five'],
    ['ALERT_MESSAGES_PER_SECOND', '0'],
    ['ALERT_MESSAGES_PER_SECOND', '1001'],
    ['FAILURE_BUCKET_NAME', 'Upper_Case'],
    ['CANARY_SECRET_ARN', 'ftp-bounce-watch/canary'],
    ['CANARY_KEY', 'too short'],
    ['POWERTOOLS_SERVICE_NAME', 'bad\nname'],
    ['POWERTOOLS_METRICS_NAMESPACE', 'AWS/Lambda'],
    ['POWERTOOLS_METRICS_NAMESPACE', 'émoji🙂'],
    ['LOG_LEVEL', 'verbose'],
    ['INCIDENT_TABLE_NAME', 'ab'],
    ['INCIDENT_TABLE_NAME', 'table/with/slashes'],
    ['ALERT_WINDOW_MINUTES', '4'],
    ['ALERT_WINDOW_MINUTES', '1441'],
    ['ALERT_WINDOW_MINUTES', '1h'],
    ['LOW_SEVERITY', 'later'],
    ['DIGEST_INTERVAL_MINUTES', '59'],
    ['DIGEST_INTERVAL_MINUTES', '10081'],
    ['MAX_NEW_INCIDENTS_PER_HOUR', '0'],
    ['SCAN_PORTS', '1'],
    ['SCAN_HOSTS', '1001'],
  ])('rejects %s=%j naming the variable', (variable, value) => {
    const error = configError({ ...base, [variable]: value });

    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).not.toMatch(/\n/);
  });
});

describe('readConfig: the exports (docs/export.md)', () => {
  const PRODUCT = 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default';

  it.each([
    ['the default bus', { EVENT_BUS: 'default' }, { eventBus: 'default', securityHubProductArn: null, securityHubMemberRole: null }],
    ['a bus by name', { EVENT_BUS: 'security-events' }, { eventBus: 'security-events', securityHubProductArn: null, securityHubMemberRole: null }],
    [
      'a bus of another account, by ARN',
      { EVENT_BUS: 'arn:aws:events:eu-west-1:999999999999:event-bus/central' },
      { eventBus: 'arn:aws:events:eu-west-1:999999999999:event-bus/central', securityHubProductArn: null, securityHubMemberRole: null },
    ],
    ['Security Hub', { SECURITY_HUB_PRODUCT_ARN: PRODUCT }, { eventBus: null, securityHubProductArn: PRODUCT, securityHubMemberRole: null }],
    ['blank values: unset', { EVENT_BUS: ' ', SECURITY_HUB_PRODUCT_ARN: '' }, { eventBus: null, securityHubProductArn: null, securityHubMemberRole: null }],
    [
      'central mode: the members\' findings role',
      { SECURITY_HUB_PRODUCT_ARN: PRODUCT, SECURITY_HUB_MEMBER_ROLE: 'ftp-bounce-watch-findings-eu-west-1' },
      { eventBus: null, securityHubProductArn: PRODUCT, securityHubMemberRole: 'ftp-bounce-watch-findings-eu-west-1' },
    ],
  ])('reads %s', (_label, env, expected) => {
    expect(readConfig({ ...base, ...env }).exports).toEqual(expected);
  });

  it.each([
    ['EVENT_BUS', 'bus with spaces', /must be an event bus name or ARN/],
    ['EVENT_BUS', 'arn:aws:events:us-east-1:999999999999:event-bus/central', /must be a bus in this function's Region eu-west-1/],
    ['EVENT_BUS', 'arn:aws:sns:eu-west-1:999999999999:topic', /must be an event bus name or ARN/],
    ['SECURITY_HUB_PRODUCT_ARN', 'arn:aws:securityhub:eu-west-1:123456789012:product/aws/guardduty', /default product ARN/],
    ['SECURITY_HUB_PRODUCT_ARN', 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default', /in this function's Region/],
    ['SECURITY_HUB_MEMBER_ROLE', 'role/with/slashes', /must be an IAM role name/],
    ['SECURITY_HUB_MEMBER_ROLE', 'ftp-bounce-watch-findings-eu-west-1', /needs SECURITY_HUB_PRODUCT_ARN/],
  ])('refuses %s=%s, naming the variable', (variable, value, message) => {
    const error = configError({ ...base, [variable]: value });

    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });
});

describe('readCanaryWriterConfig', () => {
  const writerBase = {
    AWS_REGION: 'eu-west-1',
    CANARY_LOG_GROUPS: '["/ftp/a","/ftp/b"]',
    CANARY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ftp-bounce-watch/canary-AbCdEf',
    INCIDENT_TABLE_NAME: 'incidents',
  };

  it('reads the groups, the interval, the key and the table', () => {
    expect(readCanaryWriterConfig({ ...writerBase, CANARY_INTERVAL_MINUTES: '30' })).toMatchObject({
      logGroups: ['/ftp/a', '/ftp/b'],
      intervalMs: 30 * 60_000,
      table: 'incidents',
      operatorTopicArn: null,
    });
  });

  it.each([
    ['CANARY_LOG_GROUPS', '/ftp/a'],
    ['CANARY_LOG_GROUPS', '[]'],
    ['CANARY_INTERVAL_MINUTES', '1'],
    ['CANARY_SECRET_ARN', ''],
    ['INCIDENT_TABLE_NAME', ''],
    ['OPERATOR_TOPIC_ARN', 'ops'],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => readCanaryWriterConfig({ ...writerBase, [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });
});
