/**
 * Strict base64 (RFC 4648 section 4, padded) without a per-character scan in JavaScript.
 *
 * `Buffer.from(text, 'base64')` is lenient: it skips characters outside the alphabet, stops at the first
 * `=`, and also accepts the URL-safe `-` and `_`. Skipping or stopping always loses at least one 6-bit group,
 * and with n groups kept the output is floor(n * 3 / 4) bytes, so comparing the decoded length with the
 * length a well-formed string of this size must give detects every such character. Only `-`/`_` decode to
 * full groups, hence the two extra searches (native, memchr-fast). Non-zero unused bits in the last group
 * are not rejected; they cannot change the decoded bytes' meaning here.
 */
export function decodeBase64Strict(text: string): Buffer | null {
  if (text.length === 0 || text.length % 4 !== 0) return null;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length !== (text.length / 4) * 3 - padding) return null;
  if (text.includes('-') || text.includes('_')) return null;
  return decoded;
}
