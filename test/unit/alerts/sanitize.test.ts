import fc from 'fast-check';
import {
  breakMentions,
  cleanLine,
  cleanText,
  defangLinks,
  ELLIPSIS,
  emailSafe,
  escapeSlackEntities,
  REPLACEMENT,
  slackCode,
  slackCodeBlock,
  slackSafe,
  toWellFormed,
  truncate,
  truncateAtBoundary,
} from '../../../lambda/alerts/sanitize';
import { expectSlackInert, HOSTILE, LONE_SURROGATE, UNSAFE_CHARS } from './builders';

/** Arbitrary text including lone surrogates and the tokens an attacker would try. */
const hostileText = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(
        '\uD800',
        '\uDC00',
        '<!channel>',
        '@here',
        '`',
        '```',
        'https://x.example',
        'www.x.example',
        '&',
        '<',
        '>',
        '\u202E',
        '\u200B',
        '\r\n',
      ),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

describe('test oracles', () => {
  // The renderer tests assert these never match; make sure they can.
  it.each(['\u0000', '\u0007', '\r', '\u001B', '\u007F', '\u009B', '\u200B', '\u202E', '\u2066', '\uFEFF'])(
    'UNSAFE_CHARS matches %j',
    (ch) => {
      expect(`a${ch}b`).toMatch(UNSAFE_CHARS);
    },
  );

  it('UNSAFE_CHARS allows ordinary text, tab and newline', () => {
    expect('Grüße\t東京\nok \u{1F600}').not.toMatch(UNSAFE_CHARS);
  });

  it('LONE_SURROGATE tells pairs from halves', () => {
    expect('\u{1F600}').not.toMatch(LONE_SURROGATE);
    expect('a\uD800').toMatch(LONE_SURROGATE);
    expect('\uDC00a').toMatch(LONE_SURROGATE);
  });
});

describe('toWellFormed', () => {
  it.each([
    ['lone high surrogate', 'a\uD800b', `a${REPLACEMENT}b`],
    ['lone low surrogate', 'a\uDC00b', `a${REPLACEMENT}b`],
    ['high surrogate at the end', 'ab\uDBFF', `ab${REPLACEMENT}`],
    ['reversed pair', '\uDC00\uD800', `${REPLACEMENT}${REPLACEMENT}`],
    ['valid pair kept', 'a\u{1F600}b', 'a\u{1F600}b'],
  ])('%s', (_name, input, expected) => {
    expect(toWellFormed(input)).toBe(expected);
  });
});

describe('cleanText', () => {
  it.each([
    ['NUL and BEL', 'a\u0000b\u0007c', `a${REPLACEMENT}b${REPLACEMENT}c`],
    ['ANSI escape', '\u001B[31mred', `${REPLACEMENT}[31mred`],
    ['DEL and C1 CSI', 'x\u007Fy\u009Bz', `x${REPLACEMENT}y${REPLACEMENT}z`],
    ['tab and vertical tab', 'a\tb\u000Bc', 'a b c'],
    ['CRLF, CR, LF, NEL, LS', 'a\r\nb\rc\nd\u0085e\u2028f', 'a b c d e f'],
    ['bidi override and isolate', 'abc\u202Egnp\u202C\u2066x\u2069', `abc${REPLACEMENT}gnp${REPLACEMENT}${REPLACEMENT}x${REPLACEMENT}`],
    ['zero-width and BOM', 'ad\u200Bmi\u200Dn\uFEFF', `ad${REPLACEMENT}mi${REPLACEMENT}n${REPLACEMENT}`],
    ['LRM/RLM and word joiner', 'a\u200Eb\u200Fc\u2060d', `a${REPLACEMENT}b${REPLACEMENT}c${REPLACEMENT}d`],
    ['tag characters', 'x\u{E0041}\u{E007F}y', `x${REPLACEMENT}${REPLACEMENT}y`],
    ['soft hyphen', 'ad\u00ADmin', `ad${REPLACEMENT}min`],
    ['lone surrogate', 'a\uD800', `a${REPLACEMENT}`],
    ['ordinary Unicode kept', 'Grüße, 東京, ñ, emoji \u{1F600}', 'Grüße, 東京, ñ, emoji \u{1F600}'],
  ])('%s', (_name, input, expected) => {
    expect(cleanText(input, { maxLength: 200 })).toBe(expected);
  });

  it('keeps line breaks as \\n when multiline', () => {
    expect(cleanText('a\r\nb\rc\nd', { maxLength: 50, multiline: true })).toBe('a\nb\nc\nd');
  });

  it('caps a megabyte line and marks the cut', () => {
    const out = cleanLine(`${'A'.repeat(1_048_576)}\u0000`, 100);
    expect(out).toBe(`${'A'.repeat(99)}${ELLIPSIS}`);
  });

  it('still marks the cut when cleaning shortens the examined prefix', () => {
    const out = cleanLine(`${'\r\n'.repeat(10)}${'x'.repeat(100)}`, 10);
    expect(out.length).toBeLessThanOrEqual(10);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
  });

  it('never returns unsafe characters, lone surrogates or more than maxLength units (property)', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 120 }), fc.boolean(), (text, max, multiline) => {
        const out = cleanText(text, { maxLength: max, multiline });
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(UNSAFE_CHARS);
        expect(out).not.toMatch(LONE_SURROGATE);
        if (!multiline) expect(out).not.toMatch(/[\r\n]/);
      }),
    );
  });
});

describe('truncate', () => {
  it.each([
    ['fits', 'abc', 3, 'abc'],
    ['cut with ellipsis', 'abcdef', 4, `abc${ELLIPSIS}`],
    ['never splits a surrogate pair', `ab\u{1F600}cd`, 4, `ab${ELLIPSIS}`],
    ['one unit', 'abcdef', 1, ELLIPSIS],
    ['zero', 'abc', 0, ''],
  ])('%s', (_name, input, max, expected) => {
    expect(truncate(input, max)).toBe(expected);
  });

  it('prefers a label boundary', () => {
    expect(truncateAtBoundary('ftp.customer-one.region.example.com', 20)).toBe(`ftp.customer-one.${ELLIPSIS}`);
    expect(truncateAtBoundary('short.example', 20)).toBe('short.example');
    // No separator late enough: plain cut.
    expect(truncateAtBoundary('abcdefghijklmnopqrstuvwxyz', 10)).toBe(`abcdefghi${ELLIPSIS}`);
  });
});

describe('link and mention breaking', () => {
  it.each([
    ['https://evil.example/x', 'hxxps[:]//evil[.]example/x'],
    ['http://evil.com/login', 'hxxp[:]//evil[.]com/login'],
    ['evil.com/login', 'evil[.]com/login'],
    ['mail admin@evil.com', 'mail admin@evil[.]com'],
    ['client 203.0.113.7:21 at 2001:db8::1', 'client 203.0.113.7:21 at 2001:db8::1'],
    ['xn--80ak6aa92e.com and пример.рф', 'xn--80ak6aa92e[.]com and пример[.]рф'],
    ['ftp://h', 'ftp[:]//h'],
    ['WWW.evil.example', 'WWW[.]evil[.]example'],
    ['no link here', 'no link here'],
  ])('defangLinks(%j)', (input, expected) => {
    expect(defangLinks(input)).toBe(expected);
  });

  it.each([
    ['@here', '[@]here'],
    ['ping @channel now', 'ping [@]channel now'],
    ['(@everyone)', '([@]everyone)'],
    ['user@example.com', 'user@example.com'],
    ['x_@here x-@channel x.@everyone', 'x_[@]here x-[@]channel x.[@]everyone'],
    ['a @ b', 'a @ b'],
  ])('breakMentions(%j)', (input, expected) => {
    expect(breakMentions(input)).toBe(expected);
  });

  it('escapes Slack control characters', () => {
    expect(escapeSlackEntities('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });
});

/**
 * What mail clients and chat apps turn into links: a scheme, or a bare name of two or more labels whose last one
 * is a plausible top-level domain (what Gmail, Outlook and Slack link without a scheme).
 */
const LINKABLE = /[a-z][a-z0-9+.-]*:\/\/|(?:^|[^\p{L}\p{N}_.-])(?:[\p{L}\p{N}_-]+\.)+\p{L}{2,}(?![\p{L}\p{N}])/iu;

describe('unlinkable text', () => {
  const linky = fc.array(
    fc.oneof(
      fc.constantFrom('http://', 'https://', 'ftp://', 'www.', 'evil', '.com', '.co.uk', '/login', '@', ' ', '.', 'xn--p1ai', 'пример', '.рф'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 12 },
  ).map((parts) => parts.join(''));

  it('leaves nothing a linker would link in email text, whatever the input (property)', () => {
    fc.assert(
      fc.property(linky, (text) => {
        expect(emailSafe(text, 500)).not.toMatch(LINKABLE);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves nothing linkable in Slack text outside code spans (property)', () => {
    fc.assert(
      fc.property(linky, (text) => {
        expect(slackSafe(text, 500)).not.toMatch(LINKABLE);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('Slack text', () => {
  it.each(HOSTILE)('%s is inert in slackSafe', (_name, text) => {
    const out = slackSafe(text, 300);
    expectSlackInert(out);
    expect(out).not.toContain('`');
  });

  it.each(HOSTILE)('%s is inert in a code span, with no stray backtick', (_name, text) => {
    const out = slackCode(text, 300);
    expectSlackInert(out);
    expect(out.startsWith('`') && out.endsWith('`')).toBe(true);
    expect(out.slice(1, -1)).not.toContain('`');
  });

  it('cannot be closed early inside a code block', () => {
    const out = slackCodeBlock(['ok', '```', '<!channel> `x`'], 200);
    expect(out.startsWith('```\n')).toBe(true);
    expect(out.endsWith('\n```')).toBe(true);
    expect(out.slice(3, -3)).not.toContain('`');
    expectSlackInert(out);
  });

  it('applies the cap after escaping, without cutting an entity', () => {
    const out = slackSafe('&'.repeat(100), 22);
    expect(out.length).toBeLessThanOrEqual(22);
    expect(out).toBe(`${'&amp;'.repeat(4)}${ELLIPSIS}`);
    expect(slackSafe('a&b', 7)).toBe('a&amp;b');
  });

  it('an empty value is named, not rendered as bare backticks', () => {
    expect(slackCode('', 20)).toBe('(empty)');
    expect(slackCode('\u200B', 20)).toBe(`\`${REPLACEMENT}\``);
  });

  it('is inert and within budget for any input (property)', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 3, max: 200 }), (text, max) => {
        const code = slackCode(text, max);
        expect(code.length).toBeLessThanOrEqual(Math.max(max, '(empty)'.length));
        expectSlackInert(code);
        const block = slackCodeBlock([text, text], max + 20);
        expect(block.length).toBeLessThanOrEqual(max + 20);
        expectSlackInert(block);
        expect(block.slice(3, -3)).not.toContain('`');
      }),
    );
  });
});

describe('emailSafe', () => {
  it.each(HOSTILE)('%s has no control characters, line breaks or live URLs', (_name, text) => {
    const out = emailSafe(text, 200);
    expect(out).not.toMatch(UNSAFE_CHARS);
    expect(out).not.toMatch(/[\r\n]/);
    expect(out).not.toContain('://');
    expect(out).not.toMatch(LONE_SURROGATE);
  });

  it('caps after defanging', () => {
    expect(emailSafe('http://x'.repeat(50), 30).length).toBeLessThanOrEqual(30);
  });
});
