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

/** Entries listed in one message; more entries make more messages (parts), so every incident is named. */
export const DIGEST_MAX_ENTRIES = 100;

/** The digest a line belongs to: account, Region, reason and bucket. Also the thread of its messages. */
export function digestBucketId(keyed: KeyedDigestLine): string {
  return idOf(['digest', keyed.key.account, keyed.key.region, keyed.line.reason, keyed.line.bucketEnd]);
}

function topTargets(targets: Readonly<Record<string, number>>): DigestEntry['topTargets'] {
  return Object.entries(targets)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 5)
    .map(([target, count]) => ({ target, count }));
}

/** Lines grouped by digest bucket, buckets in id order. */
export function digestBuckets(lines: readonly KeyedDigestLine[]): Array<{ bucketId: string; lines: KeyedDigestLine[] }> {
  const groups = new Map<string, KeyedDigestLine[]>();
  for (const keyed of lines) {
    const id = digestBucketId(keyed);
    const list = groups.get(id);
    if (list === undefined) groups.set(id, [keyed]);
    else list.push(keyed);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([bucketId, list]) => ({ bucketId, lines: list }));
}

function bySeverityAndCount(a: KeyedDigestLine, b: KeyedDigestLine): number {
  return (
    SEVERITY_RANK[b.line.severity] - SEVERITY_RANK[a.line.severity]
    || b.line.count - a.line.count
    || a.line.firstSeen - b.line.firstSeen
    || (a.line.incidentId < b.line.incidentId ? -1 : a.line.incidentId > b.line.incidentId ? 1 : 0)
  );
}

/**
 * The messages listing these lines, all of one bucket: parts of at most DIGEST_MAX_ENTRIES entries, most severe
 * and busiest first. A part's id names its bucket and its lines, so the same lines give the same message (a
 * repeated sweep) and lines that come after a part went out give a new one. `continued`: earlier messages of
 * this bucket already went out.
 */
export function buildDigestParts(lines: readonly KeyedDigestLine[], settings: IncidentSettings, continued = false): Alert[] {
  const sorted = [...lines].sort(bySeverityAndCount);
  const parts = Math.ceil(sorted.length / DIGEST_MAX_ENTRIES);
  const alerts: Alert[] = [];
  for (let part = 0; part < parts; part++) {
    const slice = sorted.slice(part * DIGEST_MAX_ENTRIES, (part + 1) * DIGEST_MAX_ENTRIES);
    alerts.push(digestAlert(slice, settings, { part: part + 1, parts, continued }));
  }
  return alerts;
}

/** Every bucket's messages (tests, and callers that know nothing went out before). */
export function buildDigests(lines: readonly KeyedDigestLine[], settings: IncidentSettings): Alert[] {
  return digestBuckets(lines).flatMap((bucket) => buildDigestParts(bucket.lines, settings));
}

interface DigestPart {
  readonly part: number;
  readonly parts: number;
  readonly continued: boolean;
}

function partSuffix({ part, parts, continued }: DigestPart): string {
  const late = continued ? ', late additions' : '';
  return parts > 1 ? ` (part ${part} of ${parts}${late})` : continued ? ' (late additions)' : '';
}

function digestAlert(sorted: readonly KeyedDigestLine[], settings: IncidentSettings, part: DigestPart): Alert {
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
  const entries: DigestEntry[] = sorted.map(({ key, line }) => ({
    incidentId: line.incidentId,
    logGroup: key.logGroup,
    srcIp: key.srcIp,
    classification: line.classification,
    severity: line.severity,
    count: line.count,
    firstSeen: new Date(line.firstSeen).toISOString(),
    lastSeen: new Date(line.lastSeen).toISOString(),
    ...(line.incidentFirstSeen === undefined ? {} : { incidentFirstSeen: new Date(line.incidentFirstSeen).toISOString() }),
    ...(line.incidentTotal === undefined ? {} : { incidentTotal: line.incidentTotal }),
    topTargets: topTargets(line.targets),
    ...(line.note === undefined ? {} : { note: line.note }),
  }));
  const bucketId = digestBucketId(head);
  const lineIds = sorted.map(({ line }) => line.incidentId).sort();
  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    id: idOf(['digest-part', bucketId, ...lineIds]),
    fingerprint: idOf(['digest-stream', account, region, reason]),
    title: `${text.label}: ${sorted.length} incident${sorted.length === 1 ? '' : 's'}${partSuffix(part)}`,
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
    // Every part of one bucket's digest is one thread.
    incidentId: bucketId,
    kind: 'digest',
    windowStart: new Date(bucketEnd - interval).toISOString(),
    windowEnd: new Date(bucketEnd).toISOString(),
    alertMemory: 'on',
    incidentTotal: count,
    digest: {
      reason,
      entries,
      entriesTruncated: 0,
      part: part.part,
      parts: part.parts,
      continued: part.continued,
    },
  };
}
