/**
 * The Lambda's configuration, read from the environment once at cold start. Every variable is validated so
 * that a bad deployment fails at init with a message naming the variable, not later on the first batch.
 */
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './awslogs';
import { IAM_ROLE_NAME, isAwsRegion, SNS_TOPIC_ARN } from './aws-names';
import { InvalidNetworkError, NetworkSet, parseNetworks } from './detector';
import { parseProductArn } from './export/asff-finding';
import { INCIDENT_DEFAULTS, INCIDENT_LIMITS, type IncidentSettings, MINUTE_MS } from './incidents/settings';
import { parseSuppressionSpecs, type Suppression } from './incidents/suppressions';

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface HandlerConfig {
  /** `ALERT_TOPIC_ARN`: the standard (non-FIFO) SNS topic alerts are published to. */
  readonly topicArn: string;
  /** The topic's region, from its ARN: the SNS client must talk to the topic's region. */
  readonly topicRegion: string;
  /** `AWS_REGION`: where the function and its log groups live; used for console links in alerts. */
  readonly region: string;
  readonly maxDecompressedBytes: number;
  readonly publishMaxAttempts: number;
  /**
   * `ALERT_MESSAGES_PER_SECOND`: messages all publishers of the deployment send to the alert topic in one
   * second, at most. SNS suspends an email subscription that receives more than 10 a second.
   */
  readonly alertMessagesPerSecond: number;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logLevel: LogLevelName;
  /**
   * `INCIDENT_TABLE_NAME`: alert memory's DynamoDB table (the stack always sets it). Null when unset: every
   * batch is judged alone, as before incidents existed.
   */
  readonly incidentTable: string | null;
  /**
   * `FAILURE_BUCKET_NAME`: where the central detector keeps a Kinesis record it can never decode, whole. Null
   * when unset: such a record is reported for Lambda's retries like any failed one.
   */
  readonly failureBucket: string | null;
  /** The canary's receiving end (docs/design.md section 10); null when no key is configured (no line is a canary). */
  readonly canary: CanaryKeyConfig | null;
  /** Alert memory's settings (ALERT_WINDOW_MINUTES, LOW_SEVERITY, ...), defaults where unset. */
  readonly incidents: IncidentSettings;
  /**
   * `INTERNAL_NETWORKS`: the operator's own networks (CIDRs, comma-separated; the stack sets it from the
   * `internalNetworks` context key). Empty when unset.
   */
  readonly internalNetworks: NetworkSet;
  /**
   * `SUPPRESSIONS`: the `suppressions` context key as JSON (the stack sets it), always in force beside the
   * table's. Empty when unset.
   */
  readonly suppressions: readonly Suppression[];
  /** Where published alerts are also exported (docs/export.md); each null when its variable is unset. */
  readonly exports: ExportConfig;
}

export interface ExportConfig {
  /** `EVENT_BUS`: the EventBridge bus (name, or ARN of a bus in this Region) every alert goes to as an event. */
  readonly eventBus: string | null;
  /** `SECURITY_HUB_PRODUCT_ARN`: this account's default product ARN; incidents are imported there as findings. */
  readonly securityHubProductArn: string | null;
  /**
   * `SECURITY_HUB_MEMBER_ROLE` (central mode): the role name each member account has for importing its own findings,
   * `ftp-bounce-watch-findings-<region>`; a member's findings are imported through it (docs/export.md).
   */
  readonly securityHubMemberRole: string | null;
}

export const CONFIG_DEFAULTS = {
  maxDecompressedBytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
  publishMaxAttempts: 5,
  // Half of SNS's email limit: deliveries of messages published a second apart can still arrive together.
  alertMessagesPerSecond: 5,
  serviceName: 'ftp-bounce-watch',
  metricsNamespace: 'FtpBounceWatch',
  logLevel: 'INFO',
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.variable = variable;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** CloudWatch namespaces: printable ASCII from this set, at most 255, and not the reserved `AWS/` prefix. */
const NAMESPACE = /^[A-Za-z0-9.\-_/#: ]{1,255}$/;

export function readConfig(env: Env): HandlerConfig {
  const topicArn = env.ALERT_TOPIC_ARN?.trim();
  if (topicArn === undefined || topicArn === '') {
    throw new ConfigError(
      'ALERT_TOPIC_ARN',
      'is required: the ARN of the SNS topic to publish alerts to, e.g. arn:aws:sns:eu-west-1:123456789012:ftp-alerts',
    );
  }
  const arn = SNS_TOPIC_ARN.exec(topicArn);
  if (arn === null) {
    throw new ConfigError(
      'ALERT_TOPIC_ARN',
      `must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got ${quote(topicArn)}`,
    );
  }
  if (arn[4] !== undefined) {
    throw new ConfigError(
      'ALERT_TOPIC_ARN',
      `must be a standard topic: FIFO topics are not supported, got ${quote(topicArn)}`,
    );
  }

  const region = env.AWS_REGION?.trim() ?? '';
  if (!isAwsRegion(region)) {
    throw new ConfigError(
      'AWS_REGION',
      `must be an AWS region such as eu-west-1 (Lambda sets it), got ${quote(region)}`,
    );
  }

  const serviceName = optional(env, 'POWERTOOLS_SERVICE_NAME') ?? CONFIG_DEFAULTS.serviceName;
  // eslint-disable-next-line no-control-regex -- control characters are what is refused.
  if (serviceName.length > 255 || /[\u0000-\u001f\u007f]/.test(serviceName)) {
    throw new ConfigError('POWERTOOLS_SERVICE_NAME', 'must be at most 255 printable characters');
  }

  const metricsNamespace = optional(env, 'POWERTOOLS_METRICS_NAMESPACE') ?? CONFIG_DEFAULTS.metricsNamespace;
  if (!NAMESPACE.test(metricsNamespace) || metricsNamespace.startsWith('AWS/')) {
    throw new ConfigError(
      'POWERTOOLS_METRICS_NAMESPACE',
      `must be 1-255 characters of A-Z a-z 0-9 . - _ / # : and space, not starting with AWS/, got ${quote(metricsNamespace)}`,
    );
  }

  const logLevel = (optional(env, 'LOG_LEVEL') ?? CONFIG_DEFAULTS.logLevel).toUpperCase();
  if (!isLogLevel(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got ${quote(logLevel)}`);
  }

  return {
    topicArn,
    topicRegion: arn[1] ?? region,
    region,
    maxDecompressedBytes: integer(
      env,
      'MAX_DECOMPRESSED_BYTES',
      CONFIG_DEFAULTS.maxDecompressedBytes,
      1024,
      2 ** 30,
    ),
    publishMaxAttempts: integer(env, 'PUBLISH_MAX_ATTEMPTS', CONFIG_DEFAULTS.publishMaxAttempts, 1, 10),
    alertMessagesPerSecond: integer(env, 'ALERT_MESSAGES_PER_SECOND', CONFIG_DEFAULTS.alertMessagesPerSecond, 1, 1000),
    serviceName,
    metricsNamespace,
    logLevel,
    incidentTable: tableName(env),
    failureBucket: bucketName(env),
    canary: canaryKey(env),
    incidents: readIncidentSettings(env),
    internalNetworks: internalNetworks(env),
    suppressions: contextSuppressions(env),
    exports: readExportConfig(env, region),
  };
}

function contextSuppressions(env: Env): Suppression[] {
  const text = optional(env, 'SUPPRESSIONS');
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('SUPPRESSIONS', 'must be JSON: a list of {client, target?, severity?, reason, expires}');
  }
  const { suppressions, problems } = parseSuppressionSpecs(value);
  if (problems.length > 0) throw new ConfigError('SUPPRESSIONS', problems.join('; '));
  return suppressions;
}

const EVENT_BUS_NAME = /^[A-Za-z0-9._/-]{1,256}$/;
const EVENT_BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):\d{12}:event-bus\/[A-Za-z0-9._/-]{1,256}$/;

function readExportConfig(env: Env, region: string): ExportConfig {
  const eventBus = optional(env, 'EVENT_BUS') ?? null;
  if (eventBus !== null) {
    const arn = EVENT_BUS_ARN.exec(eventBus);
    if (eventBus.startsWith('arn:') ? arn === null : !EVENT_BUS_NAME.test(eventBus)) {
      throw new ConfigError('EVENT_BUS', `must be an event bus name or ARN (arn:aws:events:<region>:<account>:event-bus/<name>), got ${quote(eventBus)}`);
    }
    if (arn !== null && arn[1] !== region) {
      throw new ConfigError('EVENT_BUS', `must be a bus in this function's Region ${region}, got ${quote(eventBus)}`);
    }
  }
  const productArn = optional(env, 'SECURITY_HUB_PRODUCT_ARN') ?? null;
  if (productArn !== null) {
    const parts = parseProductArn(productArn);
    if (parts === null) {
      throw new ConfigError(
        'SECURITY_HUB_PRODUCT_ARN',
        `must be this account's default product ARN (arn:aws:securityhub:<region>:<account>:product/<account>/default), got ${quote(productArn)}`,
      );
    }
    if (parts.region !== region) {
      throw new ConfigError('SECURITY_HUB_PRODUCT_ARN', `must be in this function's Region ${region}, got ${quote(productArn)}`);
    }
  }
  const memberRole = optional(env, 'SECURITY_HUB_MEMBER_ROLE') ?? null;
  if (memberRole !== null && !IAM_ROLE_NAME.test(memberRole)) {
    throw new ConfigError('SECURITY_HUB_MEMBER_ROLE', `must be an IAM role name (A-Z a-z 0-9 +=,.@_-, at most 64), got ${quote(memberRole)}`);
  }
  if (memberRole !== null && productArn === null) {
    throw new ConfigError('SECURITY_HUB_MEMBER_ROLE', 'needs SECURITY_HUB_PRODUCT_ARN (Security Hub on)');
  }
  return { eventBus, securityHubProductArn: productArn, securityHubMemberRole: memberRole };
}

function internalNetworks(env: Env): NetworkSet {
  const text = optional(env, 'INTERNAL_NETWORKS');
  if (text === undefined) return NetworkSet.EMPTY;
  try {
    return parseNetworks(text);
  } catch (error) {
    if (error instanceof InvalidNetworkError) throw new ConfigError('INTERNAL_NETWORKS', `has an ${error.message}`);
    throw error;
  }
}

/** DynamoDB table names: 3-255 of A-Z a-z 0-9 _ - . */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Where the canary's HMAC key comes from, and the canary topic. */
export interface CanaryKeyConfig {
  /** `CANARY_SECRET_ARN`: the generated secret (the stack). */
  readonly secretArn: string | null;
  /** `CANARY_KEY`: the key itself, for a local run only (a Lambda environment is readable by too many people). */
  readonly key: string | null;
  /** `CANARY_TOPIC_ARN`: the topic a proven canary is published to (no person subscribed). */
  readonly topicArn: string | null;
}

function canaryKey(env: Env): CanaryKeyConfig | null {
  const secretArn = optional(env, 'CANARY_SECRET_ARN') ?? null;
  const key = optional(env, 'CANARY_KEY') ?? null;
  if (secretArn === null && key === null) return null;
  if (secretArn !== null && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/.test(secretArn)) {
    throw new ConfigError('CANARY_SECRET_ARN', `must be a Secrets Manager secret ARN, got ${quote(secretArn)}`);
  }
  if (key !== null && Buffer.byteLength(key) < 32) throw new ConfigError('CANARY_KEY', 'must be at least 32 bytes');
  const topicArn = optional(env, 'CANARY_TOPIC_ARN') ?? null;
  if (topicArn !== null && SNS_TOPIC_ARN.exec(topicArn) === null) {
    throw new ConfigError('CANARY_TOPIC_ARN', `must be an SNS topic ARN, got ${quote(topicArn)}`);
  }
  return { secretArn, key, topicArn };
}

/** The canary function's configuration (`lambda/canary-handler.ts`). */
export interface CanaryWriterConfig {
  readonly region: string;
  /** `CANARY_LOG_GROUPS`: a JSON array of the log group names to write the canary into. */
  readonly logGroups: readonly string[];
  /** `CANARY_INTERVAL_MINUTES`: how often the canary runs (its schedule); two of them without return is overdue. */
  readonly intervalMs: number;
  readonly keySource: CanaryKeyConfig;
  /** `INCIDENT_TABLE_NAME`: where the round trips are recorded. */
  readonly table: string;
  /** `OPERATOR_TOPIC_ARN`: told which groups' canaries are overdue. */
  readonly operatorTopicArn: string | null;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly logLevel: LogLevelName;
}

export function readCanaryWriterConfig(env: Env): CanaryWriterConfig {
  const region = env.AWS_REGION?.trim() ?? '';
  if (!isAwsRegion(region)) throw new ConfigError('AWS_REGION', `must be an AWS Region name, got ${quote(region)}`);
  const raw = optional(env, 'CANARY_LOG_GROUPS');
  if (raw === undefined) throw new ConfigError('CANARY_LOG_GROUPS', 'is required: a JSON array of log group names');
  let logGroups: unknown;
  try {
    logGroups = JSON.parse(raw);
  } catch {
    throw new ConfigError('CANARY_LOG_GROUPS', 'must be a JSON array of log group names');
  }
  if (!Array.isArray(logGroups) || logGroups.length === 0 || !logGroups.every((g) => typeof g === 'string' && g !== '')) {
    throw new ConfigError('CANARY_LOG_GROUPS', 'must be a non-empty JSON array of log group names');
  }
  const keySource = canaryKey(env);
  if (keySource === null) throw new ConfigError('CANARY_SECRET_ARN', 'is required: the secret holding the canary key');
  const table = tableName(env);
  if (table === null) throw new ConfigError('INCIDENT_TABLE_NAME', 'is required: the round trips are recorded there');
  const operatorTopicArn = optional(env, 'OPERATOR_TOPIC_ARN') ?? null;
  if (operatorTopicArn !== null && SNS_TOPIC_ARN.exec(operatorTopicArn) === null) {
    throw new ConfigError('OPERATOR_TOPIC_ARN', `must be an SNS topic ARN, got ${quote(operatorTopicArn)}`);
  }
  const logLevel = (optional(env, 'LOG_LEVEL') ?? CONFIG_DEFAULTS.logLevel).toUpperCase();
  return {
    region,
    logGroups: logGroups as string[],
    intervalMs: integer(env, 'CANARY_INTERVAL_MINUTES', 60, 5, 24 * 60) * 60_000,
    keySource,
    table,
    operatorTopicArn,
    serviceName: optional(env, 'POWERTOOLS_SERVICE_NAME') ?? CONFIG_DEFAULTS.serviceName,
    metricsNamespace: optional(env, 'POWERTOOLS_METRICS_NAMESPACE') ?? CONFIG_DEFAULTS.metricsNamespace,
    logLevel: isLogLevel(logLevel) ? logLevel : CONFIG_DEFAULTS.logLevel,
  };
}

function bucketName(env: Env): string | null {
  const name = optional(env, 'FAILURE_BUCKET_NAME');
  if (name === undefined) return null;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) {
    throw new ConfigError('FAILURE_BUCKET_NAME', `must be an S3 bucket name (3-63 of a-z 0-9 . -), got ${quote(name)}`);
  }
  return name;
}

function tableName(env: Env): string | null {
  const name = optional(env, 'INCIDENT_TABLE_NAME');
  if (name === undefined) return null;
  if (!TABLE_NAME.test(name)) {
    throw new ConfigError('INCIDENT_TABLE_NAME', `must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .), got ${quote(name)}`);
  }
  return name;
}

/** Alert memory's knobs; the same ranges as the CDK context keys that set them. */
export function readIncidentSettings(env: Env): IncidentSettings {
  const d = INCIDENT_DEFAULTS;
  const L = INCIDENT_LIMITS;
  const low = (optional(env, 'LOW_SEVERITY') ?? d.lowSeverity).toLowerCase();
  if (low !== 'digest' && low !== 'immediate') {
    throw new ConfigError('LOW_SEVERITY', `must be digest or immediate, got ${quote(low)}`);
  }
  return {
    windowMs:
      integer(env, 'ALERT_WINDOW_MINUTES', d.windowMs / MINUTE_MS, L.windowMinutes.min, L.windowMinutes.max) * MINUTE_MS,
    lowSeverity: low,
    digestIntervalMs:
      integer(
        env,
        'DIGEST_INTERVAL_MINUTES',
        d.digestIntervalMs / MINUTE_MS,
        L.digestIntervalMinutes.min,
        L.digestIntervalMinutes.max,
      ) * MINUTE_MS,
    maxNewIncidentsPerHour: integer(
      env,
      'MAX_NEW_INCIDENTS_PER_HOUR',
      d.maxNewIncidentsPerHour,
      L.maxNewIncidentsPerHour.min,
      L.maxNewIncidentsPerHour.max,
    ),
    scanPorts: integer(env, 'SCAN_PORTS', d.scanPorts, L.scanPorts.min, L.scanPorts.max),
    scanHosts: integer(env, 'SCAN_HOSTS', d.scanHosts, L.scanHosts.min, L.scanHosts.max),
  };
}

/** Unset and empty are the same: CloudFormation cannot easily remove a variable, only blank it. */
function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${quote(raw)}`);
  }
  return value;
}

function isLogLevel(value: string): value is LogLevelName {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
