/**
 * Every renderer over every classification (round 2 included, and bounce-scan), with attacker-chosen text in
 * every field an attacker controls (client name, vhost, argument, the line, and the host field), and the new
 * "where" facts (account, Region, host) in the first lines of each medium.
 */
import { type Classification, detectLine, type Finding, parseNetworks } from '../../../lambda/detector';
import type { Alert, AlertClassification } from '../../../lambda/alerts/alert';
import { groupFindings } from '../../../lambda/alerts/group';
import { renderChatbotCard } from '../../../lambda/alerts/render/chatbot';
import { renderEmail } from '../../../lambda/alerts/render/email';
import { renderSlackMessage } from '../../../lambda/alerts/render/slack';
import { buildSnsMessage } from '../../../lambda/alerts/render/sns-message';
import { expectSlackInert, HOSTILE, LONE_SURROGATE, onHost, portArgument, REGION, stringsIn, T0, UNSAFE_CHARS } from './builders';

const internalNetworks = parseNetworks('10.0.0.0/16');
const ACCOUNT = '123456789012';

const LINES: ReadonlyArray<readonly [AlertClassification, string, string]> = [
  // classification, client address, PORT/EPRT command and argument (with reason)
  ['bounce-attempt', '198.51.100.4', `PORT ${portArgument('169.254.169.254', 80)} (address mismatch)`],
  ['internal-target', '198.51.100.4', `PORT ${portArgument('10.0.0.2', 8053)} (address mismatch)`],
  ['proxy-address-mismatch', '10.0.1.17', `PORT ${portArgument('203.0.113.7', 50000)} (address mismatch)`],
  ['address-family-mismatch', '198.51.100.4', 'EPRT |2|2001:db8::9|5000| (IPv4/IPv6 address mismatch)'],
  ['malformed-argument', '198.51.100.4', 'PORT 1,2,3,4,5 (address mismatch)'],
  ['nat-misconfiguration', '198.51.100.4', `PORT ${portArgument('192.168.1.34', 52791)} (address mismatch)`],
  ['foreign-public-target', '198.51.100.4', `PORT ${portArgument('203.0.113.7', 4097)} (address mismatch)`],
  ['bounce-scan', '198.51.100.4', `PORT ${portArgument('127.0.0.1', 8080)} (address mismatch)`],
];

/** The finding of a real line, then attacker text in the fields an attacker controls. */
function hostileFinding(client: string, command: string, hostile: string): Finding {
  const line = `May  1 10:00:00 ftp1 proftpd[4242]: ftp.example.com (name[${client}]) - Refused ${command}`;
  const found = detectLine(line, { internalNetworks });
  if (found === null) throw new Error(`no finding: ${line}`);
  return onHost(
    { ...found, clientName: hostile, server: hostile, rawArgument: `${found.rawArgument}${hostile}`, line: `${line} ${hostile}` },
    `ftp1${hostile}`,
  );
}

function alertFor(classification: AlertClassification, client: string, command: string, hostile: string): Alert {
  const f = hostileFinding(client, command, hostile);
  const [alert] = groupFindings(
    [{ finding: f, logGroup: `/ftp/${hostile}`, logStream: `i-0abc${hostile}`, eventId: 'e1', timestamp: T0 }],
    { region: REGION, account: ACCOUNT, internalNetworks },
  );
  if (alert === undefined) throw new Error('no alert');
  if (classification !== 'bounce-scan') expect(alert.classification).toBe(classification as Classification);
  return classification === 'bounce-scan' ? { ...alert, classification, severity: 'critical', kind: 'escalation' } : alert;
}

const CASES = LINES.flatMap(([classification, client, command]) =>
  [['plain text', 'srv1'] as const, ...HOSTILE].map(([name, text]) => [classification, name, client, command, text] as const),
);

describe.each(LINES.map(([c]) => c))('%s', (classification) => {
  const rows = CASES.filter((c) => c[0] === classification);

  it.each(rows.map(([, name, client, command, text]) => [name, client, command, text]))(
    'with %s in every attacker field: where and what first, inert text',
    (_name, client, command, text) => {
      const alert = alertFor(classification, client, command, text);
      expect(alert.hosts).toHaveLength(1);

      const email = renderEmail(alert);
      const top = email.body.split('\n').slice(0, 6);
      expect(top[0]).toMatch(/^\[(LOW|MEDIUM|HIGH|CRITICAL)\] /);
      expect(top[1]).toMatch(/^Who: /);
      expect(top[2]).toBe('Result: proftpd refused the command: no data connection was made.');
      expect(top[3]).toMatch(new RegExp(`^Where: +account ${ACCOUNT} · ${REGION} · host ftp1.* · log group /ftp/`));
      expect(top[4]).toBe(`Do:     ${alert.runbook[0]}`);
      expect(top[5]).toMatch(/^Query: /);
      expect(email.subject.length).toBeLessThan(100);
      expect(`${email.subject}\n${email.body}`).not.toMatch(UNSAFE_CHARS);
      expect(email.body).not.toMatch(LONE_SURROGATE);
      for (const line of email.body.split('\n')) expect(line).not.toMatch(/^(Subject|Bcc|To|From):/i);

      const slack = renderSlackMessage(alert);
      const first = JSON.stringify(slack.blocks.slice(0, 2));
      expect(first).toContain(`*Where* account \`${ACCOUNT}\` · ${REGION} · host \`ftp1`);
      for (const s of stringsIn(slack.blocks, ['url'])) expectSlackInert(s);
      expectSlackInert(slack.text);

      const card = renderChatbotCard(alert);
      expect(card.content.description.split('\n')[0]).toBe('proftpd refused the command: no data connection was made.');
      expect(card.content.description.split('\n')[1]).toMatch(new RegExp(`^\\*Where\\* account \`${ACCOUNT}\` · ${REGION} · host \`ftp1`));
      for (const s of [card.content.title, card.content.description, ...stringsIn(card.metadata)]) expectSlackInert(s);

      const message = buildSnsMessage(alert);
      expect(message.messageAttributes.account).toBe(ACCOUNT);
      expect(JSON.parse(JSON.parse(message.message).default)).toMatchObject({ account: ACCOUNT, region: REGION });
    },
  );
});

describe('well-known targets are named in every medium', () => {
  it.each<[string, string, string, RegExp]>([
    ['instance metadata', '198.51.100.4', `PORT ${portArgument('169.254.169.254', 80)} (address mismatch)`, /instance metadata service: .*credentials/],
    ['VPC resolver', '198.51.100.4', `PORT ${portArgument('10.0.0.2', 8053)} (address mismatch)`, /VPC DNS resolver of `?10\.0\.0\.0\/16/],
    ['loopback', '198.51.100.4', `PORT ${portArgument('127.0.0.1', 8080)} (address mismatch)`, /server's own loopback address/],
  ])('%s', (_name, client, command, note) => {
    const alert = alertFor(detectLine(`proftpd[1]: s (c[${client}]) - Refused ${command}`, { internalNetworks })?.classification ?? 'bounce-attempt', client, command, 'x');
    expect(alert.wellKnownTargets).toHaveLength(1);
    expect(renderEmail(alert).body.split('\n').slice(0, 8).join('\n')).toMatch(note);
    expect(JSON.stringify(renderSlackMessage(alert).blocks[1])).toMatch(note);
    expect(renderChatbotCard(alert).content.description).toMatch(note);
  });
});
