/**
 * Plain-text email (the SNS `email` key) and the subject line (SNS `Subject`, also used by email). The top of
 * the body is for a tired on-call engineer: what, who, where, how many, when, how bad, what to do first. The
 * explanation, runbook, links and sample lines follow. Untrusted values are cleaned, capped and defanged.
 */
import { RULE_11209_TEXT } from '../../detector/rule-11209.messages';
import type { Alert } from '../alert';
import { cleanLine, emailSafe, ownNameSafe, subjectSafe, truncate, truncateAtBoundary } from '../sanitize';
import { insightsQuery } from '../links';
import {
  classificationText,
  clientNameOf,
  countPhrase,
  droppedSamplesNote,
  escalationPhrase,
  howManyPhrase,
  incidentRows,
  kindTag,
  moreSuffix,
  outcomePhrase,
  pluralise,
  severityTag,
  shortTime,
  targetWithName,
  wellKnownNotes,
  wherePhrase,
  testMark,
} from './common';

/** SNS: "less than 100 characters", no line breaks or control characters. */
export const SUBJECT_MAX_LENGTH = 99;
const SAMPLE_LINE_MAX = 1000;
/** Targets listed in the details (the Who line names two). */
const ALERT_TARGETS_SHOWN = 10;

export interface RenderedEmail {
  readonly subject: string;
  readonly body: string;
}

interface SubjectWording {
  /** Before the target, e.g. "FTP PORT to third party". */
  readonly lead: string;
  /** Shorter lead for tight subjects. */
  readonly short: string;
  /** Whether the target address belongs in the subject. */
  readonly showTarget: boolean;
}

function subjectWording(alert: Alert): SubjectWording {
  const cmd = alert.command;
  switch (alert.classification) {
    case 'bounce-attempt':
      return { lead: `FTP ${cmd} bounce attempt to`, short: 'FTP bounce to', showTarget: true };
    case 'foreign-public-target':
      return { lead: `FTP ${cmd} to third party`, short: 'FTP 3rd-party', showTarget: true };
    case 'internal-target':
      return { lead: `FTP ${cmd} into your network`, short: 'FTP internal', showTarget: true };
    case 'proxy-address-mismatch':
      return { lead: `FTP ${cmd} via proxy, client unseen`, short: 'FTP proxy mismatch', showTarget: true };
    case 'nat-misconfiguration':
      return { lead: `FTP ${cmd} to internal address`, short: 'FTP NAT client', showTarget: true };
    case 'address-family-mismatch':
      return { lead: `FTP ${cmd} address-family mismatch`, short: 'FTP EPRT mismatch', showTarget: false };
    case 'malformed-argument':
      return { lead: `Malformed FTP ${cmd}`, short: 'Bad FTP cmd', showTarget: false };
    case 'bounce-scan':
      return { lead: `FTP ${cmd} bounce scan`, short: 'FTP bounce scan', showTarget: false };
  }
}

/**
 * With alert memory, every message of one incident carries the same subject, so mail clients thread them:
 * built only from what the incident key fixes (severity, classification, client, log group), never from
 * counts, targets or the kind of message. `[HIGH] FTP data channel aimed at a third party: 198.51.100.4 in
 * /var/log/proftpd`, at most 99 characters; the log group is cut first, the client last.
 */
/** A digest's subject by reason, given "incident" or "incidents". */
const DIGEST_SUBJECT: Readonly<Record<NonNullable<Alert['digest']>['reason'], (incidents: string) => string>> = {
  'low-severity': (incidents) => `low-severity FTP refusal ${incidents}`,
  'flood-guard': (incidents) => `new FTP refusal ${incidents} beyond the hourly cap`,
  'suppressed': (incidents) => `suppressed FTP refusal ${incidents}`,
  'acknowledged': (incidents) => `acknowledged FTP refusal ${incidents} with updates`,
};

function incidentSubject(alert: Alert): string {
  const sev = `[${severityTag(alert.severity)}]`;
  if (alert.kind === 'digest' && alert.digest !== undefined) {
    const n = alert.digest.entries.length + alert.digest.entriesTruncated;
    const what = DIGEST_SUBJECT[alert.digest.reason](n === 1 ? 'incident' : 'incidents');
    const { part, parts, continued } = alert.digest;
    const which = `${parts !== undefined && parts > 1 ? `, part ${part ?? 1}/${parts}` : ''}${continued === true ? ', late' : ''}`;
    return cleanLine(`${sev} Digest: ${n} ${what} (${alert.windowEnd.slice(0, 16).replace('T', ' ')} UTC${which})`, SUBJECT_MAX_LENGTH);
  }
  // An escalated incident stays in the thread of the incident it escalated: `Re:` and that incident's subject
  // (mail clients thread on the subject without its `Re:`); the body's first line says the new severity.
  const from = alert.escalatedFrom;
  if (from !== undefined) {
    const label = classificationText({ ...alert, classification: from.threadClassification }).label;
    return `${REPLY}${threadSubject(`[${severityTag(from.threadSeverity)}]`, label, alert)}`;
  }
  return threadSubject(sev, classificationText(alert).label, alert);
}

const REPLY = 'Re: ';

/**
 * `[SEV] Label: client in log group`, with room left for `Re: `, so that an escalation's subject is exactly `Re: `
 * and the subject of the incident it escalated.
 */
function threadSubject(sev: string, label: string, alert: Alert): string {
  const max = SUBJECT_MAX_LENGTH - REPLY.length;
  const client = emailSafe(alert.srcIp ?? 'unknown client', 60);
  const head = `${sev} ${label}: ${client}`;
  const room = max - head.length - ' in '.length;
  if (room < 8) return cleanLine(head, max);
  return `${head} in ${ownNameSafe(alert.logGroup, room)}`;
}

/**
 * `[HIGH] FTP PORT to third party 203.0.113.7:25 refused for 198.51.100.4 on ftp.example.com (x3)`, at most
 * 99 characters. Shortening order: the count of other targets, the wording, the server name (cut at a label
 * boundary, then left out), then the target; the severity and the client address always stay (a
 * non-address "client" is cut only as a last resort).
 */
export function renderSubject(alert: Alert): string {
  if (alert.test !== true) return subjectOf(alert);
  // The mark must survive the length cap: the subject's end gives way.
  return truncate(`${TEST_SUBJECT_PREFIX}${subjectOf(alert)}`, SUBJECT_MAX_LENGTH);
}

/** The subject of `ftp-bounce-watch test --deliver`'s alert starts with this. */
export const TEST_SUBJECT_PREFIX = '[TEST] ';

function subjectOf(alert: Alert): string {
  if (alert.alertMemory !== 'off' || alert.kind === 'digest') return incidentSubject(alert);
  const words = subjectWording(alert);
  const sev = `[${severityTag(alert.severity)}]`;
  const client = subjectSafe(alert.srcIp ?? 'unknown client', 60);
  const server = alert.server === null ? null : subjectSafe(alert.server, 80);
  const firstTarget = alert.targets[0];
  const target = words.showTarget && firstTarget !== undefined ? subjectSafe(firstTarget, 60) : null;
  const others = alert.targets.length + alert.targetsTruncated - 1;
  const count = alert.count > 1 ? ` (x${alert.count})` : '';

  const compose = (lead: string, tgt: string | null, srv: string | null, who: string): string =>
    `${sev} ${lead}${tgt === null ? '' : ` ${tgt}`} refused for ${who}${srv === null ? '' : ` on ${srv}`}${count}`;

  const targetWithOthers = target === null ? null : others > 0 ? `${target} +${others}` : target;
  // Most informative first; each later candidate gives up something: the count of other targets, the long
  // wording, then part of the server name (cut at a label boundary), then the server, then the target.
  type ServerMode = 'full' | 'cut' | 'none';
  const candidates: Array<[string, string | null, ServerMode]> = [
    [words.lead, targetWithOthers, 'full'],
    [words.lead, target, 'full'],
    [words.short, target, 'full'],
    [words.lead, target, 'cut'],
    [words.short, target, 'cut'],
    [words.lead, target, 'none'],
    [words.short, target, 'none'],
    [words.short, null, 'full'],
    [words.short, null, 'cut'],
    [words.short, null, 'none'],
  ];
  for (const [lead, tgt, mode] of candidates) {
    let subject: string | null;
    if (mode === 'none' || server === null) {
      subject = compose(lead, tgt, null, client);
    } else if (mode === 'full') {
      subject = compose(lead, tgt, server, client);
    } else {
      const room = SUBJECT_MAX_LENGTH - compose(lead, tgt, null, client).length - ' on '.length;
      subject = room >= 12 ? compose(lead, tgt, truncateAtBoundary(server, room), client) : null;
    }
    if (subject !== null && subject.length <= SUBJECT_MAX_LENGTH) return subject;
  }
  // Only a client "address" that is no address gets here: keep its start.
  const fixed = compose(words.short, null, null, '').length;
  return cleanLine(
    compose(words.short, null, null, truncate(client, SUBJECT_MAX_LENGTH - fixed)),
    SUBJECT_MAX_LENGTH,
  );
}

/** A list numbered from 1 (the first step is on the `Do` line above it). */
function numbered(steps: readonly string[]): string[] {
  return steps.map((step, i) => `${i + 1}. ${step}`);
}

function labelled(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}

const emailCode = (text: string, max: number): string => emailSafe(text, max);
/** The operator's own names (account, host, log group) as they are (ownNameSafe). */
const ownName = (text: string, max: number): string => ownNameSafe(text, max);

function targetsText(alert: Alert, max: number): string {
  if (alert.targets.length === 0) return 'none decodable (malformed argument)';
  const shown = alert.targets.slice(0, max).map((t) => targetWithName(alert, t, emailCode));
  return shown.join(', ') + moreSuffix(shown.length, alert.targets.length + alert.targetsTruncated);
}

function streamsText(alert: Alert): string {
  const streams = alert.logStreams.slice(0, 3).map((s) => ownNameSafe(s, 120));
  const total = alert.logStreams.length + alert.logStreamsTruncated;
  return `${streams.join(', ')}${moreSuffix(streams.length, total)}`;
}

/** `HH:MM:SS UTC` for one time, `HH:MM:SS-HH:MM:SS UTC` for a span within a day, full times otherwise. */
function spanPhrase(first: string, last: string): string {
  const day = first.slice(0, 10);
  if (first === last) return `${day} ${first.slice(11, 19)} UTC`;
  if (day === last.slice(0, 10)) return `${day} ${first.slice(11, 19)}-${last.slice(11, 19)} UTC`;
  return `${shortTime(first)} to ${shortTime(last)} UTC`;
}

/** Line 2: who aimed where, how often, when. */
function whoLine(alert: Alert): string {
  const name = clientNameOf(alert);
  const client = emailSafe(alert.srcIp ?? 'unknown client', 64);
  const who = name !== null && name !== alert.srcIp ? `${client} (${emailSafe(name, 60)})` : client;
  const server = alert.server === null ? '' : ` on ${ownNameSafe(alert.server, 80)}`;
  const w = alert.window;
  const span = alert.kind === 'update' && w !== undefined ? spanPhrase(w.firstSeen, w.lastSeen) : spanPhrase(alert.firstSeen, alert.lastSeen);
  return `${who} -> ${targetsText(alert, 2)}${server}: ${howManyPhrase(alert)} (${alert.command}), ${span}`;
}

/** The Logs Insights query the link runs, to paste where the link cannot go (another account's console). */
function queryLine(alert: Alert): string {
  return insightsQuery(alert.srcIp).split('\n').join(' ');
}

function sampleLines(alert: Alert): string[] {
  const lines: string[] = [];
  for (const sample of alert.samples) {
    // The event id (56 digits in CloudWatch) stays in the JSON; the time and stream find the line.
    lines.push(`${sample.timestamp}  ${ownNameSafe(sample.logStream, 120)}`);
    lines.push(`  ${emailSafe(sample.finding.line, SAMPLE_LINE_MAX)}`);
  }
  return lines;
}

/**
 * Links open in whatever account the reader is signed into: say which one they are for. Plain text cannot hide
 * a link behind words, so the short one: the log group's events filtered on the client (the Insights query,
 * whose link is three times longer, is on the Query line for pasting).
 */
function linkLines(alert: Alert, eventsLabel: string): string[] {
  const account = alert.account === null ? '' : `account ${ownNameSafe(alert.account, 20)}, `;
  return [
    `LINKS (sign in to ${account}${alert.region} first)`,
    `${eventsLabel}: ${alert.links.clientEvents ?? alert.links.insights}`,
    `Log group: ${alert.links.logGroup}`,
  ];
}

function footer(alert: Alert, what: string): string[] {
  return [
    '',
    '--',
    `Rule ${RULE_11209_TEXT.ruleId} (OSSEC/Wazuh level ${RULE_11209_TEXT.level}): ${alert.ruleTitle}`,
    `${what} ${alert.id} · sent by ftp-bounce-watch`,
  ];
}

/** A digest lists incidents, not one client: its own body, with the same first lines (what, where, do). */
function renderDigestBody(alert: Alert): string {
  const digest = alert.digest;
  const entries = digest?.entries ?? [];
  const total = entries.length + (digest?.entriesTruncated ?? 0);
  const groups = [...new Set(entries.map((e) => e.logGroup))];
  const shownGroups = groups.slice(0, 2).map((g) => ownNameSafe(g, 120));
  const where = [
    `account ${alert.account === null ? 'unknown' : ownNameSafe(alert.account, 20)}`,
    alert.region,
    `log group${groups.length === 1 ? '' : 's'} ${shownGroups.join(', ')}${moreSuffix(shownGroups.length, groups.length)}`,
  ].join(' · ');
  const out: string[] = [
    `[${severityTag(alert.severity)}] ${kindTag(alert)}: ${alert.title}`,
    `What:   ${pluralise(total, 'incident')}, ${countPhrase(alert.count)}, `
    + `${shortTime(alert.windowStart)} to ${shortTime(alert.windowEnd)} UTC`,
    `Result: ${outcomePhrase(alert)}`,
    `Where:  ${where}`,
    `Do:     ${alert.runbook[0] ?? ''}`,
    '',
  ];
  for (const [i, entry] of entries.entries()) {
    const targets = entry.topTargets.map((t) => `${emailSafe(t.target, 64)} x${t.count}`).join(', ');
    out.push(
      `${i + 1}. ${emailSafe(entry.srcIp ?? 'unknown client', 64)} in ${ownNameSafe(entry.logGroup, 200)}: `
      + `${countPhrase(entry.count)} (${entry.classification}), ${shortTime(entry.firstSeen)} to ${shortTime(entry.lastSeen)}`,
      `   targets: ${targets === '' ? 'none decodable' : targets}`,
    );
    if (entry.note !== undefined) out.push(`   ${emailSafe(entry.note, 500)}`);
  }
  if ((digest?.entriesTruncated ?? 0) > 0) out.push(`... and ${digest?.entriesTruncated} more (the least busy).`);
  if (alert.runbook.length > 1) out.push('', 'ALSO', ...numbered(alert.runbook.slice(1)));
  out.push('', ...linkLines(alert, 'Log events (refusals)'));
  out.push('', 'ABOUT', alert.description.slice(alert.description.lastIndexOf('\n') + 1));
  out.push(...footer(alert, 'Digest'));
  return `${out.join('\n')}\n`;
}

/**
 * Subject plus the first five lines tell the reader what they need in ten seconds: severity and what (1), who
 * aimed where and when (2), where it happened: account, Region, host, log group (3), the first thing to do (4),
 * and the exact query that finds everything the client did (5). Details, the rest of the runbook, links and
 * samples follow; the explanation comes once, short, at the end.
 */
/** Said under the headline of the test alert: what it is, so nobody starts an investigation. */
const TEST_NOTE = 'This is a test alert sent by `ftp-bounce-watch test --deliver`: nothing happened. It proves that alerts reach you.';

export function renderEmailBody(alert: Alert): string {
  if (alert.kind === 'digest') return renderDigestBody(alert);
  const text = classificationText(alert);
  const firstStep = alert.runbook[0] ?? text.runbook[0] ?? '';
  const kind = alert.alertMemory === 'off' ? '' : ` · ${kindTag(alert)}`;
  const escalation = escalationPhrase(alert, ownName, (title) => title);
  const out: string[] = [
    `${testMark(alert)}[${severityTag(alert.severity)}] ${text.label}${kind}`,
    ...(alert.test === true ? [TEST_NOTE, ''] : []),
    ...(escalation === null ? [] : [escalation]),
    ...labelled([
      ['Who', whoLine(alert)],
      ['Result', outcomePhrase(alert)],
      ['Where', wherePhrase(alert, ownName)],
      ['Do', firstStep],
      ['Query', queryLine(alert)],
    ]),
    '',
  ];
  const notes = wellKnownNotes(alert, emailCode);
  if (notes.length > 0) out.push(...notes.map((n) => `NOTE: ${n}`), '');

  const rows: Array<[string, string]> = [];
  if (alert.targets.length > 2) rows.push(['Targets', targetsText(alert, ALERT_TARGETS_SHOWN)]);
  rows.push(['Log stream', streamsText(alert)]);
  rows.push(...incidentRows(alert, emailSafe));
  out.push(...labelled(rows));

  if (alert.runbook.length > 1) {
    out.push('', 'THEN', ...numbered(alert.runbook.slice(1)));
  }
  out.push('', ...linkLines(alert, 'Log events (this client)'));

  const shown = alert.samples.length;
  if (shown > 0) {
    out.push('', `SAMPLE LINES (${shown} of ${alert.count}; cleaned and capped)`, ...sampleLines(alert));
  }
  const dropped = droppedSamplesNote(alert);
  if (dropped !== '') out.push(dropped);

  out.push('', 'ABOUT', `${text.summary} ${RULE_11209_TEXT.brief}`, RULE_11209_TEXT.falsePositives);
  if (alert.textTruncated) out.push('(The description was shortened to fit the SNS size limit.)');
  out.push(...footer(alert, 'Alert'));
  return `${out.join('\n')}\n`;
}

export function renderEmail(alert: Alert): RenderedEmail {
  return { subject: renderSubject(alert), body: renderEmailBody(alert) };
}
