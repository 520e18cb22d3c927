import fc from 'fast-check';
import { detectLine, type Finding } from '../../../lambda/detector';

const PREFIXES = [
  'May 29 18:49:42 host proftpd[1]: ',
  'proftpd[1]: ',
  '2013-11-16 21:59:30,121 host proftpd[2] ',
  'srv (c[1.2.3.4]) - ',
  '{"MESSAGE":"',
  '<28>2024-05-29T18:49:42Z h proftpd: ',
];
const PIECES = [
  'Refused PORT ',
  'Refused EPRT ',
  'refused port ',
  ' - ',
  ': ',
  '(',
  ')',
  '[',
  ']',
  '|',
  ',',
  '::',
  '\\u0052',
  '{',
  '}',
  '"',
  '192,168,1,2,4,1',
  '|2|::1|21|',
  '(address mismatch)',
  '(bounce attack)',
  '\r',
  '\n',
  '\t',
  '\uD800',
  '\uDFFF',
  '\u0000',
];

/** Text built from the grammar's own pieces, so the generator reaches deep into the parser. */
const nearGrammar = fc
  .tuple(
    fc.constantFrom(...PREFIXES),
    fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string()), { maxLength: 30 }),
  )
  .map(([prefix, pieces]) => prefix + pieces.join(''));

function assertWellFormed(finding: Finding | null): void {
  if (finding === null) return;
  expect(finding.ruleId).toBe('11209');
  expect(finding.level).toBe(14);
  expect(['PORT', 'EPRT']).toContain(finding.command);
  if (finding.target) {
    expect(Number.isInteger(finding.target.port)).toBe(true);
    expect(finding.target.port).toBeGreaterThanOrEqual(0);
    expect(finding.target.port).toBeLessThanOrEqual(65535);
  }
}

describe('detectLine is total', () => {
  it('returns null or a well-formed finding for any string, including lone surrogates', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), nearGrammar),
        (line) => {
          assertWellFormed(detectLine(line));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('returns for binary junk decoded as UTF-8 and latin1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        assertWellFormed(detectLine(buffer.toString('utf8')));
        assertWellFormed(
          detectLine(`proftpd[1]: s (c[1.2.3.4]) - Refused PORT ${buffer.toString('latin1')}`),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('finds the same refusal whatever JSON object wraps it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (extra) => {
        const line = JSON.stringify({
          ...extra,
          MESSAGE: 'srv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6',
          SYSLOG_IDENTIFIER: 'proftpd',
        });
        expect(detectLine(line)?.srcIp).toBe('1.2.3.4');
      }),
      { numRuns: 300 },
    );
  });

  it('survives deeply nested JSON', () => {
    const depth = 100_000;
    expect(detectLine(`${'['.repeat(depth)}"Refused PORT 1,2,3,4,5,6 "${']'.repeat(depth)}`)).toBeNull();
    expect(
      detectLine(`{"MESSAGE":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}, "x":"Refused PORT 1 "}`),
    ).toBeNull();
  });
});

describe('detectLine stays linear on megabyte near-miss lines (no catastrophic backtracking)', () => {
  const MB = 1024 * 1024;
  // Each would take minutes with a backtracking pattern; jest's default 5 s timeout is the check.
  it.each<[string, string]>([
    ['repeated near-keywords', 'Refused POR '.repeat(MB / 12)],
    ['a huge host token', `May 29 18:49:42 ${'h'.repeat(MB)} proftpd[1]: s (c[1.2.3.4]) - Refused PORT 1 `],
    ['a huge serverinfo group', `proftpd[1]: s (${'c'.repeat(MB)}[1.2.3.4 - Refused PORT 1 `],
    ['many open brackets', `proftpd[1]: s ${'(['.repeat(MB / 2)} - Refused PORT 1 `],
    ['a huge argument', `proftpd[1]: s (c[1.2.3.4]) - Refused PORT ${'1,'.repeat(MB / 2)}`],
    ['a huge EPRT argument', `proftpd[1]: s (c[1.2.3.4]) - Refused EPRT |2|${'1:'.repeat(MB / 2)}|1|`],
    [
      'a huge reason without its parenthesis',
      `proftpd[1]: s (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6 (${'x'.repeat(MB)}`,
    ],
    [
      'a huge JSON event',
      JSON.stringify({ MESSAGE: `s (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6 ${'x'.repeat(MB)}` }),
    ],
    ['JSON escapes everywhere', `{"MESSAGE":"${'\\u0041'.repeat(MB / 6)}"}`],
  ])('%s', (_name, line) => {
    expect(() => detectLine(line)).not.toThrow();
  });

  it('finds the refusal on a megabyte line', () => {
    const line = `proftpd[1]: s (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6 (${'x'.repeat(MB)})`;
    expect(detectLine(line)?.reason).toHaveLength(MB);
  });
});
