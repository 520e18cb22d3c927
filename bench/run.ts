/**
 * `npm run bench`: the speed and memory targets of docs/design.md section 7 and issue 3, measured here and never in
 * unit tests. Prints a table, then, as its last line, one JSON object with the headline figures. Exits 1 when a
 * target is missed.
 *
 * - Pipeline ratios: in one process, interleaved, medians of many rounds: the floor every Lambda pays (base64
 *   decode + gunzip + JSON.parse of the same payload) against our full processing with a no-op publisher, for
 *   batches of 10,000 events with 0%, 1% and 100% refusals.
 * - The deployed artifact: the handler bundled with the construct's own esbuild options; its size, its cold
 *   initialisation against an empty node, and its peak RSS on the largest payload Lambda delivers
 *   asynchronously (1 MB of base64), publishing to a loopback SNS server through the real SDK.
 * - The CLI as built (esbuild bundle): its start-up against an empty node, and file scans of the 100,000-line
 *   file and of a 1 GiB file with 0.1% refusals, each against grep counting the same keywords.
 *   `npm run bench -- cli` runs this section alone.
 * - The central mode: Kinesis-shaped batches (100 records, each a CloudWatch Logs payload of refusals, as the
 *   organisation's destination writes them) through the bundled Kinesis entry, against one shard's write limits.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { DETECTOR_ENTRY, LAMBDA_ESBUILD_OPTIONS, LAMBDA_NODE_OPTIONS, PROJECT_ROOT } from '../infra/bundling-options';
import { encodeSubscriptionEvent } from '../lambda/awslogs';
import type { processKinesisEvent } from '../lambda/kinesis';
import type { PipelineDeps, processSubscriptionEvent } from '../lambda/pipeline';
import { startLocalSnsServer } from '../scripts/local-sns/server';
import { createIncidentTable, startLocalDynamoDb } from '../scripts/local-dynamodb';
import { syntheticBatch, syntheticLines } from './synthetic-logs';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the plain-JavaScript build script the bin uses
const { build: buildCli } = require('../scripts/build-cli.js') as { build: () => void };

const OUT = join(PROJECT_ROOT, '.bench');
const EVENTS_PER_BATCH = 10_000;
const ROUNDS = 61;
const WARMUP_ROUNDS = 5;
const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ftp-bounce-watch-alerts';

/** The batches, their refusals, and their targets (null: shown for information, no target). */
const BATCHES = {
  noHit: { share: 0, refusals: 'clients', label: '0%', target: 0.5 },
  hit: { share: 0.01, refusals: 'clients', label: '1%', target: 1.1 },
  allHit: { share: 1, refusals: 'scan', label: '100% scan', target: 2.0 },
  allHitClients: { share: 1, refusals: 'clients', label: '100% 50 cl.', target: null },
} as const;

type BatchName = keyof typeof BATCHES;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

const noopDeps: PipelineDeps = {
  publisher: { publish: async () => undefined },
  region: 'us-east-1',
  maxDecompressedBytes: 64 * 1024 * 1024,
  logger: { debug: () => undefined },
  metrics: { count: () => undefined },
};

/**
 * Starts each timed section with an empty young generation, so one measurement's garbage is not collected
 * during (and billed to) the next. A minor GC, as a warm Lambda container sees between invocations: a forced
 * full GC before every batch is a different, worst-case measurement (see measureAfterFullGc). Needs
 * `--expose-gc` (the npm script passes it).
 */
function collectGarbage(type: 'minor' | 'major' = 'minor'): void {
  const gc = (globalThis as { gc?: (options?: { type: 'minor' | 'major' }) => void }).gc;
  if (gc === undefined) throw new Error('run through `npm run bench` (node --expose-gc)');
  gc({ type });
}

function floor(data: string): number {
  const parsed = JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) as { logEvents: unknown[] };
  return parsed.logEvents.length;
}

/** The pipeline as the deployment bundles it (same esbuild options), so the timings are the deployed code's. */
async function bundledPipeline(): Promise<typeof processSubscriptionEvent> {
  const file = join(OUT, 'pipeline.js');
  await build({ entryPoints: [join(PROJECT_ROOT, 'lambda/pipeline.ts')], outfile: file, logLevel: 'error', ...LAMBDA_ESBUILD_OPTIONS });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the freshly built bundle
  return (require(file) as { processSubscriptionEvent: typeof processSubscriptionEvent }).processSubscriptionEvent;
}

type BundledPipeline = Awaited<ReturnType<typeof bundledPipeline>>;

/** The floor, then our processing, of one payload, back to back, each after a GC of `gcType`. */
async function timePair(processSubscriptionEvent: BundledPipeline, event: ReturnType<typeof encodeSubscriptionEvent>, gcType: 'minor' | 'major') {
  collectGarbage(gcType);
  let start = process.hrtime.bigint();
  floor(event.awslogs.data);
  const floorNs = Number(process.hrtime.bigint() - start);
  collectGarbage(gcType);
  start = process.hrtime.bigint();
  const summary = await processSubscriptionEvent(event, noopDeps);
  const fullNs = Number(process.hrtime.bigint() - start);
  return { floorMs: floorNs / 1e6, fullMs: fullNs / 1e6, ratio: fullNs / floorNs, alerts: summary.alertsPublished };
}

async function measurePipeline(processSubscriptionEvent: BundledPipeline) {
  const batches = (Object.keys(BATCHES) as BatchName[]).map((name) => {
    const { share, refusals } = BATCHES[name];
    const lines = syntheticLines({ events: EVENTS_PER_BATCH, refusalShare: share, refusals });
    const event = encodeSubscriptionEvent(syntheticBatch(lines));
    const rawBytes = Buffer.byteLength(JSON.stringify(syntheticBatch(lines)));
    return { name, event, rawBytes, alerts: 0, floor: [] as number[], full: [] as number[], ratios: [] as number[] };
  });
  for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
    // Rotate the order each round so no batch always runs first (warm caches, GC timing).
    for (let k = 0; k < batches.length; k++) {
      const batch = batches[(r + k) % batches.length]!;
      const pair = await timePair(processSubscriptionEvent, batch.event, 'minor');
      batch.alerts = pair.alerts;
      if (r >= WARMUP_ROUNDS) {
        batch.floor.push(pair.floorMs);
        batch.full.push(pair.fullMs);
        batch.ratios.push(pair.ratio);
      }
    }
  }
  return batches.map((batch) => ({
    name: batch.name,
    rawBytes: batch.rawBytes,
    base64Bytes: batch.event.awslogs.data.length,
    alerts: batch.alerts,
    floorMs: median(batch.floor),
    fullMs: median(batch.full),
    // Each round's floor and ours run back to back on the same payload: the median of those paired ratios is
    // robust to the machine slowing down between rounds (a shared VM does), unlike a ratio of medians.
    ratio: median(batch.ratios),
  }));
}

/**
 * The 100% batch with a full GC before each run. V8 keeps the hidden classes of a batch's objects (parsed
 * events, findings, groups) only while some of them live; a full GC between batches drops them and
 * deoptimises the code specialised on them, so the next batch runs partly unoptimised. Lambda does not run a
 * full GC before every invocation, so this is shown as the worst case, not held to a target. Measured after
 * the interleaved rounds because it disturbs whatever runs next.
 */
/**
 * A hostile batch for the sparse path: few, huge events (1 MB each) whose keywords all sit at their ends, as many as
 * the sparse path takes. Each keyword is matched to its event; this shows that costs a pass over the text, not a
 * pass per keyword (which once made this batch take seconds). Information: the floor here is a 16 MB parse.
 */
async function measureHostileSparse(processSubscriptionEvent: BundledPipeline) {
  const message = `${'x'.repeat(1_000_000)}${'Refused PORT 1 '.repeat(240)}`;
  const logEvents = Array.from({ length: 16 }, (_, i) => ({ id: String(i), timestamp: 1_717_000_000_000 + i, message }));
  const event = encodeSubscriptionEvent({ ...syntheticBatch([]), logEvents });
  const pairs = [];
  for (let r = 0; r < 7; r++) pairs.push(await timePair(processSubscriptionEvent, event, 'minor'));
  return { floorMs: median(pairs.map((p) => p.floorMs)), fullMs: median(pairs.map((p) => p.fullMs)), keywords: 16 * 240 };
}

async function measureAfterFullGc(processSubscriptionEvent: BundledPipeline) {
  const event = encodeSubscriptionEvent(syntheticBatch(syntheticLines({ events: EVENTS_PER_BATCH, refusalShare: 1, refusals: 'scan' })));
  const pairs = [];
  for (let r = 0; r < 21; r++) pairs.push(await timePair(processSubscriptionEvent, event, 'major'));
  return {
    floorMs: median(pairs.map((p) => p.floorMs)),
    fullMs: median(pairs.map((p) => p.fullMs)),
    ratio: median(pairs.map((p) => p.ratio)),
  };
}

async function bundleHandler(): Promise<{ file: string; bytes: number; mapBytes: number }> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'handler.js');
  await build({ entryPoints: [DETECTOR_ENTRY], outfile: file, logLevel: 'error', ...LAMBDA_ESBUILD_OPTIONS });
  return { file, bytes: statSync(file).size, mapBytes: statSync(`${file}.map`).size };
}

const lambdaEnv = (extra: Record<string, string> = {}) => ({
  ...process.env,
  ALERT_TOPIC_ARN: TOPIC_ARN,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  LOG_LEVEL: 'ERROR',
  ...extra,
});

/** Cold initialisation: a fresh node loading the bundle (module scope: config, SDK client) against an empty node. */
function measureInit(bundle: string): { initMs: number; emptyNodeMs: number; loadMs: number } {
  const time = (args: string[]) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env: lambdaEnv(), stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const empty: number[] = [];
  const loaded: number[] = [];
  for (let i = 0; i < 15; i++) {
    empty.push(time(['-e', '']));
    loaded.push(time(['-e', `require(${JSON.stringify(bundle)})`]));
  }
  return { initMs: median(loaded) - median(empty), emptyNodeMs: median(empty), loadMs: median(loaded) };
}

/** The largest asynchronous payload: lines at 1% refusals until the base64 payload is just under 1 MB. */
function largestEvent() {
  const probe = encodeSubscriptionEvent(syntheticBatch(syntheticLines({ events: 20_000, refusalShare: 0.01 })));
  const events = Math.floor((20_000 * ASYNC_PAYLOAD_LIMIT * 0.98) / probe.awslogs.data.length);
  const lines = syntheticLines({ events, refusalShare: 0.01, seed: 7 });
  const batch = syntheticBatch(lines);
  return { event: encodeSubscriptionEvent(batch), events, rawBytes: Buffer.byteLength(JSON.stringify(batch)) };
}

/** Peak RSS of a fresh process running the bundled handler on the largest payload against a loopback SNS. */
async function measurePeakRss(bundle: string) {
  const largest = largestEvent();
  const eventFile = join(OUT, 'largest-event.json');
  writeFileSync(eventFile, JSON.stringify(largest.event));
  const resultFile = join(OUT, 'peak-rss-result.json');
  const sns = await startLocalSnsServer();
  // The handler logs to stdout (as on Lambda), so the child reports through a file.
  const child = `
    const event = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(eventFile)}, 'utf8'));
    const { handler } = require(${JSON.stringify(bundle)});
    handler(event, { awsRequestId: 'bench', functionName: 'bench', getRemainingTimeInMillis: () => 60000 }).then((summary) => {
      const result = JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, summary });
      require('node:fs').writeFileSync(${JSON.stringify(resultFile)}, result);
    }, (error) => { console.error(error); process.exit(1); });`;
  try {
    await new Promise<void>((resolve, reject) => {
      const proc = spawn(process.execPath, ['-e', child], {
        env: lambdaEnv({ AWS_ENDPOINT_URL_SNS: sns.endpoint }),
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      proc.on('error', reject);
      proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`peak RSS child exited ${code}`))));
    });
    const { maxRssKb, summary } = JSON.parse(readFileSync(resultFile, 'utf8')) as {
      maxRssKb: number;
      summary: { alertsPublished: number };
    };
    return {
      peakRssMb: maxRssKb / 1024,
      events: largest.events,
      base64Bytes: largest.event.awslogs.data.length,
      rawBytes: largest.rawBytes,
      alerts: summary.alertsPublished,
      published: sns.published.length,
    };
  } finally {
    await sns.close();
  }
}

type MemoryBundle = typeof import('./memory-entry');

/** The pipeline and alert memory from one bundle built with the deployment's esbuild options. */
async function bundledMemory(): Promise<MemoryBundle> {
  const file = join(OUT, 'memory.js');
  await build({ entryPoints: [join(PROJECT_ROOT, 'bench/memory-entry.ts')], outfile: file, logLevel: 'error', ...LAMBDA_ESBUILD_OPTIONS });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the freshly built bundle
  return require(file) as MemoryBundle;
}

/**
 * Alert memory's added cost on the 1% batch (5 clients), in steady state: incidents open, each round a new
 * batch of the same clients (distinct events), as consecutive invocations see them. The store is in memory,
 * so this is the decision cost alone; the DynamoDB round trip is measured on its own, against dynalite through
 * the real SDK client (loopback HTTP: a floor, not a prediction of DynamoDB's own latency).
 */
async function measureMemory(bundle: MemoryBundle) {
  const rounds = 31;
  const events = Array.from({ length: WARMUP_ROUNDS + rounds + 1 }, (_, i) =>
    encodeSubscriptionEvent(syntheticBatch(syntheticLines({ events: EVENTS_PER_BATCH, refusalShare: 0.01, seed: 1000 + i }))),
  );
  const noPublish = { publish: async () => undefined };
  const makeDeps = (store: InstanceType<MemoryBundle['MemoryIncidentStore']> | InstanceType<MemoryBundle['DynamoDbIncidentStore']>) => {
    const incidents = new bundle.IncidentMemory({
      store,
      publisher: noPublish,
      settings: bundle.INCIDENT_DEFAULTS,
      render: (a) => bundle.buildSnsMessage(a),
    });
    return { ...noopDeps, memory: { incidents, now: () => Date.UTC(2026, 10, 20, 8, 45) } };
  };
  const memoryDeps = makeDeps(new bundle.MemoryIncidentStore());
  await bundle.processSubscriptionEvent(events[0], memoryDeps); // opens the incidents
  const ratios: number[] = [];
  const withoutMs: number[] = [];
  const withMs: number[] = [];
  for (let r = 1; r < events.length; r++) {
    const event = events[r] as (typeof events)[number];
    collectGarbage();
    let start = process.hrtime.bigint();
    floor(event.awslogs.data);
    const floorNs = Number(process.hrtime.bigint() - start);
    collectGarbage();
    start = process.hrtime.bigint();
    await bundle.processSubscriptionEvent(event, memoryDeps);
    const fullNs = Number(process.hrtime.bigint() - start);
    collectGarbage();
    start = process.hrtime.bigint();
    await bundle.processSubscriptionEvent(event, noopDeps);
    const plainNs = Number(process.hrtime.bigint() - start);
    if (r > WARMUP_ROUNDS) {
      ratios.push(fullNs / floorNs);
      withMs.push(fullNs / 1e6);
      withoutMs.push(plainNs / 1e6);
    }
  }

  // The same steady state on DynamoDB (dynalite, real client): the whole batch, then the part that is I/O.
  const dynamo = await startLocalDynamoDb();
  const client = new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await createIncidentTable(client, 'bench-incidents');
    const dynamoDeps = makeDeps(new bundle.DynamoDbIncidentStore(client, 'bench-incidents'));
    await bundle.processSubscriptionEvent(events[0], dynamoDeps);
    const dynamoMs: number[] = [];
    for (let r = 1; r < Math.min(events.length, 16); r++) {
      const start = process.hrtime.bigint();
      await bundle.processSubscriptionEvent(events[r], dynamoDeps);
      dynamoMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return {
      ratio: median(ratios),
      withMs: median(withMs),
      withoutMs: median(withoutMs),
      dynamoBatchMs: median(dynamoMs),
      dynamoRoundTripMs: median(dynamoMs) - median(withMs),
    };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

const CLI_BIN = join(PROJECT_ROOT, 'bin/ftp-bounce-watch.js');
/** Start-up (`--help`) may cost at most this much over an empty node. */
const CLI_STARTUP_TARGET_MS = 100;
/** File scans: at least this many lines per second (10x ossec-logtest's ~147,000)... */
const CLI_LINES_PER_SEC_TARGET = 1_500_000;
/** ...and at most this many times grep's time for the same file. */
const CLI_GREP_RATIO_TARGET = 3;
const GREP_ARGS = ['-c', '-i', '-e', 'Refused PORT', '-e', 'Refused EPRT'];

function timeProcess(command: string, args: string[]) {
  const start = process.hrtime.bigint();
  // stdout is a pipe, not /dev/null: GNU grep stops at the first match when its output is /dev/null.
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/** The CLI's start-up: `--help` against an empty node, interleaved, medians. */
function measureCliStartup() {
  const empty: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < 15; i++) {
    empty.push(timeProcess(process.execPath, ['-e', '0']).ms);
    help.push(timeProcess(process.execPath, [CLI_BIN, '--help']).ms);
  }
  return { emptyNodeMs: median(empty), helpMs: median(help), overMs: median(help) - median(empty) };
}

/** `N findings (...) ... in M lines of 1 file.`: the text summary's counts. */
function summaryCounts(text: string): { findings: number; lines: number } {
  const last = text.trim().split('\n').at(-1) ?? '';
  const match = /^(?:(\d+) findings? .*|No PORT\/EPRT refusals \(rule 11209\)) in (\d+) lines? of 1 file\.$/.exec(last);
  if (!match) throw new Error(`unexpected CLI summary: ${last}`);
  return { findings: Number(match[1] ?? 0), lines: Number(match[2]) };
}

/**
 * The CLI scanning `file` as a user runs it (text output), and grep counting the keyword lines of the same
 * file; interleaved, medians. The CLI's findings must be grep's count (every keyword line of the synthetic logs
 * is a genuine refusal) and its line count the file's.
 */
function measureFileScan(file: string, expectedLines: number, runs: number, startupMs: number) {
  const cli: number[] = [];
  const grep: number[] = [];
  let counts = { findings: 0, lines: 0 };
  let grepCount = 0;
  for (let i = 0; i < runs; i++) {
    const scan = timeProcess(process.execPath, [CLI_BIN, 'scan', '--format', 'text', file]);
    cli.push(scan.ms);
    counts = summaryCounts(scan.stdout);
    const grepped = timeProcess('grep', [...GREP_ARGS, file]);
    grep.push(grepped.ms);
    grepCount = Number(grepped.stdout.trim());
  }
  if (counts.lines !== expectedLines) throw new Error(`CLI counted ${counts.lines} lines of ${file}, not ${expectedLines}`);
  if (counts.findings !== grepCount) throw new Error(`CLI found ${counts.findings} refusals in ${file}, grep ${grepCount}`);
  const wallMs = median(cli);
  return {
    lines: counts.lines,
    bytes: statSync(file).size,
    findings: counts.findings,
    wallMs,
    grepMs: median(grep),
    grepRatio: wallMs / median(grep),
    linesPerSec: counts.lines / (wallMs / 1000),
    // Lines per second of the scan itself: the wall time less the start-up measured with --help.
    scanLinesPerSec: counts.lines / (Math.max(1, wallMs - startupMs) / 1000),
  };
}

/** The 100,000-line file (1% refusals) of earlier benches. */
function measureCli100k(startupMs: number) {
  const lines = syntheticLines({ events: 100_000, refusalShare: 0.01, seed: 11 });
  const file = join(OUT, 'cli-100k.log');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const empty = spawnSync(process.execPath, [CLI_BIN, 'scan', '--format', 'jsonl', '/dev/null']);
  if (empty.status !== 0) throw new Error('CLI failed on an empty file');
  return measureFileScan(file, lines.length, 7, startupMs);
}

/**
 * A year of rotated logs, roughly: a 1 GiB syslog file with 0.1% refusals, written in a temporary folder as
 * one synthetic block repeated (a few seconds) and removed afterwards.
 */
function measureCli1G(startupMs: number) {
  const folder = mkdtempSync(join(tmpdir(), 'fbw-bench-'));
  try {
    const blockLines = syntheticLines({ events: 40_000, refusalShare: 0.001, seed: 13 });
    const block = Buffer.from(`${blockLines.join('\n')}\n`);
    const repeats = Math.ceil(2 ** 30 / block.length);
    const file = join(folder, 'syslog-1g.log');
    const fd = openSync(file, 'w');
    try {
      for (let i = 0; i < repeats; i++) writeSync(fd, block);
    } finally {
      closeSync(fd);
    }
    return measureFileScan(file, blockLines.length * repeats, 3, startupMs);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function measureCliSection() {
  buildCli(); // the bench measures the built CLI, not a rebuild on its first run
  const startup = measureCliStartup();
  const file100k = measureCli100k(startup.helpMs);
  const file1g = measureCli1G(startup.helpMs);
  return { startup, file100k, file1g };
}

type CliSection = Awaited<ReturnType<typeof measureCliSection>>;

/** Prints the CLI section; returns how many targets were missed. */
function reportCli({ startup, file100k, file1g }: CliSection): number {
  let missed = 0;
  const verdict = (ok: boolean): string => {
    if (!ok) missed++;
    return ok ? 'ok' : 'MISSED';
  };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log('\nCLI (bin/ftp-bounce-watch.js, the esbuild bundle; medians; grep = grep -c -i -e \'Refused PORT\' -e \'Refused EPRT\')');
  console.log(
    `start-up (--help): ${startup.helpMs.toFixed(0)} ms vs ${startup.emptyNodeMs.toFixed(0)} ms for node -e 0: `
    + `+${startup.overMs.toFixed(0)} ms (target ≤ +${CLI_STARTUP_TARGET_MS})  ${verdict(startup.overMs <= CLI_STARTUP_TARGET_MS)}`,
  );
  for (const [label, row, held] of [['100k lines', file100k, false], ['1 GiB', file1g, true]] as const) {
    console.log(
      `${label}: ${fmt(row.lines)} lines (${(row.bytes / 2 ** 20).toFixed(0)} MiB, ${fmt(row.findings)} findings = grep's count) `
      + `in ${row.wallMs.toFixed(0)} ms wall: ${fmt(row.linesPerSec)} lines/s with start-up, ${fmt(row.scanLinesPerSec)} without`
      + (held ? ` (target ≥ ${fmt(CLI_LINES_PER_SEC_TARGET)} with start-up)  ${verdict(row.linesPerSec >= CLI_LINES_PER_SEC_TARGET)}` : ' (information)'),
    );
    console.log(
      `${label}: grep ${row.grepMs.toFixed(0)} ms, ours/grep ${row.grepRatio.toFixed(2)}`
      + (held ? ` (target ≤ ${CLI_GREP_RATIO_TARGET})  ${verdict(row.grepRatio <= CLI_GREP_RATIO_TARGET)}` : ' (information: mostly node\'s start-up)'),
    );
  }
  return missed;
}

/** Records per Kinesis batch (the central stack's batch size) and refusal events per record. */
const KINESIS_RECORDS = 100;
const KINESIS_EVENTS_PER_RECORD = 10;
/** One shard's write limits (Kinesis Data Streams, on-demand or provisioned): records/s and bytes/s. */
const SHARD_WRITE_RECORDS = 1000;
const SHARD_WRITE_BYTES = 1024 * 1024;

async function measureKinesis() {
  const file = join(OUT, 'kinesis.js');
  await build({ entryPoints: [join(PROJECT_ROOT, 'lambda/kinesis.ts')], outfile: file, logLevel: 'error', ...LAMBDA_ESBUILD_OPTIONS });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading the freshly built bundle
  const process_ = (require(file) as { processKinesisEvent: typeof processKinesisEvent }).processKinesisEvent;
  // The member accounts' keyword filter means every delivered event is a refusal.
  const records = Array.from({ length: KINESIS_RECORDS }, (_, i) => {
    const lines = syntheticLines({ events: KINESIS_EVENTS_PER_RECORD, refusalShare: 1, refusals: 'clients', seed: i + 1 });
    const data = encodeSubscriptionEvent({ ...syntheticBatch(lines), owner: String(100_000_000_000 + (i % 100)) }).awslogs.data;
    return { kinesis: { data, sequenceNumber: String(i + 1), partitionKey: `stream-${i}` } };
  });
  const event = { Records: records };
  const recordBytes = records.reduce((n, r) => n + Buffer.from(r.kinesis.data, 'base64').length, 0) / records.length;
  const times: number[] = [];
  for (let r = 0; r < 25; r++) {
    collectGarbage();
    const start = process.hrtime.bigint();
    const outcome = await process_(event, noopDeps);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (outcome.failures.length > 0) throw new Error('a Kinesis record failed in the benchmark');
    if (r >= WARMUP_ROUNDS) times.push(ms);
  }
  const batchMs = median(times);
  const recordsPerSec = KINESIS_RECORDS / (batchMs / 1000);
  const shardRecordsPerSec = Math.min(SHARD_WRITE_RECORDS, SHARD_WRITE_BYTES / recordBytes);
  return { batchMs, recordsPerSec, eventsPerSec: recordsPerSec * KINESIS_EVENTS_PER_RECORD, recordBytes, shardRecordsPerSec };
}

async function main(): Promise<number> {
  // The SDK's Node 20 notice (releases after January 2027 need Node 22) says nothing about these figures.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  mkdirSync(OUT, { recursive: true });
  if (process.argv.slice(2).includes('cli')) {
    const cli = await measureCliSection();
    console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
    const missed = reportCli(cli);
    if (missed > 0) console.log(`\n${missed} target(s) missed`);
    console.log(JSON.stringify({
      cliStartupMs: round(cli.startup.overMs, 0),
      cli1gLinesPerSec: Math.round(cli.file1g.linesPerSec),
      cli1gGrepRatio: round(cli.file1g.grepRatio),
    }));
    return missed > 0 ? 1 : 0;
  }
  const bundledProcess = await bundledPipeline();
  const pipeline = await measurePipeline(bundledProcess);
  const afterFullGc = await measureAfterFullGc(bundledProcess);
  const hostile = await measureHostileSparse(bundledProcess);
  const memory = await measureMemory(await bundledMemory());
  const bundle = await bundleHandler();
  const init = measureInit(bundle.file);
  const rss = await measurePeakRss(bundle.file);
  const cli = await measureCliSection();
  const kinesis = await measureKinesis();

  const byName = Object.fromEntries(pipeline.map((row) => [row.name, row])) as Record<BatchName, (typeof pipeline)[number]>;
  const hit = byName.hit;
  const linesPerSec = EVENTS_PER_BATCH / (hit.fullMs / 1000);
  let missed = 0;

  console.log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  console.log(`\npipeline, ${EVENTS_PER_BATCH} events per batch, ${ROUNDS} interleaved rounds: median times, median of paired ratios`);
  console.log('batch          refusals     raw KB  base64 KB  alerts  floor ms  ours ms  ratio  target');
  for (const row of pipeline) {
    const { label, target } = BATCHES[row.name];
    const ok = target === null || row.ratio <= target;
    if (!ok) missed++;
    const verdict = target === null ? '(information)' : `≤${target.toFixed(2)}  ${ok ? 'ok' : 'MISSED'}`;
    console.log(
      `${row.name.padEnd(14)} ${label.padStart(11)}  ${(row.rawBytes / 1024).toFixed(0).padStart(6)}  ${(row.base64Bytes / 1024).toFixed(0).padStart(9)}`
      + `  ${String(row.alerts).padStart(6)}  ${row.floorMs.toFixed(2).padStart(8)}  ${row.fullMs.toFixed(2).padStart(7)}`
      + `  ${row.ratio.toFixed(2).padStart(5)}  ${verdict}`,
    );
  }
  console.log(
    `100% scan after a forced full GC before each batch (worst case, information): floor ${afterFullGc.floorMs.toFixed(2)} ms, `
    + `ours ${afterFullGc.fullMs.toFixed(2)} ms, ratio ${afterFullGc.ratio.toFixed(2)}`,
  );
  console.log(
    `hostile sparse batch (16 events of 1 MB, ${hostile.keywords} keywords at their ends, information): `
    + `floor ${hostile.floorMs.toFixed(1)} ms, ours ${hostile.fullMs.toFixed(1)} ms`,
  );
  const memoryOk = memory.ratio <= BATCHES.hit.target;
  if (!memoryOk) missed++;
  console.log(
    `alert memory, 1% batch in steady state (in-memory store): ${memory.withMs.toFixed(2)} ms vs ${memory.withoutMs.toFixed(2)} ms without, `
    + `ratio to floor ${memory.ratio.toFixed(2)}  ≤${BATCHES.hit.target.toFixed(2)}  ${memoryOk ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `alert memory on DynamoDB (dynalite on loopback, real SDK client): ${memory.dynamoBatchMs.toFixed(1)} ms per batch, `
    + `of which ${memory.dynamoRoundTripMs.toFixed(1)} ms state I/O (5 clients: 1 BatchGetItem, 1 GetItem + 1 UpdateItem only when new incidents open, 5 PutItem)`,
  );
  console.log(`\nthroughput (1% batch, full processing): ${Math.round(linesPerSec).toLocaleString('en-US')} log events/s`);
  console.log(`bundle (esbuild, minified, as deployed): ${(bundle.bytes / 1024).toFixed(0)} KB (+ ${(bundle.mapBytes / 1024).toFixed(0)} KB source map)`);
  console.log(`cold init: ${init.initMs.toFixed(0)} ms over an empty node (${init.loadMs.toFixed(0)} ms vs ${init.emptyNodeMs.toFixed(0)} ms, median of 15)`);
  console.log(
    `peak RSS, largest async payload (${(rss.base64Bytes / 1024).toFixed(0)} KB base64, ${(rss.rawBytes / 2 ** 20).toFixed(1)} MB JSON, `
    + `${rss.events} events, ${rss.alerts} alerts published via loopback SNS): ${rss.peakRssMb.toFixed(0)} MB`,
  );
  missed += reportCli(cli);
  console.log(
    `central mode: a Kinesis batch of ${KINESIS_RECORDS} records × ${KINESIS_EVENTS_PER_RECORD} refusals `
    + `(${kinesis.recordBytes.toFixed(0)} B each) in ${kinesis.batchMs.toFixed(2)} ms: one detector sustains `
    + `${Math.round(kinesis.recordsPerSec).toLocaleString('en-US')} records/s `
    + `(${Math.round(kinesis.eventsPerSec).toLocaleString('en-US')} refusals/s) before SNS; one shard accepts `
    + `${Math.round(kinesis.shardRecordsPerSec).toLocaleString('en-US')} such records/s`,
  );
  if (missed > 0) console.log(`\n${missed} target(s) missed`);

  console.log(JSON.stringify({
    floorMs: round(hit.floorMs),
    ratios: {
      noHit: round(byName.noHit.ratio),
      hit: round(hit.ratio),
      allHit: round(byName.allHit.ratio),
      hitMemory: round(memory.ratio),
    },
    memoryDynamoMs: round(memory.dynamoRoundTripMs, 1),
    bundleBytes: bundle.bytes,
    initMs: round(init.initMs, 0),
    peakRssMb: round(rss.peakRssMb, 0),
    linesPerSec: Math.round(linesPerSec),
    cliStartupMs: round(cli.startup.overMs, 0),
    cli1gLinesPerSec: Math.round(cli.file1g.linesPerSec),
    cli1gGrepRatio: round(cli.file1g.grepRatio),
    kinesisRecordsPerSec: Math.round(kinesis.recordsPerSec),
  }));
  return missed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
