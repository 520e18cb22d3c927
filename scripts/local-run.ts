/**
 * The main job without AWS: `tsx scripts/local-run.ts [--out FILE] [FILE ...]` (default: examples/*.log).
 *
 * Each file is one log stream of the log group `/local/<directory name>`. Its lines are packed into genuine
 * CloudWatch Logs subscription events (gzip + base64 of the documented JSON, at most 10,000 events or 1 MiB
 * per batch, like CloudWatch), and the REAL Lambda handler is invoked on each one, with the real SNS client
 * pointed at a loopback SNS server through `AWS_ENDPOINT_URL_SNS` and fake credentials. Every alert the
 * server receives is printed as its email and its Slack (AWS Chatbot card) rendering, and its JSON (the
 * `default` key) is appended as one line to out/alerts.jsonl.
 *
 * Exit status: 0 when every batch was processed, 1 when the handler failed, 2 on bad usage or unreadable input.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { encodeSubscriptionEvent, type LogEvent, type LogsBatch } from '../lambda/awslogs';
import type { PipelineSummary } from '../lambda/pipeline';
import { type ReceivedEntry, startLocalSnsServer } from './local-sns/server';

const USAGE = 'usage: tsx scripts/local-run.ts [--out FILE] [FILE ...]   (default: examples/*.log)';
const ACCOUNT = '123456789012';
/** CloudWatch's own limits for one subscription batch. */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1024 * 1024;
/** PutLogEvents counts 26 bytes of overhead per event. */
const EVENT_OVERHEAD_BYTES = 26;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A named file (or examples/) cannot be read: a one-line error, without the usage text. */
class InputError extends Error {
  override readonly name = 'InputError';
}

interface Options {
  readonly files: readonly string[];
  readonly out: string;
}

interface LogFile {
  readonly path: string;
  readonly lines: readonly string[];
}

function parseArgs(args: readonly string[]): Options {
  const files: string[] = [];
  let out = join('out', 'alerts.jsonl');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-h' || arg === '--help') throw new UsageError(USAGE);
    if (arg === '--out') {
      const value = args[++i];
      if (value === undefined || value === '') throw new UsageError('--out needs a file name');
      out = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  return { files: files.length > 0 ? files : defaultFiles(), out };
}

function defaultFiles(): string[] {
  let names: string[];
  try {
    names = readdirSync('examples');
  } catch (error) {
    throw new InputError(`cannot list examples/: ${describe(error)} (run from the project root or name files)`);
  }
  const logs = names.filter((name) => name.endsWith('.log')).sort();
  if (logs.length === 0) throw new InputError('examples/ holds no .log files; name the files to run');
  return logs.map((name) => join('examples', name));
}

/** Reads every file before anything runs, so that a typo fails fast with exit 2 and no partial output. */
function readLogFile(path: string): LogFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${describe(error)}`);
  }
  // CloudWatch never delivers empty events; the agent drops blank lines.
  return { path, lines: text.split('\n').filter((line) => line.replace(/\r$/, '').length > 0) };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ISO_STAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,3}))?/;
const SYSLOG_STAMP = /^(?:<\d{1,3}>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)/;

/**
 * The event time CloudWatch would carry: the agent parses the line's own timestamp (read as UTC here).
 * Syslog stamps have no year: the current one, or the previous one if that would put the line in the future.
 */
function lineTimestamp(line: string, now: number): number | null {
  const iso = ISO_STAMP.exec(line);
  if (iso !== null) {
    const [, y, mo, d, h, mi, s, fraction] = iso;
    const ms = Number((fraction ?? '0').padEnd(3, '0'));
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
    return Number.isFinite(t) ? t : null;
  }
  const syslog = SYSLOG_STAMP.exec(line);
  if (syslog !== null) {
    const month = MONTHS.indexOf(syslog[1] ?? '');
    if (month < 0) return null;
    const [day, h, mi, s] = syslog.slice(2).map(Number) as number[];
    const year = new Date(now).getUTCFullYear();
    const t = Date.UTC(year, month, day, h, mi, s);
    return t > now + 86_400_000 ? Date.UTC(year - 1, month, day, h, mi, s) : t;
  }
  return null;
}

/** Splits one file into subscription batches, as CloudWatch would deliver its stream. */
function toBatches(file: LogFile, fileIndex: number, now: number): LogsBatch[] {
  const logGroup = `/local/${basename(dirname(resolve(file.path)))}`;
  const logStream = basename(file.path);
  const batches: LogsBatch[] = [];
  let events: LogEvent[] = [];
  let bytes = 0;
  let previous = now;
  file.lines.forEach((message, lineIndex) => {
    const timestamp = lineTimestamp(message, now) ?? previous;
    previous = timestamp;
    const size = Buffer.byteLength(message) + EVENT_OVERHEAD_BYTES;
    if (events.length === MAX_BATCH_EVENTS || (events.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(batch(logGroup, logStream, events));
      events = [];
      bytes = 0;
    }
    events.push({ id: eventId(timestamp, fileIndex, lineIndex), timestamp, message });
    bytes += size;
  });
  if (events.length > 0) batches.push(batch(logGroup, logStream, events));
  return batches;
}

function batch(logGroup: string, logStream: string, logEvents: LogEvent[]): LogsBatch {
  return {
    messageType: 'DATA_MESSAGE',
    owner: ACCOUNT,
    logGroup,
    logStream,
    subscriptionFilters: ['ftp-bounce-watch-local'],
    logEvents,
  };
}

/** CloudWatch event ids are 56-digit decimal strings, ordered by event time; unique per event. */
function eventId(timestamp: number, fileIndex: number, lineIndex: number): string {
  const value = BigInt(timestamp) * 10n ** 43n + BigInt(fileIndex) * 10n ** 20n + BigInt(lineIndex);
  return value.toString().padStart(56, '0');
}

function fakeContext(): Context {
  const functionName = 'ftp-bounce-watch-local';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:${ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Environment for the real handler: loopback SNS, fake credentials, nothing that could reach AWS. */
function configureEnvironment(endpoint: string, topicArn: string): void {
  for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']) {
    delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SNS: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALRUN',
    AWS_SECRET_ACCESS_KEY: 'local-run-not-a-secret',
    ALERT_TOPIC_ARN: topicArn,
  });
  // Quiet defaults for a readable terminal; the caller's own settings win.
  if (!process.env.LOG_LEVEL) process.env.LOG_LEVEL = 'WARN';
  if (!process.env.POWERTOOLS_METRICS_DISABLED) process.env.POWERTOOLS_METRICS_DISABLED = 'true';
}

const RULE = '─'.repeat(100);

function printAlert(entry: ReceivedEntry, index: number, out: string): void {
  const body = JSON.parse(entry.message) as { default?: string; email?: string; https?: string };
  const alert = JSON.parse(body.default ?? '{}') as Record<string, unknown>;
  console.log(`\n${RULE}\nAlert ${index} · ${String(alert.severity).toUpperCase()} · ${alert.classification} · ${alert.srcIp}`);
  console.log(`${RULE}\n── Email ──\nSubject: ${entry.subject ?? ''}\n\n${body.email ?? ''}`);
  console.log(`\n── Slack (AWS Chatbot custom notification, SNS "https" key) ──`);
  console.log(JSON.stringify(JSON.parse(body.https ?? '{}'), null, 2));
  appendFileSync(out, `${JSON.stringify(alert)}\n`);
}

function summaryLine(path: string, batchNumber: number, batches: number, summary: PipelineSummary): string {
  const part = batches > 1 ? ` (batch ${batchNumber}/${batches})` : '';
  if (summary.fastPath) return `${path}${part}: no refusal keyword, skipped (fast path)`;
  const classes = Object.entries(summary.findingsByClassification)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  return (
    `${path}${part}: ${summary.events} events, ${summary.findings} findings`
    + `${classes ? ` (${classes})` : ''}, ${summary.alertsPublished} alerts`
  );
}

async function main(args: readonly string[]): Promise<number> {
  let options: Options;
  let files: LogFile[];
  try {
    options = parseArgs(args);
    files = options.files.map(readLogFile);
    mkdirSync(dirname(resolve(options.out)), { recursive: true });
  } catch (error) {
    if (error instanceof UsageError && error.message === USAGE) {
      console.log(USAGE);
      return 0;
    }
    console.error(`local-run: ${describe(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    if (error instanceof UsageError || error instanceof InputError) return 2;
    throw error;
  }

  const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(process.env.AWS_REGION ?? '') ? process.env.AWS_REGION : 'eu-west-1';
  process.env.AWS_REGION = region;
  const topicArn = `arn:aws:sns:${region}:${ACCOUNT}:ftp-bounce-watch-local`;
  const sns = await startLocalSnsServer({ topicArn });
  try {
    configureEnvironment(sns.endpoint, topicArn);
    // Loaded only now: the handler reads its configuration from the environment when its module loads.
    const { handler } = await import('../lambda/handler.js');
    const now = Date.now();
    let printed = 0;
    for (const [fileIndex, file] of files.entries()) {
      const batches = toBatches(file, fileIndex, now);
      if (batches.length === 0) console.log(`\n${file.path}: empty, nothing to send`);
      for (const [i, logsBatch] of batches.entries()) {
        let summary: PipelineSummary;
        try {
          summary = await handler(encodeSubscriptionEvent(logsBatch), fakeContext());
        } catch (error) {
          console.error(`local-run: ${file.path}: the handler failed: ${describe(error)}`);
          return 1;
        }
        console.log(`\n${summaryLine(file.path, i + 1, batches.length, summary)}`);
        for (const entry of sns.published.slice(printed)) printAlert(entry, ++printed, options.out);
      }
    }
    const absolute = resolve(options.out);
    const inside = relative(process.cwd(), absolute);
    const where = inside.startsWith('..') ? absolute : inside;
    console.log(`\n${printed} alert${printed === 1 ? '' : 's'} published to the local SNS topic; JSON appended to ${where}`);
    return 0;
  } finally {
    await sns.close();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // fs errors repeat the path in their message; a short reason reads better after "cannot read <path>:".
  const reason = typeof code === 'string' ? FS_REASONS[code] : undefined;
  if (reason !== undefined) return reason;
  return ['Error', 'UsageError', 'InputError'].includes(error.name) ? error.message : `${error.name}: ${error.message}`;
}

const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`local-run: ${describe(error)}`);
    process.exitCode = 1;
  },
);
