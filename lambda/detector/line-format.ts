/**
 * Recognises the log line formats proftpd's messages reach CloudWatch in (docs/design.md section 3) and returns
 * proftpd's own message with the client details from its serverinfo prefix. Anything that is not provably a
 * proftpd line — another program, an unknown header, text planted after the serverinfo — yields null.
 *
 * proftpd writes `serverinfo - message` to syslog, and `serverinfo: message` to its SystemLog file and (with
 * `-n`) to stderr, where serverinfo is `vhost (remoteName[remoteIp])`. Because the serverinfo is parsed at its
 * fixed position, a second `(name[ip])` group planted later in the line (e.g. in a USER argument) never wins.
 * Around that sit the wrappers of the programs that carry the line (BSD syslog, RFC 5424, journalctl's exports,
 * CRI, rsyslog's template labels and repeated messages, a line nested in journald's stdout transport, JSON
 * events); test/fixtures/real holds what each of them really wrote.
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
  /** The host field of the syslog header or SystemLog line (journald: `_HOSTNAME`); null when absent. */
  readonly host: string | null;
  /** How many refusals the line stands for: N for rsyslog's `message repeated N times: [ ... ]`, else 1. */
  readonly occurrences: number;
}

/**
 * Why a line is or is not proftpd's refusal, for `ftp-bounce-watch explain` (lambda/detector/explain.ts). The
 * scanners below write here only while `on` is set, and only where they give up or recognise a format, so
 * detection pays one boolean test on its rejection paths and explaining runs the very same code.
 * The words for each rejection are in rule-11209.messages.ts (`REJECTION_TEXT`).
 */
export type RejectionCode =
  | 'no-keyword'
  | 'not-json'
  | 'json-not-object'
  | 'json-other-program'
  | 'json-identifier'
  | 'json-no-refusal'
  | 'empty-header'
  | 'rfc5424-header'
  | 'not-proftpd'
  | 'unknown-header'
  | 'serverinfo'
  | 'role-without-client'
  | 'message-not-refusal'
  | 'no-argument'
  | 'reason'
  | 'trailing-text';

export const detectionTrace: {
  on: boolean;
  /** The line format recognised, in words; null when none was. */
  format: string | null;
  /** The program label as written (`proftpd[12630]:`), when one was read. */
  program: string | null;
  /** The last place the parse gave up. */
  rejection: RejectionCode | null;
} = { on: false, format: null, program: null, rejection: null };

/** Records why the parse gives up (while tracing) and returns null, as the scanners do. */
function rejected(code: RejectionCode): null {
  if (detectionTrace.on) detectionTrace.rejection = code;
  return null;
}

/** Records a rejection from the rule's own scanner (rule-11209.ts); false, for its early returns. */
export function refusalRejected(code: RejectionCode): false {
  if (detectionTrace.on) detectionTrace.rejection = code;
  return false;
}

function recognised(format: string, program: string | null): void {
  detectionTrace.format = format;
  if (program !== null) detectionTrace.program = program;
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
  return j < 0 ? -1 : fractionEnd(text, j, end);
}

/** After a clock's seconds at `j`: past its `.frac` or `,mmm` if it has one. */
function fractionEnd(text: string, j: number, end: number): number {
  const separator = text.charCodeAt(j);
  if ((separator === 46 || separator === 44) && isDigit(text.charCodeAt(j + 1))) {
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

/**
 * `Mmm dd hh:mm:ss` / `Mmm  d hh:mm:ss`, optionally followed by ` yyyy`, or `Mmm dd yyyy hh:mm:ss`; index
 * after it, or -1.
 */
function bsdTimestamp(text: string, i: number, end: number): number {
  if (i + 3 > end || !MONTHS.has(monthKey(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)))) return -1;
  let j = usualBsdClockEnd(text, i, end);
  if (j < 0) {
    j = skipSpaces(text, i + 3, end);
    if (j === i + 3) return -1;
    const dayStart = j;
    while (j < end && isDigit(text.charCodeAt(j)) && j - dayStart < 2) j++;
    if (j === dayStart || text.charCodeAt(j) !== SPACE) return -1;
    const yearFirst = digits(text, j + 1, 4, end);
    if (yearFirst > 0 && text.charCodeAt(yearFirst) === SPACE) j = yearFirst; // `Mmm dd yyyy hh:mm:ss`
    j = clock(text, j + 1, end);
    if (j < 0) return -1;
  }
  const year = digits(text, j + 1, 4, end);
  if (text.charCodeAt(j) === SPACE && year > 0 && (year === end || text.charCodeAt(year) === SPACE))
    return year;
  return j;
}

/**
 * The usual BSD timestamp after its month, `Mmm dd hh:mm:ss` or `Mmm  d hh:mm:ss` (with clock's optional fraction),
 * read at fixed offsets: the index after the clock, as the general reading in bsdTimestamp gives it, or -1 for any
 * other shape (a year, more spaces), which that reading then decides. Every syslog line passes here.
 */
function usualBsdClockEnd(text: string, i: number, end: number): number {
  if (i + 15 > end || text.charCodeAt(i + 3) !== SPACE || text.charCodeAt(i + 6) !== SPACE) return -1;
  const dayTens = text.charCodeAt(i + 4);
  if ((dayTens !== SPACE && !isDigit(dayTens)) || !isDigit(text.charCodeAt(i + 5))) return -1;
  if (text.charCodeAt(i + 9) !== 58 || text.charCodeAt(i + 12) !== 58) return -1; // ':'
  if (!isDigit(text.charCodeAt(i + 7)) || !isDigit(text.charCodeAt(i + 8)) || !isDigit(text.charCodeAt(i + 10))) return -1;
  if (!isDigit(text.charCodeAt(i + 11)) || !isDigit(text.charCodeAt(i + 13)) || !isDigit(text.charCodeAt(i + 14))) return -1;
  return fractionEnd(text, i + 15, end);
}

/** `yyyy-mm-dd` followed by `T` or a space and a clock; index after the clock, or -1. */
function isoDateTime(text: string, i: number, end: number): number {
  const year = digits(text, i, 4, end);
  if (year < 0 || text.charCodeAt(year) !== 45) return -1; // '-'
  let j = digits(text, year + 1, 2, end);
  if (j < 0 || text.charCodeAt(j) !== 45) return -1;
  j = digits(text, j + 1, 2, end);
  if (j < 0 || (text[j] !== 'T' && text.charCodeAt(j) !== SPACE)) return -1;
  return clock(text, j + 1, end);
}

const WEEKDAYS = new Set(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => monthKey(d.charCodeAt(0), d.charCodeAt(1), d.charCodeAt(2))),
);

/** A time zone abbreviation (`UTC`, `CEST`) or numeric zone (`+03`, `-0500`) as journalctl's short-full prints it. */
function zoneToken(text: string, i: number, end: number): number {
  const stop = tokenEnd(text, i, end);
  if (stop === i || stop - i > 6) return -1;
  const first = text.charCodeAt(i);
  const numeric = first === 43 || first === 45; // '+' '-'
  for (let k = numeric ? i + 1 : i; k < stop; k++) {
    const c = text.charCodeAt(k);
    if (numeric ? !isDigit(c) : !(c >= 65 && c <= 90)) return -1;
  }
  return numeric && stop === i + 1 ? -1 : stop;
}

/**
 * journalctl's exports: `short-full` (`Sat 2026-11-28 08:00:00 UTC`), `short-unix` (`1764316800.123456`) and
 * `short-monotonic` (`[ 4171.079687]`). Index after the timestamp, or -1.
 */
function journalctlTimestamp(text: string, i: number, end: number): number {
  const first = text.charCodeAt(i);
  if (first === OPEN_BRACKET) {
    let j = skipSpaces(text, i + 1, end);
    const secondsStart = j;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    if (j === secondsStart || text.charCodeAt(j) !== 46) return -1;
    const fraction = ++j;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    return j > fraction && text.charCodeAt(j) === CLOSE_BRACKET ? j + 1 : -1;
  }
  if (isDigit(first)) {
    let j = i;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    if (j - i < 9 || text.charCodeAt(j) !== 46) return -1;
    const fraction = ++j;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
    return j > fraction && text.charCodeAt(j) === SPACE ? j : -1;
  }
  if (i + 4 > end || text.charCodeAt(i + 3) !== SPACE) return -1;
  if (!WEEKDAYS.has(monthKey(first, text.charCodeAt(i + 1), text.charCodeAt(i + 2)))) return -1;
  const time = isoDateTime(text, i + 4, end);
  if (time < 0 || text.charCodeAt(time) !== SPACE) return -1;
  return zoneToken(text, time + 1, end);
}

/**
 * Skips an optional `<PRI>` and an optional timestamp: BSD syslog (with an optional year before or after),
 * ISO-8601 (`T` or space, fractions, zone), proftpd's SystemLog `yyyy-mm-dd hh:mm:ss,mmm` and journalctl's
 * exports. Returns the index of the first header token after it.
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
  if (year > 0 && text.charCodeAt(year) === SPACE) {
    const afterYear = bsdTimestamp(text, year + 1, end);
    if (afterYear > 0) return skipSpaces(text, afterYear, end);
  }
  const iso = isoDateTime(text, i, end);
  if (iso > 0) return skipSpaces(text, zone(text, iso, end), end);
  const journalctl = journalctlTimestamp(text, i, end);
  return journalctl > 0 ? skipSpaces(text, journalctl, end) : i;
}

/**
 * A container runtime's (CRI) log line, `<RFC3339Nano> stdout|stderr F|P <line>`: the index of `<line>`, or -1.
 * `i` is where the line starts, `afterTimestamp` where its timestamp ends.
 */
function criLine(text: string, i: number, afterTimestamp: number, end: number): number {
  if (afterTimestamp === i || afterTimestamp + 9 > end || !isDigit(text.charCodeAt(i))) return -1;
  const stream = text.slice(afterTimestamp, afterTimestamp + 7);
  if (stream !== 'stdout ' && stream !== 'stderr ') return -1;
  const tag = text.charCodeAt(afterTimestamp + 7);
  return (tag === 70 || tag === 80) && text.charCodeAt(afterTimestamp + 8) === SPACE ? afterTimestamp + 9 : -1; // F P
}

/** Where a line's header starts: after its optional priority and timestamp, and a CRI prefix with them. */
function skipLinePrefix(text: string, i: number, end: number): number {
  const afterTimestamp = skipPriorityAndTimestamp(text, i, end);
  const cri = criLine(text, i, afterTimestamp, end);
  return cri < 0 ? afterTimestamp : skipPriorityAndTimestamp(text, cri, end);
}

/** `proftpd` labels vouch for the line; role labels are generic words, so they need the `(name[ip])` group too. */
type LabelKind = 'proftpd' | 'role';

/**
 * A proftpd program label: `proftpd[pid]:`, `proftpd:` (syslog) or `proftpd[pid]` (SystemLog); the name is
 * `proftpd` in any case (`ProFTPD`), or `proftpd.service` (journalctl's `with-unit` export), and nothing that
 * merely starts with it (`proftpd-exporter`). proftpd's role-based labels (`LogOptions
 * +RoleBasedProcessLabels`) `session[pid]` / `daemon[pid]` count too.
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
  const length = nameEnd - start;
  if ((length === 7 || length === 15) && isProftpdPrefix(text, start)) {
    if (length === 7 || text.slice(start + 7, nameEnd).toLowerCase() === '.service') return 'proftpd';
  }
  const name = text.slice(start, nameEnd);
  return name === 'session' || name === 'daemon' ? 'role' : 'other';
}

const PROFTPD = 'proftpd';

/** True when `text` at `i` starts with `proftpd` in any case. */
function isProftpdPrefix(text: string, i: number): boolean {
  for (let k = 0; k < 7; k++) if ((text.charCodeAt(i + k) | 0x20) !== PROFTPD.charCodeAt(k)) return false;
  return true;
}

/** True when `text` at `i` starts `Refused PORT ` or `Refused EPRT ` (keywords case-insensitive, single spaces). */
export function startsWithRefusal(text: string, i: number): boolean {
  if (text.length - i < 14) return false;
  // ASCII letters fold to lower case with `| 0x20`; the spaces are compared exactly. Written out: this runs on
  // every refusal line, and a loop over a pattern string costs several times more.
  if (
    (text.charCodeAt(i) | 0x20) !== 114 // r
    || (text.charCodeAt(i + 1) | 0x20) !== 101 // e
    || (text.charCodeAt(i + 2) | 0x20) !== 102 // f
    || (text.charCodeAt(i + 3) | 0x20) !== 117 // u
    || (text.charCodeAt(i + 4) | 0x20) !== 115 // s
    || (text.charCodeAt(i + 5) | 0x20) !== 101 // e
    || (text.charCodeAt(i + 6) | 0x20) !== 100 // d
    || text.charCodeAt(i + 7) !== SPACE
  ) {
    return false;
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
  host: string | null,
): ProftpdMessage | null {
  let server: string | null = null;
  let j = i;
  if (text[j] !== '(') {
    const vhostEnd = tokenEnd(text, j, end);
    if (vhostEnd === j) return rejected('serverinfo');
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
            host,
            occurrences: 1,
          }
        : rejected('serverinfo');
    }
    server = text.slice(j, vhostEnd);
    j = vhostEnd + 1;
    if (text.charCodeAt(vhostEnd) !== SPACE) return rejected('serverinfo');
    if (text[j] === '-' && text.charCodeAt(j + 1) === SPACE) {
      return requireRemote
        ? rejected('role-without-client')
        : { text, messageStart: j + 2, messageEnd: end, server, clientName: null, srcIp: null, host, occurrences: 1 };
    }
  }
  if (text.charCodeAt(j) !== OPEN_PAREN) return rejected('serverinfo');
  // (remoteName[remoteIp]): neither part may hold a space, parenthesis or bracket.
  const nameStart = j + 1;
  const k = groupPartEnd(text, nameStart, end);
  if (text.charCodeAt(k) !== OPEN_BRACKET) return rejected('serverinfo');
  const ipStart = k + 1;
  const m = groupPartEnd(text, ipStart, end);
  if (text.charCodeAt(m) !== CLOSE_BRACKET || text.charCodeAt(m + 1) !== CLOSE_PAREN) return rejected('serverinfo');
  const afterGroup = m + 2;
  let messageStart: number;
  const sep0 = text.charCodeAt(afterGroup);
  const sep1 = text.charCodeAt(afterGroup + 1);
  if (sep0 === SPACE && sep1 === 45 && text.charCodeAt(afterGroup + 2) === SPACE) messageStart = afterGroup + 3; // ' - '
  else if (sep0 === 58 && sep1 === SPACE) messageStart = afterGroup + 2; // ': '
  else return rejected('serverinfo');
  return {
    text,
    messageStart,
    messageEnd: end,
    server,
    clientName: k > nameStart ? text.slice(nameStart, k) : null,
    srcIp: m > ipStart ? text.slice(ipStart, m) : null,
    host,
    occurrences: 1,
  };
}

/** What follows a proftpd label: either proftpd's message directly, or serverinfo + separator + message. */
function parseAfterLabel(
  text: string,
  i: number,
  end: number,
  requireRemote: boolean,
  host: string | null,
): ProftpdMessage | null {
  if (!requireRemote && startsWithRefusal(text, i)) {
    return { text, messageStart: i, messageEnd: end, server: null, clientName: null, srcIp: null, host, occurrences: 1 };
  }
  return parseServerinfo(text, i, end, requireRemote, host);
}

/**
 * A label an rsyslog template puts between the program label and the message, `[facility.severity]` with an
 * optional colon (`[daemon.warning]:`): the index after it and its spaces, or `i` when there is none.
 */
function skipTemplateLabel(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) !== OPEN_BRACKET) return i;
  let j = i + 1;
  let dots = 0;
  for (; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === 46) dots++;
    else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90))) break;
  }
  if (dots !== 1 || text.charCodeAt(j) !== CLOSE_BRACKET) return i;
  j++;
  if (text.charCodeAt(j) === 58) j++;
  const after = skipSpaces(text, j, end);
  return after > j ? after : i;
}

const REPEATED = 'message repeated ';
const TIMES = ' times: [';

/** What parseRepeated found; one per module, overwritten by each call (detection is synchronous). */
const repeated = { start: 0, end: 0, count: 0 };

const isWhiteSpace = (c: number): boolean => c === SPACE || c === 9;

/**
 * rsyslog's `message repeated N times: [ <message>]` at `i`: where `<message>` starts and ends, and N, in
 * `repeated`; false when the text is not that.
 */
function parseRepeated(text: string, i: number, end: number): boolean {
  if (text.charCodeAt(i) !== 109 || text.slice(i, i + REPEATED.length) !== REPEATED) return false; // 'm'
  let j = i + REPEATED.length;
  const countStart = j;
  while (j < end && isDigit(text.charCodeAt(j)) && j - countStart < 9) j++;
  if (j === countStart || text.slice(j, j + TIMES.length) !== TIMES) return false;
  const count = Number(text.slice(countStart, j));
  let close = end;
  while (close > j && isWhiteSpace(text.charCodeAt(close - 1))) close--;
  if (count < 1 || text.charCodeAt(close - 1) !== CLOSE_BRACKET) return false;
  repeated.start = skipSpaces(text, j + TIMES.length, close - 1);
  repeated.end = close - 1;
  repeated.count = count;
  return true;
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
 * The paths that read past their region or depend on what precedes it (a label followed directly by the
 * message, where the spaces before the message are skipped; rsyslog's repeated messages; a line nested in
 * another; RFC 5424) are never remembered. `test/unit/detector/memo.test.ts` checks the results equal a
 * fresh parse's, line after line, on generated input.
 */
export class HeaderMemo {
  header = '';
  server: string | null = null;
  clientName: string | null = null;
  srcIp: string | null = null;
  host: string | null = null;

  remember(text: string, start: number, parsed: ProftpdMessage): void {
    this.header = text.slice(start, parsed.messageStart);
    this.server = parsed.server;
    this.clientName = parsed.clientName;
    this.srcIp = parsed.srcIp;
    this.host = parsed.host;
  }
}

/** Where a plain line's header starts: after its optional priority, timestamp and CRI prefix. */
function plainHeaderStart(text: string): number {
  const end = lineEnd(text);
  return skipLinePrefix(text, skipSpaces(text, 0, end), end);
}

/** headerStart's value for a JSON event. */
const JSON_EVENT = -1;
/** headerStart's value for an RFC 5424 line. */
const RFC5424_LINE = -2;

/** The index after `<PRI>1 ` (an RFC 5424 line's version) at `i`, or -1. */
function rfc5424Version(text: string, i: number): number {
  if (text.charCodeAt(i) !== 60) return -1; // '<'
  let j = i + 1;
  while (j - i <= 3 && isDigit(text.charCodeAt(j))) j++;
  return j > i + 1 && text.charCodeAt(j) === 62 && text.charCodeAt(j + 1) === 49 && text.charCodeAt(j + 2) === SPACE
    ? j + 3
    : -1;
}

/**
 * Where `line`'s header starts, after its optional priority and timestamp, or a negative value for a JSON
 * event or an RFC 5424 line (parsed whole, never remembered). Given to parseRememberedHeader and then, if
 * needed, to parseProftpdLine, the timestamp is read once.
 */
export function headerStart(line: string): number {
  const first = skipSpaces(line, 0, line.length);
  const c = line.charCodeAt(first);
  if (c === 123) return JSON_EVENT; // `{`
  if (c === 60 && rfc5424Version(line, first) > 0) return RFC5424_LINE;
  return plainHeaderStart(line);
}

/**
 * The proftpd message of `line`, whose header starts at `start` (headerStart, not negative), when that header
 * is the one `memo` remembers; else null (then parse it with parseProftpdLine). The result is the one
 * parseProftpdLine would give, in an object this function reuses (read it before the next call); it costs one
 * string comparison.
 */
export function parseRememberedHeader(line: string, start: number, memo: HeaderMemo): ProftpdMessage | null {
  const { header } = memo;
  if (header.length === 0) return null;
  const end = lineEnd(line);
  const messageStart = start + header.length;
  // A slice compared with === (O(1) slice, then a memory comparison): startsWith(x, position) is ~3x slower.
  if (messageStart > end || line.slice(start, messageStart) !== header) return null;
  const message = rememberedMessage;
  message.text = line;
  message.messageStart = messageStart;
  message.messageEnd = end;
  message.server = memo.server;
  message.clientName = memo.clientName;
  message.srcIp = memo.srcIp;
  message.host = memo.host;
  return message;
}

/**
 * parseRememberedHeader's result, one per module and overwritten by each call (valid until the next): a flood of
 * lines with one header then allocates nothing to say so. Detection is synchronous, so no call interleaves.
 */
const rememberedMessage: { -readonly [K in keyof ProftpdMessage]: ProftpdMessage[K] } = {
  text: '',
  messageStart: 0,
  messageEnd: 0,
  server: null,
  clientName: null,
  srcIp: null,
  host: null,
  occurrences: 1,
};

/**
 * What follows a program label at `i`: an optional rsyslog template label, then rsyslog's repeated-message
 * wrapper, or proftpd's message with or without its serverinfo, or (journald's stdout transport, `nested`
 * allowed) a whole SystemLog or labelled line of proftpd's.
 */
function parseMessageBody(
  text: string,
  i: number,
  end: number,
  label: LabelKind,
  host: string | null,
  nested: boolean,
): ProftpdMessage | null {
  const bodyStart = skipTemplateLabel(text, i, end);
  if (parseRepeated(text, bodyStart, end)) {
    const { start: innerStart, end: innerEnd, count } = repeated;
    const inner = parseAfterLabel(text, innerStart, innerEnd, label === 'role', host);
    return inner === null ? null : { ...inner, messageEnd: Math.min(inner.messageEnd, innerEnd), occurrences: count };
  }
  const parsed = parseAfterLabel(text, bodyStart, end, label === 'role', host);
  if (parsed !== null || !nested || label !== 'proftpd') return parsed;
  const why = detectionTrace.rejection;
  const inner = parsePlainLine(text, skipPriorityAndTimestamp(text, bodyStart, end), null, false);
  // Not a nested line either: the reason is the message's own, not the nested attempt's.
  if (inner === null) return rejected(why ?? 'serverinfo');
  bodyWasNested = true;
  // Where it was seen is the outer header's host (the machine that logged it), as for journald's _HOSTNAME.
  return host === null || inner.host === host ? inner : { ...inner, host };
}

/** Set by parseMessageBody when the message came from a nested line (never remembered); read right after. */
let bodyWasNested = false;

/** End of the token at `i` when it is `-` (RFC 5424's nil value) or anything else without spaces; -1 if empty. */
function rfc5424Field(text: string, i: number, end: number): number {
  const stop = tokenEnd(text, i, end);
  return stop > i && text.charCodeAt(stop) === SPACE ? stop : -1;
}

/** RFC 5424 structured data at `i`: `-` or `[id param="value" ...]...`; the index after it, or -1. */
function structuredDataEnd(text: string, i: number, end: number): number {
  if (text.charCodeAt(i) === 45) return i + 1; // '-'
  let j = i;
  while (text.charCodeAt(j) === OPEN_BRACKET) {
    let quoted = false;
    for (j++; j < end; j++) {
      const c = text.charCodeAt(j);
      if (quoted && c === 92) j++; // backslash escape: `\"`, `\]`, `\\`
      else if (c === 34) quoted = !quoted;
      else if (!quoted && c === CLOSE_BRACKET) break;
    }
    if (j >= end) return -1;
    j++;
  }
  return j > i ? j : -1;
}

/** `<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD MSG` (RFC 5424), APP-NAME proftpd's. */
function parseRfc5424Line(text: string): ProftpdMessage | null {
  const end = lineEnd(text);
  const timestampStart = rfc5424Version(text, skipSpaces(text, 0, end));
  const hostStart = rfc5424Field(text, timestampStart, end) + 1;
  const hostEnd = hostStart > 0 ? rfc5424Field(text, hostStart, end) : -1;
  const appEnd = hostEnd > 0 ? rfc5424Field(text, hostEnd + 1, end) : -1;
  if (appEnd < 0) return rejected('rfc5424-header');
  const label = classifyLabel(`${text.slice(hostEnd + 1, appEnd)}:`, 0, appEnd - hostEnd);
  if (detectionTrace.on) recognised('RFC 5424 syslog line', text.slice(hostEnd + 1, appEnd));
  if (label !== 'proftpd' && label !== 'role') return rejected('not-proftpd');
  const procEnd = rfc5424Field(text, appEnd + 1, end);
  const msgidEnd = procEnd > 0 ? rfc5424Field(text, procEnd + 1, end) : -1;
  const sdEnd = msgidEnd > 0 ? structuredDataEnd(text, msgidEnd + 1, end) : -1;
  if (sdEnd < 0 || (sdEnd < end && text.charCodeAt(sdEnd) !== SPACE)) return rejected('rfc5424-header');
  let messageStart = skipSpaces(text, sdEnd, end);
  if (text.charCodeAt(messageStart) === 0xfeff) messageStart++; // the UTF-8 BOM RFC 5424 allows
  const host = hostEnd - hostStart === 1 && text.charCodeAt(hostStart) === 45 ? null : text.slice(hostStart, hostEnd);
  return parseMessageBody(text, messageStart, end, label, host, true);
}

/** The words for a plain line's format: what came before its header (explain only). */
function plainFormat(text: string, start: number): string {
  if (start === 0) return 'a text line without timestamp (syslog header, SystemLog or proftpd stderr)';
  const prefix = text.slice(0, start).trim();
  if (prefix.includes(' stderr ') || prefix.includes(' stdout ')) return `a container (CRI) line, then proftpd's own text (prefix "${prefix}")`;
  return `a syslog or SystemLog text line (timestamp "${prefix}" read)`;
}

/** A line with no program label: proftpd's stderr (a bare serverinfo), or no format at all (explain only). */
function traceBareLine(text: string, start: number, bare: ProftpdMessage | null): void {
  if (bare !== null) recognised(`${plainFormat(text, start)}: proftpd's stderr without a program label`, null);
  else detectionTrace.rejection = 'unknown-header';
}

/**
 * A plain text line: `[<PRI>][timestamp ][host ]label serverinfo sep message`, or a bare `serverinfo -
 * message`, whose header starts at `start` (plainHeaderStart). `nested`: a line inside another may not nest again.
 */
function parsePlainLine(text: string, start: number, memo: HeaderMemo | null, nested = true): ProftpdMessage | null {
  const end = lineEnd(text);
  const firstEnd = tokenEnd(text, start, end);
  if (firstEnd === start) return rejected('empty-header');
  let label = classifyLabel(text, start, firstEnd);
  let afterLabel = firstEnd;
  let host: string | null = null;
  // A first token that is no label, or one without a colon (`ftp[1]`), can be the host: the label must come next.
  if (label === null || (label === 'other' && text.charCodeAt(firstEnd - 1) !== 58)) {
    const secondStart = skipSpaces(text, firstEnd, end);
    const secondEnd = tokenEnd(text, secondStart, end);
    const second = secondEnd > secondStart ? classifyLabel(text, secondStart, secondEnd) : null;
    if (second === 'proftpd' || second === 'role') {
      host = text.slice(start, firstEnd);
      label = second;
      afterLabel = secondEnd;
    } else if (label === null && second === null) {
      // proftpd's stderr: bare serverinfo
      const bare = parseServerinfo(text, start, end, true, null);
      if (bare !== null && memo !== null) memo.remember(text, start, bare);
      if (detectionTrace.on) traceBareLine(text, start, bare);
      return bare;
    } else {
      if (detectionTrace.on) recognised(plainFormat(text, start), text.slice(secondStart, secondEnd));
      return rejected(second === 'other' ? 'not-proftpd' : 'unknown-header');
    }
  }
  if (detectionTrace.on) {
    recognised(plainFormat(text, start), text.slice(host === null ? start : skipSpaces(text, firstEnd, end), afterLabel));
  }
  if (label === 'other') return rejected('not-proftpd');
  const bodyStart = skipSpaces(text, afterLabel, end);
  bodyWasNested = false;
  const parsed = parseMessageBody(text, bodyStart, end, label, host, nested);
  // Only a plain serverinfo header is remembered: a message right after the label starts at bodyStart.
  if (
    parsed !== null
    && memo !== null
    && parsed.messageStart > bodyStart
    && parsed.occurrences === 1
    && parsed.messageEnd === end
    && !bodyWasNested
  ) {
    memo.remember(text, start, parsed);
  }
  return parsed;
}

/** journald's trusted fields: present and naming another program means the line is not proftpd's. */
function isOtherProgram(record: Record<string, unknown>): boolean {
  const comm = record._COMM;
  if (comm !== undefined && (typeof comm !== 'string' || comm.toLowerCase() !== PROFTPD)) return true;
  const exe = record._EXE;
  if (exe === undefined) return false;
  return typeof exe !== 'string' || exe.slice(exe.lastIndexOf('/') + 1).toLowerCase() !== PROFTPD;
}

/** A line text of any non-JSON format. */
function parseTextLine(text: string): ProftpdMessage | null {
  const start = headerStart(text);
  if (start === RFC5424_LINE) return parseRfc5424Line(text);
  return start < 0 ? rejected('unknown-header') : parsePlainLine(text, start, null);
}

/**
 * A JSON object event: the first of MESSAGE/message/log/msg that holds a proftpd refusal. When
 * SYSLOG_IDENTIFIER is present it stands in for the program label (and must be proftpd's); journald's
 * trusted `_COMM` and `_EXE`, when present, must be proftpd's whatever the identifier says.
 */
function parseJsonEvent(text: string): ProftpdMessage | null {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return rejected('not-json'); // not JSON after all: no proftpd line starts with `{`
  }
  if (detectionTrace.on) recognised('a JSON event (journald export, Docker, an agent)', null);
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return rejected('json-not-object');
  const record = event as Record<string, unknown>;
  if (isOtherProgram(record)) return rejected('json-other-program');
  const identifier = record.SYSLOG_IDENTIFIER;
  if (detectionTrace.on && typeof identifier === 'string') detectionTrace.program = `SYSLOG_IDENTIFIER=${identifier}`;
  if (identifier !== undefined && (typeof identifier !== 'string' || classifyLabel(`${identifier}:`, 0, identifier.length + 1) !== 'proftpd'))
    return rejected('json-identifier');
  const hostname = typeof record._HOSTNAME === 'string' ? record._HOSTNAME : null;
  for (const field of JSON_MESSAGE_FIELDS) {
    const value = record[field];
    if (typeof value !== 'string') continue;
    const parsed =
      identifier === undefined
        ? parseTextLine(value)
        : parseMessageBody(value, skipSpaces(value, 0, value.length), lineEnd(value), 'proftpd', hostname, true);
    if (parsed && startsWithRefusal(parsed.text, parsed.messageStart)) {
      if (detectionTrace.on) detectionTrace.format = `a JSON event (journald export, Docker, an agent), its "${field}" field read`;
      return hostname === null || parsed.host === hostname ? parsed : { ...parsed, host: hostname };
    }
    if (parsed) refusalRejected('message-not-refusal');
  }
  // The last message field's own reason when one was read; else no field held text.
  return rejected(detectionTrace.rejection ?? 'json-no-refusal');
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
  if (start === JSON_EVENT) return parseJsonEvent(line);
  if (start === RFC5424_LINE) return parseRfc5424Line(line);
  return parsePlainLine(line, start, memo);
}
