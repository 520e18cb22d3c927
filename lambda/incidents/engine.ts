/**
 * The decisions of alert memory (docs/design.md section 8), as pure functions: (state, findings, now) -> (new state,
 * messages). No I/O and no clock: the caller passes `now` (wall time in the Lambda, the log's own time in a
 * backfill), so a replay decides exactly what the deployment would have.
 *
 * - A finding of a new key opens an incident and is announced at once (`new`; `escalation` when the client
 *   already had a less severe incident open).
 * - Later findings are counted; when the window ends with more findings since the last message, one `update`.
 * - Upward only, per client: findings go to the client's open incident of their classification, else to its
 *   most severe open incident when that is more severe; a `bounce-scan` takes every later finding of the
 *   client and absorbs its other incidents.
 * - Low severity in `digest` mode, and new incidents beyond the flood guard's hourly slots, are listed in a
 *   digest instead of announced one by one.
 * - A suppression covering the client (and the incident's severity) lists its incident in the digest's
 *   `suppressed` section; an acknowledged incident's updates go to the `acknowledged` section. Neither holds
 *   back an escalation: a more severe incident is announced as ever.
 */
import {
  type Alert,
  type AlertClassification,
  type AlertKind,
  ALERT_LIMITS,
  type EscalatedFrom,
  type TargetCount,
  type WindowTotals,
  wellKnownTargetsOf,
} from '../alerts/alert';
import { alertTitle, idOf } from '../alerts/group';
import { BOUNCE_SCAN_TEXT } from '../alerts/incident.messages';
import { consoleLinks } from '../alerts/links';
import { formatTarget, SEVERITY_RANK, type Severity } from '../detector/finding';
import { NetworkSet } from '../detector/networks';
import { RULE_11209_TEXT } from '../detector/rule-11209.messages';
import type { ClassGroup, ClientBatch, TargetTally } from './evidence';
import { addServiceTargets, describeVerdict, type ScanVerdict, scanVerdict } from './scan';
import { HOUR_MS, type IncidentSettings } from './settings';
import { type Suppression, suppressionFor } from './suppressions';
import {
  type ClientState,
  type DigestReason,
  emptyClient,
  emptyWindow,
  type IncidentState,
  type OutboxClaim,
  type OutboxEntry,
  type PendingDigestLine,
  STATE_LIMITS,
  type WindowState,
} from './state';

export interface BatchDecision {
  readonly state: ClientState;
  /** False when the batch was applied before (a retry): the state is the one passed in, unchanged. */
  readonly changed: boolean;
  /** New-incident messages this batch wanted to send (flood guard accounting), folded or not. */
  readonly wantedSlots: number;
  /** Of those, how many were sent (the rest were folded into the hour's flood digest). */
  readonly usedSlots: number;
}

const TOP_TARGETS = 5;

/**
 * A deep copy of a state, so the engine never changes its caller's. Written out rather than a JSON round trip
 * (3-4x slower on a client with a full window and scan tracking, and run for every client of every batch):
 * spreads copy each record's own fields, so a field added later is copied too; only the nested objects and
 * arrays the engine mutates are listed, and `test/unit/incidents` checks the input is left as it was.
 */
function copyWindow(window: WindowState): WindowState {
  return { ...window, targets: { ...window.targets } };
}

function copyState(state: ClientState): ClientState {
  const ports: Record<string, number[]> = {};
  if (state.scan !== null) for (const [host, known] of Object.entries(state.scan.ports)) ports[host] = [...known];
  return {
    ...state,
    incidents: state.incidents.map((incident) => ({
      ...incident,
      window: copyWindow(incident.window),
      logStreams: [...incident.logStreams],
      ...(incident.hosts !== undefined && { hosts: [...incident.hosts] }),
    })),
    scan: state.scan === null ? null : { ...state.scan, ports },
    digests: state.digests.map((line) => ({ ...line, targets: { ...line.targets } })),
    outbox: [...state.outbox],
    applied: [...state.applied],
  };
}

function severityOf(classification: AlertClassification): Severity {
  return classification === 'bounce-scan' ? 'critical' : RULE_11209_TEXT.classifications[classification].severity;
}

function rank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

/** A digest bucket's end: buckets are aligned to the epoch, so a 24 h digest goes out at 00:00 UTC. */
export function bucketEnd(now: number, interval: number): number {
  return (Math.floor(now / interval) + 1) * interval;
}

function addTallyToWindow(window: WindowState, tally: TargetTally, count: number, first: number, last: number): void {
  window.count += count;
  window.firstSeen = window.firstSeen === null ? first : Math.min(window.firstSeen, first);
  window.lastSeen = window.lastSeen === null ? last : Math.max(window.lastSeen, last);
  let tallied = 0;
  let tracked = Object.keys(window.targets).length;
  for (const [ip, ports] of tally.byHost) {
    for (const [port, n] of ports) {
      tallied += n;
      const target = formatTarget({ ip, port });
      const seen = window.targets[target];
      if (seen !== undefined) window.targets[target] = seen + n;
      else if (tracked < STATE_LIMITS.trackedTargets) {
        window.targets[target] = n;
        tracked++;
      } else window.untracked += n;
    }
  }
  window.untracked += Math.max(0, count - tallied);
}

function mergeWindow(into: WindowState, from: WindowState): void {
  into.count += from.count;
  if (from.firstSeen !== null) into.firstSeen = Math.min(into.firstSeen ?? from.firstSeen, from.firstSeen);
  if (from.lastSeen !== null) into.lastSeen = Math.max(into.lastSeen ?? from.lastSeen, from.lastSeen);
  let tracked = Object.keys(into.targets).length;
  for (const [target, n] of Object.entries(from.targets)) {
    const seen = into.targets[target];
    if (seen !== undefined) into.targets[target] = seen + n;
    else if (tracked < STATE_LIMITS.trackedTargets) {
      into.targets[target] = n;
      tracked++;
    } else into.untracked += n;
  }
  into.untracked += from.untracked;
}

/** `1.2.3.4:21` / `[2001:db8::1]:21` -> host and port. */
function splitTarget(target: string): { host: string; port: number } {
  const at = target.lastIndexOf(':');
  const host = target.slice(0, at);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: Number(target.slice(at + 1)) };
}

export function windowTotals(window: WindowState): WindowTotals {
  const entries = Object.entries(window.targets);
  const hosts = new Set<string>();
  const ports = new Set<number>();
  for (const [target] of entries) {
    const { host, port } = splitTarget(target);
    hosts.add(host);
    ports.add(port);
  }
  const top: TargetCount[] = entries
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, TOP_TARGETS)
    .map(([target, count]) => ({ target, count }));
  return {
    count: window.count,
    firstSeen: new Date(window.firstSeen ?? 0).toISOString(),
    lastSeen: new Date(window.lastSeen ?? 0).toISOString(),
    distinctTargets: entries.length,
    distinctPorts: ports.size,
    distinctHosts: hosts.size,
    distinctCapped: entries.length >= STATE_LIMITS.trackedTargets && window.untracked > 0,
    topTargets: top,
  };
}

/** The distinct hosts of `ip:port` targets. */
function targetHosts(targets: Readonly<Record<string, number>>): Set<string> {
  return new Set(Object.keys(targets).map((target) => splitTarget(target).host));
}

function sortedTargets(targets: Readonly<Record<string, number>>, limit: number): string[] {
  const keyed = Object.keys(targets).map((target) => {
    const { host, port } = splitTarget(target);
    const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host.split('.').reduce((n, o) => n * 256 + Number(o), 0) : -1;
    return { target, host, port, v4 };
  });
  keyed.sort((a, b) => {
    if (a.v4 >= 0 && b.v4 >= 0 && a.v4 !== b.v4) return a.v4 - b.v4;
    if ((a.v4 >= 0) !== (b.v4 >= 0)) return a.v4 >= 0 ? -1 : 1;
    if (a.host !== b.host) return a.host < b.host ? -1 : 1;
    return a.port - b.port;
  });
  return keyed.slice(0, limit).map(({ target }) => target);
}

function incidentLinks(key: ClientState['key'], from: number, to: number): Alert['links'] {
  return consoleLinks(key.region, key.logGroup, key.srcIp, from, to);
}

function textOf(classification: AlertClassification) {
  return classification === 'bounce-scan' ? BOUNCE_SCAN_TEXT : RULE_11209_TEXT.classifications[classification];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The earliest of these times that is a time (a record stored by an older version may lack one), as ISO-8601. */
function earliest(...ms: readonly number[]): string {
  return iso(Math.min(...ms.filter(Number.isFinite)));
}

/**
 * An incident message built on a batch's alert (new, escalation): the batch's samples and targets, with the
 * incident's identity. The alert id names incident, window and kind, so a retry yields the same id.
 */
function announce(incident: IncidentState, base: Alert, kind: AlertKind, key: ClientState['key'], why?: string): Alert {
  const text = textOf(incident.classification);
  const totals = incident.classification === 'bounce-scan' ? windowTotals(incident.window) : undefined;
  const count = incident.classification === 'bounce-scan' ? incident.window.count : base.count;
  const targets = totals === undefined ? base.targets : sortedTargets(incident.window.targets, ALERT_LIMITS.targets);
  const targetsTruncated =
    totals === undefined ? base.targetsTruncated : Math.max(0, totals.distinctTargets - targets.length);
  const firstSeen = totals === undefined ? base.firstSeen : totals.firstSeen;
  const lastSeen = totals === undefined ? base.lastSeen : totals.lastSeen;
  return {
    ...base,
    id: idOf(['alert', incident.id, incident.windowStart, kind]),
    fingerprint: idOf(['incident-key', key.account, key.region, key.logGroup, key.srcIp, incident.classification]),
    title: alertTitle(text.label, key.srcIp, base.server),
    severity: incident.severity,
    classification: incident.classification,
    count,
    firstSeen,
    lastSeen,
    targets,
    targetsTruncated,
    description: `${RULE_11209_TEXT.description}\n\n${text.summary}${why === undefined ? '' : ` This client: ${why}.`}`,
    runbook: [...text.runbook],
    account: key.account === '' ? null : key.account,
    region: key.region,
    hosts: [...new Set([...base.hosts, ...(incident.hosts ?? [])])].sort().slice(0, ALERT_LIMITS.hosts),
    incidentId: incident.id,
    kind,
    windowStart: iso(incident.windowStart),
    windowEnd: iso(incident.windowEnd),
    alertMemory: 'on',
    incidentTotal: incident.total,
    incidentFirstSeen: earliest(incident.firstSeen, Date.parse(firstSeen)),
    ...(totals === undefined ? {} : { window: totals }),
    ...(incident.escalatedFrom !== undefined && { escalatedFrom: incident.escalatedFrom }),
  };
}

/** What an escalation says about the incident it escalates; the thread is the first incident's of the chain. */
function escalatedFromOf(source: IncidentState, key: ClientState['key']): EscalatedFrom {
  const thread = source.escalatedFrom;
  return {
    incidentId: source.id,
    title: alertTitle(textOf(source.classification).label, key.srcIp, source.server),
    classification: source.classification,
    severity: source.severity,
    threadId: thread?.threadId ?? source.id,
    threadClassification: thread?.threadClassification ?? source.classification,
    threadSeverity: thread?.threadSeverity ?? source.severity,
  };
}

/** The most severe of `incidents` (the first of equals), or undefined. */
function mostSevere(incidents: readonly IncidentState[]): IncidentState | undefined {
  let best: IncidentState | undefined;
  for (const incident of incidents) if (best === undefined || rank(incident.severity) > rank(best.severity)) best = incident;
  return best;
}

/** The update at a window's end: the window's totals, no samples (the Insights link finds the lines). */
function update(incident: IncidentState, key: ClientState['key']): Alert {
  const text = textOf(incident.classification);
  const totals = windowTotals(incident.window);
  const first = incident.window.firstSeen ?? incident.windowStart;
  const last = incident.window.lastSeen ?? incident.windowEnd;
  const targets = sortedTargets(incident.window.targets, ALERT_LIMITS.targets);
  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    id: idOf(['alert', incident.id, incident.windowStart, 'update']),
    fingerprint: idOf(['incident-key', key.account, key.region, key.logGroup, key.srcIp, incident.classification]),
    title: alertTitle(text.label, key.srcIp, incident.server),
    ruleTitle: RULE_11209_TEXT.title,
    severity: incident.severity,
    classification: incident.classification,
    command: incident.command,
    logGroup: key.logGroup,
    logStreams: [...incident.logStreams].sort(),
    logStreamsTruncated: 0,
    srcIp: key.srcIp,
    server: incident.server,
    count: incident.window.count,
    firstSeen: iso(first),
    lastSeen: iso(last),
    targets,
    targetsTruncated: Math.max(0, totals.distinctTargets - targets.length),
    samples: [],
    samplesDropped: 0,
    textTruncated: false,
    description: `${RULE_11209_TEXT.description}\n\n${text.summary}`,
    runbook: [...text.runbook],
    links: incidentLinks(key, first, last),
    account: key.account === '' ? null : key.account,
    region: key.region,
    hosts: [...(incident.hosts ?? [])].sort(),
    // The window's targets; without the deployment's internal networks here, a VPC's `.2` is not named.
    wellKnownTargets: wellKnownTargetsOf(targetHosts(incident.window.targets), NetworkSet.EMPTY),
    incidentId: incident.id,
    kind: 'update',
    windowStart: iso(incident.windowStart),
    windowEnd: iso(incident.windowEnd),
    alertMemory: 'on',
    incidentTotal: incident.total,
    incidentFirstSeen: earliest(incident.firstSeen, first),
    // What "how many more" means: the findings since the last message about this incident.
    window: { ...totals, sinceLastMessage: incident.sinceMessage },
    ...(incident.escalatedFrom !== undefined && { escalatedFrom: incident.escalatedFrom }),
  };
}

function addDigestLine(
  state: ClientState,
  incident: IncidentState,
  reason: DigestReason,
  end: number,
  count: number,
  first: number,
  last: number,
  targets: Readonly<Record<string, number>>,
  note?: string,
): void {
  let line = state.digests.find((d) => d.incidentId === incident.id && d.bucketEnd === end && d.reason === reason);
  if (line === undefined) {
    line = {
      reason,
      bucketEnd: end,
      incidentId: incident.id,
      classification: incident.classification,
      severity: incident.severity,
      count: 0,
      firstSeen: first,
      lastSeen: last,
      targets: {},
    };
    state.digests.push(line);
  }
  if (note !== undefined) line.note = note;
  line.incidentFirstSeen = Math.min(...[line.incidentFirstSeen ?? first, incident.firstSeen, first].filter(Number.isFinite));
  line.count += count;
  line.incidentTotal = Math.max(line.incidentTotal ?? 0, incident.total);
  line.firstSeen = Math.min(line.firstSeen, first);
  line.lastSeen = Math.max(line.lastSeen, last);
  for (const [target, n] of Object.entries(targets)) {
    const seen = line.targets[target];
    if (seen !== undefined) line.targets[target] = seen + n;
    else if (Object.keys(line.targets).length < STATE_LIMITS.digestTargets) line.targets[target] = n;
  }
}

function digestBucket(reason: DigestReason, now: number, settings: IncidentSettings): number {
  return bucketEnd(now, reason === 'flood-guard' ? HOUR_MS : settings.digestIntervalMs);
}

/** The digest line's note of a suppressed or acknowledged incident. */
function digestNote(incident: IncidentState, reason: DigestReason): string | undefined {
  if (reason === 'suppressed' && incident.suppressedBy !== undefined) {
    return `suppressed by ${incident.suppressedBy.id}: ${incident.suppressedBy.reason}`;
  }
  if (reason === 'acknowledged' && incident.acknowledged !== undefined) {
    return `acknowledged by ${incident.acknowledged.by} at ${iso(incident.acknowledged.at)}: ${incident.acknowledged.note}`;
  }
  return undefined;
}

/** Lists what the incident's window counted since its last message in the digest of `reason`. */
function owedToDigest(
  state: ClientState,
  incident: IncidentState,
  reason: DigestReason,
  now: number,
  settings: IncidentSettings,
): void {
  if (incident.sinceMessage <= 0) return;
  const { window } = incident;
  addDigestLine(
    state,
    incident,
    reason,
    digestBucket(reason, now, settings),
    incident.sinceMessage,
    window.firstSeen ?? incident.windowStart,
    window.lastSeen ?? now,
    window.targets,
    digestNote(incident, reason),
  );
  incident.sinceMessage = 0;
}

/**
 * Applies the suppression covering an incident now (or none): a covered incident goes to the digest's
 * `suppressed` section, what it owed an update listed there; one no longer covered (the suppression expired or
 * was removed) goes back to how it would be heard about otherwise, counting afresh.
 */
function applySuppression(
  state: ClientState,
  incident: IncidentState,
  cover: Suppression | null,
  now: number,
  settings: IncidentSettings,
): void {
  if (cover !== null) {
    incident.suppressedBy = { id: cover.id, reason: cover.reason };
    if (incident.mode === 'alert') owedToDigest(state, incident, 'suppressed', now, settings);
    incident.mode = 'digest';
    incident.digestReason = 'suppressed';
    return;
  }
  if (incident.digestReason !== 'suppressed') return;
  delete incident.suppressedBy;
  incident.sinceMessage = 0;
  const low = incident.severity === 'low' && settings.lowSeverity === 'digest';
  incident.mode = low ? 'digest' : 'alert';
  incident.digestReason = low ? 'low-severity' : null;
}

/**
 * Ends every window that is over at `now`: an update when findings arrived since the last message, then the
 * next window if the incident was active in this one, else the incident closes. Also ends the scan window.
 */
export function rollWindows(
  state: ClientState,
  now: number,
  settings: IncidentSettings,
  origin: string,
  claim?: OutboxClaim,
): void {
  const open: IncidentState[] = [];
  for (const incident of state.incidents) {
    let alive = true;
    while (alive && incident.windowEnd <= now) {
      if (incident.mode === 'alert' && incident.sinceMessage > 0) {
        // Acknowledged: someone is on it, so its updates are listed in the digest rather than sent.
        if (incident.acknowledged !== undefined) owedToDigest(state, incident, 'acknowledged', now, settings);
        else state.outbox.push(outboxEntry(update(incident, state.key), origin, now, claim));
        incident.sinceMessage = 0;
      }
      if (incident.window.count > 0) {
        incident.windowStart = incident.windowEnd;
        incident.windowEnd += settings.windowMs;
        incident.window = emptyWindow();
      } else {
        alive = false;
      }
    }
    if (alive) open.push(incident);
  }
  state.incidents = open;
  if (state.scan !== null && state.scan.windowStart + settings.windowMs <= now) state.scan = null;
}

/** Where an incident was seen: its hosts, first seen first, bounded. */
function addHosts(incident: IncidentState, hosts: readonly string[]): void {
  for (const host of hosts) {
    const known = (incident.hosts ??= []);
    if (known.length >= STATE_LIMITS.hosts) break;
    if (!known.includes(host)) known.push(host);
  }
}

function openIncident(
  state: ClientState,
  classification: AlertClassification,
  now: number,
  settings: IncidentSettings,
  base: Alert,
): IncidentState {
  const incident: IncidentState = {
    id: idOf(['incident', state.key.account, state.key.region, state.key.logGroup, state.key.srcIp, classification, now]),
    classification,
    severity: severityOf(classification),
    openedAt: now,
    windowStart: now,
    windowEnd: now + settings.windowMs,
    total: 0,
    firstSeen: Date.parse(base.firstSeen),
    lastSeen: Date.parse(base.lastSeen),
    sinceMessage: 0,
    window: emptyWindow(),
    mode: 'alert',
    digestReason: null,
    server: base.server,
    logStreams: [],
    command: base.command,
  };
  state.incidents.push(incident);
  return incident;
}

/** The incident a finding of this severity goes to, upward only (see the module comment). */
function routeOf(state: ClientState, classification: AlertClassification): IncidentState | null {
  const scan = state.incidents.find((i) => i.classification === 'bounce-scan');
  if (scan !== undefined) return scan;
  const same = state.incidents.find((i) => i.classification === classification);
  if (same !== undefined) return same;
  const severity = severityOf(classification);
  let best: IncidentState | null = null;
  for (const incident of state.incidents) {
    if (rank(incident.severity) > rank(severity) && (best === null || rank(incident.severity) > rank(best.severity))) {
      best = incident;
    }
  }
  return best;
}

function countInto(
  state: ClientState,
  incident: IncidentState,
  group: ClassGroup,
  now: number,
  settings: IncidentSettings,
  announced: boolean,
): void {
  const { alert, tally } = group;
  const first = Date.parse(alert.firstSeen);
  const last = Date.parse(alert.lastSeen);
  incident.total += alert.count;
  incident.firstSeen = Math.min(incident.firstSeen, first);
  incident.lastSeen = Math.max(incident.lastSeen, last);
  if (!announced) incident.sinceMessage += alert.count;
  // Only a digest line needs what this batch added per target.
  const before = incident.mode === 'digest' && incident.digestReason !== null ? { ...incident.window.targets } : null;
  addTallyToWindow(incident.window, tally, alert.count, first, last);
  for (const stream of alert.logStreams) {
    if (incident.logStreams.length >= STATE_LIMITS.streams) break;
    if (!incident.logStreams.includes(stream)) incident.logStreams.push(stream);
  }
  addHosts(incident, alert.hosts);
  if (incident.command !== alert.command) incident.command = 'PORT/EPRT';
  if (before !== null && incident.digestReason !== null) {
    const added: Record<string, number> = {};
    for (const [target, n] of Object.entries(incident.window.targets)) {
      const delta = n - (before[target] ?? 0);
      if (delta > 0) added[target] = delta;
    }
    const end = digestBucket(incident.digestReason, now, settings);
    const note = digestNote(incident, incident.digestReason);
    addDigestLine(state, incident, incident.digestReason, end, alert.count, first, last, added, note);
  }
}

/** Adds a batch's service-port targets to the client's scan tracking; the scan they show, if any (scan.ts). */
function trackScan(
  state: ClientState,
  groups: readonly ClassGroup[],
  now: number,
  settings: IncidentSettings,
): ScanVerdict | null {
  const scan = (state.scan ??= { windowStart: now, ports: {}, pairs: 0 });
  for (const { tally } of groups) {
    scan.pairs = addServiceTargets(scan.ports, scan.pairs, tally.byHost, STATE_LIMITS.scanPairs);
  }
  return scanVerdict(scan.ports, settings, scan.pairs, STATE_LIMITS.scanPairs);
}

/** The batch's alerts of one client merged into one base for a scan announcement. */
function scanBase(groups: readonly ClassGroup[]): Alert {
  const sorted = [...groups].sort((a, b) => rank(b.alert.severity) - rank(a.alert.severity));
  const head = (sorted[0] as ClassGroup).alert;
  const samples = sorted
    .flatMap((g) => g.alert.samples)
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
    .slice(0, ALERT_LIMITS.samples);
  const streams = [...new Set(sorted.flatMap((g) => g.alert.logStreams))].sort();
  const hosts = [...new Set(sorted.flatMap((g) => g.alert.hosts))].sort();
  const wellKnown = new Map(sorted.flatMap((g) => g.alert.wellKnownTargets).map((hit) => [hit.ip, hit]));
  const commands = new Set(sorted.map((g) => g.alert.command));
  return {
    ...head,
    samples,
    logStreams: streams.slice(0, ALERT_LIMITS.logStreams),
    hosts: hosts.slice(0, ALERT_LIMITS.hosts),
    wellKnownTargets: [...wellKnown.values()].sort((a, b) => (a.ip < b.ip ? -1 : 1)).slice(0, 5),
    command: commands.size === 1 ? head.command : 'PORT/EPRT',
  };
}

function outboxEntry(alert: Alert, origin: string, createdAt: number, claim: OutboxClaim | undefined): OutboxEntry {
  return claim === undefined ? { alert, origin, createdAt } : { alert, origin, createdAt, claim };
}

/**
 * Applies one client's part of a batch. `slots` is how many new-incident messages the flood guard still
 * allows (Infinity to find out how many are wanted). Messages go to the state's outbox with `origin` =
 * the batch id, claimed by `claim` (the deciding invocation); the caller publishes them, then removes them.
 */
export function applyBatch(
  previous: ClientState | null,
  batch: ClientBatch,
  now: number,
  settings: IncidentSettings,
  slots: number,
  claim?: OutboxClaim,
  suppressions: readonly Suppression[] = [],
): BatchDecision {
  if (previous !== null && previous.applied.some((a) => a.id === batch.batchId)) {
    return { state: previous, changed: false, wantedSlots: 0, usedSlots: 0 };
  }
  const state = previous === null ? emptyClient(batch.key) : copyState(previous);
  const origin = batch.batchId;
  rollWindows(state, now, settings, origin, claim);
  state.applied = state.applied.filter((a) => now - a.at < STATE_LIMITS.appliedMs).slice(-(STATE_LIMITS.appliedCount - 1));
  state.applied.push({ id: batch.batchId, at: now });

  // Escalation means "more severe than what you were told": only announced incidents count.
  const escalationSource = (severity: Severity): IncidentState | undefined =>
    mostSevere(state.incidents.filter((i) => i.mode === 'alert' && rank(i.severity) < rank(severity)));
  const opened: Array<{ incident: IncidentState; base: Alert; kind: AlertKind; why?: string }> = [];
  const groups = [...batch.groups].sort(
    (a, b) => rank(b.alert.severity) - rank(a.alert.severity) || (a.alert.classification < b.alert.classification ? -1 : 1),
  );
  for (const group of groups) {
    const { alert } = group;
    let incident = routeOf(state, alert.classification);
    let announced = false;
    const coverOf = (severity: Severity): Suppression | null =>
      suppressions.length === 0
        ? null
        : suppressionFor(suppressions, { srcIp: state.key.srcIp, targetHosts: [...group.tally.byHost.keys()], severity, now });
    if (incident !== null) {
      applySuppression(state, incident, coverOf(incident.severity), now, settings);
    } else {
      const source = escalationSource(alert.severity);
      incident = openIncident(state, alert.classification, now, settings, alert);
      if (source !== undefined) incident.escalatedFrom = escalatedFromOf(source, state.key);
      const cover = coverOf(incident.severity);
      if (cover !== null) {
        applySuppression(state, incident, cover, now, settings);
      } else if (alert.severity === 'low' && settings.lowSeverity === 'digest') {
        incident.mode = 'digest';
        incident.digestReason = 'low-severity';
      } else {
        opened.push({ incident, base: alert, kind: source !== undefined ? 'escalation' : 'new' });
        announced = true;
      }
    }
    countInto(state, incident, group, now, settings, announced);
  }

  const verdict = state.incidents.some((i) => i.classification === 'bounce-scan') ? null : trackScan(state, groups, now, settings);
  if (verdict !== null) {
    const base = scanBase(groups);
    const announced = new Set(opened.map((o) => o.incident.id));
    const source = mostSevere(state.incidents.filter((i) => i.mode === 'alert' && !announced.has(i.id)));
    const scan = openIncident(state, 'bounce-scan', now, settings, base);
    if (source !== undefined) scan.escalatedFrom = escalatedFromOf(source, state.key);
    // Absorb: the scan tells the whole story of this window; the others are not reported again.
    for (const other of state.incidents) {
      if (other === scan) continue;
      mergeWindow(scan.window, other.window);
      scan.total += other.window.count;
      scan.firstSeen = Math.min(scan.firstSeen, other.firstSeen);
      scan.lastSeen = Math.max(scan.lastSeen, other.lastSeen);
      for (const stream of other.logStreams) {
        if (scan.logStreams.length < STATE_LIMITS.streams && !scan.logStreams.includes(stream)) scan.logStreams.push(stream);
      }
      addHosts(scan, other.hosts ?? []);
    }
    const absorbed = new Set(state.incidents.filter((i) => i !== scan).map((i) => i.id));
    state.incidents = [scan];
    state.digests = state.digests.filter((d) => !absorbed.has(d.incidentId));
    state.scan = null;
    const kept = opened.filter((o) => !absorbed.has(o.incident.id));
    opened.length = 0;
    opened.push(...kept);
    const cover = suppressionFor(suppressions, {
      srcIp: state.key.srcIp,
      targetHosts: [...targetHosts(scan.window.targets)],
      severity: scan.severity,
      now,
    });
    if (cover === null) {
      opened.unshift({ incident: scan, base, kind: source !== undefined ? 'escalation' : 'new', why: describeVerdict(verdict) });
    } else {
      // Only a suppression that names critical covers a scan; it is still listed, with everything it absorbed.
      scan.sinceMessage = scan.window.count;
      applySuppression(state, scan, cover, now, settings);
    }
  }

  // The flood guard: announcements beyond the hour's slots are folded into its digest, never dropped.
  opened.sort((a, b) => rank(b.incident.severity) - rank(a.incident.severity));
  let used = 0;
  for (const { incident, base, kind, why } of opened) {
    if (used < slots) {
      used++;
      state.outbox.push(outboxEntry(announce(incident, base, kind, state.key, why), origin, now, claim));
    } else {
      incident.mode = 'digest';
      incident.digestReason = 'flood-guard';
      addDigestLine(
        state,
        incident,
        'flood-guard',
        digestBucket('flood-guard', now, settings),
        incident.window.count,
        incident.window.firstSeen ?? now,
        incident.window.lastSeen ?? now,
        incident.window.targets,
      );
    }
  }
  return { state, changed: true, wantedSlots: opened.length, usedSlots: used };
}

/**
 * When an outbox entry may be claimed again: its claim's end (a given-back entry's claim ended when it was
 * decided). An entry of a record written before claims existed counts as claimed for that code's grace.
 */
export function claimEnds(entry: OutboxEntry): number {
  if (entry.claim !== undefined) return entry.claim.until;
  return entry.origin === SWEEP_ORIGIN_TOKEN ? entry.createdAt : entry.createdAt + STATE_LIMITS.outboxGraceMs;
}

/** True when `by` may publish the entry at `now`: it holds the claim, or nobody does any more. */
export function claimable(entry: OutboxEntry, now: number, by: string): boolean {
  return entry.claim?.by === by || claimEnds(entry) <= now;
}

/** The outbox entries `ids` claimed by `claim` (others unchanged); pure, on a copy. */
export function withClaims(previous: ClientState, ids: ReadonlySet<string>, claim: OutboxClaim): ClientState {
  const state = copyState(previous);
  state.outbox = state.outbox.map((e) => (ids.has(e.alert.id) ? { ...e, claim } : e));
  return state;
}

/** The origin of the messages the sweep decides (updates at window ends). */
export const SWEEP_ORIGIN_TOKEN = 'sweep';

/** When a state next needs the sweep: a window end, a digest, or an outbox entry whose claim ends. Null: never. */
export function dueAt(state: ClientState): number | null {
  let due = Infinity;
  for (const incident of state.incidents) due = Math.min(due, incident.windowEnd);
  for (const line of state.digests) due = Math.min(due, line.bucketEnd);
  for (const entry of state.outbox) due = Math.min(due, claimEnds(entry));
  return Number.isFinite(due) ? due : null;
}

/** True when the state holds nothing but applied-batch ids (kept for idempotency until they expire). */
export function isIdle(state: ClientState): boolean {
  return state.incidents.length === 0 && state.digests.length === 0 && state.outbox.length === 0;
}

export interface SweepDecision {
  /** The state to write: windows rolled, and the entries to publish claimed by the sweep. */
  readonly state: ClientState;
  /** Digest lines due at `now`, to be listed (the caller removes them once a digest listing them went out). */
  readonly dueDigests: readonly PendingDigestLine[];
  /** Outbox entries the sweep must publish: its own updates, and entries nobody holds a claim on any more. */
  readonly toPublish: readonly OutboxEntry[];
}

/** The sweep's part for one client: roll windows (updates into the outbox), claim what is free, say what is due. */
export function sweepClient(previous: ClientState, now: number, settings: IncidentSettings, claim: OutboxClaim): SweepDecision {
  const state = copyState(previous);
  rollWindows(state, now, settings, SWEEP_ORIGIN_TOKEN, claim);
  state.outbox = state.outbox.map((e) => (claimable(e, now, claim.by) ? { ...e, claim } : e));
  const dueDigests = state.digests.filter((d) => d.bucketEnd <= now);
  const toPublish = state.outbox.filter((e) => e.claim?.by === claim.by);
  return { state, dueDigests, toPublish };
}

/** What one publisher settles in a record after publishing: what went out, what it gives back, what was listed. */
export interface Settlement {
  /** Alert ids published: their entries leave the outbox. */
  readonly sent: ReadonlySet<string>;
  /** The publisher's claim token: its entries not sent lose their claim, so the next sweep or retry takes them. */
  readonly releaseBy?: string;
  /** Digest lines listed in a digest that went out: they leave the record. */
  readonly listed?: readonly PendingDigestLine[];
}

/** The key of a digest line: one per incident, reason and bucket. */
export function digestLineKey(line: PendingDigestLine): string {
  return `${line.reason}|${line.bucketEnd}|${line.incidentId}`;
}

/** A state after a settlement; pure, on a copy. */
export function settled(previous: ClientState, settlement: Settlement): ClientState {
  const state = copyState(previous);
  const { sent, releaseBy } = settlement;
  state.outbox = state.outbox
    .filter((e) => !sent.has(e.alert.id))
    .map((e) => {
      if (releaseBy === undefined || e.claim?.by !== releaseBy) return e;
      // Given back: a claim that has already ended, so the entry is due, and free to claim, at once.
      return { ...e, claim: { by: '', until: e.createdAt } };
    });
  const listed = new Set((settlement.listed ?? []).map(digestLineKey));
  state.digests = state.digests.filter((d) => !listed.has(digestLineKey(d)));
  return state;
}

/** True when a settlement changes the state (something to remove or give back). */
export function changedBySettlement(state: ClientState, settlement: Settlement): boolean {
  const listed = new Set((settlement.listed ?? []).map(digestLineKey));
  return (
    state.outbox.some(
      (e) => settlement.sent.has(e.alert.id) || (settlement.releaseBy !== undefined && e.claim?.by === settlement.releaseBy),
    )
    || state.digests.some((d) => listed.has(digestLineKey(d)))
  );
}
