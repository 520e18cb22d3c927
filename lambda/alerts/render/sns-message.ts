/**
 * One SNS Publish entry for an alert (docs/design.md section 5): MessageStructure "json" with `default` (the alert
 * JSON), `email` (text body) and `https` (the Chatbot card), the subject, and message attributes for
 * subscription filter policies. The whole entry stays under SNS's 256 KiB: when it would not, samples are
 * dropped (last first), then the description is shortened, and the alert says so (samplesDropped,
 * textTruncated), as does the email body.
 */
import type { Alert } from '../alert';
import { cleanLine, truncate } from '../sanitize';
import { renderChatbotCard } from './chatbot';
import { renderEmail } from './email';
import { renderAlertJson } from './json';

/** SNS maximum payload: message, subject and attributes (names, types and values) together. */
export const SNS_MAX_PAYLOAD_BYTES = 262_144;

/** Attribute values are for filter policies: short and plain. Log group names can be 512 characters. */
export const ATTRIBUTE_VALUE_MAX = 256;

export type SnsAttributeName = 'ruleId' | 'severity' | 'classification' | 'logGroup' | 'account';

export interface SnsAlertMessage {
  readonly subject: string;
  /** JSON string with keys default, email, https. */
  readonly message: string;
  readonly messageStructure: 'json';
  /** String attributes (DataType "String"). */
  readonly messageAttributes: Record<SnsAttributeName, string>;
}

export interface BuildSnsMessageOptions {
  /** Payload budget in bytes; the result is strictly smaller. Defaults to SNS_MAX_PAYLOAD_BYTES. */
  readonly maxBytes?: number;
}

export class AlertTooLargeError extends Error {
  override readonly name = 'AlertTooLargeError';
  constructor(alertId: string, bytes: number, maxBytes: number) {
    super(
      `alert ${alertId} needs ${bytes} bytes without samples or description; the SNS limit is ${maxBytes}`,
    );
  }
}

const ATTRIBUTE_TYPE = 'String';

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Bytes SNS counts against its payload limit for this entry. */
export function snsPayloadBytes(message: {
  readonly message: string;
  readonly subject: string;
  readonly messageAttributes: Readonly<Record<string, string>>;
}): number {
  let bytes = utf8Bytes(message.message) + utf8Bytes(message.subject);
  for (const [name, value] of Object.entries(message.messageAttributes)) {
    bytes += utf8Bytes(name) + utf8Bytes(ATTRIBUTE_TYPE) + utf8Bytes(value);
  }
  return bytes;
}

function attributeValue(value: string): string {
  // SNS rejects empty values; control characters are not allowed in attribute values either.
  const clean = cleanLine(value, ATTRIBUTE_VALUE_MAX);
  return clean === '' ? '-' : clean;
}

function render(alert: Alert): SnsAlertMessage {
  const email = renderEmail(alert);
  return {
    subject: email.subject,
    message: JSON.stringify({
      default: renderAlertJson(alert),
      email: email.body,
      https: JSON.stringify(renderChatbotCard(alert)),
    }),
    messageStructure: 'json',
    messageAttributes: {
      ruleId: alert.ruleId,
      severity: alert.severity,
      classification: alert.classification,
      logGroup: attributeValue(alert.logGroup),
      // For filter policies per account (docs/design.md section 9: one topic for many accounts); `unknown` off AWS.
      account: attributeValue(alert.account ?? 'unknown'),
    },
  };
}

/**
 * Renders the alert for SNS within the size limit. Throws AlertTooLargeError only when even an alert without
 * samples and description does not fit (not possible for alerts from groupFindings, whose fields are capped).
 */
export function buildSnsMessage(alert: Alert, options: BuildSnsMessageOptions = {}): SnsAlertMessage {
  const maxBytes = options.maxBytes ?? SNS_MAX_PAYLOAD_BYTES;
  const fits = (m: SnsAlertMessage): boolean => snsPayloadBytes(m) < maxBytes;

  const full = render(alert);
  if (fits(full)) return full;

  // 1. Samples, from the last: they hold the longest untrusted text and the log keeps them anyway.
  let reduced: Alert = alert;
  for (let keep = alert.samples.length - 1; keep >= 0; keep--) {
    reduced = {
      ...alert,
      samples: alert.samples.slice(0, keep),
      samplesDropped: alert.samplesDropped + (alert.samples.length - keep),
    };
    const message = render(reduced);
    if (fits(message)) return message;
  }

  // 2. The description: the longest prefix that fits (binary search; rendering is linear, so this is cheap).
  const base = reduced;
  const withDescription = (length: number): SnsAlertMessage =>
    render({ ...base, description: truncate(base.description, length), textTruncated: true });
  let low = 0;
  let high = base.description.length - 1;
  let best: SnsAlertMessage | null = null;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const message = withDescription(mid);
    if (fits(message)) {
      best = message;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (best !== null) return best;
  throw new AlertTooLargeError(alert.id, snsPayloadBytes(withDescription(0)), maxBytes);
}
