/**
 * What `incidents` and `suppress` print: one view of an incident (its JSON is the `--format json` contract,
 * docs/design.md section 5) and the text tables people read. Pure.
 */
import type { Acknowledgement, ClientKey, IncidentState, Suppression } from '../../lambda/incidents';
import { terminalSafe } from './scan-text';
import { TERMINAL_COLUMNS, wrapLine, wrapText } from './wrap';

export type IncidentStatus = 'open' | 'acknowledged' | 'suppressed';

/** An open incident as the CLI shows it. */
export interface IncidentView {
  readonly id: string;
  /** `acknowledged` when someone did; else `suppressed` when a suppression covers it; else `open`. */
  readonly status: IncidentStatus;
  readonly severity: string;
  readonly classification: string;
  readonly account: string | null;
  readonly region: string;
  readonly logGroup: string;
  readonly srcIp: string | null;
  readonly server: string | null;
  readonly openedAt: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Findings of every window. */
  readonly total: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  /** Findings of the current window. */
  readonly windowCount: number;
  /** `alerts`: messages of its own; `digest`: listed in a digest (`digestReason` says which). */
  readonly heardAs: 'alerts' | 'digest';
  readonly digestReason: string | null;
  /** The current window's most aimed-at targets, most first (at most five). */
  readonly topTargets: ReadonlyArray<{ readonly target: string; readonly count: number }>;
  readonly logStreams: readonly string[];
  readonly hosts: readonly string[];
  readonly acknowledged: { readonly at: string; readonly by: string; readonly note: string } | null;
  readonly suppressedBy: { readonly id: string; readonly reason: string } | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const RANK: Readonly<Record<string, number>> = { critical: 0, high: 1, medium: 2, low: 3 };

export function incidentView(key: ClientKey, incident: IncidentState): IncidentView {
  const status: IncidentStatus =
    incident.acknowledged !== undefined ? 'acknowledged' : incident.digestReason === 'suppressed' ? 'suppressed' : 'open';
  return {
    id: incident.id,
    status,
    severity: incident.severity,
    classification: incident.classification,
    account: key.account === '' ? null : key.account,
    region: key.region,
    logGroup: key.logGroup,
    srcIp: key.srcIp,
    server: incident.server,
    openedAt: iso(incident.openedAt),
    firstSeen: iso(incident.firstSeen),
    lastSeen: iso(incident.lastSeen),
    total: incident.total,
    windowStart: iso(incident.windowStart),
    windowEnd: iso(incident.windowEnd),
    windowCount: incident.window.count,
    heardAs: incident.mode === 'alert' ? 'alerts' : 'digest',
    digestReason: incident.digestReason,
    topTargets: Object.entries(incident.window.targets)
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .slice(0, 5)
      .map(([target, count]) => ({ target, count })),
    logStreams: [...incident.logStreams],
    hosts: [...(incident.hosts ?? [])],
    acknowledged:
      incident.acknowledged === undefined
        ? null
        : { at: iso(incident.acknowledged.at), by: incident.acknowledged.by, note: incident.acknowledged.note },
    suppressedBy: incident.suppressedBy ?? null,
  };
}

/** Most severe first, then the most recently active. */
export function sortIncidents(views: readonly IncidentView[]): IncidentView[] {
  return [...views].sort(
    (a, b) =>
      (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9) || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0),
  );
}

const minute = (text: string): string => text.slice(0, 16).replace('T', ' ');

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The ids shown in lists: enough to be unique in practice, and accepted by `show` and `ack` as a prefix. */
export const SHORT_ID_LENGTH = 12;

/** An STS assumed-role ARN: a role name and a session name of up to 64 characters each, and the rest. */
const MAX_ARN = 256;

/** Where an incident's or a suppression's second and later lines start in the lists. */
const LIST_INDENT = SHORT_ID_LENGTH + 2;
/** Where the values of `incidents show` start. */
const SHOW_INDENT = 18;

/** Lines under a list entry, each wrapped to the terminal width under the entry's first column. */
function listDetail(text: string): string[] {
  return wrapLine(`${' '.repeat(LIST_INDENT)}${text}`, TERMINAL_COLUMNS, LIST_INDENT);
}

/**
 * Two lines or more per incident, every line within TERMINAL_COLUMNS: the columns people sort by (an IPv6 client
 * of 39 characters still fits), then what it is, when and where, then who acknowledged it or what suppresses it.
 */
export function renderIncidentsText(views: readonly IncidentView[], tableName: string): string {
  if (views.length === 0) return wrapText(`No open incidents in table ${terminalSafe(tableName)}.\n`);
  const lines = [
    `${views.length} open incident${views.length === 1 ? '' : 's'} in table ${terminalSafe(tableName)} (times UTC):`,
    `${pad('ID', SHORT_ID_LENGTH)}  ${pad('SEVERITY', 8)}  ${pad('STATUS', 12)}  ${pad('COUNT', 6)}  CLIENT`,
  ];
  for (const v of views) {
    lines.push(
      `${v.id.slice(0, SHORT_ID_LENGTH)}  ${pad(v.severity, 8)}  ${pad(v.status, 12)}  ${pad(String(v.total), 6)}  `
      + terminalSafe(v.srcIp ?? 'unknown', 39),
      ...listDetail(`${v.classification}, last seen ${minute(v.lastSeen)}, log group ${terminalSafe(v.logGroup, 200)}`),
    );
    if (v.acknowledged !== null) {
      lines.push(...listDetail(
        `acknowledged by ${terminalSafe(v.acknowledged.by, MAX_ARN)} at ${minute(v.acknowledged.at)}: ${terminalSafe(v.acknowledged.note, 300)}`,
      ));
    } else if (v.suppressedBy !== null) {
      lines.push(...listDetail(`suppressed by ${v.suppressedBy.id}: ${terminalSafe(v.suppressedBy.reason, 300)}`));
    }
  }
  lines.push('', 'Details: ftp-bounce-watch incidents show ID', 'Acknowledge: ftp-bounce-watch incidents ack ID --note TEXT');
  return wrapText(`${lines.join('\n')}\n`);
}

export function renderIncidentText(v: IncidentView): string {
  // Acknowledged: its updates go to the digest though the incident still alerts (heardAs) when it escalates.
  const heard =
    v.heardAs === 'digest'
      ? `listed in the ${v.digestReason ?? ''} digest`
      : v.status === 'acknowledged'
        ? 'updates in the digest\'s "acknowledged" section; an escalation alerts at once'
        : 'alerts of its own (new, escalation, updates)';
  const rows: Array<[string, string]> = [
    ['status', `${v.status}${v.status === 'acknowledged' ? ' (updates go to the digest until it escalates)' : ''}`],
    ['severity', `${v.severity} (${v.classification})`],
    ['client', `${terminalSafe(v.srcIp ?? 'unknown')}${v.server === null ? '' : ` on ${terminalSafe(v.server)}`}`],
    ['where', `account ${v.account ?? 'unknown'}, ${v.region}, log group ${terminalSafe(v.logGroup, 200)}`],
    ['opened', v.openedAt],
    ['seen', `${v.firstSeen} to ${v.lastSeen}, ${v.total} finding${v.total === 1 ? '' : 's'}`],
    ['window', `${v.windowStart} to ${v.windowEnd}, ${v.windowCount} so far`],
    ['heard as', heard],
    ['top targets', v.topTargets.length === 0 ? 'none decodable' : v.topTargets.map((t) => `${terminalSafe(t.target, 64)} x${t.count}`).join(', ')],
    ['log streams', v.logStreams.map((s) => terminalSafe(s, 120)).join(', ') || 'none recorded'],
  ];
  if (v.hosts.length > 0) rows.push(['hosts', v.hosts.map((h) => terminalSafe(h, 120)).join(', ')]);
  if (v.acknowledged !== null) {
    rows.push(['acknowledged', `${v.acknowledged.at} by ${terminalSafe(v.acknowledged.by, MAX_ARN)}`], ['note', terminalSafe(v.acknowledged.note, 300)]);
  }
  if (v.suppressedBy !== null) rows.push(['suppressed by', `${v.suppressedBy.id}: ${terminalSafe(v.suppressedBy.reason, 300)}`]);
  const lines = [
    `Incident ${v.id}`,
    ...rows.flatMap(([label, value]) => wrapLine(`  ${pad(label, SHOW_INDENT - 2)}${value}`, TERMINAL_COLUMNS, SHOW_INDENT)),
  ];
  return `${lines.join('\n')}\n`;
}

/** What `incidents ack` says: the incident, the acknowledgement it replaced (acknowledging again), what follows. */
export function renderAcknowledgedText(v: IncidentView, replaced: Acknowledgement | undefined): string {
  const lines = [`Acknowledged ${v.id} (${v.severity} ${v.classification} of ${terminalSafe(v.srcIp ?? 'unknown')}).`];
  if (replaced !== undefined) {
    lines.push(
      `It replaces the acknowledgement by ${terminalSafe(replaced.by, MAX_ARN)} at ${minute(iso(replaced.at))} UTC: `
      + terminalSafe(replaced.note, 300),
    );
  }
  lines.push('Its updates go to the digest until it escalates.');
  return wrapText(`${lines.join('\n')}\n`);
}

/** `in 6 d 3 h`, `in 40 min`, or `expired`. */
export function timeLeft(expiresAt: number, now: number): string {
  const ms = expiresAt - now;
  if (ms <= 0) return 'expired';
  const days = Math.floor(ms / 86_400_000);
  const hours = Math.floor((ms % 86_400_000) / 3_600_000);
  if (days > 0) return `in ${days} d${hours > 0 ? ` ${hours} h` : ''}`;
  return hours > 0 ? `in ${hours} h` : `in ${Math.max(1, Math.ceil(ms / 60_000))} min`;
}

/** One suppression: id, what it covers, until when; then who added it and why, under the id's column. */
export function suppressionLines(s: Suppression, now: number): string[] {
  const target = s.target === null ? '' : ` to ${s.target}`;
  const head = `${pad(s.id, LIST_INDENT)}${s.client}${target}  up to ${s.severity}  until ${minute(iso(s.expiresAt))} (${timeLeft(s.expiresAt, now)})`;
  return [
    ...wrapLine(head, TERMINAL_COLUMNS, LIST_INDENT),
    ...listDetail(`by ${terminalSafe(s.author, MAX_ARN)}: ${terminalSafe(s.reason, 300)}`),
  ];
}

export function renderSuppressionsText(active: readonly Suppression[], tableName: string, now: number): string {
  if (active.length === 0) {
    return wrapText(`No active suppressions in table ${terminalSafe(tableName)} (cdk.json's suppressions key may hold more).\n`);
  }
  const lines = [
    `${active.length} active suppression${active.length === 1 ? '' : 's'} in table ${terminalSafe(tableName)}, soonest to expire first`
    + ' (times UTC):',
    ...active.flatMap((s) => suppressionLines(s, now)),
    '',
    'Remove one: ftp-bounce-watch suppress remove ID (cdk.json\'s suppressions key holds any others).',
  ];
  return wrapText(`${lines.join('\n')}\n`);
}
