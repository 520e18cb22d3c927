/**
 * Findings -> Alerts: one alert per log group x client IP x classification (docs/design.md section 1). Pure and
 * deterministic: the same findings in any order give the same alerts, in the same order, with the same ids.
 */
import { createHash } from 'node:crypto';
import { type Classification, type Finding, formatTarget, SEVERITY_RANK, type Severity } from '../detector/finding';
import { ipv4Value } from '../detector/ftp-address';
import { NetworkSet } from '../detector/networks';
import { RULE_11209_TEXT } from '../detector/rule-11209.messages';
import { ALERT_LIMITS, type Alert, type AlertCommand, type AlertSample, hostOf, wellKnownTargetsOf } from './alert';
import { assertRegion, consoleLinks } from './links';
import { displaySafe, truncate } from './sanitize';

export interface LocatedFinding {
  readonly finding: Finding;
  readonly logGroup: string;
  readonly logStream: string;
  readonly eventId: string;
  /** Event time, milliseconds since the epoch. */
  readonly timestamp: number;
}

export interface GroupOptions {
  /** AWS region of the log groups, for console links and the alert's `region`, e.g. `eu-west-1`. */
  readonly region: string;
  /** AWS account of the log groups (the batch's `owner`); null or absent when unknown (a local file). */
  readonly account?: string | null;
  /** The operator's own networks: their `.2` addresses are named as VPC DNS resolvers among the targets. */
  readonly internalNetworks?: NetworkSet;
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

/** Shortens a finding's free-text fields so one hostile megabyte line cannot crowd out the whole alert. */
function sampleOf(located: LocatedFinding): AlertSample {
  const f = located.finding;
  const field: number = ALERT_LIMITS.sampleField;
  const finding: Finding = {
    ...f,
    srcIp: capNullable(f.srcIp, field),
    clientName: capNullable(f.clientName, field),
    server: capNullable(f.server, field),
    host: capNullable(f.host, field),
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
    || finding.host !== f.host
    || finding.reason !== f.reason;
  return {
    eventId: truncate(located.eventId, ALERT_LIMITS.resourceName),
    logStream: truncate(located.logStream, ALERT_LIMITS.resourceName),
    timestamp: new Date(located.timestamp).toISOString(),
    finding,
    truncated,
  };
}

/**
 * The alert JSON's `title`, the same for every message of an incident: `FTP bounce attempt: 198.51.100.23 on
 * ftp.example.com`, display-safe (displaySafe), at most 200 characters.
 */
export function alertTitle(label: string, srcIp: string | null, server: string | null): string {
  return displaySafe(`${label}: ${srcIp ?? 'unknown client'}${server === null ? '' : ` on ${server}`}`, 200);
}

function capNullable(value: string | null, max: number): string | null {
  return value === null ? null : truncate(value, max);
}

/**
 * Distinct values up to a bound: beyond it they are only counted, so a flood of random targets cannot grow
 * memory without limit. The count is exact up to `MAX_TRACKED_DISTINCT`, a floor beyond.
 */
const MAX_TRACKED_DISTINCT = 10_000;

/**
 * Distinct ports of one target host: a Set while few, then a 65,536-bit map (8 KB), which takes a port in
 * constant time and lists them in order without sorting. A bounce scan probes thousands of ports of one host.
 * The switch comes late enough that hostile input cannot make bitmaps cost more than 16 bytes per finding.
 */
class PortSet {
  private static readonly BITMAP_AFTER = 512;
  private few: Set<number> | null = new Set();
  private bits: Uint32Array | null = null;

  /** Adds `port` (0..65535); true when it was not there yet. */
  add(port: number): boolean {
    const bits = this.bits;
    if (bits !== null) {
      const word = port >>> 5;
      const mask = 1 << (port & 31);
      if (((bits[word] as number) & mask) !== 0) return false;
      bits[word] = (bits[word] as number) | mask;
      return true;
    }
    const few = this.few as Set<number>;
    if (few.has(port)) return false;
    few.add(port);
    if (few.size > PortSet.BITMAP_AFTER) {
      const map = new Uint32Array(2048);
      for (const p of few) map[p >>> 5] = (map[p >>> 5] as number) | (1 << (p & 31));
      this.bits = map;
      this.few = null;
    }
    return true;
  }

  /** Up to `limit` ports, ascending. */
  lowest(limit: number): number[] {
    if (this.few !== null) return [...this.few].sort((a, b) => a - b).slice(0, limit);
    const bits = this.bits as Uint32Array;
    const ports: number[] = [];
    for (let word = 0; word < bits.length && ports.length < limit; word++) {
      let w = bits[word] as number;
      while (w !== 0 && ports.length < limit) {
        const bit = 31 - Math.clz32(w & -w);
        ports.push(word * 32 + bit);
        w &= w - 1;
      }
    }
    return ports;
  }
}

/**
 * Distinct targets of one group, as ports per host. A host's only port is kept as a plain number, a PortSet
 * from its second one: a flood of random targets names most hosts once, a scan one host thousands of times.
 * The host strings are the findings' own (a scan's is the detector's one shared string).
 */
class TargetSet {
  private readonly byHost = new Map<string, number | PortSet>();
  size = 0;

  /** Adds `ip:port`; true when it was not there yet. */
  add(ip: string, port: number): boolean {
    const known = this.byHost.get(ip);
    if (known === undefined) {
      this.byHost.set(ip, port);
    } else if (typeof known === 'number') {
      if (known === port) return false;
      const ports = new PortSet();
      ports.add(known);
      ports.add(port);
      this.byHost.set(ip, ports);
    } else if (!known.add(port)) {
      return false;
    }
    this.size++;
    return true;
  }

  /** Every distinct target host tracked. */
  hosts(): IterableIterator<string> {
    return this.byHost.keys();
  }

  /** The first `limit` targets in order: IPv4 hosts numerically, then other hosts by text; then by port. */
  lowest(limit: number): string[] {
    const shown: string[] = [];
    for (const ip of lowestHosts(this.byHost.keys(), limit)) {
      const ports = this.byHost.get(ip) as number | PortSet;
      for (const port of typeof ports === 'number' ? [ports] : ports.lowest(limit - shown.length)) {
        shown.push(formatTarget({ ip, port }));
      }
      if (shown.length === limit) break;
    }
    return shown;
  }
}

/** A target host with its IPv4 value (-1 for any other address). */
interface Host {
  readonly ip: string;
  readonly v4: number;
}

/** Host order: IPv4 numerically, before any other address; others by text. */
function compareHosts(a: Host, b: Host): number {
  if (a.v4 >= 0 && b.v4 >= 0) return a.v4 - b.v4;
  if (a.v4 >= 0) return -1;
  if (b.v4 >= 0) return 1;
  return compareText(a.ip, b.ip);
}

/**
 * The first `limit` hosts in host order. Each host shows at least one target, so no other host can be shown;
 * picked in one pass (a flood names thousands of hosts, an alert shows a few) rather than sorting them all.
 */
function lowestHosts(ips: Iterable<string>, limit: number): string[] {
  const kept: Host[] = [];
  for (const ip of ips) {
    const host = { ip, v4: ipv4Value(ip) };
    if (kept.length === limit && compareHosts(host, kept[limit - 1] as Host) >= 0) continue;
    let at = kept.length;
    while (at > 0 && compareHosts(host, kept[at - 1] as Host) < 0) at--;
    kept.splice(at, 0, host);
    if (kept.length > limit) kept.pop();
  }
  return kept.map(({ ip }) => ip);
}

/** One group's running aggregate: what an alert needs, without keeping every finding. */
class GroupState {
  count = 0;
  severity: Severity;
  hasPort = false;
  hasEprt = false;
  server: string | null;
  serverAgrees = true;
  first: LocatedFinding;
  last: LocatedFinding;
  /** The earliest findings, at most ALERT_LIMITS.samples, in time order. */
  readonly earliest: LocatedFinding[] = [];
  readonly streams = new Set<string>();
  /** The stream added last: a batch has one, so the set is consulted once per batch rather than per finding. */
  private lastStream: string | null = null;
  readonly targets = new TargetSet();
  /** Distinct hosts the lines were logged on (the Finding's `host`), at most ALERT_LIMITS.hosts. */
  readonly hosts = new Set<string>();
  private lastHost: string | null = null;

  constructor(
    readonly logGroup: string,
    readonly srcIp: string | null,
    readonly classification: Classification,
    seed: LocatedFinding,
  ) {
    this.severity = seed.finding.severity;
    this.server = seed.finding.server;
    this.first = seed;
    this.last = seed;
  }

  add(located: LocatedFinding): void {
    const { finding } = located;
    this.count += finding.occurrences; // rsyslog's `message repeated N times` stands for N refusals
    const { severity } = finding;
    if (severity !== this.severity && SEVERITY_RANK[severity] > SEVERITY_RANK[this.severity]) this.severity = severity;
    if (finding.command === 'PORT') this.hasPort = true;
    else this.hasEprt = true;
    if (this.serverAgrees && finding.server !== this.server) this.serverAgrees = false;
    if (compareLocated(located, this.first) < 0) this.first = located;
    if (compareLocated(located, this.last) > 0) this.last = located;
    this.keepIfEarliest(located);
    if (located.logStream !== this.lastStream && this.streams.size < MAX_TRACKED_DISTINCT) {
      this.streams.add(located.logStream);
      this.lastStream = located.logStream;
    }
    const host = hostOf(finding);
    if (host !== null && host !== this.lastHost && this.hosts.size < ALERT_LIMITS.hosts) {
      this.hosts.add(truncate(host, ALERT_LIMITS.name));
      this.lastHost = host;
    }
    if (finding.target !== null && this.targets.size < MAX_TRACKED_DISTINCT) {
      this.targets.add(finding.target.ip, finding.target.port);
    }
  }

  private keepIfEarliest(located: LocatedFinding): void {
    const samples = this.earliest;
    const latest = samples[samples.length - 1];
    if (samples.length === ALERT_LIMITS.samples && latest !== undefined && compareLocated(located, latest) >= 0) {
      return; // the common case in a time-ordered batch: later than every kept sample
    }
    let at = samples.length;
    while (at > 0 && compareLocated(located, samples[at - 1] as LocatedFinding) < 0) at--;
    samples.splice(at, 0, located);
    if (samples.length > ALERT_LIMITS.samples) samples.pop();
  }

  command(): AlertCommand {
    return this.hasPort && this.hasEprt ? 'PORT/EPRT' : this.hasEprt ? 'EPRT' : 'PORT';
  }
}

function buildAlert(group: GroupState, options: GroupOptions): Alert {
  const { region } = options;
  const account = options.account ?? null;
  const { first, last, srcIp, classification } = group;
  const text = RULE_11209_TEXT.classifications[classification];

  // Names beyond CloudWatch's limits only come from odd callers; capped, they keep every link bounded.
  const logGroup = truncate(group.logGroup, ALERT_LIMITS.resourceName);
  const streams = [...new Set([...group.streams].map((stream) => truncate(stream, ALERT_LIMITS.resourceName)))].sort(
    compareText,
  );
  // Sorted by value (IPv4 numerically, before IPv6): the same findings in any order give the same list.
  const targets = group.targets.lowest(ALERT_LIMITS.targets);
  const server = group.serverAgrees ? group.server : null;

  const onlyStream = streams.length === 1 ? streams[0] : undefined;
  const links = consoleLinks(region, logGroup, srcIp, first.timestamp, last.timestamp, onlyStream);

  const title = alertTitle(text.label, srcIp, server);

  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    // Same events, same id: a retried batch (at-least-once delivery) yields the same alert ids. Event ids are
    // unique, so the group's count and its first and last events identify it without hashing them all.
    id: digest([
      group.logGroup, srcIp, classification, group.count, first.logStream, first.eventId, last.logStream, last.eventId,
    ]),
    fingerprint: digest([group.logGroup, srcIp, classification]),
    title,
    ruleTitle: RULE_11209_TEXT.title,
    severity: group.severity,
    classification,
    command: group.command(),
    logGroup,
    logStreams: streams.slice(0, ALERT_LIMITS.logStreams),
    logStreamsTruncated: Math.max(0, streams.length - ALERT_LIMITS.logStreams),
    srcIp: capNullable(srcIp, ALERT_LIMITS.name),
    server: capNullable(server, ALERT_LIMITS.name),
    count: group.count,
    firstSeen: new Date(first.timestamp).toISOString(),
    lastSeen: new Date(last.timestamp).toISOString(),
    targets,
    targetsTruncated: group.targets.size - targets.length,
    samples: group.earliest.map(sampleOf),
    samplesDropped: 0,
    textTruncated: false,
    description: `${RULE_11209_TEXT.description}\n\n${text.summary}`,
    runbook: [...text.runbook],
    links,
    account,
    region,
    hosts: [...group.hosts].sort(compareText),
    wellKnownTargets: wellKnownTargetsOf(group.targets.hosts(), options.internalNetworks ?? NetworkSet.EMPTY),
    // Without alert memory every batch stands alone; the id still names the incident key, so threads hold.
    incidentId: incidentIdOf(account, region, group.logGroup, srcIp, classification),
    kind: 'new',
    windowStart: new Date(first.timestamp).toISOString(),
    windowEnd: new Date(last.timestamp).toISOString(),
    alertMemory: 'off',
    incidentTotal: group.count,
  };
}

/**
 * The incident id of a key (docs/design.md section 8: account, region, log group, client, classification), for
 * alerts judged without memory. With memory an incident id also names when the incident opened.
 */
export function incidentIdOf(
  account: string | null,
  region: string,
  logGroup: string,
  srcIp: string | null,
  classification: string,
): string {
  return digest(['incident', account, region, logGroup, srcIp, classification]);
}

/** A deterministic 32-hex id for any list of parts (JSON-encoded, so no two lists collide). */
export function idOf(parts: readonly (string | number | null)[]): string {
  return digest(parts);
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
 * Groups findings as they come, per log group x client IP x classification, keeping per group only what the
 * alert shows. Memory stays bounded by the number of groups, whatever the number of findings (a flood, or a
 * CLI backfill over weeks). The result does not depend on the order findings were added in.
 */
export class AlertAccumulator {
  private readonly groups = new Map<string, Map<string | null, Map<Classification, GroupState>>>();
  /** The group added to last: consecutive findings mostly share one (a session, a scan). */
  private lastGroup: GroupState | null = null;
  private findingCount = 0;

  /** Throws InvalidRegionError for a malformed region. */
  constructor(private readonly options: GroupOptions) {
    assertRegion(options.region);
  }

  /** Throws InvalidTimestampError for a timestamp that is not a time. */
  add(located: LocatedFinding): void {
    assertTimestamp(located);
    const { logGroup } = located;
    const { srcIp, classification } = located.finding;
    let group = this.lastGroup;
    if (group === null || group.srcIp !== srcIp || group.classification !== classification || group.logGroup !== logGroup) {
      group = this.groupFor(located);
      this.lastGroup = group;
    }
    group.add(located);
    this.findingCount++;
  }

  private groupFor(located: LocatedFinding): GroupState {
    const { logGroup } = located;
    const { srcIp, classification } = located.finding;
    // Nested maps keyed by the values themselves: no key string per finding, and null stays apart from "null".
    let bySrcIp = this.groups.get(logGroup);
    if (bySrcIp === undefined) this.groups.set(logGroup, (bySrcIp = new Map()));
    let byClassification = bySrcIp.get(srcIp);
    if (byClassification === undefined) bySrcIp.set(srcIp, (byClassification = new Map()));
    let group = byClassification.get(classification);
    if (group === undefined) {
      group = new GroupState(logGroup, srcIp, classification, located);
      byClassification.set(classification, group);
    }
    return group;
  }

  get findings(): number {
    return this.findingCount;
  }

  /** The findings so far per classification (only those that occurred), counted from the groups. */
  findingsByClassification(): Partial<Record<Classification, number>> {
    const counts: Partial<Record<Classification, number>> = {};
    for (const bySrcIp of this.groups.values()) {
      for (const byClassification of bySrcIp.values()) {
        for (const group of byClassification.values()) {
          counts[group.classification] = (counts[group.classification] ?? 0) + group.count;
        }
      }
    }
    return counts;
  }

  /** The alerts so far. Order: severity (highest first), then log group, client IP (none last), classification. */
  alerts(): Alert[] {
    const alerts: Alert[] = [];
    for (const bySrcIp of this.groups.values()) {
      for (const byClassification of bySrcIp.values()) {
        for (const group of byClassification.values()) alerts.push(buildAlert(group, this.options));
      }
    }
    return alerts.sort(compareAlerts);
  }
}

/**
 * Groups findings per log group x client IP x classification (see AlertAccumulator). Throws
 * InvalidRegionError for a malformed region and InvalidTimestampError for a timestamp that is not a time.
 */
export function groupFindings(findings: readonly LocatedFinding[], options: GroupOptions): Alert[] {
  const accumulator = new AlertAccumulator(options);
  for (const located of findings) accumulator.add(located);
  return accumulator.alerts();
}
