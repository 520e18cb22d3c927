/**
 * What `scan` reads: the bytes of a file or of standard input, turned into log text bytes. gzip data is
 * recognised by its magic bytes (not by the name: rotated logs are `.gz`, `.1.gz`, or renamed) and decompressed
 * as a stream, concatenated members included, as `zcat` does. Other binary input (a NUL byte in the first block)
 * is refused unless the caller allows it: scanning an ELF file or a database silently finds nothing and says
 * nothing is wrong.
 */
import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { UsageError } from './io';

/** How much of a file's (decompressed) start is checked for NUL bytes. */
export const SNIFF_BYTES = 64 * 1024;
const GZIP_MAGIC_1 = 0x1f;
const GZIP_MAGIC_2 = 0x8b;

export interface LogInput {
  /** Whether the input was gzip data, decompressed on the way. */
  readonly gzip: boolean;
  /** The log text's bytes, in order. Throws UsageError when the input turns out unreadable (truncated gzip). */
  readonly chunks: AsyncIterable<Buffer>;
  /** Stops reading and releases the decompressor. */
  close(): void;
}

export interface OpenLogInputOptions {
  /** Scan input that looks binary anyway (`--binary`). */
  readonly binary: boolean;
  /**
   * Gather at least this many bytes of content before deciding whether it is binary: 1 for a pipe or terminal
   * (its first read), so that `tail -f log | ftp-bounce-watch scan` reports as lines come. (Files are checked up
   * front by checkFileStart, then opened with `binary`.)
   */
  readonly sniffBytes: number;
}

/** How much of a file is read at a time. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of a regular file, read synchronously from its current position, a chunk at a time. A read stream
 * hands each read to libuv's thread pool and waits for it: on a short file that waiting was a third of the scan.
 * Each chunk still yields to the event loop, so Ctrl-C ends a long scan at once. Not for pipes or terminals, where a
 * read can block: they are streamed.
 *
 * `into` gives the buffer for each chunk: by default a new one; a reader whose consumer is done with a chunk when it
 * asks for the next (scanLines, not a decompressor, which buffers) may give the same one every time, which saves
 * the system fresh memory for every megabyte.
 */
export async function* readFileChunks(
  fd: number,
  into: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size),
  chunkBytes = READ_CHUNK_BYTES,
): AsyncGenerator<Buffer> {
  for (;;) {
    const buffer = into(chunkBytes);
    const bytesRead = readSync(fd, buffer, 0, chunkBytes, null);
    if (bytesRead === 0) return;
    yield bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
    await nextTurn();
  }
}

/** The reason zlib gave, as one short phrase a user can act on. */
function describeGzipError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // zlib errors may come from another realm (jest), so read `message` rather than test `instanceof Error`.
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  if (code === 'Z_BUF_ERROR') return 'the gzip data ends early (truncated file?)';
  if (code === 'Z_DATA_ERROR') return `corrupt gzip data (${message})`;
  return message;
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

/** Pulls chunks from `iterator` until `min` bytes are gathered or it ends; an error is kept, not thrown. */
async function gather(iterator: AsyncIterator<Buffer | string>, min: number) {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let done = false;
  let error: unknown = undefined;
  try {
    while (bytes < min) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const chunk = toBuffer(next.value);
      bytes += chunk.length;
      // Kept across the next pull only when short of `min`: copied then, as the source may reuse its memory.
      chunks.push(bytes < min ? Buffer.from(chunk) : chunk);
    }
  } catch (caught) {
    error = caught;
    done = true;
  }
  return { chunks, bytes, done, error };
}

function hasNulByte(chunks: readonly Buffer[], limit: number): boolean {
  let left = limit;
  for (const chunk of chunks) {
    if (left <= 0) break;
    const at = chunk.indexOf(0);
    if (at !== -1 && at < left) return true;
    left -= chunk.length;
  }
  return false;
}

function binaryInput(name: string, gzip: boolean): UsageError {
  const what = name === '-' ? 'standard input' : name;
  return new UsageError(
    `${what} looks binary (a NUL byte in its first ${SNIFF_BYTES / 1024} KiB${gzip ? ' after decompression' : ''}): `
    + 'not a text log; --binary scans it anyway',
  );
}

const isGzip = (bytes: Buffer): boolean => bytes.length >= 2 && bytes[0] === GZIP_MAGIC_1 && bytes[1] === GZIP_MAGIC_2;

/** The first SNIFF_BYTES that gzip data starting with `compressed` decompresses to (less if it ends or breaks). */
function gunzipHead(compressed: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (): void => {
      gunzip.destroy();
      resolve(Buffer.concat(chunks).subarray(0, SNIFF_BYTES));
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= SNIFF_BYTES) done();
    });
    // A prefix of gzip data ends in an error (or the data is corrupt): the head is what came out before; the scan
    // itself reports the error, after what can be read.
    gunzip.on('end', done);
    gunzip.on('error', done);
    gunzip.end(compressed);
  });
}

/**
 * Checks a file's start before anything is printed: throws UsageError when it looks binary (decompressed first,
 * if it is gzip) and `binary` does not allow it. Reads SNIFF_BYTES, so checking many files up front costs little.
 * Says whether the file is gzip data.
 */
export async function checkFileStart(name: string, handle: FileHandle, binary: boolean): Promise<{ gzip: boolean }> {
  const buffer = Buffer.alloc(binary ? 2 : SNIFF_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  const start = buffer.subarray(0, bytesRead);
  const gzip = isGzip(start);
  if (binary) return { gzip };
  const head = gzip ? await gunzipHead(start) : start;
  if (head.includes(0)) throw binaryInput(name, gzip);
  return { gzip };
}

/**
 * Looks at the start of `raw` (a file's or stdin's bytes; `name` is what errors call it) and returns its log
 * text. Throws UsageError, before yielding anything, when the content looks binary and that is not allowed.
 */
export async function openLogInput(
  name: string,
  raw: AsyncIterable<Buffer | string>,
  options: OpenLogInputOptions,
): Promise<LogInput> {
  const rawIterator = raw[Symbol.asyncIterator]();
  const start = await gather(rawIterator, 2);
  if (start.error !== undefined) throw start.error;
  const first = start.chunks.length === 1 ? start.chunks[0]! : Buffer.concat(start.chunks);
  const gzip = isGzip(first);

  let content: AsyncIterator<Buffer | string>;
  let close: () => void;
  if (gzip) {
    async function* rawBytes(): AsyncGenerator<Buffer> {
      yield first;
      if (start.done) return;
      for (;;) {
        const next = await rawIterator.next();
        if (next.done) return;
        yield toBuffer(next.value);
      }
    }
    const compressed = Readable.from(rawBytes(), { objectMode: false });
    const gunzip = createGunzip();
    compressed.on('error', (error) => gunzip.destroy(error));
    compressed.pipe(gunzip);
    content = gunzip[Symbol.asyncIterator]();
    close = () => {
      compressed.destroy();
      gunzip.destroy();
    };
  } else {
    let firstGiven = false;
    content = {
      next: async () => {
        if (!firstGiven) {
          firstGiven = true;
          if (first.length > 0) return { done: false, value: first };
        }
        return start.done ? { done: true, value: undefined } : rawIterator.next();
      },
    };
    close = () => void rawIterator.return?.();
  }

  const head = await gather(content, options.sniffBytes);
  if (!options.binary && hasNulByte(head.chunks, SNIFF_BYTES)) {
    close();
    throw binaryInput(name, gzip);
  }

  // A read error of the file itself is the caller's to describe; a decompression error is described here.
  const readError = (error: unknown): unknown =>
    gzip && !(error instanceof UsageError)
      ? new UsageError(`cannot read ${name}: ${describeGzipError(error)}`, { cause: error })
      : error;

  async function* chunks(): AsyncGenerator<Buffer> {
    yield* head.chunks;
    if (head.error !== undefined) throw readError(head.error);
    if (head.done) return;
    try {
      for (;;) {
        const next = await content.next();
        if (next.done) return;
        yield toBuffer(next.value);
      }
    } catch (error) {
      throw readError(error);
    }
  }
  return { gzip, chunks: chunks(), close };
}

/** A file system error as the end of "cannot read NAME: ...". */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * The text lines (without terminators) of a log file, or of `stdin` for `-`, read as `scan` reads them: gzip by its
 * magic bytes, binary input refused, invalid UTF-8 replaced, CRLF handled. `npm start` reads its inputs through it.
 * Throws UsageError before the first line for input that cannot be read or looks binary; a failure part-way (a
 * truncated .gz) is thrown after the lines read before it.
 */
export async function* logFileLines(
  name: string,
  stdin: AsyncIterable<Buffer | string>,
  options: { readonly binary?: boolean } = {},
): AsyncGenerator<string> {
  let handle: FileHandle | undefined;
  let input: LogInput | undefined;
  try {
    let raw: AsyncIterable<Buffer | string> = stdin;
    if (name !== '-') {
      try {
        handle = await open(name, 'r');
        if ((await handle.stat()).isDirectory()) throw new UsageError(`cannot read ${name}: it is a directory`);
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
      }
      raw = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false });
    }
    input = await openLogInput(name, raw, { binary: options.binary === true, sniffBytes: SNIFF_BYTES });
    const decoder = new StringDecoder('utf8');
    let rest = '';
    const lines = function* (text: string): Generator<string> {
      const parts = (rest + text).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) yield line.endsWith('\r') ? line.slice(0, -1) : line;
    };
    try {
      for await (const chunk of input.chunks) yield* lines(decoder.write(chunk));
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
    }
    yield* lines(decoder.end());
    if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  } finally {
    input?.close();
    await handle?.close();
  }
}
