/** Wording shared by the renderers, so email, Slack and Chatbot say the same thing the same way. */
import type { Severity } from '../../detector/finding';
import { type ClassificationText, RULE_11209_TEXT } from '../../detector/rule-11209.messages';
import type { Alert } from '../alert';
import { BOUNCE_SCAN_TEXT } from '../incident.messages';

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

/** "1 refused command" / "3 refused commands". */
export function countPhrase(count: number): string {
  return count === 1 ? '1 refused command' : `${count} refused commands`;
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
