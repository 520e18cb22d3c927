import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { openLogInput, readFileChunks } from '../../../cli/input';
import { chunkReader, loadChunk } from '../../../cli/keyword-scan';
import { MAX_LINE_CHARS, scanLines } from '../../../cli/line-scanner';
import { detectLine } from '../../../lambda/detector';

// The async property runs 400 chunked scans: over a second alone, several on a loaded machine (default: 5 s).
jest.setTimeout(30_000);

/**
 * The unfiltered path: decode all the bytes, split them into lines, run the detector on every line (on its
 * first MAX_LINE_CHARS characters). scanLines must give exactly this, however the bytes arrive.
 */
function unfiltered(bytes: Buffer) {
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const findings = lines.flatMap((line, index) => {
    const finding = detectLine(line.slice(0, MAX_LINE_CHARS));
    return finding ? [{ finding, lineNumber: index + 1 }] : [];
  });
  return { lines: lines.length, findings };
}

async function filtered(chunks: readonly Buffer[]) {
  const findings: unknown[] = [];
  const counts = await scanLines(Readable.from(chunks, { objectMode: false }), (found) => {
    findings.push(found);
  });
  return { lines: counts.lines, findings };
}

function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let last = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(last, point));
    last = point;
  }
  return chunks.filter((chunk) => chunk.length > 0);
}

const fixtureLines = [
  ...readFileSync(join(__dirname, '../../fixtures/real-proftpd.log'), 'utf8').split('\n'),
  ...readFileSync(join(__dirname, '../../../examples/ftp1-syslog.log'), 'utf8').split('\n'),
  ...readFileSync(join(__dirname, '../../../examples/ftp2-systemlog.log'), 'utf8').split('\n'),
].filter((line) => line.length > 0);

const MESSAGES = [
  'Refused PORT 192,168,1,20,4,1 (address mismatch)',
  'Refused EPRT |1|10.0.0.7|40001| (address mismatch)',
  'Refused PORT 198,51,100,20,0,21 (port 21 below 1024, possible bounce attack)',
  'Refused PORT ',
  'Refused PORT\t1,2,3,4,5,6',
  'Refused  PORT 1,2,3,4,5,6',
  'USER x (Refused PORT 1,2,3,4,5,6): no such user',
  'FTP session opened.',
];

/** Any letter's case flipped at random: the keywords are matched in any case. */
const recased = (text: string) =>
  fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((flips) =>
    [...text].map((c, i) => (flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join(''));

const refusal = fc
  .tuple(fc.constantFrom('', 'Nov 20 08:00:00 ftp1 ', '<30>Nov 20 08:00:02 h '), fc.constantFrom('proftpd[1]: srv (c[198.51.100.4]) - ', 'srv (c[1.2.3.4]) - '), fc.constantFrom(...MESSAGES))
  .chain(([stamp, header, message]) => recased(message).map((m) => stamp + header + m));

/** JSON events, some spelling the keywords with `\u00XX` escapes (no keyword bytes in the line). */
const jsonEvent = fc
  .tuple(fc.constantFrom('\\u0052efused PORT', 'R\\u0065fused\\u0020PORT', 'Refused PORT', 'Refus\\u00e9d PORT'), fc.constantFrom('proftpd', 'sshd'))
  .map(([keyword, identifier]) =>
    `{"SYSLOG_IDENTIFIER":"${identifier}","MESSAGE":"ftp.example.com (c.example[198.51.100.4]) - ${keyword} 192,168,1,34,206,55 (address mismatch)"}`);

const noise = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('Nov 20 08:00:00 ftp1 sshd[9]: Failed password for root', 'ret port', 'refused', 'REFUSED EPRTX'),
);

/** Lines as bytes, with some raw bytes thrown in: invalid UTF-8, NUL, CR, cut multi-byte sequences. */
const lineBytes = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...fixtureLines).map((line) => Buffer.from(line)) },
  { weight: 3, arbitrary: refusal.map((line) => Buffer.from(line)) },
  { weight: 1, arbitrary: jsonEvent.map((line) => Buffer.from(line)) },
  { weight: 3, arbitrary: noise.map((line) => Buffer.from(line)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((raw) => Buffer.from(raw.filter((b) => b !== 0x0a))) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(refusal, fc.uint8Array({ maxLength: 6 }))
      .map(([line, raw]) => Buffer.concat([Buffer.from(raw.filter((b) => b !== 0x0a)), Buffer.from(line)])),
  },
);

const document = fc
  .tuple(fc.array(fc.tuple(lineBytes, fc.constantFrom('\n', '\r\n')), { maxLength: 40 }), fc.boolean())
  .map(([lines, finalNewline]) => {
    const parts = lines.flatMap(([line, ending]) => [line, Buffer.from(ending)]);
    if (!finalNewline && parts.length > 0) parts.pop();
    return Buffer.concat(parts);
  });

describe('scanLines: the byte prefilter', () => {
  it('gives the findings, line numbers and line count of examining every decoded line, however the bytes are chunked', async () => {
    await fc.assert(
      fc.asyncProperty(document, fc.array(fc.nat(), { maxLength: 12 }), async (bytes, cuts) => {
        expect(await filtered(split(bytes, cuts))).toEqual(unfiltered(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same from a file read into one reused buffer, the prefilter\'s own memory, in chunks of any size', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fbw-chunks-'));
    try {
      await fc.assert(
        fc.asyncProperty(document, fc.integer({ min: 1, max: 64 }), async (bytes, chunkBytes) => {
          const file = join(folder, 'log');
          writeFileSync(file, bytes);
          const fd = openSync(file, 'r');
          try {
            // What `scan FILE` does with a regular file that is not gzip.
            const chunks = readFileChunks(fd, chunkReader(), chunkBytes);
            const input = await openLogInput(file, chunks, { binary: true, sniffBytes: 1 });
            const findings: unknown[] = [];
            const counts = await scanLines(input.chunks, (found) => {
              findings.push(found);
            });
            expect({ lines: counts.lines, findings }).toEqual(unfiltered(bytes));
          } finally {
            closeSync(fd);
          }
        }),
        { numRuns: 150 },
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('scans two files at once, each read into its own reused buffer, as it scans each alone', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'fbw-chunks-'));
    try {
      const contents = [0, 1].map((k) => Buffer.from(
        Array.from({ length: 3000 }, (_, i) => `Nov 20 08:00:00 ftp${k} proftpd[1]: srv (c[198.51.100.${k}]) - Refused PORT 10,0,${k},${i % 250},4,${i % 200} (address mismatch)\n`).join(''),
      ));
      const scans = contents.map(async (bytes, k) => {
        const file = join(folder, `log${k}`);
        writeFileSync(file, bytes);
        const fd = openSync(file, 'r');
        try {
          const findings: unknown[] = [];
          const counts = await scanLines(readFileChunks(fd, chunkReader(), 4096), (found) => {
            findings.push(found);
          });
          return { lines: counts.lines, findings };
        } finally {
          closeSync(fd);
        }
      });
      const results = await Promise.all(scans);
      expect(results).toEqual(contents.map(unfiltered));
      expect(results[0]?.findings).toHaveLength(3000);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('finds a keyword split across chunks byte by byte, and one spelled in JSON escapes', async () => {
    const bytes = Buffer.from(`noise\nproftpd[1]: srv (c[1.2.3.4]) - rEfUsEd EpRt |1|10.0.0.7|40001|\n${'{"SYSLOG_IDENTIFIER":"proftpd","MESSAGE":"s (c[1.2.3.4]) - \\u0052efused PORT 1,2,3,4,5,6"}'}\n`);

    const result = await filtered([...bytes].map((byte) => Buffer.from([byte])));

    expect(result).toEqual(unfiltered(bytes));
    expect(result.findings.map((f) => (f as { lineNumber: number }).lineNumber)).toEqual([2, 3]);
  });

  it('examines a long line of multi-byte characters whole while it has at most MAX_LINE_CHARS characters', async () => {
    // 1.5 MB of UTF-8 but 0.5 M characters: the keyword at its end is within the examined start.
    const long = `${'é'.repeat(250_000)}${'€'.repeat(250_000)} proftpd[1]: srv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6`;
    const over = `proftpd[1]: srv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6 ${'€'.repeat(MAX_LINE_CHARS)}`;
    const beyond = `${'€'.repeat(MAX_LINE_CHARS)} proftpd[1]: srv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6`;
    const bytes = Buffer.from(`${long}\n${over}\n${beyond}\nproftpd[1]: srv (c[1.2.3.4]) - Refused PORT 9,9,9,9,9,9\n`);

    const result = await filtered(split(bytes, [1000, 2_000_001, 4_000_003]));

    expect(result).toEqual(unfiltered(bytes));
    expect(result.lines).toBe(4);
  });

  describe('lines cut at the cap', () => {
    const REFUSAL = 'proftpd[1]: srv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6';
    const plain = 'x'.repeat(2 * MAX_LINE_CHARS);
    // ASCII past the cap but within the kept bytes; multi-byte text past the kept bytes (the part never kept).
    const cases: Array<[string, string, number[]]> = [
      ['a refusal past 1 MiB of ASCII', `${'a'.repeat(MAX_LINE_CHARS)} ${REFUSAL}`, [2]],
      ['a refusal past 3 MiB of UTF-8 (beyond the kept bytes)', `${'€'.repeat(MAX_LINE_CHARS + 10)} ${REFUSAL}`, [2]],
      ['a refusal in the first 1 MiB of a longer line (text after it unseen)', `${REFUSAL} ${'a'.repeat(MAX_LINE_CHARS)}`, [2]],
      ['a JSON escape past the cap', `{"MESSAGE":"${'a'.repeat(MAX_LINE_CHARS)} \\u0052efused PORT 1,2,3,4,5,6"}`, [2]],
      ['a long line with no keyword', plain, []],
    ];
    it.each(cases)('reports %s as cut, whole or split across chunks', async (_name, long, cutLines) => {
      const bytes = Buffer.from(`noise\n${long}\n${REFUSAL}\n`);
      for (const chunks of [[bytes], split(bytes, [100, 1_048_000, 1_048_583, 2_500_001]), split(bytes, [7, 3_145_731])]) {
        const cut: number[] = [];
        const findings: number[] = [];
        const onFinding = (found: { lineNumber: number }): void => void findings.push(found.lineNumber);
        const onCut = (c: { lineNumber: number }): void => void cut.push(c.lineNumber);
        await scanLines(Readable.from(chunks, { objectMode: false }), onFinding, undefined, undefined, onCut);

        expect(cut).toEqual(cutLines);
        expect(findings).toEqual(unfiltered(bytes).findings.map((f) => f.lineNumber));
      }
    });

    it('finds a keyword split across two chunks past the cap', async () => {
      const long = `${'a'.repeat(3 * MAX_LINE_CHARS + 100)} ${REFUSAL}`;
      const at = long.indexOf('Refused') + 4;
      const bytes = Buffer.from(`${long}\n`);
      const cut: number[] = [];

      const source = Readable.from(split(bytes, [1_000_000, at]), { objectMode: false });
      await scanLines(source, () => undefined, undefined, undefined, (c) => void cut.push(c.lineNumber));

      expect(cut).toEqual([1]);
    });
  });

  it('the keyword search: both keywords in any case, with their single trailing space, nothing else', () => {
    const at = (text: string) => loadChunk(Buffer.from(text), Buffer.byteLength(text)).findKeyword(0, Buffer.byteLength(text));
    expect(at('x Refused PORT 1')).toBe(2);
    expect(at('REFUSED eprt |')).toBe(0);
    expect(at('refused port')).toBe(-1);
    expect(at('refused  port ')).toBe(-1);
    expect(at('refused sport ')).toBe(-1);
    expect(at('refusedXport ')).toBe(-1);
    expect(at('refused portx')).toBe(-1);
  });
});
