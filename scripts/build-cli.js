/**
 * Builds the `ftp-bounce-watch` CLI into plain JavaScript with esbuild, so the command starts without compiling
 * TypeScript: dist/cli.js (the CLI) and, loaded only by the AWS commands, dist/aws-logs.js, dist/aws-sns.js and
 * dist/aws-status.js (the AWS SDK clients, most of the code: parsing them on every start would cost `--help` and
 * file scans tens of milliseconds).
 *
 *   node scripts/build-cli.js           build dist/ (npm runs it before `npm test`; the bin runs it when stale)
 *   node scripts/build-cli.js --pack    build, then `npm pack` a self-contained package into the project folder:
 *                                       ftp-bounce-watch-VERSION.tgz, for `npm install -g ./ftp-bounce-watch-*.tgz`
 *
 * Plain CommonJS so that bin/ftp-bounce-watch.js can require it with no loader.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const CLI_BUNDLE = path.join(DIST, 'cli.js');
/** The project files the bundle was built from, for the staleness check. */
const INPUTS_FILE = path.join(DIST, 'cli.inputs.json');

/**
 * The SDK clients the CLI uses, in bundles the CLI requires when it needs them. `status`'s three clients share one
 * bundle: together they are half the size of three (one copy of the SDK core).
 */
const SDK_BUNDLES = {
  '@aws-sdk/client-cloudwatch-logs': 'aws-logs.js',
  '@aws-sdk/client-sns': 'aws-sns.js',
  '@aws-sdk/client-cloudformation': 'aws-status.js',
  '@aws-sdk/client-sqs': 'aws-status.js',
  '@aws-sdk/client-s3': 'aws-status.js',
  // `test` and `status` read the canary's key and round trips; the on-call commands (incidents, suppress) and
  // status read the table, and learn the caller's ARN.
  '@aws-sdk/client-secrets-manager': 'aws-status.js',
  '@aws-sdk/client-dynamodb': 'aws-status.js',
  '@aws-sdk/client-sts': 'aws-status.js',
};
/** Each bundle file once, with the packages it holds. */
const BUNDLE_FILES = [...new Set(Object.values(SDK_BUNDLES))].map((file) => ({
  file,
  packages: Object.keys(SDK_BUNDLES).filter((sdkPackage) => SDK_BUNDLES[sdkPackage] === file),
}));

const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  // Stack traces of an unexpected crash still name the functions.
  keepNames: true,
  legalComments: 'none',
  logLevel: 'error',
};

/** Builds into a temporary name and renames, so a concurrent run never loads half a file. */
function buildTo(outfile, options) {
  const esbuild = require('esbuild');
  const temporary = `${outfile}.${process.pid}.tmp`;
  const result = esbuild.buildSync({ ...COMMON, ...options, outfile: temporary, metafile: true });
  fs.renameSync(temporary, outfile);
  return result;
}

function build() {
  fs.mkdirSync(DIST, { recursive: true });
  for (const { file, packages } of BUNDLE_FILES) {
    // The clients' shared names (the SDK core's re-exports) are the same objects, so merging loses nothing.
    const contents = `module.exports = Object.assign({}, ${packages.map((p) => `require(${JSON.stringify(p)})`).join(', ')});`;
    buildTo(path.join(DIST, file), { stdin: { contents, resolveDir: ROOT, loader: 'js' } });
  }
  // The SDK clients stay out of the CLI bundle; their require()s are pointed at the bundles built above.
  const result = buildTo(CLI_BUNDLE, { entryPoints: [path.join(ROOT, 'cli/main.ts')], external: Object.keys(SDK_BUNDLES) });
  let code = fs.readFileSync(CLI_BUNDLE, 'utf8');
  for (const [sdkPackage, file] of Object.entries(SDK_BUNDLES)) {
    const call = `require(${JSON.stringify(sdkPackage)})`;
    if (!code.includes(call)) throw new Error(`build-cli: ${call} not found in the CLI bundle`);
    code = code.split(call).join(`require(${JSON.stringify(`./${file}`)})`);
  }
  fs.writeFileSync(`${CLI_BUNDLE}.${process.pid}.tmp`, code);
  fs.renameSync(`${CLI_BUNDLE}.${process.pid}.tmp`, CLI_BUNDLE);
  const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules'));
  fs.writeFileSync(INPUTS_FILE, JSON.stringify([...inputs, 'package.json', 'package-lock.json', 'scripts/build-cli.js']));
}

/** A missing file counts as infinitely new, so its absence forces a build (or the build's own error). */
function mtimeMs(file) {
  return fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Number.POSITIVE_INFINITY;
}

/** In a source checkout: is dist/ missing, or older than any file it was built from? */
function isStale() {
  const built = mtimeMs(CLI_BUNDLE);
  if (built === Number.POSITIVE_INFINITY) return true;
  let inputs;
  try {
    inputs = JSON.parse(fs.readFileSync(INPUTS_FILE, 'utf8'));
  } catch {
    return true;
  }
  return inputs.some((input) => mtimeMs(path.join(ROOT, input)) > built);
}

function buildIfStale() {
  if (isStale()) build();
}

/** Stages dist/package (package.json without the development dependencies, the bin, the bundles) and packs it. */
function pack() {
  build();
  const project = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const stage = path.join(DIST, 'package');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(stage, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'bin/ftp-bounce-watch.js'), path.join(stage, 'bin/ftp-bounce-watch.js'));
  for (const file of ['cli.js', ...BUNDLE_FILES.map((bundle) => bundle.file)]) {
    fs.copyFileSync(path.join(DIST, file), path.join(stage, 'dist', file));
  }
  fs.copyFileSync(path.join(ROOT, 'README.md'), path.join(stage, 'README.md'));
  const manifest = {
    name: project.name,
    version: project.version,
    description: project.description,
    license: project.license,
    engines: project.engines,
    bin: project.bin,
    files: ['bin/', 'dist/'],
  };
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', ROOT], { cwd: stage, encoding: 'utf8' });
  const tarball = path.join(ROOT, output.trim().split('\n').at(-1));
  console.log(tarball);
  return tarball;
}

module.exports = { build, buildIfStale, pack, CLI_BUNDLE };

if (require.main === module) {
  if (process.argv.includes('--pack')) pack();
  else build();
}
