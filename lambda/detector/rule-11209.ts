/**
 * Rule 11209: proftpd refused a PORT/EPRT command (docs/design.md sections 3 and 4). Matching and classification
 * only; what the rule says to people lives in rule-11209.messages.ts.
 */
import type { Classification, DataTarget, Finding, FtpCommand, Severity } from './finding';
import {
  decodeEprtArgument,
  Ipv4TextCache,
  isInternalAddress,
  portTargetJustRead,
  portTargetJustReadIsInternal,
  readPortArgument,
} from './ftp-address';
import {
  detectionTrace,
  HeaderMemo,
  headerStart,
  lineEnd,
  parseProftpdLine,
  parseRememberedHeader,
  refusalRejected,
  startsWithRefusal,
} from './line-format';
import { NetworkSet } from './networks';
import { RULE_11209_TEXT } from './rule-11209.messages';

/** What a deployment tells the detector about itself. */
export interface DetectorOptions {
  /** `internalNetworks`: the operator's own networks; a target inside them is `internal-target`. Default: none. */
  readonly internalNetworks?: NetworkSet;
}

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
 * `portDecoded`: a PORT argument read validly, its target waiting in portTargetJustRead.
 */
const refusal: {
  command: FtpCommand;
  argumentStart: number;
  argumentEnd: number;
  reason: string | null;
  portDecoded: boolean;
} = { command: 'PORT', argumentStart: 0, argumentEnd: 0, reason: null, portDecoded: false };

/** Index of the first space or tab at or after `i`, or `end`: where the argument token ends. */
function argumentTokenEnd(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) break;
    i++;
  }
  return i;
}

/** Index of the first character at or after `i` that is not a space or tab, or `end`. */
function skipBlanks(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) break;
    i++;
  }
  return i;
}

/** `Refused PORT` or `Refused EPRT` and nothing else (explain only: startsWithRefusal wants the space and more). */
function isBareRefusal(text: string, start: number, end: number): boolean {
  const message = text.slice(start, end).trimEnd().toLowerCase();
  return message === 'refused port' || message === 'refused eprt';
}

/** proftpd's most common reason, checked first so the usual line needs no case folding. */
const ADDRESS_MISMATCH = 'address mismatch';
const ADDRESS_MISMATCH_GROUP = `(${ADDRESS_MISMATCH})`;

/**
 * proftpd's message `Refused PORT <arg>[ (<reason>)]` from `start` to `end`, and nothing else but white
 * space: the argument is one token, logged as received (so spaces the client sent may precede it and the
 * reason), the reason holds no parenthesis. True when found, with the parts in `refusal`. A message that
 * begins like a refusal and goes on (a user named `Refused PORT ...`) is not one.
 */
function parseRefusal(text: string, start: number, end: number): boolean {
  if (!startsWithRefusal(text, start)) {
    return refusalRejected(detectionTrace.on && isBareRefusal(text, start, end) ? 'no-argument' : 'message-not-refusal');
  }
  const isPort = (text.charCodeAt(start + 8) | 0x20) === 112; // `p`
  const argumentStart = skipBlanks(text, start + 13, end);
  let argumentEnd: number;
  let portDecoded = false;
  if (isPort) {
    // The argument is read as PORT numbers as far as it goes; the token is scanned on only if more follows.
    const read = readPortArgument(text, argumentStart, end);
    argumentEnd = argumentTokenEnd(text, read >= 0 ? read : -1 - read, end);
    portDecoded = read >= 0;
  } else {
    argumentEnd = argumentTokenEnd(text, argumentStart, end);
  }
  if (argumentEnd === argumentStart) return refusalRejected('no-argument');
  let reason: string | null = null;
  let rest = skipBlanks(text, argumentEnd, end);
  if (rest < end && text.charCodeAt(rest) === 40) {
    // `(reason)`; the usual reason compared in place first (an O(1) slice and a memory comparison): no new string.
    const afterGroup = rest + ADDRESS_MISMATCH_GROUP.length;
    if (afterGroup <= end && text.slice(rest, afterGroup) === ADDRESS_MISMATCH_GROUP) {
      reason = ADDRESS_MISMATCH;
      rest = afterGroup;
    } else {
      const close = text.indexOf(')', rest + 1);
      if (close <= rest + 1 || close >= end) return refusalRejected('reason');
      const open = text.indexOf('(', rest + 1);
      if (open !== -1 && open < close) return refusalRejected('reason');
      reason = text.slice(rest + 1, close);
      rest = close + 1;
    }
    rest = skipBlanks(text, rest, end);
  }
  if (rest < end) return refusalRejected('trailing-text');
  refusal.command = isPort ? 'PORT' : 'EPRT';
  refusal.argumentStart = argumentStart;
  refusal.argumentEnd = argumentEnd;
  refusal.reason = reason;
  refusal.portDecoded = portDecoded;
  return true;
}

const BELOW_PRIVILEGED = 1024;

interface Verdict {
  readonly classification: Classification;
  readonly severity: Severity;
}

/** Each classification with its severity from the rule's text, one object each (a finding points to one). */
const VERDICTS = Object.fromEntries(
  Object.entries(RULE_11209_TEXT.classifications).map(([classification, text]) => [
    classification,
    { classification, severity: text.severity },
  ]),
) as Readonly<Record<Classification, Verdict>>;

/**
 * docs/design.md section 4, first match wins. `internal`: the target is in NAT-style space (see ftp-address.ts);
 * `srcIp`: the client as proftpd saw it; `networks`: the operator's own networks.
 */
function classify(
  reason: string | null,
  target: DataTarget | null,
  internal: boolean,
  srcIp: string | null,
  networks: NetworkSet,
): Verdict {
  // Constant keys: each branch is a plain property load, where a table indexed by a variable one is not.
  const lowerReason = reason === null || reason === ADDRESS_MISMATCH ? '' : reason.toLowerCase();
  if (lowerReason.includes('bounce attack') || (target !== null && target.port < BELOW_PRIVILEGED)) {
    return VERDICTS['bounce-attempt'];
  }
  if (target !== null && networks.size > 0 && networks.find(target.ip) !== null) return VERDICTS['internal-target'];
  if (lowerReason === 'ipv4/ipv6 address mismatch') return VERDICTS['address-family-mismatch'];
  if (target === null) return VERDICTS['malformed-argument'];
  if (internal) return VERDICTS['nat-misconfiguration'];
  // A private client address aiming at a public one: proftpd sees a balancer or proxy, not the client.
  if (srcIp !== null && isInternalClient(srcIp)) return VERDICTS['proxy-address-mismatch'];
  return VERDICTS['foreign-public-target'];
}

/**
 * isInternalAddress of the last client asked about: the lines of a batch come in runs from one client (a scan
 * is thousands), and a remembered header hands each of them the same string. A cache of a pure function.
 */
const lastClient = { srcIp: '', internal: false };

function isInternalClient(srcIp: string): boolean {
  if (srcIp !== lastClient.srcIp) {
    lastClient.internal = isInternalAddress(srcIp);
    lastClient.srcIp = srcIp;
  }
  return lastClient.internal;
}

/** What a detector remembers from line to line; results never depend on it (see createLineDetector). */
interface DetectorMemo {
  readonly header: HeaderMemo;
  readonly targetIp: Ipv4TextCache;
}

const NO_OPTIONS: DetectorOptions = {};

function detect(line: string, memo: DetectorMemo | null, options: DetectorOptions): Finding | null {
  // A remembered header first: such a line needs no keyword pre-check, its message is right there. The
  // timestamp is read once, for this and, if the header is another, for the full parse.
  const start = memo === null ? undefined : headerStart(line);
  let parsed = memo !== null && start !== undefined && start >= 0 ? parseRememberedHeader(line, start, memo.header) : null;
  if (parsed === null) {
    if (!mayContainRefusal(line)) {
      if (detectionTrace.on) refusalRejected('no-keyword');
      return null;
    }
    parsed = parseProftpdLine(line, memo?.header ?? null, start);
    if (parsed === null) return null;
  }
  const { text } = parsed;
  if (!parseRefusal(text, parsed.messageStart, parsed.messageEnd)) return null;
  const { command, argumentStart, argumentEnd, reason, portDecoded } = refusal;
  const ipCache = memo?.targetIp ?? null;
  const rawArgument = text.slice(argumentStart, argumentEnd);
  let target: DataTarget | null = null;
  let internal = false;
  if (command === 'PORT') {
    if (portDecoded) {
      target = portTargetJustRead(ipCache);
      internal = portTargetJustReadIsInternal();
    }
  } else {
    const decoded = decodeEprtArgument(rawArgument, ipCache);
    if (decoded !== null) ({ target, internal } = decoded);
  }
  const { classification, severity } = classify(
    reason,
    target,
    internal,
    parsed.srcIp,
    options.internalNetworks ?? NetworkSet.EMPTY,
  );
  return {
    ruleId: RULE_11209_TEXT.ruleId,
    level: RULE_11209_TEXT.level,
    command,
    srcIp: parsed.srcIp,
    clientName: parsed.clientName,
    server: parsed.server,
    host: parsed.host,
    target,
    rawArgument,
    reason,
    classification,
    severity,
    occurrences: parsed.occurrences,
    line: line.slice(0, lineEnd(line)),
  };
}

/**
 * The finding for one log line, or null. Total: returns for any string, including binary junk, lone
 * surrogates and megabyte lines, in time linear in the line's length.
 */
export function detectLine(line: string, options: DetectorOptions = NO_OPTIONS): Finding | null {
  return detect(line, null, options);
}

export type LineDetector = (line: string) => Finding | null;

/**
 * A detector for a stream of lines (a batch, a file): each result equals `detectLine`'s for the same line, in
 * any order. It remembers the previous line's header and target host, so the lines of one session, and
 * above all a flood of refusals from one scanner, skip most of the parsing and share their strings (which
 * also makes grouping them cheaper). Use one per stream; it is not for concurrent use.
 */
export function createLineDetector(options: DetectorOptions = NO_OPTIONS): LineDetector {
  const memo: DetectorMemo = { header: new HeaderMemo(), targetIp: new Ipv4TextCache() };
  return (line) => detect(line, memo, options);
}
