/** Wording shared by the renderers, so email, Slack and Chatbot say the same thing the same way. */
import type { Severity } from '../../detector/finding';
import { type ClassificationText, RULE_11209_TEXT, WELL_KNOWN_TARGET_TEXT } from '../../detector/rule-11209.messages';
import type { Alert, TargetCount } from '../alert';
import { BOUNCE_SCAN_TEXT, ESCALATION_TEXT, KIND_TEXT, MEMORY_TEXT, OUTCOME_TEXT } from '../incident.messages';

export function severityTag(severity: Severity): string {
  return severity.toUpperCase();
}

export function classificationText(alert: Alert): ClassificationText {
  return alert.classification === 'bounce-scan'
    ? BOUNCE_SCAN_TEXT
    : RULE_11209_TEXT.classifications[alert.classification];
}

/** Slack emoji shortcode per severity (Slack and Chatbot render them; they are plain ASCII elsewhere). */
export const SEVERITY_EMOJI: Readonly<Record<Severity, string>> = {
  critical: ':rotating_light:',
  high: ':warning:',
  medium: ':large_orange_diamond:',
  low: ':information_source:',
};

/** The client's remote name from the first sample that has one (raw, untrusted). */
export function clientNameOf(alert: Alert): string | null {
  for (const sample of alert.samples)
    if (sample.finding.clientName !== null) return sample.finding.clientName;
  return null;
}

/**
 * Where it happened, for the first lines of every medium: account, Region, host(s), log group. `code` formats
 * untrusted values (host names and log group names come from logs and configuration) for the medium.
 */
export function wherePhrase(alert: Alert, code: (text: string, max: number) => string): string {
  const parts = [`account ${alert.account === null ? 'unknown' : code(alert.account, 20)}`, alert.region];
  const hosts = alert.hosts ?? [];
  if (hosts.length > 0) {
    const shown = hosts.slice(0, 2).map((h) => code(h, 80));
    parts.push(`host ${shown.join(', ')}${moreSuffix(shown.length, hosts.length)}`);
  }
  parts.push(`log group ${code(alert.logGroup, 200)}`);
  return parts.join(' · ');
}

/** One sentence per well-known target among the alert's targets (instance metadata, loopback, VPC resolver). */
export function wellKnownNotes(alert: Alert, code: (text: string, max: number) => string): string[] {
  return (alert.wellKnownTargets ?? []).map((hit) => {
    const text = WELL_KNOWN_TARGET_TEXT[hit.kind];
    const of = hit.network === null ? '' : ` of ${code(hit.network, 50)}`;
    return `${code(hit.ip, 45)} is the ${text.label}${of}: ${text.note}.`;
  });
}

/** A target with the name of its well-known address, if it has one: `169.254.169.254:80 (instance metadata service)`. */
export function targetWithName(alert: Alert, target: string, code: (text: string, max: number) => string): string {
  const host = target.startsWith('[') ? target.slice(1, target.indexOf(']')) : target.slice(0, target.lastIndexOf(':'));
  const hit = (alert.wellKnownTargets ?? []).find((h) => h.ip === host);
  return hit === undefined ? code(target, 64) : `${code(target, 64)} (${WELL_KNOWN_TARGET_TEXT[hit.kind].label})`;
}

/** "1 refused command" / "3 refused commands". */
export function countPhrase(count: number): string {
  return count === 1 ? '1 refused command' : `${count} refused commands`;
}

/** That proftpd refused and nothing was connected: true of every alert (each finding is a refusal). */
export function outcomePhrase(alert: Alert): string {
  return alert.count === 1 ? OUTCOME_TEXT.one : OUTCOME_TEXT.many;
}

/**
 * The escalated incident, named (`Escalates incident <id>: <title>`), for the first lines; null when the alert
 * is no escalation and its incident never escalated. `code` formats the id for the medium; the title is the
 * alert JSON's display-safe one, `text` formats it for the medium.
 */
export function escalationPhrase(
  alert: Alert,
  code: (text: string, max: number) => string,
  text: (t: string) => string,
): string | null {
  const from = alert.escalatedFrom;
  if (from === undefined || alert.kind === 'digest') return null;
  const lead = alert.kind === 'escalation' ? ESCALATION_TEXT.escalation : ESCALATION_TEXT.later;
  return `${lead} ${code(from.incidentId, 40)} (${severityTag(from.severity)}): ${text(from.title)}`;
}

/**
 * How many, as the first lines say it. An update: how many more since the last message, then the window's and
 * the incident's totals; otherwise the alert's count.
 */
export function howManyPhrase(alert: Alert): string {
  const w = alert.window;
  if (alert.kind !== 'update' || w === undefined) return countPhrase(alert.count);
  const more = w.sinceLastMessage ?? w.count;
  return `${more} more since the last message (${w.count} this window, ${alert.incidentTotal} since it opened)`;
}

/** A digest entry's targets (at most five, most aimed-at first) as ` → a x3, b x1`; empty when none decoded. */
export function digestTargets(targets: readonly TargetCount[], code: (text: string, max: number) => string): string {
  return targets.length === 0 ? '' : ` → ${targets.map((t) => `${code(t.target, 64)} x${t.count}`).join(', ')}`;
}

/** The thread every medium keeps an incident's messages in: an escalated incident stays in its first one's. */
export function threadIdOf(alert: Alert): string {
  return alert.escalatedFrom?.threadId ?? alert.incidentId;
}

/** "at T" for one finding, "between A and B" for several. */
export function timePhrase(alert: Alert): string {
  return alert.firstSeen === alert.lastSeen
    ? `at ${alert.firstSeen}`
    : `between ${alert.firstSeen} and ${alert.lastSeen}`;
}

export function moreSuffix(shown: number, total: number): string {
  return total > shown ? ` (+${total - shown} more)` : '';
}

/** Explains samplesDropped, or empty. */
export function droppedSamplesNote(alert: Alert): string {
  if (alert.samplesDropped === 0) return '';
  const n = alert.samplesDropped;
  return `${n} sample line${n === 1 ? ' was' : 's were'} left out to keep the message under the SNS size limit; the Logs Insights link finds them.`;
}

export function pluralise(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `TEST · ` before the headline of `ftp-bounce-watch test --deliver`'s alert (email, Slack, Chatbot); else nothing. */
export function testMark(alert: Alert): string {
  return alert.test === true ? 'TEST · ' : '';
}

/** "NEW", "UPDATE", ...: the kind of incident message, for titles. */
export function kindTag(alert: Alert): string {
  return KIND_TEXT[alert.kind].tag;
}

/** `2024-05-01 10:00` (UTC, minutes): window bounds read better without seconds and milliseconds. */
export function shortTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/**
 * The incident facts every medium shows, as label/value rows; `code` formats untrusted values for the medium
 * (targets come from log lines). Empty for alerts judged without memory, except the note that memory is off.
 */
export function incidentRows(alert: Alert, code: (text: string, max: number) => string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  if (alert.alertMemory === 'off') return rows;
  rows.push(['Incident', `${alert.incidentId} (${KIND_TEXT[alert.kind].lead.toLowerCase()})`]);
  rows.push(['Window', `${shortTime(alert.windowStart)} to ${shortTime(alert.windowEnd)} UTC`]);
  const w = alert.window;
  if (w !== undefined) {
    const plus = w.distinctCapped ? '+' : '';
    rows.push([
      'This window',
      `${countPhrase(w.count)}; ${pluralise(w.distinctTargets, 'target')}${plus} on ${pluralise(w.distinctHosts, 'host')}${plus}, `
      + `${pluralise(w.distinctPorts, 'distinct port')}${plus}`,
    ]);
    if (w.topTargets.length > 0) {
      rows.push(['Top targets', w.topTargets.map((t) => `${code(t.target, 64)} x${t.count}`).join(', ')]);
    }
  }
  if (alert.kind !== 'new') rows.push(['Since it opened', countPhrase(alert.incidentTotal)]);
  if (alert.alertMemory === 'unavailable') rows.push(['Alert memory', MEMORY_TEXT.unavailable]);
  return rows;
}
