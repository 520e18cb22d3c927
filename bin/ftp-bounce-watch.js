#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx (esbuild), so a fresh `npm ci` needs no build step.

require('tsx/cjs/api').register();
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
