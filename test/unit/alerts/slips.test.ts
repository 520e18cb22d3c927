/**
 * The text slips of issue 23, one table row each, over alerts built as the deployment builds them (alert memory
 * replayed through the real pipeline, digests through buildDigestParts) and rendered in every medium.
 */
import type { Alert } from '../../../lambda/alerts/alert';
import { renderChatbotCard } from '../../../lambda/alerts/render/chatbot';
import { renderEmail } from '../../../lambda/alerts/render/email';
import { renderSlackMessage } from '../../../lambda/alerts/render/slack';
import { buildDigestParts, INCIDENT_DEFAULTS, type KeyedDigestLine } from '../../../lambda/incidents';
import { mrkdwnAsText, slackMessageAsText } from '../../../scripts/chat-text';
import { Deployment, MIN, T0 } from '../../support/deployment';
import { alertOf, finding, located, portArgument } from './builders';

const BUCKET_END = Date.UTC(2024, 4, 2);

function digestOf(n: number, reason: 'low-severity' | 'flood-guard' = 'low-severity', targets = 1): Alert {
  const lines: KeyedDigestLine[] = Array.from({ length: n }, (_, i) => ({
    key: { account: '123456789012', region: 'eu-west-1', logGroup: '/ftp', srcIp: `203.0.113.${i + 1}` },
    line: {
      reason,
      bucketEnd: BUCKET_END,
      incidentId: i.toString(16).padStart(32, '0'),
      classification: 'nat-misconfiguration',
      severity: 'low',
      count: 10,
      firstSeen: BUCKET_END - 3_600_000,
      lastSeen: BUCKET_END - 60_000,
      targets: Object.fromEntries(Array.from({ length: targets }, (_, t) => [`192.168.1.${t + 20}:${50_000 + t}`, 1])),
    },
  }));
  const [alert] = buildDigestParts(lines, INCIDENT_DEFAULTS);
  if (alert === undefined) throw new Error('no digest');
  return alert;
}

/** Every text a person reads of one alert: email subject and body, Slack as shown, the Chatbot card as shown. */
function allTexts(alert: Alert): { email: string; subject: string; slack: string; card: string } {
  const email = renderEmail(alert);
  const card = renderChatbotCard(alert);
  return {
    subject: email.subject,
    email: email.body,
    slack: slackMessageAsText(renderSlackMessage(alert)),
    card: [card.content.title, card.content.description, ...card.content.nextSteps].map(mrkdwnAsText).join('\n'),
  };
}

async function replayed(): Promise<{ first: Alert; update: Alert; escalation: Alert; afterEscalation: Alert }> {
  const d = new Deployment();
  const proxy = { client: '10.0.1.5', target: '203.0.113.7' };
  await d.batch(T0, [{ ...proxy, port: 50_000 }]);
  await d.batch(T0 + 10 * MIN, [{ ...proxy, port: 50_001 }, { ...proxy, port: 50_002, offset: 1000 }]);
  await d.sweep(T0 + 61 * MIN);
  await d.batch(T0 + 62 * MIN, [{ ...proxy, port: 50_003 }]);
  await d.batch(T0 + 63 * MIN, [{ ...proxy, port: 21 }]);
  await d.batch(T0 + 64 * MIN, [{ ...proxy, port: 22 }]);
  await d.sweep(T0 + 125 * MIN);
  const [first, update, escalation, , afterEscalation] = d.publisher.alerts;
  expect(d.stream).toEqual([
    'new/proxy-address-mismatch',
    'update/proxy-address-mismatch',
    'escalation/bounce-attempt',
    'update/proxy-address-mismatch',
    'update/bounce-attempt',
  ]);
  return {
    first: first as Alert,
    update: update as Alert,
    escalation: escalation as Alert,
    afterEscalation: afterEscalation as Alert,
  };
}

describe('digest wording', () => {
  it.each([
    [1, 'low-severity', /\[LOW\] Digest: 1 low-severity FTP refusal incident \(/],
    [2, 'low-severity', /\[LOW\] Digest: 2 low-severity FTP refusal incidents \(/],
    [1, 'flood-guard', /\[LOW\] Digest: 1 new FTP refusal incident beyond the hourly cap \(/],
    [3, 'flood-guard', /\[LOW\] Digest: 3 new FTP refusal incidents beyond the hourly cap \(/],
  ] as const)('%i entry, %s: the subject counts in the right number', (n, reason, subject) => {
    const texts = allTexts(digestOf(n, reason));

    expect(texts.subject).toMatch(subject);
    for (const text of [texts.email, texts.slack, texts.card]) expect(text).toContain(n === 1 ? '1 incident,' : `${n} incidents,`);
  });

  it('never speaks of incident ids it does not show', () => {
    const texts = allTexts(digestOf(2, 'flood-guard'));

    for (const text of Object.values(texts)) expect(text).not.toMatch(/incident id/);
  });

  it('the Chatbot card speaks of several clients and shows every target of each entry (at most five)', () => {
    const card = allTexts(digestOf(3, 'low-severity', 7)).card;

    expect(card).not.toContain('this client');
    expect(card).toContain('Log events of these clients\' refusals');
    expect(card).toContain('203.0.113.1` in `/ftp`: 10 refused commands (nat-misconfiguration) → `192.168.1.20:50000` x1, '
      + '`192.168.1.21:50001` x1, `192.168.1.22:50002` x1, `192.168.1.23:50003` x1, `192.168.1.24:50004` x1');
  });

  it('numbers its runbook from 1 and says nothing was connected', () => {
    const { email } = allTexts(digestOf(2));

    expect(email).toMatch(/^ALSO\n1\. /m);
    expect(email).not.toMatch(/^2\. (?!\d)/m);
    expect(email.split('\n')[2]).toBe('Result: proftpd refused every one of these commands: no data connection was made.');
  });
});

describe('incident messages', () => {
  it('an update says how many more since the last message, in every medium, and carries it in the JSON', async () => {
    const { update } = await replayed();

    expect(update.window?.sinceLastMessage).toBe(2);
    expect(update.window?.count).toBe(3);
    const texts = allTexts(update);
    for (const text of [texts.email, texts.slack, texts.card]) {
      expect(text).toContain('2 more since the last message (3 this window, 3 since it opened)');
    }
  });

  it('an escalation names the incident it escalates, with its title, in the first lines of every medium', async () => {
    const { first, escalation } = await replayed();

    expect(escalation.escalatedFrom).toMatchObject({
      incidentId: first.incidentId,
      title: first.title,
      threadId: first.incidentId,
    });
    const named = `Escalates incident ${first.incidentId} (MEDIUM): ${first.title}`;
    const texts = allTexts(escalation);
    expect(texts.email.split('\n')[1]).toBe(named);
    expect(texts.slack.split('\n').slice(0, 4)).toContain(named.replace(first.incidentId, `\`${first.incidentId}\``));
    expect(texts.card.split('\n').slice(0, 3)).toContain(named.replace(first.incidentId, `\`${first.incidentId}\``));
  });

  it('an escalation and the escalated incident\'s later messages stay in the first incident\'s thread', async () => {
    const { first, escalation, afterEscalation } = await replayed();

    const firstSubject = renderEmail(first).subject;
    for (const later of [escalation, afterEscalation]) {
      expect(renderChatbotCard(later).metadata?.threadId).toBe(renderChatbotCard(first).metadata?.threadId);
      expect(renderEmail(later).subject).toBe(`Re: ${firstSubject}`);
    }
    expect(allTexts(afterEscalation).email.split('\n')[1]).toMatch(/^Escalated from incident [0-9a-f]{32} \(MEDIUM\): /);
  });

  it.each([
    ['one target', [25], '`203.0.113.7:25` (PORT)'],
    ['three targets', [25, 80, 110], '`203.0.113.7:25`, `203.0.113.7:80`, `203.0.113.7:110` (PORT)'],
    ['five targets: three and how many more', [21, 22, 23, 25, 80], '`203.0.113.7:21`, `203.0.113.7:22`, `203.0.113.7:23` (+2 more) (PORT)'],
  ])('the Slack headline names up to three targets: %s', (_label, ports, named) => {
    const alert = alertOf(ports.map((port) => located(finding({ argument: portArgument('203.0.113.7', port) }))));

    const headline = slackMessageAsText(renderSlackMessage(alert)).split('\n')[2];

    expect(headline).toContain(`a data connection to ${named}; proftpd refused`);
  });

  it.each([
    ['new', async () => (await replayed()).first],
    ['update', async () => (await replayed()).update],
    ['escalation', async () => (await replayed()).escalation],
    ['without memory', async () => alertOf([located(finding())])],
  ])('%s: "Do first" once per Slack message, the runbook after it numbered from 1', async (_label, make) => {
    const alert = await make();
    const slack = slackMessageAsText(renderSlackMessage(alert));

    expect(slack.match(/Do first/g)).toHaveLength(1);
    expect(slack).toContain(`Then\n1. ${alert.runbook[1]}`);
    expect(renderEmail(alert).body).toContain(`THEN\n1. ${alert.runbook[1]}`);
  });

  it.each([
    ['email', (a: Alert) => renderEmail(a).body.split('\n').slice(0, 3).join('\n')],
    ['Slack', (a: Alert) => slackMessageAsText(renderSlackMessage(a)).split('\n').slice(0, 4).join('\n')],
    ['Chatbot', (a: Alert) => renderChatbotCard(a).content.description.split('\n').slice(0, 2).join('\n')],
  ])('%s says in its first lines that proftpd refused and nothing was connected', (_medium, top) => {
    for (const alert of [alertOf([located(finding())]), alertOf([located(finding()), located(finding())])]) {
      expect(top(alert)).toMatch(/proftpd refused (the command|every one of these commands): no data connection was made\./);
    }
  });

  it('the operator\'s own server, stream and log group names are not defanged; attacker-chosen names are', () => {
    const alert = alertOf([
      located(finding({ server: 'ftp.example.com', name: 'evil.example' }), { logGroup: '/srv/ftp.example.com', logStream: 'ftp1.example.com' }),
    ]);

    const { email } = allTexts(alert);

    expect(email).toContain('on ftp.example.com:');
    expect(email).toContain('log group /srv/ftp.example.com');
    expect(email).toContain('Log stream: ftp1.example.com');
    expect(email).toContain('(evil[.]example)');
    expect(alert.title).toBe('FTP data channel aimed at a third party: 198.51.100.4 on ftp.example.com');
  });

  it('the JSON title is the same on every message of an incident', async () => {
    const { first, update } = await replayed();

    expect(update.title).toBe(first.title);
  });

  it('sample lines carry no CloudWatch event id (the JSON keeps it)', () => {
    const eventId = '37952046836549273845829837749382752873465890293847562938';
    const alert = alertOf([located(finding(), { eventId })]);

    expect(alert.samples[0]?.eventId).toBe(eventId);
    for (const text of Object.values(allTexts(alert))) expect(text).not.toContain(eventId);
  });
});
