/**
 * The byte prefilter's searches over a chunk of a file, in WebAssembly (keyword-scan.wat): the keywords, the
 * newlines and a hit's line bounds, 16 bytes at a time where it counts. A chunk is copied into a module's memory (a
 * memory copy, a small fraction of searching it), or read there in the first place (chunkReader), and searched at its
 * own offsets. In plain JavaScript these loops ran at a few hundred MB/s, and slower still before the engine
 * optimised them, which was most of a short file's scan.
 */
import { ensureWasmMemory, instantiateWasm, type WasmMemory } from '../lambda/wasm';
import { KEYWORD_SCAN_WASM } from './keyword-scan.wasm';

interface KeywordScanModule {
  readonly memory: WasmMemory;
  readonly find: (from: number, to: number) => number;
  readonly newlines: (from: number, to: number) => number;
  readonly lineStart: (at: number, from: number) => number;
  readonly lineEnd: (at: number, to: number) => number;
}

function newKeywordScanModule(): KeywordScanModule {
  const exports = instantiateWasm(KEYWORD_SCAN_WASM);
  return {
    memory: exports.memory as WasmMemory,
    find: exports.find as KeywordScanModule['find'],
    newlines: exports.newlines as KeywordScanModule['newlines'],
    lineStart: exports.lineStart as KeywordScanModule['lineStart'],
    lineEnd: exports.lineEnd as KeywordScanModule['lineEnd'],
  };
}

/** The instance chunks from elsewhere are copied into. */
let copyingModule: KeywordScanModule | undefined;
/** The instances of chunkReader's readers, by the memory their chunks are read into. */
const readerModules = new WeakMap<ArrayBufferLike, KeywordScanModule>();

/**
 * The searches over bytes [0, length) of a chunk: valid until another chunk is loaded into the same memory (the next
 * chunk from elsewhere, or the reader's next read), so load and search it without awaiting in between.
 */
export interface LoadedChunk {
  /** Where `refused port ` or `refused eprt ` (letters in any case) first starts in [from, to), all inside; or -1. */
  findKeyword(from: number, to: number): number;
  /** The newline bytes in [from, to). */
  countNewlines(from: number, to: number): number;
  /** Where the line holding `at` starts: just after the last newline before `at`, or `from` if none is at or after it. */
  lineStart(at: number, from: number): number;
  /** The first newline at or after `at`, or `to` if there is none before it. */
  lineEnd(at: number, to: number): number;
}

/**
 * Makes `bytes` [0, length) the chunk searched: copied into a module's memory, unless it was read there in the first
 * place (a buffer from chunkReader). The searches never read past the range they are given.
 */
export function loadChunk(bytes: Uint8Array, length: number): LoadedChunk {
  let module = bytes.byteOffset === 0 ? readerModules.get(bytes.buffer) : undefined;
  if (module === undefined) {
    module = copyingModule ??= newKeywordScanModule();
    ensureWasmMemory(module.memory, length);
    new Uint8Array(module.memory.buffer, 0, length).set(length === bytes.length ? bytes : bytes.subarray(0, length));
  }
  const { find, newlines, lineStart, lineEnd } = module;
  return {
    findKeyword: (from, to) => find(from, Math.min(to, length)),
    countNewlines: (from, to) => newlines(from, Math.min(to, length)),
    lineStart: (at, from) => lineStart(Math.min(at, length), from),
    lineEnd: (at, to) => lineEnd(at, Math.min(to, length)),
  };
}

/**
 * Buffers for one reader to read chunks into: each is the start of the memory of a module instance of the reader's
 * own, so a chunk is searched where it was read, without a copy. Every buffer it gives is the same memory: for a
 * reader whose consumer is done with a chunk when it asks for the next (scanLines copies what it keeps of a chunk;
 * a decompressor, which buffers, needs new buffers).
 */
export function chunkReader(): (size: number) => Buffer {
  const module = newKeywordScanModule();
  return (size) => {
    ensureWasmMemory(module.memory, size);
    readerModules.set(module.memory.buffer, module);
    return Buffer.from(module.memory.buffer, 0, size);
  };
}
