/**
 * AWS Chatbot (Amazon Q Developer in chat applications) custom notification: the SNS `https` key, which the
 * Chatbot endpoint subscribed to the topic renders in Slack or Teams. Schema: version "1.0", source "custom",
 * optional id, content {textType "client-markdown", title, description, nextSteps, keywords}, optional
 * metadata {threadId, summary, eventType, relatedResources, additionalContext}
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html).
 *
 * client-markdown is rendered as the chat platform's markdown (Slack mrkdwn), so untrusted values go through
 * the Slack helpers: inside code spans and code blocks, entities escaped, mentions and links broken. Trusted
 * rule text is entity-escaped too (a runbook mentions `<VirtualHost>`, which Slack would take for a link).
 */
import type { Alert } from '../alert';
import { escapeSlackEntities, slackCode, slackCodeBlock, slackSafe, truncate } from '../sanitize';
import {
  classificationText,
  clientNameOf,
  countPhrase,
  digestTargets,
  droppedSamplesNote,
  escalationPhrase,
  howManyPhrase,
  incidentRows,
  kindTag,
  moreSuffix,
  outcomePhrase,
  pluralise,
  shortTime,
  SEVERITY_EMOJI,
  severityTag,
  threadIdOf,
  timePhrase,
  wellKnownNotes,
  wherePhrase,
  testMark,
} from './common';

export interface ChatbotCard {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id?: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata?: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly relatedResources: readonly string[];
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/**
 * Caps kept well inside what Chatbot and Slack accept: the description stays within Slack's 3,000-character
 * section text, since Chatbot renders it as one message section.
 */
export const CHATBOT_LIMITS = {
  title: 250,
  description: 3000,
  nextSteps: 8,
  nextStep: 1500,
  keywords: 5,
  keyword: 40,
  summary: 200,
  contextValue: 256,
  relatedResource: 512,
} as const;

const SAMPLES_IN_CARD = 3;
const SAMPLE_LINE_MAX = 400;

function targetsLine(alert: Alert): string {
  if (alert.targets.length === 0) return '*Target* none decodable (malformed argument)';
  const shown = alert.targets.slice(0, 3).map((t) => slackCode(t, 70));
  return `*Target* ${shown.join(', ')}${moreSuffix(shown.length, alert.targets.length + alert.targetsTruncated)}`;
}

/** A digest card: the incidents listed, one line each. */
function digestDescriptionOf(alert: Alert): string {
  const entries = alert.digest?.entries ?? [];
  const more = alert.digest?.entriesTruncated ?? 0;
  const head = [
    `*${pluralise(entries.length + more, 'incident')}*, ${countPhrase(alert.count)}, `
    + `${shortTime(alert.windowStart)} to ${shortTime(alert.windowEnd)} UTC`,
    escapeSlackEntities(outcomePhrase(alert)),
    `*Where* account ${alert.account === null ? 'unknown' : slackCode(alert.account, 20)} · ${alert.region}`,
    escapeSlackEntities(alert.description.slice(alert.description.lastIndexOf('\n') + 1)),
    '',
  ];
  const lines = entries.map(
    (e) =>
      `• ${e.srcIp === null ? 'unknown client' : slackCode(e.srcIp, 70)} in ${slackCode(e.logGroup, 120)}: `
      + `${countPhrase(e.count)} (${e.classification})${digestTargets(e.topTargets, slackCode)}`
      + `${e.note === undefined ? '' : ` — ${slackCode(e.note, 300)}`}`,
  );
  const tail = more > 0 ? [`… and ${more} more`] : [];
  return truncate([...head, ...lines, ...tail].join('\n'), CHATBOT_LIMITS.description);
}

function descriptionOf(alert: Alert): string {
  if (alert.kind === 'digest') return digestDescriptionOf(alert);
  const text = classificationText(alert);
  const name = clientNameOf(alert);
  const client = alert.srcIp === null ? 'unknown (not in the log line)' : slackCode(alert.srcIp, 70);
  const streams = alert.logStreams.length + alert.logStreamsTruncated;
  const escalation = escalationPhrase(alert, slackCode, escapeSlackEntities);
  const streamPart =
    alert.logStreams.length === 1 && alert.logStreams[0] !== undefined
      ? ` · *stream* ${slackCode(alert.logStreams[0], 150)}`
      : ` · ${streams} streams`;
  const head = [
    ...(escalation === null ? [] : [escalation]),
    escapeSlackEntities(outcomePhrase(alert)),
    `*Where* ${wherePhrase(alert, slackCode)}`,
    `*Do first* ${escapeSlackEntities(alert.runbook[0] ?? '')}`,
    ...wellKnownNotes(alert, slackCode).map((note) => `:warning: ${escapeSlackEntities(note)}`),
    `*Client* ${client}${name !== null && name !== alert.srcIp ? ` (${slackCode(name, 100)})` : ''}`,
    targetsLine(alert),
    `*Server* ${alert.server === null ? 'not named in the log line(s)' : slackCode(alert.server, 150)}`,
    `*Log group* ${slackCode(alert.logGroup, 300)}${streamPart}`,
    `*How many* ${howManyPhrase(alert)} ${timePhrase(alert)}`,
    `*Severity* ${severityTag(alert.severity)} · ${alert.classification} · ${alert.command}`,
    ...incidentRows(alert, slackCode).map(([label, value]) => `*${label}* ${escapeIncidentValue(label, value)}`),
    '',
    escapeSlackEntities(text.summary),
  ].join('\n');

  const dropped = droppedSamplesNote(alert);
  const tail = dropped === '' ? '' : `\n${escapeSlackEntities(dropped)}`;
  const samples = alert.samples
    .slice(0, SAMPLES_IN_CARD)
    .map((s) => truncate(s.finding.line, SAMPLE_LINE_MAX));
  const heading = `\n\n*Sample lines* (${samples.length} of ${alert.count})\n`;
  const room = CHATBOT_LIMITS.description - head.length - heading.length - tail.length;
  // Samples only when a useful amount fits; the head alone is bounded well below the limit.
  const block = samples.length > 0 && room >= 120 ? `${heading}${slackCodeBlock(samples, room)}` : '';
  return truncate(`${head}${block}${tail}`, CHATBOT_LIMITS.description);
}

/** Incident rows carry our own text (escaped here) and untrusted targets (already code spans). */
function escapeIncidentValue(label: string, value: string): string {
  return label === 'Top targets' ? value : escapeSlackEntities(value);
}

function nextStepsOf(alert: Alert): string[] {
  // A digest's card lists its whole runbook; an incident's says its first step as "Do first" in the description.
  const runbook = alert.kind === 'digest' ? alert.runbook : alert.runbook.slice(1);
  const steps = runbook.map((step) => truncate(escapeSlackEntities(step), CHATBOT_LIMITS.nextStep));
  // Links are trusted (built from a validated region and encoded names); a cut link would be broken, so a
  // link that does not fit is left out instead.
  const whose = alert.kind === 'digest' ? 'these clients\' refusals' : 'this client';
  const links = [
    alert.links.clientEvents === undefined
      ? `Logs Insights for ${whose}: ${alert.links.insights}`
      : `Log events of ${whose}: ${alert.links.clientEvents}`,
    `Log group in the console: ${alert.links.logGroup}`,
  ].filter((step) => step.length <= CHATBOT_LIMITS.nextStep);
  return [...links, ...steps].slice(0, CHATBOT_LIMITS.nextSteps);
}

export function renderChatbotCard(alert: Alert): ChatbotCard {
  const text = classificationText(alert);
  const sev = severityTag(alert.severity);
  const client = alert.srcIp === null ? 'unknown client' : slackCode(alert.srcIp, 70);
  const lead = alert.alertMemory === 'off' ? '' : `${kindTag(alert)} · `;
  const subject = alert.kind === 'digest' ? escapeSlackEntities(alert.title) : `${text.label}: ${client}`;
  const title = truncate(`${SEVERITY_EMOJI[alert.severity]} ${testMark(alert)}[${sev}] ${lead}${subject}`, CHATBOT_LIMITS.title);
  const context: Record<string, string> = {
    ruleId: alert.ruleId,
    severity: alert.severity,
    classification: alert.classification,
    command: alert.command,
    srcIp: slackSafe(alert.srcIp ?? 'unknown', CHATBOT_LIMITS.contextValue),
    server: slackSafe(alert.server ?? 'unknown', CHATBOT_LIMITS.contextValue),
    logGroup: slackSafe(alert.logGroup, CHATBOT_LIMITS.contextValue),
    count: String(alert.count),
    firstSeen: alert.firstSeen,
    lastSeen: alert.lastSeen,
    alertId: alert.id,
    incidentId: alert.incidentId,
    kind: alert.kind,
    account: alert.account ?? 'unknown',
    region: alert.region,
  };
  return {
    version: '1.0',
    source: 'custom',
    id: alert.id,
    content: {
      textType: 'client-markdown',
      title,
      description: descriptionOf(alert),
      nextSteps: nextStepsOf(alert),
      keywords: ['rule-11209', alert.severity, alert.classification, alert.command].map((k) =>
        truncate(k, CHATBOT_LIMITS.keyword),
      ),
    },
    metadata: {
      // One thread per incident: its first alert, updates, and an escalation with the later messages of the
      // escalated incident stay together in the first incident's thread (docs/design.md section 8).
      threadId: `ftp-bounce-watch-${threadIdOf(alert)}`,
      summary: slackSafe(
        `${testMark(alert)}${alert.kind === 'digest' ? `[${sev}] ${alert.title}` : `[${sev}] ${text.label} from ${alert.srcIp ?? 'unknown client'}`}`,
        CHATBOT_LIMITS.summary,
      ),
      eventType: `rule-11209-${alert.classification}`,
      relatedResources: [slackSafe(alert.logGroup, CHATBOT_LIMITS.relatedResource)],
      additionalContext: context,
    },
  };
}
