/**
 * Rule 11209: proftpd refused a PORT/EPRT command (DESIGN.md sections 3 and 4). Matching and classification
 * only; what the rule says to people lives in rule-11209.messages.ts.
 */
import type { Classification, DataTarget, Finding, FtpCommand, Severity } from './finding';
import { decodeEprtArgument, decodePortArgument, Ipv4TextCache } from './ftp-address';
import { HeaderMemo, lineEnd, parseProftpdLine, startsWithRefusal } from './line-format';
import { RULE_11209_TEXT } from './rule-11209.messages';

/**
 * Cheap pre-check, safe on a single line or a whole decompressed batch: false means no refusal can be in
 * `text`. Besides the keywords themselves it lets through JSON `\u00XX` escapes of ASCII letters and space,
 * the only way a JSON-wrapped event could spell the keywords without their letters appearing. The escape test
 * runs only when a native `indexOf` finds `\u00` at all: one regex with both alternatives scans 3x slower.
 */
const REFUSAL_KEYWORDS = /refused (?:port|eprt) /i;
const ESCAPED_ASCII = /\\u00(?:[4-7][0-9a-f]|20)/i;

export function mayContainRefusal(text: string): boolean {
  return REFUSAL_KEYWORDS.test(text) || hasEscapedAscii(text);
}

/** True when JSON text holds `\u00XX` escapes of ASCII letters or space: keywords could hide in them. */
export function hasEscapedAscii(text: string): boolean {
  return text.includes('\\u00') && ESCAPED_ASCII.test(text);
}

/**
 * A new global pattern for every place the keywords occur, for a caller that walks them with `lastIndex`.
 * Everywhere a refusal can be, one of these occurs, unless hasEscapedAscii is true.
 */
export function refusalKeywords(): RegExp {
  return new RegExp(REFUSAL_KEYWORDS.source, 'gi');
}

/**
 * What parseRefusal found. One per module, overwritten by each call: a refusal line then allocates only its
 * finding, which matters in a flood of them (detection is synchronous, so no call can interleave).
 */
const refusal: { command: FtpCommand; argumentStart: number; argumentEnd: number; reason: string | null } = {
  command: 'PORT',
  argumentStart: 0,
  argumentEnd: 0,
  reason: null,
};

/** proftpd's most common reason, checked first so the usual line needs no case folding. */
const ADDRESS_MISMATCH = 'address mismatch';
const ADDRESS_MISMATCH_GROUP = ` (${ADDRESS_MISMATCH})`;

/**
 * `Refused PORT <arg>[ (<reason>)]` starting at `start`, the argument one non-empty token. True when found,
 * with the parts in `refusal`.
 */
function parseRefusal(text: string, start: number, end: number): boolean {
  if (!startsWithRefusal(text, start)) return false;
  const commandInitial = text.charCodeAt(start + 8) | 0x20;
  const argumentStart = start + 13;
  let argumentEnd = argumentStart;
  while (argumentEnd < end) {
    const c = text.charCodeAt(argumentEnd);
    if (c === 32 || c === 9) break;
    argumentEnd++;
  }
  if (argumentEnd === argumentStart) return false;
  let reason: string | null = null;
  const mismatchEnd = argumentEnd + ADDRESS_MISMATCH_GROUP.length;
  // A slice compared with ===, not startsWith(x, position): V8 runs that form several times slower.
  if (mismatchEnd <= end && text.slice(argumentEnd, mismatchEnd) === ADDRESS_MISMATCH_GROUP) {
    reason = ADDRESS_MISMATCH; // the same text as the slice below, without a new string per line
  } else if (text.charCodeAt(argumentEnd) === 32 && text.charCodeAt(argumentEnd + 1) === 40) {
    const close = text.indexOf(')', argumentEnd + 2);
    if (close > argumentEnd + 2 && close < end) reason = text.slice(argumentEnd + 2, close);
  }
  refusal.command = commandInitial === 112 ? 'PORT' : 'EPRT';
  refusal.argumentStart = argumentStart;
  refusal.argumentEnd = argumentEnd;
  refusal.reason = reason;
  return true;
}

const BELOW_PRIVILEGED = 1024;

/** DESIGN.md section 4, first match wins. `internal`: the target is in NAT-style space (see ftp-address.ts). */
export function classify(reason: string | null, target: DataTarget | null, internal: boolean): Classification {
  const lowerReason = reason === null || reason === ADDRESS_MISMATCH ? '' : reason.toLowerCase();
  if (lowerReason.includes('bounce attack') || (target !== null && target.port < BELOW_PRIVILEGED)) {
    return 'bounce-attempt';
  }
  if (lowerReason === 'ipv4/ipv6 address mismatch') return 'address-family-mismatch';
  if (target === null) return 'malformed-argument';
  return internal ? 'nat-misconfiguration' : 'foreign-public-target';
}

const SEVERITY_OF: Readonly<Record<Classification, Severity>> = Object.fromEntries(
  Object.entries(RULE_11209_TEXT.classifications).map(([classification, text]) => [classification, text.severity]),
) as Record<Classification, Severity>;

/** What a detector remembers from line to line; results never depend on it (see createLineDetector). */
interface DetectorMemo {
  readonly header: HeaderMemo;
  readonly targetIp: Ipv4TextCache;
}

function detect(line: string, memo: DetectorMemo | null): Finding | null {
  if (!mayContainRefusal(line)) return null;
  const parsed = parseProftpdLine(line, memo?.header ?? null);
  if (parsed === null) return null;
  const { text } = parsed;
  if (!parseRefusal(text, parsed.messageStart, parsed.messageEnd)) return null;
  const { command, argumentStart, argumentEnd, reason } = refusal;
  const ipCache = memo?.targetIp ?? null;
  const rawArgument = text.slice(argumentStart, argumentEnd);
  const decoded =
    command === 'PORT'
      ? decodePortArgument(text, ipCache, argumentStart, argumentEnd)
      : decodeEprtArgument(rawArgument, ipCache);
  const target = decoded?.target ?? null;
  const classification = classify(reason, target, decoded?.internal ?? false);
  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    command,
    srcIp: parsed.srcIp,
    clientName: parsed.clientName,
    server: parsed.server,
    target,
    rawArgument,
    reason,
    classification,
    severity: SEVERITY_OF[classification],
    line: line.slice(0, lineEnd(line)),
  };
}

/**
 * The finding for one log line, or null. Total: returns for any string, including binary junk, lone
 * surrogates and megabyte lines, in time linear in the line's length.
 */
export function detectLine(line: string): Finding | null {
  return detect(line, null);
}

export type LineDetector = (line: string) => Finding | null;

/**
 * A detector for a stream of lines (a batch, a file): each result equals `detectLine`'s for the same line, in
 * any order. It remembers the previous line's header and target host, so the lines of one session, and
 * above all a flood of refusals from one scanner, skip most of the parsing and share their strings (which
 * also makes grouping them cheaper). Use one per stream; it is not for concurrent use.
 */
export function createLineDetector(): LineDetector {
  const memo: DetectorMemo = { header: new HeaderMemo(), targetIp: new Ipv4TextCache() };
  return (line) => detect(line, memo);
}
