/**
 * Incidents as AWS Security Finding Format findings for Security Hub CSPM's BatchImportFindings (docs/export.md).
 * One finding per incident, with a stable `Id` and `CreatedAt` (the incident's first refusal): every later message of
 * the incident (an update, a digest line) imports the same `Id` with its last refusal as `UpdatedAt`; Security Hub
 * ignores an import with an earlier `UpdatedAt`, so an older state never replaces a newer one. Severity
 * and Types go in `FindingProviderFields`, the provider's own copy that BatchImportFindings may update
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html). Every text taken
 * from a log line is cleaned, defanged and capped to the ASFF field's maximum
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_AwsSecurityFinding.html). Pure.
 */
import type { AwsSecurityFinding, Resource, SeverityLabel } from '@aws-sdk/client-securityhub';
import { isIP } from 'node:net';
import type { Alert, AlertClassification, DigestEntry } from '../alerts/alert';
import { BOUNCE_SCAN_TEXT } from '../alerts/incident.messages';
import { clientEventsUrl } from '../alerts/links';
import { displaySafe } from '../alerts/sanitize';
import { isAwsRegion } from '../aws-names';
import type { Severity } from '../detector/finding';
import { RULE_11209_TEXT } from '../detector/rule-11209.messages';
import { logGroupArn } from './event-entry';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** ASFF maxima (API_AwsSecurityFinding, API_Recommendation, API_Resource). */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendation: 512,
  resources: 32,
  productFieldValue: 2048,
  /** BatchImportFindings: findings per request, bytes per finding. */
  findingsPerCall: 100,
  findingBytes: 240 * 1024,
} as const;

export const SEVERITY_LABELS: Readonly<Record<Severity, SeverityLabel>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
};

/**
 * Finding types, `namespace/category/classifier`, from the ASFF types taxonomy
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-type-taxonomy.html): what may
 * be an attack under TTPs (Initial Access: a bounce tries to use the server as a way in; Discovery: a scan), what is
 * most likely a client's network set-up under Unusual Behaviors/Network Flow.
 */
export const FINDING_TYPES: Readonly<Record<AlertClassification, string>> = {
  'bounce-attempt': 'TTPs/Initial Access/FTP Bounce Attempt',
  'bounce-scan': 'TTPs/Discovery/FTP Bounce Scan',
  'internal-target': 'TTPs/Initial Access/FTP Bounce To Internal Network',
  'foreign-public-target': 'TTPs/Initial Access/FTP Bounce To Public Host',
  'malformed-argument': 'TTPs/Initial Access/FTP Malformed PORT Argument',
  'proxy-address-mismatch': 'Unusual Behaviors/Network Flow/FTP PORT Behind Proxy',
  'nat-misconfiguration': 'Unusual Behaviors/Network Flow/FTP PORT NAT Mismatch',
  'address-family-mismatch': 'Unusual Behaviors/Network Flow/FTP EPRT Address Family Mismatch',
};

/** Where findings are imported: the default product of the importing account (docs/export.md). */
export interface FindingTarget {
  /** `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`. */
  readonly productArn: string;
}

export interface ProductArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const PRODUCT_ARN = /^arn:(aws[a-z-]*):securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/;

/** The parts of a default product ARN, or null when the text is not one. */
export function parseProductArn(text: string): ProductArnParts | null {
  const match = PRODUCT_ARN.exec(text);
  if (match === null || match[3] !== match[4]) return null;
  return { partition: match[1] as string, region: match[2] as string, account: match[3] as string };
}

export function defaultProductArn(partition: string, region: string, account: string): string {
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

/** The stable finding id of an incident: the same on every import of it. */
export function findingIdOf(region: string, incidentId: string): string {
  return `ftp-bounce-watch/${region}/${incidentId}`;
}

function labelOf(classification: AlertClassification): string {
  if (classification === 'bounce-scan') return BOUNCE_SCAN_TEXT.label;
  return RULE_11209_TEXT.classifications[classification]?.label ?? classification;
}

function runbookOf(classification: AlertClassification): readonly string[] {
  if (classification === 'bounce-scan') return BOUNCE_SCAN_TEXT.runbook;
  return RULE_11209_TEXT.classifications[classification]?.runbook ?? [];
}

function typeOf(classification: AlertClassification): string {
  return FINDING_TYPES[classification] ?? 'TTPs/Initial Access/FTP Bounce';
}

/**
 * A client address usable as ASFF Network.SourceIpV4/V6: only a real address (the text comes from a log line).
 * Node's isIP also accepts zone-scoped IPv6 text (`fe80::1%eth0`, RFC 4007), which is no address to match or
 * block on and may be refused as SourceIpV6: left out (`ftp-bounce-watch/client` keeps the text).
 */
function sourceIp(srcIp: string | null): { SourceIpV4: string } | { SourceIpV6: string } | null {
  if (srcIp === null || srcIp.includes('%')) return null;
  const family = isIP(srcIp);
  if (family === 4) return { SourceIpV4: srcIp };
  if (family === 6) return { SourceIpV6: srcIp };
  return null;
}

/** A safe ProductFields value: cleaned, defanged, capped. */
function field(text: string, max = 256): string {
  const safe = displaySafe(text, max);
  return safe === '' ? '-' : safe;
}

/** EC2 instance ids are the only host names that name a resource for certain. */
const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

function resourcesOf(
  parts: ProductArnParts,
  region: string,
  account: string | null,
  logGroup: string,
  hosts: readonly string[],
): Resource[] {
  const ownerKnown = account !== null && /^\d{12}$/.test(account);
  const resources: Resource[] = [
    {
      // No ASFF resource type names a CloudWatch Logs log group: `Other`, with the group's ARN where the account is known.
      Type: 'Other',
      Id: ownerKnown ? logGroupArn(parts.partition, region, account, logGroup) : field(`log-group:${logGroup}`, 1024),
      Partition: parts.partition as Resource['Partition'],
      Region: region,
      Details: { Other: { logGroup: field(logGroup, 1024) } },
    },
  ];
  for (const host of hosts.slice(0, ASFF_LIMITS.resources - 1)) {
    if (ownerKnown && INSTANCE_ID.test(host)) {
      resources.push({
        Type: 'AwsEc2Instance',
        Id: `arn:${parts.partition}:ec2:${region}:${account}:instance/${host}`,
        Partition: parts.partition as Resource['Partition'],
        Region: region,
      });
    } else {
      // A syslog host name: where it happened, not an ARN; shown as logged (cleaned).
      resources.push({ Type: 'Other', Id: field(`host:${host}`, 512), Partition: parts.partition as Resource['Partition'], Region: region });
    }
  }
  return resources;
}

interface IncidentView {
  readonly incidentId: string;
  readonly classification: AlertClassification;
  readonly severity: Severity;
  readonly srcIp: string | null;
  readonly logGroup: string;
  /** The incident's first refusal: the finding's CreatedAt, the same on every import (the message's own when unknown). */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly targets: readonly string[];
  readonly hosts: readonly string[];
  readonly title: string;
  readonly description: string;
  /** The console link to this incident's own lines (its log group, its client), or undefined. */
  readonly sourceUrl: string | undefined;
}

function finding(
  view: IncidentView,
  alert: Alert,
  parts: ProductArnParts,
  target: FindingTarget,
): AwsSecurityFinding {
  const runbook = runbookOf(view.classification).map((step, i) => `${i + 1}. ${step}`).join(' ');
  const network = sourceIp(view.srcIp);
  const url = view.sourceUrl;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingIdOf(alert.region, view.incidentId),
    ProductArn: target.productArn,
    ProductName: 'ftp-bounce-watch',
    CompanyName: 'ftp-bounce-watch',
    GeneratorId: `ftp-bounce-watch/rule-11209/${view.classification}`,
    // The importing account: with the default product only it may import (docs/export.md, central mode).
    AwsAccountId: parts.account,
    Region: alert.region,
    CreatedAt: view.firstSeen,
    UpdatedAt: view.lastSeen,
    FirstObservedAt: view.firstSeen,
    LastObservedAt: view.lastSeen,
    FindingProviderFields: {
      Severity: { Label: SEVERITY_LABELS[view.severity], Original: view.severity },
      Types: [typeOf(view.classification)],
    },
    Title: displaySafe(view.title, ASFF_LIMITS.title),
    Description: displaySafe(view.description, ASFF_LIMITS.description),
    ...(runbook !== '' && { Remediation: { Recommendation: { Text: displaySafe(runbook, ASFF_LIMITS.recommendation) } } }),
    ...(typeof url === 'string' && url.startsWith('https://') && url.length <= 2048 && { SourceUrl: url }),
    ...(network !== null && { Network: { Direction: 'IN', Protocol: 'TCP', ...network } }),
    Resources: resourcesOf(parts, alert.region, alert.account, view.logGroup, view.hosts),
    ProductFields: {
      'ftp-bounce-watch/classification': view.classification,
      'ftp-bounce-watch/incidentId': view.incidentId,
      'ftp-bounce-watch/alertId': field(alert.id, 128),
      'ftp-bounce-watch/kind': field(alert.kind, 32),
      'ftp-bounce-watch/refusals': String(view.count),
      'ftp-bounce-watch/logGroup': field(view.logGroup, 1024),
      'ftp-bounce-watch/logAccount': alert.account === null ? 'unknown' : field(alert.account, 32),
      'ftp-bounce-watch/client': view.srcIp === null ? 'unknown' : field(view.srcIp, 256),
      'ftp-bounce-watch/targets': field(view.targets.join(' ') || '-', ASFF_LIMITS.productFieldValue),
    },
    RecordState: 'ACTIVE',
  };
}

function entryView(entry: DigestEntry, alert: Alert): IncidentView {
  const label = labelOf(entry.classification);
  const client = entry.srcIp ?? 'an unknown client';
  return {
    incidentId: entry.incidentId,
    classification: entry.classification,
    severity: entry.severity,
    srcIp: entry.srcIp,
    logGroup: entry.logGroup,
    firstSeen: earlierOf(entry.incidentFirstSeen, entry.firstSeen),
    lastSeen: entry.lastSeen,
    // The incident's total, as its own messages say it: a digest line's count is only the digest's interval.
    count: entry.incidentTotal ?? entry.count,
    targets: entry.topTargets.map((t) => t.target),
    hosts: [],
    title: `${label} from ${client} (${entry.incidentTotal ?? entry.count} refused)`,
    description: `${label}: ${entry.count} refused PORT/EPRT commands from ${client} in ${entry.logGroup} between `
      + `${entry.firstSeen} and ${entry.lastSeen}, listed in a ${alert.digest?.reason ?? 'low-severity'} digest. `
      + RULE_11209_TEXT.brief,
    // The digest's own links name its first entry's log group and no client: each incident links to its own lines.
    sourceUrl: entryEventsUrl(alert.region, entry),
  };
}

/**
 * CreatedAt: when the incident began, not this message's first refusal (an update's is its window's), so every
 * import of the finding says the same (API_AwsSecurityFinding: "when the security findings provider created the
 * potential security issue that a finding captured"). The message's own when the alert does not say (no memory).
 */
function earlierOf(incidentFirstSeen: string | undefined, messageFirstSeen: string): string {
  if (incidentFirstSeen === undefined || Number.isNaN(Date.parse(incidentFirstSeen))) return messageFirstSeen;
  return Date.parse(incidentFirstSeen) < Date.parse(messageFirstSeen) ? incidentFirstSeen : messageFirstSeen;
}

function entryEventsUrl(region: string, entry: DigestEntry): string | undefined {
  const first = Date.parse(entry.firstSeen);
  const last = Date.parse(entry.lastSeen);
  if (!isAwsRegion(region) || Number.isNaN(first) || Number.isNaN(last)) return undefined;
  return clientEventsUrl(region, entry.logGroup, entry.srcIp, first, last);
}

/**
 * The findings one alert message imports: its incident's (new, escalation, update), or one per incident a digest
 * lists; none for a test alert. Throws nothing for a well-formed Alert; fields a newer alert adds are ignored here
 * (they reach EventBridge).
 */
export function alertFindings(alert: Alert, target: FindingTarget): AwsSecurityFinding[] {
  const parts = parseProductArn(target.productArn);
  if (parts === null) throw new RangeError(`not a Security Hub default product ARN: ${target.productArn}`);
  if (isTestAlert(alert)) return [];
  if (alert.kind === 'digest') return (alert.digest?.entries ?? []).map((entry) => finding(entryView(entry, alert), alert, parts, target));
  const view: IncidentView = {
    incidentId: alert.incidentId,
    classification: alert.classification,
    severity: alert.severity,
    srcIp: alert.srcIp,
    logGroup: alert.logGroup,
    firstSeen: earlierOf(alert.incidentFirstSeen, alert.firstSeen),
    lastSeen: alert.lastSeen,
    count: alert.incidentTotal ?? alert.count,
    targets: alert.targets,
    hosts: alert.hosts ?? [],
    title: alert.title,
    description: alert.description,
    sourceUrl: alert.links?.clientEvents ?? alert.links?.insights,
  };
  return [finding(view, alert, parts, target)];
}

/**
 * The alert of `ftp-bounce-watch test --deliver` (`test: true`): nothing happened, so it is no incident and no finding
 * (EventBridge still gets it, `test: true` in its detail).
 */
export function isTestAlert(alert: Alert): boolean {
  return alert.test === true;
}

/** Bytes of a finding as sent (JSON), for the 240 KB limit. */
export function findingBytes(finding: AwsSecurityFinding): number {
  return Buffer.byteLength(JSON.stringify(finding));
}
