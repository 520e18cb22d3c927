/**
 * Helpers for untrusted text (docs/design.md section 6). Every log line, and every name taken from one (server,
 * client name, log stream), is attacker-influenced: it reaches email subjects, mail bodies and Slack.
 *
 * Choices, briefly:
 * - Invisible and control characters (C0 except the whitespace ones, DEL, C1, bidi embeddings/overrides/
 *   isolates, zero-width characters, BOM, Unicode tag characters, variation selectors, fillers) are replaced by
 *   U+FFFD rather than deleted: the reader sees that something was there, and deleting could join words into
 *   a different, misleading text. Tabs and line breaks become spaces (or newlines where lines are allowed).
 * - Lone surrogates become U+FFFD, so every output is well-formed UTF-16 and encodes to valid UTF-8.
 * - Caps count UTF-16 code units (what Slack and SNS limits are close to), never split a surrogate pair, and
 *   end with a single `…`.
 * - Slack: `&`, `<`, `>` become entities (this alone stops `<!channel>`, `<@U123>` and `<https://x|y>`);
 *   a bare `@word` becomes `[@]word`, `http://` becomes `hxxp[:]//` and a dot inside a name `[.]` (the usual
 *   "defanging" of indicators, readable and without look-alike or zero-width characters; see defangLinks).
 *   mrkdwn has no escape for `*`, `_`, `~`: untrusted text is only ever placed inside code spans or code
 *   blocks, where Slack applies no formatting and makes no links; the one character a code span cannot hold,
 *   the backtick, becomes `'`.
 */

export const ELLIPSIS = '…';
export const REPLACEMENT = '\uFFFD';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Replaces lone surrogates with U+FFFD (String.prototype.toWellFormed is not in our TypeScript lib). */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, REPLACEMENT);
}

/** A global, unicode-aware character class from code point ranges (kept as data so each range is legible). */
function charClass(ranges: ReadonlyArray<readonly [number, number]>): RegExp {
  const hex = (cp: number): string => `\\u{${cp.toString(16)}}`;
  return new RegExp(
    `[${ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('')}]`,
    'gu',
  );
}

/** Line breaks: CRLF, LF, CR, NEL, line and paragraph separators. Kept as `\n` or turned into a space. */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029\u0085]/g;
/** Tab, vertical tab, form feed: a space. */
const SPACE_LIKE = charClass([
  [0x09, 0x09],
  [0x0b, 0x0c],
]);
/** Everything else that is invisible, reorders text or is a control character: replaced by U+FFFD. */
const INVISIBLE = charClass([
  [0x00, 0x08], // C0 controls before tab
  [0x0e, 0x1f], // C0 controls after CR
  [0x7f, 0x84], // DEL, C1 (NEL, U+0085, is a line break above)
  [0x86, 0x9f], // C1
  [0xad, 0xad], // soft hyphen
  [0x34f, 0x34f], // combining grapheme joiner
  [0x61c, 0x61c], // Arabic letter mark
  [0x115f, 0x1160], // Hangul fillers
  [0x17b4, 0x17b5], // Khmer inherent vowels (invisible)
  [0x180b, 0x180f], // Mongolian variation selectors and vowel separator
  [0x200b, 0x200f], // zero-width space, ZWNJ, ZWJ, LRM, RLM
  [0x202a, 0x202e], // bidi embeddings and overrides
  [0x2060, 0x206f], // word joiner, invisible operators, bidi isolates (2066-2069), deprecated format chars
  [0x3164, 0x3164], // Hangul filler
  [0xfe00, 0xfe0f], // variation selectors
  [0xfeff, 0xfeff], // BOM / zero-width no-break space
  [0xffa0, 0xffa0], // halfwidth Hangul filler
  [0xfff9, 0xfffb], // interlinear annotation controls
  [0xe0000, 0xe007f], // tag characters ("ASCII smuggling")
  [0xe0100, 0xe01ef], // variation selectors supplement
]);

export interface CleanOptions {
  /** Maximum length of the result in UTF-16 code units, ellipsis included. */
  readonly maxLength: number;
  /** Keep line breaks (normalised to `\n`); otherwise they become spaces. */
  readonly multiline?: boolean;
}

/** Shortens to at most `maxLength` code units, ending with `…`, never splitting a surrogate pair. */
export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 0) return '';
  let end = maxLength - 1;
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end) + ELLIPSIS;
}

/**
 * Like truncate, but prefers to cut after a space or separator (`.`, `,`, `/`, `-`, `:`, `;`) in the last
 * third of the kept text, so names shorten to whole labels rather than to a fragment.
 */
export function truncateAtBoundary(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength <= 1) return truncate(text, maxLength);
  const hardEnd = maxLength - 1;
  const floor = Math.floor((hardEnd * 2) / 3);
  for (let i = hardEnd; i > floor; i--) {
    const c = text[i - 1];
    if (c === ' ' || c === '.' || c === ',' || c === '/' || c === '-' || c === ':' || c === ';') {
      return text.slice(0, c === ' ' ? i - 1 : i) + ELLIPSIS;
    }
  }
  return truncate(text, maxLength);
}

/**
 * Makes untrusted text displayable: well-formed, no control or invisible characters, capped. Only a prefix of
 * a huge input is examined, so a megabyte line costs no more than a short one.
 */
/**
 * Printable ASCII only: nothing for cleanText to replace (no control, line-break, invisible or surrogate
 * character lies in 0x20-0x7E), so such text, the usual case for addresses, names and log lines, only needs capping.
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function cleanText(text: string, options: CleanOptions): string {
  const { maxLength, multiline = false } = options;
  if (PRINTABLE_ASCII.test(text)) return truncate(text, maxLength);
  // Every replacement below maps one or more input units to one output unit, so the output is never longer
  // than the input: looking at maxLength + 2 units is enough to know whether the result must be cut.
  const examined = text.length > maxLength + 2 ? text.slice(0, maxLength + 2) : text;
  let out = toWellFormed(examined)
    .replace(LINE_BREAK, multiline ? '\n' : ' ')
    .replace(SPACE_LIKE, ' ')
    .replace(INVISIBLE, REPLACEMENT);
  if (examined.length < text.length && out.length <= maxLength) {
    // Cleaning shortened the examined prefix below the cap (CRLF to LF): still say something was left out.
    out = truncate(out + ELLIPSIS, maxLength);
  }
  return truncate(out, maxLength);
}

/** One line of untrusted text (line breaks become spaces), capped. */
export function cleanLine(text: string, maxLength: number): string {
  return cleanText(text, { maxLength });
}

/** `http`/`https` just before `://`: written `hxxp`, the usual defanged form of an indicator. */
const HTTP_SCHEME = /\b(h)tt(ps?)(?=:\/\/)/gi;
/** A dot between a name's character and a letter: how every domain name (`evil.com`, `www.x`, `a.b.c`) looks. */
const NAME_DOT = /([\p{L}\p{N}_-])\.(?=\p{L})/gu;

/**
 * Makes untrusted text unlinkable: mail clients and chat apps link not only `scheme://...` but any bare domain
 * name (`evil.com/login`, `www.x.org`, `user@evil.com`). So the scheme is broken (`hxxp[:]//`) and every dot that
 * separates the labels of a name becomes `[.]` (`evil[.]com`); addresses stay readable (`203.0.113.7` has no dot
 * before a letter).
 */
export function defangLinks(text: string): string {
  return defangSchemes(text).replace(NAME_DOT, '$1[.]');
}

/**
 * Breaks only `scheme://` (`hxxp[:]//`) and `www.`: for text inside a Slack code span or block, where Slack makes no link of a
 * bare name, so `ftp.example.com` can stay as it is.
 */
export function defangSchemes(text: string): string {
  return text.replace(HTTP_SCHEME, '$1xx$2').replace(/:\/\//g, '[:]//').replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}[.]`);
}

/**
 * Breaks bare `@name` mentions (`@here`, `@channel`, `@everyone`, `@user`): Slack honours them when a message
 * is sent with link_names or by some forwarders. `user@example.com` is left alone (no mention there); an `@` after
 * punctuation (`x_@here`, `x-@here`, `x.@here`) is broken, since a mention parser may well start a word there.
 */
export function breakMentions(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9])@(?=[A-Za-z0-9])/g, '$1[@]');
}

/** Slack's three control characters as entities (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeSlackEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes cleaned text for Slack within a budget: entities expand `&` to five units, so the cap is applied
 * while escaping, code point by code point, never cutting an entity in half.
 */
function escapeSlackWithin(text: string, maxLength: number): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0xfffd);
    const piece = ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '`' ? '\'' : ch;
    // Room must stay for the ellipsis unless this is the last character.
    const budget = i + ch.length >= text.length ? maxLength : maxLength - 1;
    if (out.length + piece.length > budget) return out + ELLIPSIS;
    out += piece;
    i += ch.length;
  }
  return out;
}

/**
 * Untrusted text for a Slack `plain_text` object or a code span: cleaned, defanged, mentions broken, entities
 * escaped, backticks replaced, at most `maxLength` units. Multi-line keeps `\n` (for code blocks). `inCode`:
 * the text goes inside a code span or block, where Slack links nothing, so only schemes are broken.
 */
export function slackSafe(text: string, maxLength: number, multiline = false, inCode = false): string {
  // Clean a little more than the budget: escaping can only lengthen, and the escape step re-applies the cap.
  const cleaned = cleanText(text, { maxLength: maxLength + 1, multiline });
  const neutral = breakMentions(inCode ? defangSchemes(cleaned) : defangLinks(cleaned));
  const escaped = escapeSlackEntities(neutral).replace(/`/g, '\'');
  if (escaped.length <= maxLength) return escaped;
  return escapeSlackWithin(neutral, maxLength);
}

/**
 * Untrusted text as a Slack inline code span (`` `text` ``): formatting (`*`, `_`, `~`), links and mentions
 * are inert inside. The result, backticks included, is at most `maxLength` units.
 */
export function slackCode(text: string, maxLength: number): string {
  const inner = slackSafe(text, Math.max(1, maxLength - 2), false, true);
  // An empty or blank code span renders as literal backticks; say what is missing instead.
  return inner.trim() === '' ? '(empty)' : `\`${inner}\``;
}

/** Several untrusted lines as a Slack code block, at most `maxLength` units including the fences. */
export function slackCodeBlock(lines: readonly string[], maxLength: number): string {
  const fence = '```';
  const budget = maxLength - 2 * fence.length - 2;
  if (budget <= 0) return '';
  return `${fence}\n${slackSafe(lines.join('\n'), budget, true, true)}\n${fence}`;
}

/**
 * The alert JSON's `title` (label, client address, the operator's own server name), made safe to display as it is
 * in any medium (consumers show it in mail, chat or a ticket): cleaned, schemes broken, mentions broken, and
 * Slack's `<`, `>` and `&` replaced by the look-alikes `‹`, `›` and `＆` (entities would show as text elsewhere),
 * capped. Names are not defanged: the title holds no attacker-chosen name (see ownNameSafe).
 */
export function displaySafe(text: string, maxLength: number): string {
  const neutral = breakMentions(defangSchemes(cleanLine(text, maxLength)));
  return truncate(neutral.replace(/</g, '‹').replace(/>/g, '›').replace(/&/g, '＆'), maxLength);
}

/**
 * Untrusted text for a subject line: cleaned, schemes broken, capped. Mail clients make no links in a subject, and
 * `ftp[.]example[.]com` would cost the 100-character subject the words that say what happened.
 */
export function subjectSafe(text: string, maxLength: number): string {
  return ownNameSafe(text, maxLength);
}

/**
 * The operator's own names in a plain-text line: log group, log stream, account, the host and the proftpd vhost
 * (written by proftpd and the agent from the operator's configuration, at places of the line no client chooses).
 * Cleaned, schemes and mentions broken, capped, but a name keeps its dots: `ftp.example.com` is the reader's own server, and
 * `ftp[.]example[.]com` would only make it harder to recognise. Attacker-chosen text (the client's reverse-DNS
 * name, the argument, the whole log line) goes through emailSafe.
 */
export function ownNameSafe(text: string, maxLength: number): string {
  return truncate(breakMentions(defangSchemes(cleanLine(text, maxLength))), maxLength);
}

/** Untrusted text for a plain-text email line: cleaned, links defanged (names too), capped. */
export function emailSafe(text: string, maxLength: number): string {
  const defanged = defangLinks(cleanLine(text, maxLength));
  return truncate(defanged, maxLength);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
