/**
 * Recognises the log line formats proftpd's messages reach CloudWatch in (DESIGN.md section 3) and returns
 * proftpd's own message with the client details from its serverinfo prefix. Anything that is not provably a
 * proftpd line — another program, an unknown header, text planted after the serverinfo — yields null.
 *
 * proftpd writes `serverinfo - message` to syslog and stderr, and `serverinfo: message` to its SystemLog
 * file, where serverinfo is `vhost (remoteName[remoteIp])`. Because the serverinfo is parsed at its fixed
 * position, a second `(name[ip])` group planted later in the line (e.g. in a USER argument) never wins.
 *
 * Scanners are index-based loops without regular expressions: linear time on any input.
 */

export interface ProftpdMessage {
  /**
   * proftpd's message is `text` from `messageStart` to `messageEnd` (what follows the serverinfo separator or
   * the program label). Indices rather than a slice: scanning a sliced string costs an indirection per character.
   */
  readonly text: string;
  readonly messageStart: number;
  readonly messageEnd: number;
  readonly server: string | null;
  readonly clientName: string | null;
  readonly srcIp: string | null;
}

const SPACE = 32;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
/** Month abbreviations as three lower-cased char codes packed into one number (no per-line string work). */
const monthKey = (a: number, b: number, c: number): number => ((a | 0x20) << 16) | ((b | 0x20) << 8) | (c | 0x20);
const MONTHS = new Set(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m) =>
    monthKey(m.charCodeAt(0), m.charCodeAt(1), m.charCodeAt(2))),
);
/** JSON fields examined, in order, when an event is a JSON object (journald export, Docker, agents). */
const JSON_MESSAGE_FIELDS = ['MESSAGE', 'message', 'log', 'msg'] as const;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function skipSpaces(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === SPACE) i++;
  return i;
}

function tokenEnd(text: string, i: number, end: number): number {
  // A native search: the header's tokens are read on every line whose header is not the remembered one.
  if (i >= end) return i;
  const space = text.indexOf(' ', i);
  return space === -1 || space > end ? end : space;
}

/** Index after `count` digits at `i`, or -1. */
function digits(text: string, i: number, count: number, end: number): number {
  if (i + count > end) return -1;
  for (let k = 0; k < count; k++) if (!isDigit(text.charCodeAt(i + k))) return -1;
  return i + count;
}

/** `hh:mm:ss` with an optional `.frac` or `,mmm`; index after it, or -1. */
function clock(text: string, i: number, end: number): number {
  // Char codes rather than text[j]: this runs on every candidate line, and text[j] makes a string.
  let j = digits(text, i, 2, end);
  if (j < 0 || text.charCodeAt(j) !== 58) return -1; // ':'
  j = digits(text, j + 1, 2, end);
  if (j < 0 || text.charCodeAt(j) !== 58) return -1;
  j = digits(text, j + 1, 2, end);
  if (j < 0) return -1;
  const separator = text.charCodeAt(j);
  if ((separator === 46 || separator === 44) && isDigit(text.charCodeAt(j + 1))) {
    // `.frac` or `,mmm`
    j++;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
  }
  return j;
}

/** `Z`, `+hh:mm`, `-hhmm` or nothing. */
function zone(text: string, i: number, end: number): number {
  if (text[i] === 'Z') return i + 1;
  if (text[i] === '+' || text[i] === '-') {
    let j = digits(text, i + 1, 2, end);
    if (j < 0) return i;
    if (text[j] === ':') j++;
    const k = digits(text, j, 2, end);
    return k < 0 ? i : k;
  }
  return i;
}

/** `Mmm dd hh:mm:ss` / `Mmm  d hh:mm:ss`, optionally followed by ` yyyy`; index after it, or -1. */
function bsdTimestamp(text: string, i: number, end: number): number {
  if (i + 3 > end || !MONTHS.has(monthKey(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)))) return -1;
  let j = skipSpaces(text, i + 3, end);
  if (j === i + 3) return -1;
  const dayStart = j;
  while (j < end && isDigit(text.charCodeAt(j)) && j - dayStart < 2) j++;
  if (j === dayStart || text.charCodeAt(j) !== SPACE) return -1;
  j = clock(text, j + 1, end);
  if (j < 0) return -1;
  const year = digits(text, j + 1, 4, end);
  if (text.charCodeAt(j) === SPACE && year > 0 && (year === end || text.charCodeAt(year) === SPACE))
    return year;
  return j;
}

/**
 * Skips an optional `<PRI>` and an optional timestamp: BSD syslog (with an optional year before or after),
 * ISO-8601 (`T` or space, fractions, zone) and proftpd's SystemLog `yyyy-mm-dd hh:mm:ss,mmm`.
 * Returns the index of the first header token after it.
 */
function skipPriorityAndTimestamp(text: string, i: number, end: number): number {
  if (text[i] === '<') {
    let j = i + 1;
    while (j < end && j - i <= 3 && isDigit(text.charCodeAt(j))) j++;
    if (j > i + 1 && text[j] === '>') i = j + 1;
  }
  const bsd = bsdTimestamp(text, i, end);
  if (bsd > 0) return skipSpaces(text, bsd, end);
  const year = digits(text, i, 4, end);
  if (year < 0) return i;
  if (text.charCodeAt(year) === SPACE) {
    const afterYear = bsdTimestamp(text, year + 1, end);
    return afterYear > 0 ? skipSpaces(text, afterYear, end) : i;
  }
  if (text[year] !== '-') return i;
  let j = digits(text, year + 1, 2, end);
  if (j < 0 || text[j] !== '-') return i;
  j = digits(text, j + 1, 2, end);
  if (j < 0 || (text[j] !== 'T' && text.charCodeAt(j) !== SPACE)) return i;
  j = clock(text, j + 1, end);
  if (j < 0) return i;
  return skipSpaces(text, zone(text, j, end), end);
}

/** `proftpd` labels vouch for the line; role labels are generic words, so they need the `(name[ip])` group too. */
type LabelKind = 'proftpd' | 'role';

/**
 * A proftpd program label: `proftpd[pid]:`, `proftpd:` (syslog) or `proftpd[pid]` (SystemLog); the name is
 * matched case-insensitively on its `proftpd` prefix (`ProFTPD`, `proftpd-sftp`). proftpd's role-based labels
 * (`LogOptions +RoleBasedProcessLabels`) `session[pid]` / `daemon[pid]` count too.
 * Returns null for a token that is not a label at all, 'other' for another program's label.
 */
function classifyLabel(text: string, start: number, stop: number): LabelKind | 'other' | null {
  const hasColon = text.charCodeAt(stop - 1) === 58;
  const nameStop = hasColon ? stop - 1 : stop;
  let nameEnd = nameStop;
  if (text[nameStop - 1] === ']') {
    const open = text.lastIndexOf('[', nameStop - 1);
    if (open <= start) return null;
    for (let k = open + 1; k < nameStop - 1; k++) if (!isDigit(text.charCodeAt(k))) return null;
    if (open + 1 === nameStop - 1) return null;
    nameEnd = open;
  } else if (!hasColon) {
    return null; // a bare word: a host name, not a label
  }
  if (nameEnd === start) return null;
  if (nameEnd - start < 7 || !isProftpdPrefix(text, start)) {
    const name = text.slice(start, nameEnd);
    return name === 'session' || name === 'daemon' ? 'role' : 'other';
  }
  for (let k = start + 7; k < nameEnd; k++) {
    const c = text.charCodeAt(k);
    // Characters a program name can have after the prefix; `[`, `(`, quotes etc. mean it is not one.
    const ok =
      (c >= 48 && c <= 57)
      || (c >= 65 && c <= 90)
      || (c >= 97 && c <= 122)
      || c === 45
      || c === 46
      || c === 95;
    if (!ok) return 'other';
  }
  return 'proftpd';
}

const PROFTPD = 'proftpd';

/** True when `text` at `i` starts with `proftpd` in any case. */
function isProftpdPrefix(text: string, i: number): boolean {
  for (let k = 0; k < 7; k++) if ((text.charCodeAt(i + k) | 0x20) !== PROFTPD.charCodeAt(k)) return false;
  return true;
}

const REFUSED_ = 'refused ';

/** True when `text` at `i` starts `Refused PORT ` or `Refused EPRT ` (keywords case-insensitive, single spaces). */
export function startsWithRefusal(text: string, i: number): boolean {
  if (text.length - i < 14) return false;
  // ASCII letters fold to lower case with `| 0x20`; the spaces are compared exactly.
  for (let k = 0; k < 8; k++) {
    const expected = REFUSED_.charCodeAt(k);
    const c = text.charCodeAt(i + k);
    if ((k === 7 ? c : c | 0x20) !== expected) return false;
  }
  const a = text.charCodeAt(i + 8) | 0x20;
  const b = text.charCodeAt(i + 9) | 0x20;
  const c = text.charCodeAt(i + 10) | 0x20;
  const d = text.charCodeAt(i + 11) | 0x20;
  const isPort = a === 112 && b === 111 && c === 114 && d === 116; // port
  const isEprt = a === 101 && b === 112 && c === 114 && d === 116; // eprt
  return (isPort || isEprt) && text.charCodeAt(i + 12) === SPACE;
}

/** End of a serverinfo group part: the first space, parenthesis or bracket at or after `i`. */
function groupPartEnd(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === OPEN_PAREN || c === CLOSE_PAREN || c === OPEN_BRACKET || c === CLOSE_BRACKET) break;
    i++;
  }
  return i;
}

/**
 * Parses `[vhost ](name[ip])` followed by ` - ` or `: ` at `i`; the message is what follows. With
 * `requireRemote` (no program label to vouch for the line), the `(name[ip])` group is mandatory.
 */
function parseServerinfo(
  text: string,
  i: number,
  end: number,
  requireRemote: boolean,
): ProftpdMessage | null {
  let server: string | null = null;
  let j = i;
  if (text[j] !== '(') {
    const vhostEnd = tokenEnd(text, j, end);
    if (vhostEnd === j) return null;
    if (text.charCodeAt(vhostEnd - 1) === 58 && !requireRemote) {
      // `vhost: message` (SystemLog with no remote client yet)
      const messageStart = vhostEnd + 1;
      return text.charCodeAt(vhostEnd) === SPACE
        ? {
            text,
            messageStart,
            messageEnd: end,
            server: text.slice(j, vhostEnd - 1),
            clientName: null,
            srcIp: null,
          }
        : null;
    }
    server = text.slice(j, vhostEnd);
    j = vhostEnd + 1;
    if (text.charCodeAt(vhostEnd) !== SPACE) return null;
    if (text[j] === '-' && text.charCodeAt(j + 1) === SPACE) {
      return requireRemote
        ? null
        : { text, messageStart: j + 2, messageEnd: end, server, clientName: null, srcIp: null };
    }
  }
  if (text.charCodeAt(j) !== OPEN_PAREN) return null;
  // (remoteName[remoteIp]): neither part may hold a space, parenthesis or bracket.
  const nameStart = j + 1;
  const k = groupPartEnd(text, nameStart, end);
  if (text.charCodeAt(k) !== OPEN_BRACKET) return null;
  const ipStart = k + 1;
  const m = groupPartEnd(text, ipStart, end);
  if (text.charCodeAt(m) !== CLOSE_BRACKET || text.charCodeAt(m + 1) !== CLOSE_PAREN) return null;
  const afterGroup = m + 2;
  let messageStart: number;
  const sep0 = text.charCodeAt(afterGroup);
  const sep1 = text.charCodeAt(afterGroup + 1);
  if (sep0 === SPACE && sep1 === 45 && text.charCodeAt(afterGroup + 2) === SPACE) messageStart = afterGroup + 3; // ' - '
  else if (sep0 === 58 && sep1 === SPACE) messageStart = afterGroup + 2; // ': '
  else return null;
  return {
    text,
    messageStart,
    messageEnd: end,
    server,
    clientName: k > nameStart ? text.slice(nameStart, k) : null,
    srcIp: m > ipStart ? text.slice(ipStart, m) : null,
  };
}

/** What follows a proftpd label: either proftpd's message directly, or serverinfo + separator + message. */
function parseAfterLabel(
  text: string,
  i: number,
  end: number,
  requireRemote: boolean,
): ProftpdMessage | null {
  if (!requireRemote && startsWithRefusal(text, i)) {
    return { text, messageStart: i, messageEnd: end, server: null, clientName: null, srcIp: null };
  }
  return parseServerinfo(text, i, end, requireRemote);
}

/** Index where `text` ends without its trailing CR/LF characters. */
export function lineEnd(text: string): number {
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13) break;
    end--;
  }
  return end;
}

/**
 * The header of the last line parsed through a serverinfo: the text from after its timestamp up to proftpd's
 * message (`host proftpd[pid]: vhost (name[ip]) - `) and what it parsed to. The lines of one FTP session
 * repeat that header, so a flood of refusals (a bounce scan) is one native string comparison per line
 * instead of a parse, and its findings share the same server and client strings.
 *
 * Sound because everything the parse reads from the header lies inside it: tokens end at spaces within it,
 * the serverinfo ends at its separator, and the separator's final space is the header's last character.
 * The one path that reads past its region, a label followed directly by the message (where the spaces
 * before the message are skipped), is never remembered. `test/unit/detector/memo.test.ts` checks the
 * results equal a fresh parse's, line after line, on generated input.
 */
export class HeaderMemo {
  header = '';
  server: string | null = null;
  clientName: string | null = null;
  srcIp: string | null = null;

  remember(text: string, start: number, parsed: ProftpdMessage): void {
    this.header = text.slice(start, parsed.messageStart);
    this.server = parsed.server;
    this.clientName = parsed.clientName;
    this.srcIp = parsed.srcIp;
  }
}

/** Where a plain line's header starts: after its optional priority and timestamp. */
function plainHeaderStart(text: string): number {
  const end = lineEnd(text);
  return skipPriorityAndTimestamp(text, skipSpaces(text, 0, end), end);
}

/**
 * Where `line`'s header starts, after its optional priority and timestamp, or -1 for a JSON event. Given to
 * parseRememberedHeader and then, if needed, to parseProftpdLine, the timestamp is read once.
 */
export function headerStart(line: string): number {
  const first = skipSpaces(line, 0, line.length);
  return line.charCodeAt(first) === 123 ? -1 : plainHeaderStart(line); // `{`
}

/**
 * The proftpd message of `line`, whose header starts at `start` (headerStart, not -1), when that header is the
 * one `memo` remembers; else null (then parse it with parseProftpdLine). The result is the one
 * parseProftpdLine would give; it costs one string comparison.
 */
export function parseRememberedHeader(line: string, start: number, memo: HeaderMemo): ProftpdMessage | null {
  const { header } = memo;
  if (header.length === 0) return null;
  const end = lineEnd(line);
  const messageStart = start + header.length;
  // A slice compared with === (O(1) slice, then a memory comparison): startsWith(x, position) is ~3x slower.
  if (messageStart > end || line.slice(start, messageStart) !== header) return null;
  return { text: line, messageStart, messageEnd: end, server: memo.server, clientName: memo.clientName, srcIp: memo.srcIp };
}

/**
 * A plain text line: `[<PRI>][timestamp ][host ]label serverinfo sep message`, or a bare `serverinfo -
 * message`, whose header starts at `start` (plainHeaderStart).
 */
function parsePlainLine(text: string, start: number, memo: HeaderMemo | null): ProftpdMessage | null {
  const end = lineEnd(text);
  const firstEnd = tokenEnd(text, start, end);
  if (firstEnd === start) return null;
  let label = classifyLabel(text, start, firstEnd);
  let afterLabel = firstEnd;
  if (label === null) {
    // First token is a host (name, IPv4, IPv6, anything without spaces); the label must come next.
    const secondStart = skipSpaces(text, firstEnd, end);
    const secondEnd = tokenEnd(text, secondStart, end);
    label = secondEnd > secondStart ? classifyLabel(text, secondStart, secondEnd) : null;
    afterLabel = secondEnd;
    if (label === null) {
      // proftpd's stderr: bare serverinfo
      const bare = parseServerinfo(text, start, end, true);
      if (bare !== null && memo !== null) memo.remember(text, start, bare);
      return bare;
    }
  }
  if (label === 'other') return null;
  const serverinfoStart = skipSpaces(text, afterLabel, end);
  const parsed = parseAfterLabel(text, serverinfoStart, end, label === 'role');
  // Only a serverinfo header is remembered: a message right after the label starts at serverinfoStart.
  if (parsed !== null && memo !== null && parsed.messageStart > serverinfoStart) memo.remember(text, start, parsed);
  return parsed;
}

function isProftpdIdentifier(identifier: string): boolean {
  return identifier.slice(0, 7).toLowerCase() === 'proftpd';
}

/**
 * A JSON object event: the first of MESSAGE/message/log/msg that holds a proftpd refusal. When
 * SYSLOG_IDENTIFIER is present it stands in for the program label (and must be proftpd's).
 */
function parseJsonEvent(text: string): ProftpdMessage | null {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return null; // not JSON after all: no proftpd line starts with `{`
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return null;
  const record = event as Record<string, unknown>;
  const identifier = record.SYSLOG_IDENTIFIER;
  if (identifier !== undefined && (typeof identifier !== 'string' || !isProftpdIdentifier(identifier)))
    return null;
  for (const field of JSON_MESSAGE_FIELDS) {
    const value = record[field];
    if (typeof value !== 'string') continue;
    const parsed =
      identifier === undefined
        ? parsePlainLine(value, plainHeaderStart(value), null)
        : parseAfterLabel(value, 0, lineEnd(value), false);
    if (parsed && startsWithRefusal(parsed.text, parsed.messageStart)) return parsed;
  }
  return null;
}

/**
 * The proftpd message of `line` with its client details, or null when the line is not a proftpd line. With a
 * memo, a header that parseRememberedHeader can recognise on later lines is remembered in it. `start`: the
 * line's headerStart, when already known.
 */
export function parseProftpdLine(
  line: string,
  memo: HeaderMemo | null = null,
  start = headerStart(line),
): ProftpdMessage | null {
  return start < 0 ? parseJsonEvent(line) : parsePlainLine(line, start, memo);
}
