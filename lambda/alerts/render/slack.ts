/**
 * Slack Block Kit message for the webhook forwarder. Untrusted values appear only as code spans or in a code
 * block (mrkdwn) and are cleaned, entity-escaped, defanged and capped (see sanitize.ts); trusted rule text is
 * entity-escaped. Limits respected: header 150, section text 3000, at most 10 fields of 2000, button text 75
 * and URL 3000, at most 50 blocks.
 */
import { RULE_11209_TEXT } from '../../detector/rule-11209.messages';
import type { Alert } from '../alert';
import { escapeSlackEntities, slackCode, slackCodeBlock, truncate } from '../sanitize';
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
  timePhrase,
  wellKnownNotes,
  wherePhrase,
  testMark,
} from './common';

export const SLACK_LIMITS = {
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  buttonText: 75,
  buttonUrl: 3000,
  contextText: 2000,
  blocks: 50,
  /** Notification fallback text: Slack truncates very long messages; this one stays short. */
  text: 3000,
} as const;

export interface SlackMessage {
  /** Fallback and notification text (mrkdwn). */
  readonly text: string;
  readonly blocks: unknown[];
}

const SAMPLE_LINE_MAX = 500;

function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

function field(label: string, value: string): { type: 'mrkdwn'; text: string } {
  return mrkdwn(`*${label}*\n${value}`, SLACK_LIMITS.fieldText);
}

function listOf(values: readonly string[], total: number, max: number, each: number): string {
  const shown = values.slice(0, max).map((v) => slackCode(v, each));
  return shown.length === 0 ? 'none' : `${shown.join(', ')}${moreSuffix(shown.length, total)}`;
}

function headline(alert: Alert): string {
  const name = clientNameOf(alert);
  const client = alert.srcIp === null ? 'An unknown client' : `Client ${slackCode(alert.srcIp, 70)}`;
  const alias = name !== null && name !== alert.srcIp ? ` (${slackCode(name, 120)})` : '';
  const server = alert.server === null ? 'the FTP server' : slackCode(alert.server, 200);
  const aim = alert.targets.length === 0
    ? 'a malformed address'
    : listOf(alert.targets, alert.targets.length + alert.targetsTruncated, HEADLINE_TARGETS, 70);
  return `${client}${alias} asked ${server} to open a data connection to ${aim} (${alert.command}); `
    + `${escapeSlackEntities(outcomePhrase(alert))}`;
}

/** Targets the headline names; the rest as `(+N more)`, listed in the Target field. */
const HEADLINE_TARGETS = 3;

function linkButtons(alert: Alert): unknown | null {
  const candidates: Array<[string, string, string]> = [
    ['insights', 'Logs Insights: this client', alert.links.insights],
    ['log-group', 'Open log group', alert.links.logGroup],
  ];
  if (alert.links.logStream !== undefined)
    candidates.push(['log-stream', 'Open log stream', alert.links.logStream]);
  // A cut URL would lead nowhere: a link over the limit is left out (the email still carries it).
  const elements = candidates
    .filter(([, , url]) => url.length <= SLACK_LIMITS.buttonUrl)
    .map(([id, label, url]) => ({
      type: 'button',
      action_id: `open-${id}`,
      text: { type: 'plain_text', text: truncate(label, SLACK_LIMITS.buttonText), emoji: false },
      url,
    }));
  return elements.length === 0 ? null : { type: 'actions', elements };
}

function samplesSection(alert: Alert): unknown | null {
  if (alert.samples.length === 0) return null;
  const heading = `*Sample lines* (${alert.samples.length} of ${alert.count}, earliest first)\n`;
  const lines = alert.samples.map(
    (s) => `${s.timestamp} ${truncate(s.logStream, 80)}\n${truncate(s.finding.line, SAMPLE_LINE_MAX)}`,
  );
  return {
    type: 'section',
    text: mrkdwn(`${heading}${slackCodeBlock(lines, SLACK_LIMITS.sectionText - heading.length)}`),
  };
}

function renderDigestMessage(alert: Alert): SlackMessage {
  const sev = severityTag(alert.severity);
  const entries = alert.digest?.entries ?? [];
  const more = alert.digest?.entriesTruncated ?? 0;
  const lines = entries.map(
    (e, i) =>
      `${i + 1}. ${e.srcIp === null ? 'unknown client' : slackCode(e.srcIp, 70)} in ${slackCode(e.logGroup, 200)}: `
      + `${countPhrase(e.count)} (${e.classification})${digestTargets(e.topTargets, slackCode)}`
      + `${e.note === undefined ? '' : `\n    ${slackCode(e.note, 300)}`}`,
  );
  // Entries are split over sections so no section passes Slack's 3,000 characters; blocks are capped at 50.
  const sections: unknown[] = [];
  let chunk: string[] = [];
  for (const line of lines) {
    if (chunk.join('\n').length + line.length + 1 > SLACK_LIMITS.sectionText - 50) {
      sections.push({ type: 'section', text: mrkdwn(chunk.join('\n')) });
      chunk = [];
    }
    chunk.push(line);
  }
  if (chunk.length > 0) sections.push({ type: 'section', text: mrkdwn(chunk.join('\n')) });
  const summary =
    `*${pluralise(entries.length + more, 'incident')}*, ${countPhrase(alert.count)}, `
    + `${shortTime(alert.windowStart)} to ${shortTime(alert.windowEnd)} UTC\n`
    + `${escapeSlackEntities(outcomePhrase(alert))}\n`
    + `*Where* account ${alert.account === null ? 'unknown' : slackCode(alert.account, 20)} · ${alert.region}\n`
    + escapeSlackEntities(alert.description.slice(alert.description.lastIndexOf('\n') + 1));
  const blocks: unknown[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`${SEVERITY_EMOJI[alert.severity]} [${sev}] ${kindTag(alert)} · ${alert.title}`, SLACK_LIMITS.header), emoji: true },
    },
    { type: 'section', text: mrkdwn(summary) },
    ...sections.slice(0, SLACK_LIMITS.blocks - 4),
    {
      type: 'section',
      text: mrkdwn(['*What to do*', ...alert.runbook.map((step, i) => `${i + 1}. ${escapeSlackEntities(step)}`)].join('\n')),
    },
    {
      type: 'context',
      elements: [mrkdwn(`Digest ${alert.id}${more > 0 ? ` · ${more} more incidents not listed` : ''}`, SLACK_LIMITS.contextText)],
    },
  ];
  return { text: truncate(`[${sev}] ${kindTag(alert)} · ${alert.title}`, SLACK_LIMITS.text), blocks };
}

/** The incident's facts (memory on or unavailable) as one section; nothing without memory. */
function incidentSection(alert: Alert): unknown[] {
  const rows = incidentRows(alert, slackCode);
  if (rows.length === 0) return [];
  const text = rows
    .map(([label, value]) => `*${label}* ${label === 'Top targets' ? value : escapeSlackEntities(value)}`)
    .join('\n');
  return [{ type: 'section', text: mrkdwn(text) }];
}

function nullable(line: string | null): string[] {
  return line === null ? [] : [line];
}

export function renderSlackMessage(alert: Alert): SlackMessage {
  if (alert.kind === 'digest') return renderDigestMessage(alert);
  const text = classificationText(alert);
  const sev = severityTag(alert.severity);
  const emoji = SEVERITY_EMOJI[alert.severity];
  const streamsTotal = alert.logStreams.length + alert.logStreamsTruncated;

  const blocks: unknown[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(
          `${emoji} ${testMark(alert)}[${sev}] ${alert.alertMemory === 'off' ? '' : `${kindTag(alert)} · `}${text.label}`,
          SLACK_LIMITS.header,
        ),
        emoji: true,
      },
    },
    {
      type: 'section',
      text: mrkdwn(
        [
          ...nullable(escalationPhrase(alert, slackCode, escapeSlackEntities)),
          headline(alert),
          `*Where* ${wherePhrase(alert, slackCode)}`,
          `*Do first* ${escapeSlackEntities(alert.runbook[0] ?? '')}`,
          ...wellKnownNotes(alert, slackCode).map((note) => `:warning: ${escapeSlackEntities(note)}`),
          escapeSlackEntities(text.summary),
        ].join('\n'),
      ),
    },
    {
      type: 'section',
      fields: [
        field('Client', alert.srcIp === null ? 'unknown' : slackCode(alert.srcIp, 300)),
        field(
          'Target',
          alert.targets.length === 0
            ? 'none decodable'
            : listOf(alert.targets, alert.targets.length + alert.targetsTruncated, 5, 70),
        ),
        field('Server', alert.server === null ? 'not named' : slackCode(alert.server, 300)),
        field('Log group', slackCode(alert.logGroup, 1000)),
        field(
          streamsTotal === 1 ? 'Log stream' : 'Log streams',
          listOf(alert.logStreams, streamsTotal, 3, 300),
        ),
        field('How many', `${howManyPhrase(alert)} ${timePhrase(alert)}`),
        field('Severity', `${sev} · ${alert.classification}`),
        field('Command', alert.command),
      ].slice(0, SLACK_LIMITS.fields),
    },
    ...incidentSection(alert),
    // The first step is "Do first" above: said once per message.
    ...(alert.runbook.length > 1
      ? [{
          type: 'section',
          text: mrkdwn(['*Then*', ...alert.runbook.slice(1).map((step, i) => `${i + 1}. ${escapeSlackEntities(step)}`)].join('\n')),
        }]
      : []),
  ];
  const buttons = linkButtons(alert);
  if (buttons !== null) blocks.push(buttons);
  const samples = samplesSection(alert);
  if (samples !== null) blocks.push(samples);
  const notes = [
    `Rule ${RULE_11209_TEXT.ruleId} (OSSEC/Wazuh level ${RULE_11209_TEXT.level}): ${escapeSlackEntities(alert.ruleTitle)}`,
    `Alert ${alert.id}`,
  ];
  const dropped = droppedSamplesNote(alert);
  if (dropped !== '') notes.push(escapeSlackEntities(dropped));
  blocks.push({ type: 'context', elements: notes.map((n) => mrkdwn(n, SLACK_LIMITS.contextText)) });

  const client = alert.srcIp === null ? 'unknown client' : slackCode(alert.srcIp, 70);
  const where = alert.server === null ? '' : ` on ${slackCode(alert.server, 120)}`;
  const times = alert.count > 1 ? ` (x${alert.count})` : '';
  return {
    text: truncate(`${testMark(alert)}[${sev}] ${text.label}: ${client}${where}${times}`, SLACK_LIMITS.text),
    blocks: blocks.slice(0, SLACK_LIMITS.blocks),
  };
}
