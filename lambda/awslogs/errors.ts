/** Why a subscription payload was rejected; one short code, suitable for a log field. */
export type MalformedReason =
  | 'not-subscription-event'
  | 'not-base64'
  | 'not-gzip'
  | 'corrupt-gzip'
  | 'truncated'
  | 'too-large'
  | 'too-many-events'
  | 'not-json'
  | 'wrong-shape';

/**
 * A subscription payload that cannot be decoded. The message is one line and never quotes the payload
 * (it is untrusted and may be large); `cause` keeps the underlying zlib/JSON error for debugging.
 * Note that a JSON `SyntaxError` cause may quote a few dozen characters of the input: log `reason` and
 * `message`, not the cause.
 */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
  readonly reason: MalformedReason;

  constructor(reason: MalformedReason, detail: string, options?: { cause?: unknown }) {
    super(`Malformed CloudWatch Logs subscription payload (${reason}): ${detail}`, options);
    this.reason = reason;
  }
}
