/**
 * Findings -> Alerts: one alert per log group x client IP x classification (DESIGN.md section 1). Pure and
 * deterministic: the same findings in any order give the same alerts, in the same order, with the same ids.
 */
import { createHash } from 'node:crypto';
import { type Finding, formatTarget, SEVERITY_RANK, type Severity } from '../detector/finding';
import { RULE_11209_TEXT } from '../detector/rule-11209.messages';
import { ALERT_LIMITS, type Alert, type AlertCommand, type AlertSample } from './alert';
import { assertRegion, insightsUrl, logGroupUrl, logStreamUrl } from './links';
import { cleanLine, truncate } from './sanitize';

export interface LocatedFinding {
  readonly finding: Finding;
  readonly logGroup: string;
  readonly logStream: string;
  readonly eventId: string;
  /** Event time, milliseconds since the epoch. */
  readonly timestamp: number;
}

export interface GroupOptions {
  /** AWS region for console links, e.g. `eu-west-1`. */
  readonly region: string;
}

export class InvalidTimestampError extends Error {
  override readonly name = 'InvalidTimestampError';
  constructor(eventId: string, timestamp: number) {
    super(`event ${JSON.stringify(eventId.slice(0, 80))} has an unusable timestamp ${String(timestamp)}`);
  }
}

/** 9999-12-31T23:59:59.999Z: beyond it ISO-8601 needs a six-digit year. */
const MAX_TIMESTAMP = 253_402_300_799_999;

function assertTimestamp(located: LocatedFinding): void {
  const t = located.timestamp;
  if (!Number.isFinite(t) || t < 0 || t > MAX_TIMESTAMP) throw new InvalidTimestampError(located.eventId, t);
}

/** Code-unit order: locale-independent, so every machine sorts alike. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** null sorts after every address. */
function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return compareText(a, b);
}

function compareLocated(a: LocatedFinding, b: LocatedFinding): number {
  return (
    a.timestamp - b.timestamp
    || compareText(a.eventId, b.eventId)
    || compareText(a.logStream, b.logStream)
    || compareText(a.finding.line, b.finding.line)
  );
}

function digest(parts: readonly (string | number | null)[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Findings usually arrive in time order already; checking is linear, sorting is not. */
function sortByTime(group: LocatedFinding[]): void {
  for (let i = 1; i < group.length; i++) {
    if (compareLocated(group[i - 1] as LocatedFinding, group[i] as LocatedFinding) > 0) {
      group.sort(compareLocated);
      return;
    }
  }
}

function highestSeverity(findings: readonly LocatedFinding[]): Severity {
  let best: Severity = 'low';
  for (const { finding } of findings) {
    if (SEVERITY_RANK[finding.severity] > SEVERITY_RANK[best]) best = finding.severity;
  }
  return best;
}

function commandOf(findings: readonly LocatedFinding[]): AlertCommand {
  let port = false;
  let eprt = false;
  for (const { finding } of findings) {
    if (finding.command === 'PORT') port = true;
    else eprt = true;
  }
  return port && eprt ? 'PORT/EPRT' : eprt ? 'EPRT' : 'PORT';
}

/** The vhost when every finding names the same one (absent counts as a different answer). */
function commonServer(findings: readonly LocatedFinding[]): string | null {
  const first = findings[0]?.finding.server ?? null;
  for (const { finding } of findings) if (finding.server !== first) return null;
  return first;
}

function capNullable(value: string | null, max: number): string | null {
  return value === null ? null : truncate(value, max);
}

/** Shortens a finding's free-text fields so one hostile megabyte line cannot crowd out the whole alert. */
function sampleOf(located: LocatedFinding): AlertSample {
  const f = located.finding;
  const field: number = ALERT_LIMITS.sampleField;
  const finding: Finding = {
    ...f,
    srcIp: capNullable(f.srcIp, field),
    clientName: capNullable(f.clientName, field),
    server: capNullable(f.server, field),
    rawArgument: truncate(f.rawArgument, field),
    reason: capNullable(f.reason, field),
    line: truncate(f.line, ALERT_LIMITS.sampleLine),
  };
  const truncated =
    finding.line !== f.line
    || finding.rawArgument !== f.rawArgument
    || finding.srcIp !== f.srcIp
    || finding.clientName !== f.clientName
    || finding.server !== f.server
    || finding.reason !== f.reason;
  return {
    eventId: truncate(located.eventId, ALERT_LIMITS.resourceName),
    logStream: truncate(located.logStream, ALERT_LIMITS.resourceName),
    timestamp: new Date(located.timestamp).toISOString(),
    finding,
    truncated,
  };
}

function distinctTargets(findings: readonly LocatedFinding[]): string[] {
  const seen = new Set<string>();
  for (const { finding } of findings) if (finding.target !== null) seen.add(formatTarget(finding.target));
  return [...seen];
}

function buildAlert(findings: readonly LocatedFinding[], region: string): Alert {
  // Callers pass a non-empty, time-sorted group.
  const first = findings[0] as LocatedFinding;
  const last = findings[findings.length - 1] as LocatedFinding;
  const { srcIp, classification } = first.finding;
  const text = RULE_11209_TEXT.classifications[classification];

  // Names beyond CloudWatch's limits only come from odd callers; capped, they keep every link bounded.
  const logGroup = truncate(first.logGroup, ALERT_LIMITS.resourceName);
  const rawStreams = new Set<string>();
  for (const located of findings) rawStreams.add(located.logStream);
  const streams = [...new Set([...rawStreams].map((stream) => truncate(stream, ALERT_LIMITS.resourceName)))].sort(
    compareText,
  );
  const targets = distinctTargets(findings);
  const server = commonServer(findings);

  const insights = insightsUrl(region, logGroup, srcIp, first.timestamp, last.timestamp);
  const onlyStream = streams.length === 1 ? streams[0] : undefined;
  const links =
    onlyStream === undefined
      ? { logGroup: logGroupUrl(region, logGroup), insights }
      : { logGroup: logGroupUrl(region, logGroup), logStream: logStreamUrl(region, logGroup, onlyStream), insights };

  const who = srcIp === null ? 'unknown client' : srcIp;
  const title = cleanLine(`${text.label}: ${who}${server === null ? '' : ` on ${server}`}`, 200);

  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    // Same events, same id: a retried batch (at-least-once delivery) yields the same alert ids. Event ids are
    // unique, so the time-sorted group's count and first and last events identify it without hashing them all.
    id: digest([
      first.logGroup, srcIp, classification, findings.length, first.logStream, first.eventId, last.logStream, last.eventId,
    ]),
    fingerprint: digest([first.logGroup, srcIp, classification]),
    title,
    ruleTitle: RULE_11209_TEXT.title,
    severity: highestSeverity(findings),
    classification,
    command: commandOf(findings),
    logGroup,
    logStreams: streams.slice(0, ALERT_LIMITS.logStreams),
    logStreamsTruncated: Math.max(0, streams.length - ALERT_LIMITS.logStreams),
    srcIp: capNullable(srcIp, ALERT_LIMITS.name),
    server: capNullable(server, ALERT_LIMITS.name),
    count: findings.length,
    firstSeen: new Date(first.timestamp).toISOString(),
    lastSeen: new Date(last.timestamp).toISOString(),
    targets: targets.slice(0, ALERT_LIMITS.targets),
    targetsTruncated: Math.max(0, targets.length - ALERT_LIMITS.targets),
    samples: findings.slice(0, ALERT_LIMITS.samples).map(sampleOf),
    samplesDropped: 0,
    textTruncated: false,
    description: `${RULE_11209_TEXT.description}\n\n${text.summary}`,
    runbook: [...text.runbook],
    links,
  };
}

function compareAlerts(a: Alert, b: Alert): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]
    || compareText(a.logGroup, b.logGroup)
    || compareNullable(a.srcIp, b.srcIp)
    || compareText(a.classification, b.classification)
    || compareText(a.id, b.id)
  );
}

/**
 * Groups findings per log group x client IP x classification. Order: severity (highest first), then log group,
 * client IP (none last), classification. Throws InvalidRegionError for a malformed region and
 * InvalidTimestampError for a timestamp that is not a time.
 */
export function groupFindings(findings: readonly LocatedFinding[], options: GroupOptions): Alert[] {
  assertRegion(options.region);
  // Nested maps keyed by the values themselves: no key strings to build per finding, and null stays apart
  // from the string "null".
  const byLogGroup = new Map<string, Map<string | null, Map<string, LocatedFinding[]>>>();
  for (const located of findings) {
    assertTimestamp(located);
    let bySrcIp = byLogGroup.get(located.logGroup);
    if (bySrcIp === undefined) byLogGroup.set(located.logGroup, (bySrcIp = new Map()));
    let byClassification = bySrcIp.get(located.finding.srcIp);
    if (byClassification === undefined) bySrcIp.set(located.finding.srcIp, (byClassification = new Map()));
    const group = byClassification.get(located.finding.classification);
    if (group === undefined) byClassification.set(located.finding.classification, [located]);
    else group.push(located);
  }
  const alerts: Alert[] = [];
  for (const bySrcIp of byLogGroup.values()) {
    for (const byClassification of bySrcIp.values()) {
      for (const group of byClassification.values()) {
        sortByTime(group);
        alerts.push(buildAlert(group, options.region));
      }
    }
  }
  return alerts.sort(compareAlerts);
}
