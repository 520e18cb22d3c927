#!/usr/bin/env node
// The `ftp-bounce-watch` command: plain JavaScript bundled by esbuild (scripts/build-cli.js), no TypeScript
// compiler at run time. In a source checkout the bundle is (re)built here when it is missing or older than the
// sources, so `npm ci && npx ftp-bounce-watch` works with no build step; an installed package holds only the bundle.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const buildScript = join(__dirname, '..', 'scripts', 'build-cli.js');
if (existsSync(buildScript)) require(buildScript).buildIfStale();

require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
