/**
 * Instantiating the project's small WebAssembly modules (assembled from `.wat` sources by scripts/build-wasm.ts):
 * synchronously, once per process, with no imports. Typed here because the WebAssembly API is in the ES lib of
 * neither TypeScript nor @types/node 20.
 */

/** A module's exported memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: Record<string, unknown> };
}

export const WASM_PAGE_BYTES = 64 * 1024;

const compiled = new Map<string, object>();

/**
 * The exports of a new instance of the module whose bytes are `base64`: compiled once per process (about a
 * millisecond for these modules), each instance with a memory of its own.
 */
export function instantiateWasm(base64: string): Record<string, unknown> {
  const { Module, Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  let module = compiled.get(base64);
  if (module === undefined) {
    module = new Module(Buffer.from(base64, 'base64'));
    compiled.set(base64, module);
  }
  return new Instance(module).exports;
}

/** Grows `memory` to at least `bytes`. */
export function ensureWasmMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / WASM_PAGE_BYTES));
}
