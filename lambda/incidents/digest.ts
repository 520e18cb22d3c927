/**
 * Digests: one message listing the incidents that were not announced one by one (low severity in `digest`
 * mode, or folded by the flood guard), per account, Region, reason and bucket. Pure.
 */
import type { Alert, DigestEntry } from '../alerts/alert';
import { idOf } from '../alerts/group';
import { DIGEST_TEXT } from '../alerts/incident.messages';
import { consoleLinks } from '../alerts/links';
import { SEVERITY_RANK, type Severity } from '../detector/finding';
import { RULE_11209_TEXT } from '../detector/rule-11209.messages';
import { HOUR_MS, type IncidentSettings } from './settings';
import type { ClientKey, PendingDigestLine } from './state';

/** A digest line with the client it belongs to. */
export interface KeyedDigestLine {
  readonly key: ClientKey;
  readonly line: PendingDigestLine;
}

/** Entries listed in one message; the rest are counted (the JSON stays far below SNS's 256 KB). */
export const DIGEST_MAX_ENTRIES = 100;

function digestKey(k: KeyedDigestLine): string {
  return JSON.stringify([k.key.account, k.key.region, k.line.reason, k.line.bucketEnd]);
}

function topTargets(targets: Readonly<Record<string, number>>): DigestEntry['topTargets'] {
  return Object.entries(targets)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 5)
    .map(([target, count]) => ({ target, count }));
}

/** One digest alert per account, Region, reason and bucket end, entries most severe and busiest first. */
export function buildDigests(lines: readonly KeyedDigestLine[], settings: IncidentSettings): Alert[] {
  const groups = new Map<string, KeyedDigestLine[]>();
  for (const keyed of lines) {
    const id = digestKey(keyed);
    const list = groups.get(id);
    if (list === undefined) groups.set(id, [keyed]);
    else list.push(keyed);
  }
  const alerts: Alert[] = [];
  for (const group of groups.values()) alerts.push(digestAlert(group, settings));
  return alerts.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function digestAlert(lines: readonly KeyedDigestLine[], settings: IncidentSettings): Alert {
  const sorted = [...lines].sort(
    (a, b) =>
      SEVERITY_RANK[b.line.severity] - SEVERITY_RANK[a.line.severity]
      || b.line.count - a.line.count
      || a.line.firstSeen - b.line.firstSeen
      || (a.line.incidentId < b.line.incidentId ? -1 : 1),
  );
  const head = sorted[0] as KeyedDigestLine;
  const { account, region } = head.key;
  const { reason, bucketEnd } = head.line;
  const interval = reason === 'flood-guard' ? HOUR_MS : settings.digestIntervalMs;
  const text = DIGEST_TEXT[reason];
  let severity: Severity = 'low';
  let count = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const { line } of sorted) {
    if (SEVERITY_RANK[line.severity] > SEVERITY_RANK[severity]) severity = line.severity;
    count += line.count;
    first = Math.min(first, line.firstSeen);
    last = Math.max(last, line.lastSeen);
  }
  const entries: DigestEntry[] = sorted.slice(0, DIGEST_MAX_ENTRIES).map(({ key, line }) => ({
    incidentId: line.incidentId,
    logGroup: key.logGroup,
    srcIp: key.srcIp,
    classification: line.classification,
    severity: line.severity,
    count: line.count,
    firstSeen: new Date(line.firstSeen).toISOString(),
    lastSeen: new Date(line.lastSeen).toISOString(),
    topTargets: topTargets(line.targets),
  }));
  const id = idOf(['digest', account, region, reason, bucketEnd]);
  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    id,
    fingerprint: idOf(['digest-stream', account, region, reason]),
    title: `${text.label}: ${sorted.length} incident${sorted.length === 1 ? '' : 's'}`,
    ruleTitle: RULE_11209_TEXT.title,
    severity,
    classification: head.line.classification,
    command: 'PORT/EPRT',
    logGroup: head.key.logGroup,
    logStreams: [],
    logStreamsTruncated: 0,
    srcIp: null,
    server: null,
    count,
    firstSeen: new Date(first).toISOString(),
    lastSeen: new Date(last).toISOString(),
    targets: [],
    targetsTruncated: 0,
    samples: [],
    samplesDropped: 0,
    textTruncated: false,
    description: `${RULE_11209_TEXT.description}\n\n${text.summary}`,
    runbook: [...text.runbook],
    links: consoleLinks(region, head.key.logGroup, null, first, last),
    account: account === '' ? null : account,
    region,
    // A digest spans incidents: where each was seen is in its entry's log group; no single host to name.
    hosts: [],
    wellKnownTargets: [],
    incidentId: id,
    kind: 'digest',
    windowStart: new Date(bucketEnd - interval).toISOString(),
    windowEnd: new Date(bucketEnd).toISOString(),
    alertMemory: 'on',
    incidentTotal: count,
    digest: {
      reason,
      entries,
      entriesTruncated: Math.max(0, sorted.length - entries.length),
    },
  };
}
