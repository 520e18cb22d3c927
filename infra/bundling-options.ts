/**
 * How the Lambda code is bundled. No CDK imports: the construct maps these onto `NodejsFunction`, and the benchmark
 * feeds the same object to esbuild, so the measured bundle is the deployed one.
 */
import * as path from 'node:path';

/** The repository root (this file lives in `<root>/infra`). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The detector's entry file and exported handler (docs/design.md section 5). */
export const DETECTOR_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'handler.ts');
export const DETECTOR_HANDLER = 'handler';

/** The scheduled sweep's entry file and exported handler (docs/design.md section 8). */
export const SWEEP_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'sweep-handler.ts');
export const SWEEP_HANDLER = 'handler';

/** The optional Slack webhook forwarder's entry file and exported handler. */
export const FORWARDER_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'slack', 'forwarder.ts');
export const FORWARDER_HANDLER = 'handler';

/**
 * esbuild options shared by every function, in esbuild's own vocabulary (`esbuild.build({ entryPoints, outfile,
 * ...LAMBDA_ESBUILD_OPTIONS })`).
 *
 * - `external: []`: the AWS SDK is bundled rather than taken from the Lambda runtime, so the code that runs is the
 *   code that was tested, pinned by package-lock.json, whatever SDK version the runtime happens to ship.
 * - `target: 'node22'`: no newer than the runtime (nodejs24.x), and still runnable on the Node 20/22 that tests and
 *   the benchmark use, so they exercise the very same file.
 * - `sourcemap`: stack traces in the logs point at TypeScript lines (the construct sets `--enable-source-maps`).
 */
export const LAMBDA_ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  sourcemap: true,
  external: [] as string[],
} as const;

/**
 * NODE_OPTIONS for the functions: Node maps stack traces through the bundled source map only with this flag. It
 * costs some cold-start time (the map is read when the module loads); the benchmark should run with it too.
 */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/** The central mode's detector: the same pipeline behind the Kinesis entry point (docs/design.md section 9). */
export const KINESIS_DETECTOR_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'kinesis-handler.ts');

/** The canary function's entry file and exported handler (docs/design.md section 10). */
export const CANARY_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'canary-handler.ts');
export const CANARY_HANDLER = 'handler';

/** The hourly check of unconfirmed email subscriptions (lambda/subscriptions/, issue 20). */
export const SUBSCRIPTION_WATCH_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'subscription-watch-handler.ts');
export const SUBSCRIPTION_WATCH_HANDLER = 'handler';
