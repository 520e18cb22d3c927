import { readFileSync } from 'node:fs';
import { assemble, generatedPath, WASM_MODULES } from '../../scripts/build-wasm';

describe('WebAssembly modules', () => {
  it.each(WASM_MODULES.map((module) => [module.source, module] as const))(
    '%s.wasm.ts is what %s.wat assembles to (run `npx tsx scripts/build-wasm.ts` after editing it)',
    async (_source, module) => {
      expect(readFileSync(generatedPath(module), 'utf8')).toBe(await assemble(module));
    },
  );
});
