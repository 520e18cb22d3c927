import fc from 'fast-check';
import { loadChunk } from '../../../cli/keyword-scan';

/** The WebAssembly searches must give what plain searches give, for any bytes and any range. */
const newlinesIn = (bytes: Uint8Array, from: number, to: number) => bytes.subarray(from, to).filter((b) => b === 0x0a).length;
/**
 * Where a keyword with its trailing space first lies wholly in [from, to): a case-insensitive regular expression over
 * the bytes as latin1, whose only characters that fold to the keywords' letters are those ASCII letters themselves.
 */
function findRefusalKeyword(bytes: Buffer, from: number, to: number): number {
  const match = /refused (?:port|eprt) /i.exec(bytes.toString('latin1', from, to));
  return match === null ? -1 : from + match.index;
}

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('refused port ', 'Refused PORT ', 'REFUSED EPRT ', 'rEfUsEd ePrT ', 'refused port', 'refused  port ', 'refused\tport ',
    'refused porT\t', 'refuse port ', 'refused sort ', 'refused prt ', 'Refused PORT 1,2,3,4,5,6 (address mismatch)', '\n', 'r', 't', 'T', ' ') },
  fc.string({ unit: 'binary-ascii', maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

describe('keyword-scan: the prefilter searches in WebAssembly', () => {
  it('finds the first keyword and counts newlines exactly as the byte loops do, in any range', () => {
    let found = 0;
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.nat(), fc.nat(), (pieces, a, b) => {
        const bytes = Buffer.from(pieces.join(''), 'latin1');
        const from = a % (bytes.length + 1);
        const to = from + (b % (bytes.length - from + 1));
        const chunk = loadChunk(bytes, bytes.length);
        const expected = findRefusalKeyword(bytes, from, to);
        if (expected >= 0) found++;
        expect(chunk.findKeyword(from, to)).toBe(expected);
        expect(chunk.countNewlines(from, to)).toBe(newlinesIn(bytes, from, to));
        const before = to === 0 ? -1 : bytes.lastIndexOf(0x0a, to - 1); // (a negative offset counts from the end)
        expect(chunk.lineStart(to, from)).toBe(Math.max(from, before + 1));
        const newline = bytes.indexOf(0x0a, from);
        expect(chunk.lineEnd(from, to)).toBe(newline === -1 || newline > to ? to : newline);
      }),
      { numRuns: 3000 },
    );
    expect(found).toBeGreaterThan(150);
  });

  it('searches only the loaded length, whatever the memory held before', () => {
    loadChunk(Buffer.from(`${'x'.repeat(100)}refused port \n\n`), 115);
    const shorter = Buffer.from(`${'x'.repeat(100)}refused por`);
    const chunk = loadChunk(shorter, shorter.length);

    expect(chunk.findKeyword(0, 200)).toBe(-1);
    expect(chunk.countNewlines(0, 200)).toBe(0);
  });

  it('finds a keyword at every offset of a 16-byte block, and in the last bytes', () => {
    for (let at = 0; at < 40; at++) {
      const bytes = Buffer.from(`${'x'.repeat(at)}Refused EPRT `);
      expect(loadChunk(bytes, bytes.length).findKeyword(0, bytes.length)).toBe(at);
      expect(loadChunk(bytes, bytes.length).findKeyword(0, bytes.length - 1)).toBe(-1);
    }
  });
});
