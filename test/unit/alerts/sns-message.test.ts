import type { Alert, AlertSample } from '../../../lambda/alerts/alert';
import { renderChatbotCard } from '../../../lambda/alerts/render/chatbot';
import { renderEmail } from '../../../lambda/alerts/render/email';
import {
  ATTRIBUTE_VALUE_MAX,
  AlertTooLargeError,
  buildSnsMessage,
  SNS_MAX_PAYLOAD_BYTES,
  type SnsAlertMessage,
  snsPayloadBytes,
} from '../../../lambda/alerts/render/sns-message';
import { alertOf, finding, located, T0, typicalAlert, UNSAFE_CHARS } from './builders';

interface Parsed {
  readonly keys: string[];
  readonly alert: Alert;
  readonly email: string;
  readonly card: ReturnType<typeof renderChatbotCard>;
}

function parse(message: SnsAlertMessage): Parsed {
  const outer = JSON.parse(message.message) as Record<string, string>;
  return {
    keys: Object.keys(outer).sort(),
    alert: JSON.parse(outer.default ?? 'null') as Alert,
    email: outer.email ?? '',
    card: JSON.parse(outer.https ?? 'null') as ReturnType<typeof renderChatbotCard>,
  };
}

/** An alert as groupFindings would build it, but with samples far larger than its caps allow. */
function alertWithHugeSamples(lineLength: number, character = 'S'): Alert {
  const base = typicalAlert();
  const template = base.samples[0] as AlertSample;
  const samples = Array.from({ length: 5 }, (_, i) => ({
    ...template,
    eventId: `big-${i}`,
    finding: { ...template.finding, line: character.repeat(lineLength) },
  }));
  return { ...base, samples };
}

function payloadBytes(message: SnsAlertMessage): number {
  let bytes = Buffer.byteLength(message.message) + Buffer.byteLength(message.subject);
  for (const [k, v] of Object.entries(message.messageAttributes)) bytes += Buffer.byteLength(k + v) + 6;
  return bytes;
}

describe('buildSnsMessage', () => {
  const alert = typicalAlert();
  const message = buildSnsMessage(alert);
  const parsed = parse(message);

  it('carries default, email and https renderings', () => {
    expect(message.messageStructure).toBe('json');
    expect(parsed.keys).toEqual(['default', 'email', 'https']);
    expect(parsed.alert).toEqual(alert);
    const email = renderEmail(alert);
    expect(parsed.email).toBe(email.body);
    expect(message.subject).toBe(email.subject);
    expect(parsed.card).toEqual(JSON.parse(JSON.stringify(renderChatbotCard(alert))));
  });

  it('sets the filter attributes', () => {
    expect(message.messageAttributes).toEqual({
      ruleId: '11209',
      severity: 'high',
      classification: 'foreign-public-target',
      logGroup: '/ftp/proftpd',
      account: 'unknown',
    });
    const withAccount = buildSnsMessage({ ...alert, account: '123456789012' });
    expect(withAccount.messageAttributes.account).toBe('123456789012');
  });

  it.each([
    ['control characters', 'g\u0000\r\n\u202E', 'g\uFFFD \uFFFD'],
    ['an empty name', '', '-'],
  ])('cleans a log group attribute with %s', (_name, logGroup, expected) => {
    expect(buildSnsMessage({ ...alert, logGroup }).messageAttributes.logGroup).toBe(expected);
  });

  it('caps a long log group attribute', () => {
    const value = buildSnsMessage({ ...alert, logGroup: 'g'.repeat(512) }).messageAttributes.logGroup;
    expect(value).toHaveLength(ATTRIBUTE_VALUE_MAX);
    expect(value).not.toMatch(UNSAFE_CHARS);
  });

  it('counts UTF-8 bytes of message, subject and attributes', () => {
    expect(snsPayloadBytes(message)).toBe(payloadBytes(message));
    expect(snsPayloadBytes(message)).toBeLessThan(SNS_MAX_PAYLOAD_BYTES);
  });

  it('fits an alert from a megabyte line without dropping anything (grouping caps the sample)', () => {
    const fromHuge = alertOf([located(finding({}, { line: 'M'.repeat(1_048_576) }), { timestamp: T0 })]);
    const built = buildSnsMessage(fromHuge);
    expect(snsPayloadBytes(built)).toBeLessThan(SNS_MAX_PAYLOAD_BYTES);
    expect(parse(built).alert.samplesDropped).toBe(0);
  });
});

describe('buildSnsMessage size cap', () => {
  it('drops samples from the last until the message fits, and says so', () => {
    const big = alertWithHugeSamples(100_000);
    const built = buildSnsMessage(big);
    expect(snsPayloadBytes(built)).toBeLessThan(SNS_MAX_PAYLOAD_BYTES);
    expect(payloadBytes(built)).toBeLessThan(256 * 1024);
    const { alert, email } = parse(built);
    expect(alert.samples.map((s) => s.eventId)).toEqual(['big-0', 'big-1']);
    expect(alert.samplesDropped).toBe(3);
    expect(alert.textTruncated).toBe(false);
    expect(alert.description).toBe(big.description);
    expect(email).toContain('3 sample lines were left out to keep the message under the SNS size limit');
  });

  it('counts bytes, not characters (multi-byte lines)', () => {
    // 60,000 three-byte characters per line: ~180 KB per sample in UTF-8, 60 K in UTF-16 units.
    const built = buildSnsMessage(alertWithHugeSamples(60_000, '東'));
    expect(payloadBytes(built)).toBeLessThan(SNS_MAX_PAYLOAD_BYTES);
    expect(parse(built).alert.samples).toHaveLength(1);
  });

  it('then shortens the description, and says so', () => {
    const big = { ...alertWithHugeSamples(100_000), description: 'D'.repeat(300_000) };
    const built = buildSnsMessage(big);
    expect(snsPayloadBytes(built)).toBeLessThan(SNS_MAX_PAYLOAD_BYTES);
    const { alert, email } = parse(built);
    expect(alert.samples).toEqual([]);
    expect(alert.samplesDropped).toBe(5);
    expect(alert.textTruncated).toBe(true);
    expect(alert.description.length).toBeLessThan(300_000);
    expect(alert.description.length).toBeGreaterThan(50_000);
    expect(alert.description.endsWith('…')).toBe(true);
    expect(email).toContain('(The description was shortened to fit the SNS size limit.)');
  });

  it('honours a smaller budget', () => {
    const built = buildSnsMessage(typicalAlert(), { maxBytes: 20_000 });
    expect(snsPayloadBytes(built)).toBeLessThan(20_000);
  });

  it('throws AlertTooLargeError when nothing can make it fit', () => {
    expect(() => buildSnsMessage(typicalAlert(), { maxBytes: 2_000 })).toThrow(AlertTooLargeError);
    expect(() => buildSnsMessage(typicalAlert(), { maxBytes: 2_000 })).toThrow(/needs \d+ bytes/);
    try {
      buildSnsMessage(typicalAlert(), { maxBytes: 2_000 });
    } catch (error) {
      expect((error as Error).name).toBe('AlertTooLargeError');
    }
  });
});
