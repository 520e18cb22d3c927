/**
 * Plain-text email (the SNS `email` key) and the subject line (SNS `Subject`, also used by email). The top of
 * the body is for a tired on-call engineer: what, who, where, how many, when, how bad, what to do first. The
 * explanation, runbook, links and sample lines follow. Untrusted values are cleaned, capped and defanged.
 */
import { RULE_11209_TEXT } from '../../detector/rule-11209.messages';
import type { Alert } from '../alert';
import { cleanLine, emailSafe, truncate, truncateAtBoundary } from '../sanitize';
import {
  classificationText,
  clientNameOf,
  countPhrase,
  droppedSamplesNote,
  incidentRows,
  kindTag,
  moreSuffix,
  pluralise,
  severityTag,
  shortTime,
  timePhrase,
} from './common';

/** SNS: "less than 100 characters", no line breaks or control characters. */
export const SUBJECT_MAX_LENGTH = 99;
const SAMPLE_LINE_MAX = 1000;
const FIELD_MAX = 200;

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
function incidentSubject(alert: Alert): string {
  const sev = `[${severityTag(alert.severity)}]`;
  if (alert.kind === 'digest' && alert.digest !== undefined) {
    const n = alert.digest.entries.length + alert.digest.entriesTruncated;
    const what = alert.digest.reason === 'flood-guard' ? 'new FTP refusal incidents beyond the hourly cap' : 'low-severity FTP refusal incidents';
    return cleanLine(`${sev} Digest: ${n} ${what} (${alert.windowEnd.slice(0, 16).replace('T', ' ')} UTC)`, SUBJECT_MAX_LENGTH);
  }
  const label = classificationText(alert).label;
  const client = emailSafe(alert.srcIp ?? 'unknown client', 60);
  const head = `${sev} ${label}: ${client}`;
  const room = SUBJECT_MAX_LENGTH - head.length - ' in '.length;
  if (room < 8) return cleanLine(head, SUBJECT_MAX_LENGTH);
  return `${head} in ${emailSafe(alert.logGroup, room)}`;
}

/**
 * `[HIGH] FTP PORT to third party 203.0.113.7:25 refused for 198.51.100.4 on ftp.example.com (x3)`, at most
 * 99 characters. Shortening order: the count of other targets, the wording, the server name (cut at a label
 * boundary, then left out), then the target; the severity and the client address always stay (a
 * non-address "client" is cut only as a last resort).
 */
export function renderSubject(alert: Alert): string {
  if (alert.alertMemory !== 'off' || alert.kind === 'digest') return incidentSubject(alert);
  const words = subjectWording(alert);
  const sev = `[${severityTag(alert.severity)}]`;
  const client = emailSafe(alert.srcIp ?? 'unknown client', 60);
  const server = alert.server === null ? null : emailSafe(alert.server, 80);
  const firstTarget = alert.targets[0];
  const target = words.showTarget && firstTarget !== undefined ? emailSafe(firstTarget, 60) : null;
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

function labelled(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`);
}

function targetsText(alert: Alert): string {
  if (alert.targets.length === 0) return 'none decodable (malformed argument)';
  const shown = alert.targets.map((t) => emailSafe(t, 64)).join(', ');
  return shown + moreSuffix(alert.targets.length, alert.targets.length + alert.targetsTruncated);
}

function streamsText(alert: Alert): string {
  const streams = alert.logStreams.slice(0, 3).map((s) => emailSafe(s, 120));
  const total = alert.logStreams.length + alert.logStreamsTruncated;
  return `${streams.join(', ')}${moreSuffix(streams.length, total)}`;
}

function headline(alert: Alert): string {
  const text = classificationText(alert);
  const client = emailSafe(alert.srcIp ?? 'an unknown client', 64);
  const name = clientNameOf(alert);
  const who = name !== null && name !== alert.srcIp ? `${client} (${emailSafe(name, 80)})` : client;
  const where = alert.server === null ? 'the FTP server' : emailSafe(alert.server, 120);
  const target = alert.targets[0];
  const aim = target === undefined ? `a malformed address` : emailSafe(target, 64);
  return `${text.label}: ${who} asked ${where} to open a data connection to ${aim} (${alert.command}); proftpd refused.`;
}

function sampleLines(alert: Alert): string[] {
  const lines: string[] = [];
  for (const sample of alert.samples) {
    lines.push(
      `${sample.timestamp}  stream ${emailSafe(sample.logStream, 120)}  event ${emailSafe(sample.eventId, 80)}`,
    );
    lines.push(`  ${emailSafe(sample.finding.line, SAMPLE_LINE_MAX)}`);
  }
  return lines;
}

function updateHeadline(alert: Alert): string {
  const client = emailSafe(alert.srcIp ?? 'an unknown client', 64);
  const where = alert.server === null ? 'the FTP server' : emailSafe(alert.server, 120);
  const w = alert.window;
  const during = w === undefined ? countPhrase(alert.count) : countPhrase(w.count);
  return `The incident is still going on: ${client} had ${during} refused by ${where} in this window `
    + `(${countPhrase(alert.incidentTotal)} since the incident opened).`;
}

/** A digest lists incidents, not one client: its own body. */
function renderDigestBody(alert: Alert): string {
  const digest = alert.digest;
  const out: string[] = [];
  const entries = digest?.entries ?? [];
  const total = entries.length + (digest?.entriesTruncated ?? 0);
  out.push(
    `[${severityTag(alert.severity)}] ${kindTag(alert)} · ${alert.title}`,
    '',
    `${pluralise(total, 'incident')}, ${countPhrase(alert.count)}, `
    + `between ${shortTime(alert.windowStart)} and ${shortTime(alert.windowEnd)} UTC.`,
    alert.description.slice(alert.description.lastIndexOf('\n') + 1),
    '',
  );
  for (const [i, entry] of entries.entries()) {
    const targets = entry.topTargets.map((t) => `${emailSafe(t.target, 64)} x${t.count}`).join(', ');
    out.push(
      `${i + 1}. ${emailSafe(entry.srcIp ?? 'unknown client', 64)} in ${emailSafe(entry.logGroup, 200)}: `
      + `${countPhrase(entry.count)} (${entry.classification}, ${severityTag(entry.severity)}), `
      + `${shortTime(entry.firstSeen)} to ${shortTime(entry.lastSeen)}`,
      `   targets: ${targets === '' ? 'none decodable' : targets}`,
      `   incident ${entry.incidentId}`,
    );
  }
  if ((digest?.entriesTruncated ?? 0) > 0) out.push(`... and ${digest?.entriesTruncated} more (the least busy).`);
  out.push('', 'WHAT TO DO', ...alert.runbook.map((step, n) => `${n + 1}. ${step}`));
  out.push('', `Logs Insights: ${alert.links.insights}`);
  out.push(
    '',
    '--',
    `Rule ${RULE_11209_TEXT.ruleId} (OSSEC/Wazuh level ${RULE_11209_TEXT.level}): ${alert.ruleTitle}`,
    `Digest ${alert.id} · account ${alert.account ?? 'unknown'} · ${alert.region} · sent by ftp-bounce-watch`,
  );
  return `${out.join('\n')}\n`;
}

export function renderEmailBody(alert: Alert): string {
  if (alert.kind === 'digest') return renderDigestBody(alert);
  const text = classificationText(alert);
  const firstStep = alert.runbook[0] ?? text.runbook[0] ?? '';
  const out: string[] = [];

  const lead = alert.alertMemory === 'off' ? '' : `${kindTag(alert)} · `;
  out.push(
    `[${severityTag(alert.severity)}] ${lead}${text.label}`,
    '',
    alert.kind === 'update' ? updateHeadline(alert) : headline(alert),
    text.summary,
    '',
  );
  out.push(
    ...labelled([
      ['Client', emailSafe(alert.srcIp ?? 'unknown (not in the log line)', FIELD_MAX)],
      ['Target', targetsText(alert)],
      ['Server', alert.server === null ? 'not named in the log line(s)' : emailSafe(alert.server, FIELD_MAX)],
      ['Log group', emailSafe(alert.logGroup, 600)],
      ['Log stream', streamsText(alert)],
      ['How many', `${countPhrase(alert.count)} ${timePhrase(alert)}`],
      ['Severity', `${severityTag(alert.severity)} (${alert.classification})`],
      ['Do first', firstStep],
      ...incidentRows(alert, emailSafe),
    ]),
  );

  // The description ends with the classification summary, which the top of the body already gave.
  const about = alert.description.endsWith(text.summary)
    ? alert.description.slice(0, -text.summary.length).trimEnd()
    : alert.description;
  out.push('', 'ABOUT THIS ALERT', about);
  if (alert.textTruncated) out.push('(The description was shortened to fit the SNS size limit.)');
  out.push(
    '',
    `False positives: ${RULE_11209_TEXT.falsePositives}`,
    '',
    `Keep the rule enabled: ${RULE_11209_TEXT.keepEnabled}`,
  );

  out.push('', 'RUNBOOK', ...alert.runbook.map((step, i) => `${i + 1}. ${step}`));

  out.push('', 'LINKS', `Logs Insights (this client): ${alert.links.insights}`);
  out.push(`Log group: ${alert.links.logGroup}`);
  if (alert.links.logStream !== undefined) out.push(`Log stream: ${alert.links.logStream}`);

  const shown = alert.samples.length;
  out.push('', `SAMPLE LOG LINES (${shown} of ${alert.count}, earliest first; text cleaned and capped)`);
  out.push(...sampleLines(alert));
  if (shown === 0) out.push('(none included)');
  const dropped = droppedSamplesNote(alert);
  if (dropped !== '') out.push(dropped);
  if (alert.count > shown + alert.samplesDropped)
    out.push('The others are in the log group: see the Logs Insights link.');

  out.push(
    '',
    '--',
    `Rule ${RULE_11209_TEXT.ruleId} (OSSEC/Wazuh level ${RULE_11209_TEXT.level}): ${alert.ruleTitle}`,
    `Alert ${alert.id} · fingerprint ${alert.fingerprint} · sent by ftp-bounce-watch`,
    `References: ${RULE_11209_TEXT.references.join(' ; ')}`,
  );
  return `${out.join('\n')}\n`;
}

export function renderEmail(alert: Alert): RenderedEmail {
  return { subject: renderSubject(alert), body: renderEmailBody(alert) };
}
