/**
 * The digest's on-call sections as people read them: the subject says which section, each entry carries its
 * suppression or acknowledgement note in email, Slack and the Chatbot card, and the Slack forwarder's reader accepts them.
 */
import { renderChatbotCard } from '../../../lambda/alerts/render/chatbot';
import { renderEmailBody, renderSubject } from '../../../lambda/alerts/render/email';
import { renderSlackMessage } from '../../../lambda/alerts/render/slack';
import { buildDigests, INCIDENT_DEFAULTS, type KeyedDigestLine } from '../../../lambda/incidents';
import { parseAlertMessage } from '../../../lambda/slack/alert-message';

const T0 = Date.UTC(2026, 11, 5, 8, 0, 0);
const END = Date.UTC(2026, 11, 6, 0, 0, 0);

function digestOf(reason: 'suppressed' | 'acknowledged', note: string) {
  const line: KeyedDigestLine = {
    key: { account: '123456789012', region: 'eu-west-1', logGroup: '/ftp/proftpd', srcIp: '198.51.100.9' },
    line: {
      reason,
      bucketEnd: END,
      incidentId: '3f9c2a71d0e84b5c9a1f2e3d4c5b6a79',
      classification: 'foreign-public-target',
      severity: 'high',
      count: 6,
      firstSeen: T0,
      lastSeen: T0 + 60_000,
      targets: { '203.0.113.7:4000': 6 },
      note,
    },
  };
  const [alert] = buildDigests([line], INCIDENT_DEFAULTS);
  if (alert === undefined) throw new Error('no digest built');
  return alert;
}

describe('digest sections for on-call', () => {
  it.each([
    ['suppressed', 'suppressed by s-1a2b3c4d: Acme FXP partner, OPS-1234', /^\[HIGH\] Digest: 1 suppressed FTP refusal incident \(2026-12-06 00:00 UTC\)$/],
    [
      'acknowledged',
      'acknowledged by arn:aws:sts::123456789012:assumed-role/OnCall/alice at 2026-12-05T08:03:00.000Z: blocked, OPS-1235',
      /^\[HIGH\] Digest: 1 acknowledged FTP refusal incident with updates \(2026-12-06 00:00 UTC\)$/,
    ],
  ] as const)('%s: the subject names the section, email, Slack and Chatbot carry the note', (reason, note, subject) => {
    const alert = digestOf(reason, note);

    const email = renderEmailBody(alert);
    const slack = JSON.stringify(renderSlackMessage(alert));
    const chatbot = JSON.stringify(renderChatbotCard(alert));
    const forwarded = parseAlertMessage(JSON.stringify(alert));

    expect(renderSubject(alert)).toMatch(subject);
    expect(alert.digest?.reason).toBe(reason);
    expect(email).toContain(`   ${note}`);
    expect(slack).toContain(note.slice(0, 40));
    expect(chatbot).toContain(note.slice(0, 40));
    expect(forwarded.digest?.entries[0]?.note).toBe(note);
  });
});
