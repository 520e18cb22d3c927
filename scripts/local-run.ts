/**
 * The main job without AWS: `npm start -- [options] [FILE ...]` (default: examples/*.log).
 *
 * Each file is one log stream of the log group `/local/<directory name>`, replayed as a deployment would see
 * it (scripts/local-deployment.ts): batches as the CloudWatch agent ships them (one per ~5 s of the lines' own
 * time), each one invocation of the REAL detector, with alert memory in an embedded DynamoDB-compatible server
 * and alerts published to a loopback SNS server, on a clock that follows the log, so an hour of log replays in
 * seconds and window ends, updates and digests happen as they would. Every published message is shown once in
 * full, as the email people receive (`--show email,slack,chatbot` adds the Slack webhook message and the Chatbot
 * card as text), every line at most 100 columns. Its JSON (the SNS `default` key) is appended to
 * out/alerts.jsonl, the Slack and Chatbot JSON beside it (slack.jsonl, chatbot.jsonl), and what the exports would
 * send (docs/export.md) too: the EventBridge entries (events.jsonl) and the Security Hub findings (findings.jsonl).
 * A table of what was sent ends it.
 *
 * Inputs are read as `ftp-bounce-watch scan` reads them (cli/input.ts), and the settings as it reads them
 * (cli/settings.ts: ./cdk.json's context, then `-c`).
 *
 * Exit status: 0 when every batch was processed, 1 when the handler failed, 2 on bad usage or unreadable input
 * (a file that fails part-way is replayed up to the failure, then exit 2).
 */
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { TimedLine } from '../cli/replay/agent-batches';
import { logFileLines } from '../cli/input';
import { UsageError as InputUsageError } from '../cli/io';
import { readRunSettings, SettingsError } from '../cli/settings';
import type { Alert } from '../lambda/alerts';
import type { ChatbotCard } from '../lambda/alerts/render/chatbot';
import type { CanaryRecord } from '../lambda/canary/service';
import { renderSlackMessage } from '../lambda/alerts/render/slack';
import { alertFindings, defaultProductArn } from '../lambda/export/asff-finding';
import { alertEventEntry } from '../lambda/export/event-entry';
import { alertJsonOf } from '../lambda/export/exporting-publisher';
import { chatbotCardAsText, forTerminal, slackMessageAsText, TERMINAL_COLUMNS } from './chat-text';
import {
  cloudWatchEventId,
  type InvocationReport,
  LOCAL_ACCOUNT,
  LocalInvocationError,
  type LogStreamInput,
  replayLocalDeployment,
} from './local-deployment';
import { lineTimestamp } from './line-time';
import type { ReceivedEntry } from './local-sns/server';

const USAGE = [
  'usage: npm start -- [options] [FILE ...]   (default: examples/*.log; - reads standard input)',
  '  FILE           read as `ftp-bounce-watch scan` reads it: gzip by its magic bytes, binary refused',
  '  -c KEY=VALUE   a setting, as `cdk deploy -c` (every key of the app accepted, an unknown one',
  '                 refused): internalNetworks, alertWindow, lowSeverity, digestInterval,',
  '                 maxNewIncidentsPerHour, scanPorts, scanHosts change what is found and sent.',
  '                 Default: ./cdk.json\'s context',
  '  --no-cdk-json  ignore ./cdk.json\'s context',
  '  --binary       read input that looks binary anyway',
  '  --show FORMS   the forms of each message to print, comma-separated: email (the default), slack',
  '                 (the webhook forwarder\'s message), chatbot (the AWS Chatbot card)',
  '  --jsonl        print only the published alerts (their JSON, one per line) on stdout',
  '  --redeliver    deliver every batch twice, as a retried invocation would (nothing sent twice)',
  '  --no-memory    judge every batch alone, without alert memory (as before incidents)',
  '  --out FILE     append each published alert\'s JSON to FILE (default out/alerts.jsonl)',
  '  --via PATH     subscription (default): invoke the detector as a subscription filter does;',
  '                 kinesis: each payload a record in an embedded Kinesis stream, read back as the',
  '                 central mode delivers it',
].join('\n');

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
  readonly jsonl: boolean;
  readonly redeliver: boolean;
  readonly memory: boolean;
  readonly via: 'subscription' | 'kinesis';
  /** The `-c` values, KEY=VALUE. */
  readonly pairs: readonly string[];
  readonly useCdkJson: boolean;
  readonly binary: boolean;
  /** The forms of each message printed, in this order. */
  readonly show: readonly MessageForm[];
}

const MESSAGE_FORMS = ['email', 'slack', 'chatbot'] as const;
type MessageForm = (typeof MESSAGE_FORMS)[number];

function parseShow(value: string | undefined): MessageForm[] {
  const forms = (value ?? '').split(',').map((form) => form.trim());
  const unknown = forms.filter((form) => !(MESSAGE_FORMS as readonly string[]).includes(form));
  if (value === undefined || value === '' || unknown.length > 0) {
    throw new UsageError(`--show needs forms out of ${MESSAGE_FORMS.join(',')}, got ${JSON.stringify(value ?? '')}`);
  }
  return MESSAGE_FORMS.filter((form) => forms.includes(form));
}

function parseArgs(args: readonly string[]): Options | 'help' {
  const files: string[] = [];
  const pairs: string[] = [];
  let useCdkJson = true;
  let binary = false;
  let out = join('out', 'alerts.jsonl');
  let jsonl = false;
  let redeliver = false;
  let memory = true;
  let via: Options['via'] = 'subscription';
  let show: MessageForm[] = ['email'];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--out') {
      const value = args[++i];
      if (value === undefined || value === '') throw new UsageError('--out needs a file name');
      out = value;
    } else if (arg === '-c' || arg === '--context') {
      pairs.push(args[++i] ?? '');
    } else if (arg === '--no-cdk-json') {
      useCdkJson = false;
    } else if (arg === '--binary') {
      binary = true;
    } else if (arg === '--via') {
      const value = args[++i];
      if (value !== 'subscription' && value !== 'kinesis') {
        throw new UsageError(`--via needs subscription or kinesis, got ${JSON.stringify(value ?? '')}`);
      }
      via = value;
    } else if (arg === '--show') {
      show = parseShow(args[++i]);
    } else if (arg === '--jsonl') {
      jsonl = true;
    } else if (arg === '--redeliver') {
      redeliver = true;
    } else if (arg === '--no-memory') {
      memory = false;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  return {
    files: files.length > 0 ? files : defaultFiles(), out, jsonl, redeliver, memory, via, pairs, useCdkJson, binary, show,
  };
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

/**
 * Reads every input before anything runs, through the CLI's reader (cli/input.ts), so that a typo or a binary file
 * fails fast with exit 2 and no partial output. A file that fails part-way (a truncated .gz) keeps the lines read
 * before it; its error is returned, to be said and to make the exit status 2 once the replay has run.
 */
async function readStream(
  path: string,
  index: number,
  now: number,
  binary: boolean,
): Promise<{ stream: LogStreamInput; error?: string }> {
  const lines: TimedLine[] = [];
  let previous = now;
  let lineIndex = 0;
  let error: string | undefined;
  try {
    for await (const message of logFileLines(path, process.stdin, { binary })) {
      // CloudWatch never delivers empty events; the agent drops blank lines.
      if (message.length === 0) continue;
      // Lines without a timestamp of their own take the previous line's.
      const timestamp = lineTimestamp(message, now) ?? previous;
      previous = timestamp;
      lines.push({ message, timestamp, id: cloudWatchEventId(timestamp, index, lineIndex++) });
    }
  } catch (failure) {
    if (!(failure instanceof InputUsageError)) throw failure;
    if (lines.length === 0) throw new InputError(failure.message);
    error = `${failure.message} (the ${lines.length} lines before it are replayed)`;
  }
  const stdin = path === '-';
  const stream = {
    logGroup: stdin ? '/local/stdin' : `/local/${basename(dirname(resolve(path)))}`,
    logStream: stdin ? 'stdin' : basename(path),
    lines,
  };
  return error === undefined ? { stream } : { stream, error };
}

const RULE = '─'.repeat(TERMINAL_COLUMNS);

/** Every line the run prints goes through here: at most TERMINAL_COLUMNS wide, console links by name. */
function print(text: string): void {
  console.log(forTerminal(text));
}

/** The alert JSON the detector published in this message (`{}` when it has none). */
function alertJsonIn(entry: ReceivedEntry): string {
  return alertJsonOf(entry.message) ?? '{}';
}

function alertOf(entry: ReceivedEntry): Alert {
  return JSON.parse(alertJsonIn(entry)) as Alert;
}

/** What the exports would send for this message: the event on the default bus, the incidents' findings. */
function appendExports(entry: ReceivedEntry, region: string, out: string): void {
  const json = alertJsonIn(entry);
  appendFileSync(join(dirname(out), 'events.jsonl'), `${JSON.stringify(alertEventEntry(json, 'default'))}\n`);
  const productArn = defaultProductArn('aws', region, LOCAL_ACCOUNT);
  for (const finding of alertFindings(JSON.parse(json) as Alert, { productArn })) {
    appendFileSync(join(dirname(out), 'findings.jsonl'), `${JSON.stringify(finding)}\n`);
  }
}

const THIN = '·'.repeat(40);

/**
 * The message in full as the email, then, when asked for (--show), as Slack shows the webhook forwarder's message
 * and the Chatbot card: the same facts in the same order, so once is enough unless their layout is the question.
 */
function printMessage(entry: ReceivedEntry, index: number, at: number, out: string, show: readonly MessageForm[]): void {
  const body = JSON.parse(entry.message) as { email?: string; https?: string };
  const alert = alertOf(entry);
  const slack = renderSlackMessage(alert);
  const card = JSON.parse(body.https ?? '{}') as ChatbotCard;
  appendFileSync(join(dirname(out), 'slack.jsonl'), `${JSON.stringify(slack)}\n`);
  appendFileSync(join(dirname(out), 'chatbot.jsonl'), `${JSON.stringify(card)}\n`);
  const when = new Date(at).toISOString().slice(0, 19).replace('T', ' ');
  print(`\n${RULE}\nMessage ${index} · sent at ${when} (log time) · ${alert.kind.toUpperCase()} · ${alert.severity.toUpperCase()} · ${alert.classification}\n${RULE}`);
  const forms: Record<MessageForm, () => string> = {
    email: () => `EMAIL\nSubject: ${entry.subject ?? ''}\n\n${body.email ?? ''}`,
    slack: () => `SLACK (webhook forwarder)\n\n${slackMessageAsText(slack)}\n`,
    chatbot: () => `SLACK (AWS Chatbot card)\n\n${chatbotCardAsText(card)}`,
  };
  print(show.map((form) => forms[form]()).join(`${THIN}\n`));
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function summaryTable(alerts: readonly Alert[], invocations: number, sweeps: number, options: Options): string {
  const count = (pick: (a: Alert) => string, values: readonly string[]): string =>
    values.map((v) => `${v} ${alerts.filter((a) => pick(a) === v).length}`).join(' · ');
  const lines = [
    '',
    RULE,
    `Invocations: ${invocations} detector${options.via === 'kinesis' ? ' (through Kinesis)' : ''}${options.redeliver ? ' (every batch delivered twice)' : ''}, ${sweeps} sweeps`,
    `Messages:    ${alerts.length}${options.memory ? '' : ' (alert memory off)'}`,
    `  by kind:     ${count((a) => a.kind, ['new', 'escalation', 'update', 'digest'])}`,
    `  by severity: ${count((a) => a.severity, ['critical', 'high', 'medium', 'low'])}`,
  ];
  const incidents = new Map<string, Alert[]>();
  for (const alert of alerts) incidents.set(alert.incidentId, [...(incidents.get(alert.incidentId) ?? []), alert]);
  if (incidents.size > 0) {
    lines.push('Per incident:', `  ${pad('client', 24)}${pad('classification', 26)}${pad('refusals', 10)}messages`);
    for (const list of incidents.values()) {
      const head = list[0] as Alert;
      // A digest's parts share its thread and each lists other entries: its size and refusals are their sums.
      const digest = head.kind === 'digest';
      const entries = list.reduce((n, a) => n + (a.digest?.entries.length ?? 0) + (a.digest?.entriesTruncated ?? 0), 0);
      const client = digest ? `(digest of ${entries})` : (head.srcIp ?? 'unknown');
      const total = digest ? list.reduce((n, a) => n + a.count, 0) : Math.max(...list.map((a) => a.incidentTotal));
      lines.push(`  ${pad(client.slice(0, 23), 24)}${pad(head.classification, 26)}${pad(String(total), 10)}${list.map((a) => a.kind).join(', ')}`);
    }
  }
  return lines.join('\n');
}

/** The canary's round trip in one log group, as `status` shows it. */
function canaryLine(canary: CanaryRecord): string {
  if (canary.seenAt === null) return `Canary:      ${canary.logGroup}: written, NOT seen by the detector`;
  return `Canary:      ${canary.logGroup}: written, proven and recorded by the detector ${(canary.seenLatencyMs ?? 0) / 1000} s later`;
}

function detectorLine(report: InvocationReport): string | null {
  const s = report.summary;
  if (s === undefined || report.batch === undefined || s.findings === 0) return null;
  const when = new Date(report.at).toISOString().slice(11, 19);
  return `${when} ${report.batch.logStream}: ${report.batch.events} events, ${s.findings} findings, ${report.published.length} sent`
    + `${s.replayedClients > 0 ? ' (redelivered: nothing counted twice)' : ''}`;
}

async function main(args: readonly string[]): Promise<number> {
  let options: Options;
  let streams: LogStreamInput[];
  let settingsEnv: Record<string, string>;
  const readErrors: string[] = [];
  try {
    const parsed = parseArgs(args);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    options = parsed;
    const settings = readRunSettings({ cwd: process.cwd(), useCdkJson: options.useCdkJson, pairs: options.pairs });
    if (settings.note !== undefined) console.error(`local-run: ${settings.note}`);
    settingsEnv = { ...settings.functionEnv };
    const now = Date.now();
    streams = [];
    for (const [i, file] of options.files.entries()) {
      const read = await readStream(file, i, now, options.binary);
      streams.push(read.stream);
      if (read.error !== undefined) readErrors.push(read.error);
    }
    mkdirSync(dirname(resolve(options.out)), { recursive: true });
  } catch (error) {
    console.error(`local-run: ${describe(error)}`);
    if (error instanceof UsageError) console.error(USAGE);
    if (error instanceof UsageError || error instanceof InputError || error instanceof SettingsError) return 2;
    throw error;
  }

  let printed = 0;
  const region = /^[a-z]{2}(-[a-z]+)+-\d$/.test(process.env.AWS_REGION ?? '') ? (process.env.AWS_REGION as string) : 'eu-west-1';
  try {
    const report = await replayLocalDeployment(streams, {
      settingsEnv,
      memory: options.memory,
      redeliver: options.redeliver,
      via: options.via,
      region,
      onInvocation: (invocation) => {
        if (!options.jsonl) {
          const line = invocation.kind === 'detector' ? detectorLine(invocation) : `${new Date(invocation.at).toISOString().slice(11, 19)} sweep: ${invocation.published.length} sent`;
          if (line !== null) print(`\n${line}`);
        }
        for (const entry of invocation.published) {
          const alert = alertOf(entry);
          appendFileSync(options.out, `${JSON.stringify(alert)}\n`);
          appendExports(entry, region, options.out);
          if (options.jsonl) console.log(JSON.stringify(alert));
          else printMessage(entry, ++printed, invocation.at, options.out, options.show);
        }
      },
    });
    if (!options.jsonl) {
      print(summaryTable(report.published.map(alertOf), report.invocations, report.sweeps, options));
      for (const canary of report.canaries) print(canaryLine(canary));
      const absolute = resolve(options.out);
      const inside = relative(process.cwd(), absolute);
      const shown = inside.startsWith('..') ? absolute : inside;
      print(`JSON of each message appended to ${shown} (Slack and Chatbot JSON: slack.jsonl, chatbot.jsonl beside it)`);
      print('What the exports would send, beside it: events.jsonl (EventBridge), findings.jsonl (Security Hub)');
    }
    // A file that failed part-way: said last, where it is seen, and the run is incomplete.
    for (const error of readErrors) console.error(`local-run: ${error}`);
    return readErrors.length > 0 ? 2 : 0;
  } catch (error) {
    if (error instanceof LocalInvocationError) {
      console.error(`local-run: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  // fs errors repeat the path in their message; a short reason reads better after "cannot read <path>:".
  const reason = typeof code === 'string' ? FS_REASONS[code] : undefined;
  if (reason !== undefined) return reason;
  return ['Error', 'UsageError', 'InputError', 'SettingsError'].includes(error.name) ? error.message : `${error.name}: ${error.message}`;
}

const FS_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EMFILE: 'too many open files',
};

// The SDK's notice that its 2027 releases need Node 22 says nothing about a local replay; the deployed
// functions run on Node 22 or later anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`local-run: ${describe(error)}`);
    process.exitCode = 1;
  },
);
