/**
 * The canary's proof (docs/design.md section 10). Every interval the canary function writes one refusal line into
 * the stream `ftp-bounce-watch-canary` of each watched log group; the detector recognises it as the canary, and not
 * as a bounce attempt, only when the line proves it: an HMAC-SHA256, with a key only the stack's functions can read,
 * over the log group, the stream, the time it was written and a one-time nonce. Anything else that looks like a
 * canary (planted, altered, copied to another group or stream, replayed) is detected like any refusal, and alerted.
 *
 * The line is a real proftpd refusal, so the subscription's filter pattern selects it and the detector reads it
 * through the same parser as every other line: the canary proves the whole path, parser included.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Finding } from '../detector';

/** The log stream the canary writes into, in each watched log group. */
export const CANARY_STREAM = 'ftp-bounce-watch-canary';
/** TEST-NET-1 (RFC 5737): an address no real client has. */
export const CANARY_CLIENT = '192.0.2.1';
const MARKER = 'ftp-bounce-watch canary v1';
/** How far the event's own timestamp may be from the time the proof names (the writer sets both). */
const CLOCK_SLACK_MS = 5 * 60 * 1000;
/** A canary older than this is stale: Lambda keeps an asynchronous event at most 6 hours. */
export const CANARY_MAX_AGE_MS = 6 * 60 * 60 * 1000;

/** What a canary line claims: the group and stream it was written to, when, and its nonce. */
export interface CanaryStamp {
  /**
   * What the line is for: `canary` (the scheduled canary), `test` (`ftp-bounce-watch test`: its round trip is
   * recorded under its nonce and published to the canary topic) or `test-deliver` (`test --deliver`: a real alert
   * marked TEST goes to people). Inside the MAC, so a line cannot be turned from one into another. Default canary.
   */
  readonly purpose?: CanaryPurpose;
  readonly logGroup: string;
  readonly logStream: string;
  /** ms since the epoch. */
  readonly writtenAt: number;
  /** 16 random bytes, hex. */
  readonly nonce: string;
}

export interface SignedCanary extends CanaryStamp {
  /** HMAC-SHA256 over the stamp, hex. */
  readonly mac: string;
}

export type CanaryPurpose = 'canary' | 'test' | 'test-deliver';

/** The flag a purpose adds to the line (and to the signed message); the scheduled canary's line has none. */
const PURPOSE_FLAG: Readonly<Record<CanaryPurpose, string>> = { 'canary': '', 'test': ' test', 'test-deliver': ' test deliver=1' };

/** Why a canary-looking line is not the canary (it is then detected like any refusal). */
export type CanaryRejection = 'altered' | 'wrong-place' | 'clock' | 'stale' | 'replayed';

function message(stamp: CanaryStamp): string {
  const fields = [MARKER, stamp.logGroup, stamp.logStream, String(stamp.writtenAt), stamp.nonce];
  // The scheduled canary's message is unchanged from v1; a test's adds its flag (no field holds a newline).
  const purpose = stamp.purpose ?? 'canary';
  return (purpose === 'canary' ? fields : [...fields, purpose]).join('\n');
}

export function signCanary(key: Uint8Array, stamp: CanaryStamp): SignedCanary {
  return { ...stamp, mac: createHmac('sha256', key).update(message(stamp)).digest('hex') };
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** The canary's log line: a refusal of a bounce to TEST-NET-1's FTP port, the proof in proftpd's reason. */
export function canaryLine(canary: SignedCanary): string {
  const stamp = new Date(canary.writtenAt).toISOString();
  return `${stamp} ftp-bounce-watch proftpd[1]: ${CANARY_STREAM} (canary[${CANARY_CLIENT}]) - Refused PORT 192,0,2,1,0,21 `
    + `(${MARKER}${PURPOSE_FLAG[canary.purpose ?? 'canary']} t=${canary.writtenAt} n=${canary.nonce} mac=${canary.mac})`;
}

const CLAIM = /^ftp-bounce-watch canary v1( test(?: deliver=1)?)? t=(\d{13}) n=([0-9a-f]{32}) mac=([0-9a-f]{64})$/;

/**
 * The canary a finding claims to be, read from proftpd's reason; null when it makes no such claim. The claim is
 * not yet proven: `verifyCanary` decides.
 */
export function canaryClaim(finding: Finding, logGroup: string, logStream: string): SignedCanary | null {
  if (finding.srcIp !== CANARY_CLIENT || finding.reason === null || !finding.reason.startsWith(MARKER)) return null;
  const match = CLAIM.exec(finding.reason);
  if (match === null) return null;
  const [, flag, at, nonce, mac] = match as unknown as [string, string | undefined, string, string, string];
  const purpose: CanaryPurpose = flag === undefined ? 'canary' : flag.includes('deliver') ? 'test-deliver' : 'test';
  return { ...(purpose === 'canary' ? {} : { purpose }), logGroup, logStream, writtenAt: Number(at), nonce, mac };
}

/**
 * Checks a claim's proof, place and time (not its single use: the caller's store does that). `eventTime` is the log
 * event's timestamp, `now` the detector's clock.
 */
export function checkCanary(key: Uint8Array, claim: SignedCanary, eventTime: number, now: number): CanaryRejection | null {
  const expected = Buffer.from(signCanary(key, claim).mac, 'hex');
  if (!timingSafeEqual(expected, Buffer.from(claim.mac, 'hex'))) return 'altered';
  if (claim.logStream !== CANARY_STREAM) return 'wrong-place';
  if (Math.abs(eventTime - claim.writtenAt) > CLOCK_SLACK_MS) return 'clock';
  if (now - claim.writtenAt > CANARY_MAX_AGE_MS || claim.writtenAt - now > CLOCK_SLACK_MS) return 'stale';
  return null;
}
