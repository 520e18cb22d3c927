/**
 * The alert of `ftp-bounce-watch test --deliver` (docs/design.md section 10) says TEST in every medium people read:
 * the email subject starts `[TEST]`, the email body's, Slack's and Chatbot's headlines `TEST ·`; the alert JSON
 * carries `test: true` and survives the Slack forwarder's decoding. Any other alert says none of it.
 */
import type { Alert } from '../../../lambda/alerts/alert';
import { renderChatbotCard } from '../../../lambda/alerts/render/chatbot';
import { renderEmail } from '../../../lambda/alerts/render/email';
import { renderSlackMessage } from '../../../lambda/alerts/render/slack';
import { buildSnsMessage } from '../../../lambda/alerts/render/sns-message';
import { parseAlertMessage } from '../../../lambda/slack/alert-message';
import { typicalAlert } from './builders';

interface Shown {
  readonly subject: string;
  readonly emailHeadline: string;
  readonly slackHeader: string;
  readonly slackText: string;
  readonly chatbotTitle: string;
  readonly chatbotSummary: string;
}

function shown(alert: Alert): Shown {
  const email = renderEmail(alert);
  const slack = renderSlackMessage(alert);
  const card = renderChatbotCard(alert);
  const header = (slack.blocks[0] as { text: { text: string } }).text.text;
  return {
    subject: email.subject,
    emailHeadline: email.body.split('\n')[0] ?? '',
    slackHeader: header,
    slackText: slack.text,
    chatbotTitle: card.content.title,
    chatbotSummary: card.metadata?.summary ?? '',
  };
}

const LONG_SERVER = `${'very-long-label.'.repeat(8)}example.com`;

describe('the TEST marking', () => {
  it.each([
    ['a typical alert', (): Alert => typicalAlert()],
    ['an alert whose subject fills 99 characters', (): Alert => ({ ...typicalAlert(), server: LONG_SERVER })],
  ])('marks %s of test --deliver in every medium', (_label, build) => {
    const view = shown({ ...build(), test: true });

    expect(view.subject).toMatch(/^\[TEST\] \[/);
    expect(view.subject.length).toBeLessThanOrEqual(99);
    expect(view.emailHeadline).toMatch(/^TEST · \[/);
    expect(view.slackHeader).toContain('TEST · [');
    expect(view.slackText).toMatch(/^TEST · \[/);
    expect(view.chatbotTitle).toContain('TEST · [');
    expect(view.chatbotSummary).toMatch(/^TEST · \[/);
  });

  it('says nothing of TEST on any other alert', () => {
    const view = shown(typicalAlert());

    expect(Object.values(view).filter((text) => text.includes('TEST'))).toEqual([]);
  });

  it('carries test: true in the alert JSON, through the Slack forwarder\'s decoding', () => {
    const message = buildSnsMessage({ ...typicalAlert(), test: true });
    const json = (JSON.parse(message.message) as { default: string }).default;

    expect(JSON.parse(json)).toMatchObject({ test: true });
    expect(parseAlertMessage(json).test).toBe(true);
  });

  it.each([[false], ['yes'], [1]])('refuses an alert JSON whose test is %p', (value) => {
    const json = JSON.stringify({ ...typicalAlert(), test: value });

    expect(() => parseAlertMessage(json)).toThrow('field test is not true or absent');
  });
});
