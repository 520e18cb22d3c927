import { CHATBOT_LIMITS, renderChatbotCard } from '../../../lambda/alerts/render/chatbot';
import { renderAlertJson } from '../../../lambda/alerts/render/json';
import {
  alertOf,
  expectSlackInert,
  finding,
  HOSTILE,
  located,
  portArgument,
  T0,
  typicalAlert,
} from './builders';

function expectWithinLimits(card: ReturnType<typeof renderChatbotCard>): void {
  expect(card.content.title.length).toBeLessThanOrEqual(CHATBOT_LIMITS.title);
  expect(card.content.description.length).toBeLessThanOrEqual(CHATBOT_LIMITS.description);
  expect(card.content.nextSteps.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextSteps);
  for (const step of card.content.nextSteps) expect(step.length).toBeLessThanOrEqual(CHATBOT_LIMITS.nextStep);
  expect(card.content.keywords.length).toBeLessThanOrEqual(CHATBOT_LIMITS.keywords);
  expect(card.metadata?.summary.length).toBeLessThanOrEqual(CHATBOT_LIMITS.summary);
  for (const value of Object.values(card.metadata?.additionalContext ?? {})) {
    expect(value.length).toBeLessThanOrEqual(CHATBOT_LIMITS.contextValue);
  }
}

/** All card text a person reads, minus the trusted console links. */
function readableText(card: ReturnType<typeof renderChatbotCard>): string[] {
  return [
    card.content.title,
    card.content.description,
    ...card.content.nextSteps.filter((s) => !/^(Logs Insights for this client|Log events of this client|Log group in the console): https:/.test(s)),
    ...card.content.keywords,
    card.metadata?.summary ?? '',
    ...(card.metadata?.relatedResources ?? []),
    ...Object.values(card.metadata?.additionalContext ?? {}),
  ];
}

describe('Chatbot custom notification', () => {
  const alert = typicalAlert();
  const card = renderChatbotCard(alert);

  it('follows the custom notification schema', () => {
    expect(card).toMatchObject({
      version: '1.0',
      source: 'custom',
      id: alert.id,
      content: {
        textType: 'client-markdown',
        title: ':warning: [HIGH] FTP data channel aimed at a third party: `198.51.100.4`',
        keywords: ['rule-11209', 'high', 'foreign-public-target', 'PORT'],
      },
      metadata: {
        threadId: `ftp-bounce-watch-${alert.incidentId}`,
        summary: '[HIGH] FTP data channel aimed at a third party from 198.51.100.4',
        eventType: 'rule-11209-foreign-public-target',
        relatedResources: ['/ftp/proftpd'],
      },
    });
    expect(card.metadata?.additionalContext).toMatchObject({
      ruleId: '11209',
      severity: 'high',
      srcIp: '198.51.100.4',
      count: '3',
      alertId: alert.id,
    });
    // Chatbot custom action attachments match notification types against [a-zA-Z0-9-]+.
    expect(card.metadata?.eventType).toMatch(/^[a-zA-Z0-9-]+$/);
    expectWithinLimits(card);
  });

  it('describes who, where, how many, and shows samples in a code block', () => {
    const d = card.content.description;
    expect(d).toContain('*Client* `198.51.100.4` (`host.isp.example`)');
    expect(d).toContain('*Target* `203.0.113.7:1025`, `203.0.113.8:2000`');
    expect(d).toContain('*Log group* `/ftp/proftpd` · *stream* `ftp1`');
    expect(d).toContain('*How many* 3 refused commands between');
    expect(d).toMatch(/\*Sample lines\* \(3 of 3\)\n```\n[^`]+\n```$/);
  });

  it('gives the links first, then the runbook, entity-escaped', () => {
    const bounce = renderChatbotCard(alertOf([located(finding({ argument: portArgument('203.0.113.7', 25) }))]));
    expect(bounce.content.nextSteps[0]).toMatch(/^Log events of this client: https:\/\/eu-west-1\.console.*log-events\$3FfilterPattern\$3D\$2522\$255B/);
    expect(bounce.content.nextSteps[1]).toMatch(/^Log group in the console: https:\/\//);
    expect(bounce.content.nextSteps.join('\n')).toContain('&lt;VirtualHost&gt;');
  });

  it('is the same thread for the same story and a new id for new events', () => {
    const later = renderChatbotCard(alertOf([located(finding(), { eventId: 'later', timestamp: T0 + 1e6 })]));
    expect(later.metadata?.threadId).toBe(card.metadata?.threadId);
    expect(later.id).not.toBe(card.id);
  });

  it.each(HOSTILE)('keeps hostile %s inert', (_name, text) => {
    const hostile = renderChatbotCard(
      alertOf([
        located(finding({}, { line: `${text} Refused PORT`, server: text, clientName: text, srcIp: text }), {
          logStream: text,
          logGroup: `/g/${text}`,
        }),
      ]),
    );
    expectWithinLimits(hostile);
    for (const s of readableText(hostile)) expectSlackInert(s);
    expect(hostile.content.description.split('```')).toHaveLength(3);
  });

  it('stays within limits for huge inputs and still parses as JSON', () => {
    const big = 'q'.repeat(200_000);
    const findings = Array.from({ length: 30 }, (_, i) =>
      located(finding({ argument: portArgument(`203.0.113.${i}`, 2000) }, { server: big, srcIp: big, line: big }), {
        logStream: `${big}${i}`,
        logGroup: 'g'.repeat(512),
        timestamp: T0 + i,
      }),
    );
    const huge = renderChatbotCard(alertOf(findings));
    expectWithinLimits(huge);
    expect(JSON.parse(JSON.stringify(huge))).toEqual(huge);
  });
});

describe('alert JSON', () => {
  it('is the alert, losslessly, including hostile text', () => {
    const hostile = alertOf([located(finding({}, { line: 'x\u0000\uD800\u202E<!channel>', server: 'a\u2028b' }))]);
    const json = renderAlertJson(hostile);
    expect(JSON.parse(json)).toEqual(hostile);
    // Well-formed JSON.stringify escapes the lone surrogate and the control character.
    expect(json).toContain('\\u0000');
    expect(json).toContain('\\ud800');
  });
});
