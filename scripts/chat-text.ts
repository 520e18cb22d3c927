/**
 * Slack messages as a person sees them, for the local run: a Block Kit message (the webhook forwarder) and an
 * AWS Chatbot custom-notification card, rendered as plain text: mrkdwn marks and entities resolved, code spans
 * kept as they read, buttons shown by their labels. For reading on a terminal, not for sending anywhere.
 */
import type { ChatbotCard } from '../lambda/alerts/render/chatbot';
import type { SlackMessage } from '../lambda/alerts/render/slack';
import { TERMINAL_COLUMNS, wrapText } from '../cli/render/wrap';

/** What Slack shows for mrkdwn: no bold marks, entities decoded, code fences as indented lines. */
export function mrkdwnAsText(text: string): string {
  const lines: string[] = [];
  let inBlock = false;
  for (const raw of text.split('\n')) {
    let line = raw;
    if (line.includes('```')) {
      inBlock = !inBlock;
      line = line.replace(/```/g, '');
      if (line.trim() === '') continue;
    }
    line = line.replace(/\*([^*\n]+)\*/g, '$1').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    lines.push(inBlock ? `    ${line}` : line);
  }
  return lines.join('\n');
}

interface Block {
  readonly type?: string;
  readonly text?: { readonly text?: string };
  readonly fields?: ReadonlyArray<{ readonly text?: string }>;
  readonly elements?: ReadonlyArray<{ readonly text?: string | { readonly text?: string }; readonly url?: string }>;
}

export function slackMessageAsText(message: SlackMessage): string {
  const out: string[] = [];
  for (const block of message.blocks as Block[]) {
    switch (block.type) {
      case 'header':
        out.push(block.text?.text ?? '', '');
        break;
      case 'section':
        if (block.text?.text !== undefined) out.push(mrkdwnAsText(block.text.text));
        for (const field of block.fields ?? []) out.push(mrkdwnAsText(field.text ?? '').replace('\n', ': '));
        out.push('');
        break;
      case 'actions':
        out.push(
          (block.elements ?? []).map((e) => `[${typeof e.text === 'string' ? e.text : (e.text?.text ?? '')}]`).join(' '),
          '',
        );
        break;
      case 'context':
        for (const element of block.elements ?? []) out.push(mrkdwnAsText(typeof element.text === 'string' ? element.text : ''));
        break;
      default:
        break;
    }
  }
  return out.join('\n').trimEnd();
}

/** A Chatbot card as the channel shows it: title, description, next steps (links by their label). */
export function chatbotCardAsText(card: ChatbotCard): string {
  const steps = card.content.nextSteps.map((step) => `  • ${mrkdwnAsText(step.replace(/https:\/\/\S+/g, '(link)'))}`);
  return [
    mrkdwnAsText(card.content.title),
    '',
    mrkdwnAsText(card.content.description),
    '',
    'Next steps',
    ...steps,
  ].join('\n');
}

/** The local run's terminal width: every line it prints fits (checked by test/e2e/local-run.e2e.test.ts). */
export { TERMINAL_COLUMNS };

/** A console link, shown by name: the local run's console is no real account's, and the JSON keeps the URL. */
const LINK = /https:\/\/\S+/g;
const LINK_LABEL = '(console link, in the alert JSON)';

/**
 * Text as the local run prints it: console links by name, every line at most `width` columns, long lines
 * wrapped at spaces with a hanging indent (a word longer than a line is cut).
 */
export function forTerminal(text: string, width: number = TERMINAL_COLUMNS): string {
  return wrapText(text.replace(LINK, LINK_LABEL), width);
}
