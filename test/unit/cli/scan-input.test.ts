import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { main } from '../../../cli/main';
import { captureIo } from '../../support/cli-io';

const COMPRESSED = join(__dirname, '../../fixtures/compressed');
const EXAMPLES = join(__dirname, '../../../examples');
const NAT = 'May 29 18:49:42 h proftpd[1]: srv (c[198.51.100.4]) - Refused PORT 192,168,1,34,206,55 (address mismatch)';

const dir = mkdtempSync(join(tmpdir(), 'fbw-input-'));
function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const jsonl = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));

async function scanJsonl(args: string[], stdin?: Buffer[]) {
  const io = captureIo(stdin ? { stdin } : {});
  const code = await main(['scan', '--format', 'jsonl', ...args], io);
  return { code, findings: jsonl(io.out()), err: io.err() };
}

/** What scanning the uncompressed text gives, minus the file name. */
async function plainFindings(text: string) {
  const { findings } = await scanJsonl([file(`plain-${Math.random()}.log`, text)]);
  return findings.map(({ file: _file, ...rest }) => rest);
}

describe('scan: gzip input (zcat semantics)', () => {
  it('decompresses a .gz file made by gzip, with the same findings and line numbers as the plain file', async () => {
    const plain = readFileSync(join(EXAMPLES, 'ftp1-syslog.log'), 'utf8');

    const { code, findings, err } = await scanJsonl([join(COMPRESSED, 'syslog.2.gz')]);

    expect(code).toBe(0);
    expect(err).toBe('');
    expect(findings).toHaveLength(6);
    expect(findings.map(({ file: _file, ...rest }) => rest)).toEqual(await plainFindings(plain));
  });

  it('recognises gzip by its magic bytes, whatever the name', async () => {
    const { code, findings } = await scanJsonl([join(COMPRESSED, 'proftpd.log.1')]);

    expect(code).toBe(0);
    expect(findings.map((f) => f.command)).toEqual(['EPRT', 'PORT', 'EPRT']);
  });

  it('reads every member of a multi-member file, numbering lines across them', async () => {
    const both = readFileSync(join(EXAMPLES, 'ftp1-syslog.log'), 'utf8') + readFileSync(join(EXAMPLES, 'ftp2-systemlog.log'), 'utf8');

    const { code, findings } = await scanJsonl([join(COMPRESSED, 'multi-member.gz')]);

    expect(code).toBe(0);
    expect(findings).toHaveLength(9);
    expect(findings.map(({ file: _file, ...rest }) => rest)).toEqual(await plainFindings(both));
  });

  it('decompresses gzip from standard input, even in one-byte pieces', async () => {
    const bytes = readFileSync(join(COMPRESSED, 'multi-member.gz'));
    const pieces = [...bytes].map((byte) => Buffer.from([byte]));

    const { code, findings } = await scanJsonl(['-'], pieces);

    expect(code).toBe(0);
    expect(findings).toHaveLength(9);
  });

  it('streams a large file (many output chunks), counting every line', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => (i % 1000 === 7 ? NAT : `May 29 18:49:42 h sshd[${i}]: noise ${i}`));
    const path = file('big.log.gz', gzipSync(`${lines.join('\n')}\n`));
    const io = captureIo();

    await main(['scan', '--format', 'text', path], io);

    expect(io.out()).toContain('50 findings (50 low) from 1 client in 50000 lines of 1 file.');
  });

  it('a truncated file: prints what was decompressed, then a one-line error, exit 2', async () => {
    const { code, findings, err } = await scanJsonl([join(COMPRESSED, 'truncated.gz')]);

    expect(code).toBe(2);
    // zcat recovers 20 refusals, on every hundredth line from line 1, before the data ends.
    expect(findings.map((f) => f.lineNumber)).toEqual(Array.from({ length: 20 }, (_, i) => 1 + i * 100));
    expect(err).toMatch(/^ftp-bounce-watch: cannot read .*truncated\.gz: the gzip data ends early \(truncated file\?\)\n$/);
  });

  it('a truncated file among others: the others are still scanned and the text summary printed', async () => {
    const io = captureIo();

    const code = await main(
      ['scan', '--format', 'text', join(COMPRESSED, 'truncated.gz'), join(COMPRESSED, 'syslog.2.gz')],
      io,
    );

    expect(code).toBe(2);
    expect(io.out().trim().split('\n').at(-1)).toMatch(/^26 findings .* in 2001 lines of 2 files\.$/);
    expect(io.err().trim().split('\n')).toHaveLength(1);
  });

  it('corrupt data (a flipped CRC): a one-line error naming the problem, exit 2', async () => {
    const bytes = Buffer.from(readFileSync(join(COMPRESSED, 'syslog.2.gz')));
    bytes[bytes.length - 6]! ^= 0xff;

    const { code, err } = await scanJsonl([file('crc.gz', bytes)]);

    expect(code).toBe(2);
    expect(err).toMatch(/^ftp-bounce-watch: cannot read .*crc\.gz: corrupt gzip data \(incorrect data check\)\n$/);
  });
});

describe('scan: binary input', () => {
  const binary = Buffer.concat([Buffer.from('\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000'), Buffer.from(`\n${NAT}\n`)]);

  it('refuses a file with a NUL byte in its first block, before printing anything', async () => {
    const io = captureIo();

    const code = await main(['scan', '--format', 'jsonl', join(EXAMPLES, 'ftp1-syslog.log'), file('a.out', binary)], io);

    expect(code).toBe(2);
    expect(io.out()).toBe('');
    expect(io.err()).toMatch(/^ftp-bounce-watch: .*a\.out looks binary \(a NUL byte in its first 64 KiB\): not a text log; --binary scans it anyway\n$/);
  });

  it('refuses a real executable (this node binary)', async () => {
    const { code, err } = await scanJsonl([process.execPath]);

    expect(code).toBe(2);
    expect(err).toContain('looks binary');
  });

  it('refuses binary content inside gzip, and binary standard input', async () => {
    const gz = await scanJsonl([file('tar.gz', gzipSync(binary))]);
    const stdin = await scanJsonl([], [binary]);

    expect(gz.code).toBe(2);
    expect(gz.err).toContain('looks binary (a NUL byte in its first 64 KiB after decompression)');
    expect(stdin.code).toBe(2);
    expect(stdin.err).toMatch(/^ftp-bounce-watch: standard input looks binary/);
  });

  it('scans it anyway with --binary', async () => {
    const { code, findings } = await scanJsonl(['--binary', file('b.out', binary)]);

    expect(code).toBe(0);
    expect(findings.map((f) => [f.lineNumber, f.srcIp])).toEqual([[2, '198.51.100.4']]);
  });

  it('looks only at the first block: a NUL byte later on does not refuse the file', async () => {
    const text = `${'x'.repeat(100)}\n`.repeat(1000);
    const { code, findings } = await scanJsonl([file('late-nul.log', `${text}\u0000\n${NAT}\n`)]);

    expect(code).toBe(0);
    expect(findings).toHaveLength(1);
  });

  it('an empty file is fine', async () => {
    const { code, findings } = await scanJsonl([file('empty.log', '')]);
    expect(code).toBe(0);
    expect(findings).toEqual([]);
  });
});

describe('scan: a named pipe (process substitution, mkfifo)', () => {
  /** A FIFO that `content` is written into once a reader opens it. */
  function fifo(name: string, content: Buffer): string {
    const path = join(dir, name);
    execFileSync('mkfifo', [path]);
    createWriteStream(path).end(content);
    return path;
  }
  const plain = Buffer.from(`noise\n${NAT}\n`);

  it.each([[[]], [['--binary']]])('streams its text, gzip or not (options %j)', async (options) => {
    const text = await scanJsonl([...options, fifo(`text-${options.length}`, plain)]);
    const gzip = await scanJsonl([...options, fifo(`gzip-${options.length}`, gzipSync(plain))]);

    expect([text.code, text.err, text.findings.map((f) => f.lineNumber)]).toEqual([0, '', [2]]);
    expect([gzip.code, gzip.err, gzip.findings.map((f) => f.lineNumber)]).toEqual([0, '', [2]]);
  });

  it('refuses binary content in one, unless --binary', async () => {
    const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), plain]);
    const refused = await scanJsonl([fifo('binary-1', binary)]);
    const allowed = await scanJsonl(['--binary', fifo('binary-2', binary)]);

    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/binary-1 looks binary/);
    expect(allowed.code).toBe(0);
  });
});
