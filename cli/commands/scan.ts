/** `ftp-bounce-watch scan [FILE ...]`: the rule 11209 detector over log files or stdin (docs/design.md section 5). */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { type RunSettings, readRunSettings, SettingsError } from '../settings';
import { outputFormat, parseCommandArgs, timeoutOption } from '../args';
import { DEFAULT_SILENCE_TIMEOUT_MS } from '../aws/call';
import { BufferedWriter, type CliIo, OutputError, UsageError } from '../io';
import { checkFileStart, describeFsError, type LogInput, openLogInput, READ_CHUNK_BYTES, readFileChunks } from '../input';
import { chunkReader } from '../keyword-scan';
import { scanLines } from '../line-scanner';
import { lineTimestamp } from '../line-timestamp';
import type * as LogGroupScan from '../log-groups/scan-log-groups';
import { DEFAULT_SINCE } from '../log-groups/time-range';
import { ansiPaint, noPaint, wantsColor } from '../render/color';
import { plural, TextSummary } from '../render/scan-text';

export const SCAN_USAGE = `Usage: ftp-bounce-watch scan [options] [FILE ...]
       ftp-bounce-watch scan --log-group NAME [--log-group NAME ...] [options]

Finds proftpd's refusals of FTP PORT/EPRT commands (OSSEC/Wazuh rule 11209): clients behind NAT
using active mode, and FTP bounce attempts aimed at third parties or privileged ports.

Reads each FILE line by line (syslog, proftpd SystemLog, journald/agent JSON, one event per line);
with no FILE, or when FILE is -, reads standard input. gzip data (rotated logs such as syslog.2.gz)
is decompressed on the fly, whatever the file is called. Input that looks binary (a NUL byte in its
first 64 KiB) is refused unless --binary is given.

A line's time without a zone (BSD syslog, SystemLog) is read in the local time zone (TZ); BSD
syslog's missing year is the one that puts the line at most a day after the file was last modified.

With --log-group it searches CloudWatch Logs instead: a backfill, for "did this happen before we
deployed?". It fetches the events the deployment's filter pattern selects (FilterLogEvents, every
page), and runs them through the same detector as the Lambda function. It uses your usual AWS
credentials and Region (AWS_PROFILE, AWS_REGION, ...) and needs logs:FilterLogEvents.

Options:
  --format jsonl|text   jsonl: one JSON finding per line, with "file", "lineNumber" and the line's
                        own time as an ISO-8601 "timestamp" (null if it has none; see below) (from a
                        log group: "logGroup", "logStream", "eventId" and the event's "timestamp").
                        text: findings grouped by client and classification, with counts
                        and what to do. Default: text on a terminal, jsonl when piped.
  --binary              Scan input that looks binary anyway.
  --no-color            No colour in text output (also when NO_COLOR is set, or TERM=dumb). Default:
                        severities in colour on a terminal.
  -c KEY=VALUE          A setting, as given to \`cdk deploy -c\` (repeat for more): internalNetworks
                        changes findings; alertWindow, lowSeverity, digestInterval,
                        maxNewIncidentsPerHour, scanPorts, scanHosts change --alerts. Every key of
                        the app is accepted, an unknown one refused. Default: the context of
                        ./cdk.json when there is one (said in one line on stderr).
  --no-cdk-json         Ignore ./cdk.json's context.
  -h, --help            Show this help.

Log group options:
  --log-group NAME|ARN  A log group to search; repeat for more.
  --since WHEN          Start of the search: a duration back from now (30m, 12h, 7d, 2w) or an
                        ISO-8601 date or time (2025-05-01, 2025-05-01T12:00:00Z; UTC unless it
                        has an offset such as +02:00). Default: ${DEFAULT_SINCE}.
  --until WHEN          End of the search, in the same forms. Default: now.
  --filter-pattern P    The CloudWatch Logs filter pattern. Default: the deployment's,
                        ${DEFAULT_FILTER_PATTERN}
  --alerts              Print the alerts the deployed function would have sent for these findings
                        (the email text; with --format jsonl, the alert JSON). Nothing is sent.
  --publish TOPIC_ARN   Also send those alerts to this SNS topic (e.g. the stack's AlertTopicArn
                        output), for a deliberate backfill. Needs sns:Publish.
  --timeout SECONDS     How long CloudWatch Logs may stay silent before the search gives up, naming
                        the endpoint (each attempt gets a third of it). Default: 30.

  On a terminal, a progress line on stderr shows events, pages, findings and elapsed time.
  Ctrl-C stops the search and prints what was found so far (and publishes nothing).

Examples:
  ftp-bounce-watch scan /var/log/proftpd/proftpd.log
  ftp-bounce-watch scan --format jsonl /var/log/syslog* | jq 'select(.severity == "critical")'
  journalctl -u proftpd -o json | ftp-bounce-watch scan -
  ftp-bounce-watch scan --log-group /ftp/proftpd --since 30d
  ftp-bounce-watch scan --log-group /ftp/a --log-group /ftp/b --since 2025-05-01 --until 2025-05-08
  ftp-bounce-watch scan --log-group /ftp/proftpd --since 12h --alerts
  ftp-bounce-watch scan --log-group /ftp/proftpd --since 7d \\
      --publish arn:aws:sns:eu-west-1:123456789012:FtpBounceWatch-AlertTopic

Exit status: 0 when the scan ran (whether or not it found anything); 1 when --publish could not
send every alert; 2 on bad usage or unreadable input, including binary input, a file that fails
half-way (a truncated .gz: what was read before is still reported), and AWS errors (no credentials
or Region, access denied, unknown log group, throttling that outlasted the retries).
`;

interface Source {
  readonly name: string;
  readonly handle: FileHandle | null;
  /** A regular file: read synchronously (see readFileChunks). */
  regular: boolean;
  /** gzip data, by its magic bytes. */
  gzip: boolean;
  input: LogInput | null;
  /** The latest time its lines can be from (the file's last modification, or now): BSD syslog has no year. */
  referenceMs: number;
}

/**
 * Opens every file, and checks its start (binary, after decompression if it is gzip), before printing anything,
 * so an unreadable or binary one fails the whole run up front.
 */
async function openSources(files: readonly string[], io: CliIo, binary: boolean): Promise<Source[]> {
  const sources: Source[] = [];
  try {
    for (const name of files.length === 0 ? ['-'] : files) {
      if (name === '-') {
        if (io.stdinIsTty === true) {
          io.stderr.write('ftp-bounce-watch: reading log lines from standard input (end with Ctrl-D; --help for usage)\n');
        }
        const source: Source = { name, handle: null, regular: false, gzip: false, input: null, referenceMs: Date.now() };
        sources.push(source);
        source.input = await openLogInput(name, io.stdin, { binary, sniffBytes: 1 });
        continue;
      }
      let handle: FileHandle;
      try {
        handle = await open(name, 'r');
      } catch (error) {
        throw new UsageError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
      }
      const source: Source = { name, handle, regular: false, gzip: false, input: null, referenceMs: Date.now() };
      sources.push(source);
      const stat = await handle.stat();
      if (stat.isDirectory()) throw new UsageError(`cannot read ${name}: it is a directory`);
      source.referenceMs = stat.mtimeMs;
      source.regular = stat.isFile();
      // A pipe or a device cannot be read at an offset (and its bytes read once are gone): its start is checked
      // as it is streamed, like standard input's.
      if (!source.regular) continue;
      try {
        ({ gzip: source.gzip } = await checkFileStart(name, handle, binary));
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
      }
    }
    return sources;
  } catch (error) {
    await closeAll(sources);
    throw error;
  }
}

async function closeAll(sources: readonly Source[]): Promise<void> {
  for (const source of sources) source.input?.close();
  await Promise.all(sources.flatMap((source) => (source.handle ? [source.handle.close()] : [])));
}

/** The settings (cli/settings.ts), said in one line on stderr when cdk.json's context was read. */
function scanSettings(io: CliIo, pairs: readonly string[], noCdkJson: boolean): RunSettings {
  let settings: RunSettings;
  try {
    settings = readRunSettings({ cwd: io.deps?.cwd ?? process.cwd(), useCdkJson: !noCdkJson, pairs });
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(`${error.message} (see 'ftp-bounce-watch scan --help')`, { cause: error });
    throw error;
  }
  if (settings.note !== undefined) io.stderr.write(`ftp-bounce-watch: ${settings.note}\n`);
  return settings;
}

export async function runScan(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('scan', argv, {
    'format': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
    'log-group': { type: 'string', multiple: true },
    'since': { type: 'string' },
    'until': { type: 'string' },
    'filter-pattern': { type: 'string' },
    'alerts': { type: 'boolean' },
    'publish': { type: 'string' },
    'context': { type: 'string', short: 'c', multiple: true },
    'binary': { type: 'boolean' },
    'no-color': { type: 'boolean' },
    'timeout': { type: 'string' },
    'no-cdk-json': { type: 'boolean' },
  });
  if (values.help) {
    io.stdout.write(SCAN_USAGE);
    return 0;
  }
  const format = outputFormat('scan', values.format, io.stdoutIsTty);
  const logGroups = values['log-group'] ?? [];
  const settings = scanSettings(io, values.context ?? [], values['no-cdk-json'] === true);
  if (logGroups.length > 0) {
    if (positionals.length > 0) {
      throw new UsageError(`give FILEs or --log-group, not both (see 'ftp-bounce-watch scan --help')`);
    }
    // Loaded on demand: the AWS SDK would add a fifth of a second to every file scan's start-up. require, not
    // import(): a CommonJS import() would need a '.js' path, which neither tsx nor jest maps to the .ts file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load explained above.
    const { runLogGroupScan } = require('../log-groups/scan-log-groups') as typeof LogGroupScan;
    return runLogGroupScan(
      {
        logGroups,
        since: values.since,
        until: values.until,
        filterPattern: values['filter-pattern'],
        format,
        alerts: values.alerts === true,
        publish: values.publish,
        settings,
        color: wantsColor(io.stdoutIsTty, io.env, values['no-color'] === true),
        timeoutMs: timeoutOption('scan', values.timeout, DEFAULT_SILENCE_TIMEOUT_MS),
      },
      io,
    );
  }
  const misplaced = (['since', 'until', 'filter-pattern', 'alerts', 'publish', 'timeout'] as const).find(
    (option) => values[option] !== undefined,
  );
  if (misplaced !== undefined) {
    throw new UsageError(`--${misplaced} applies to CloudWatch Logs searches: add --log-group NAME (see 'ftp-bounce-watch scan --help')`);
  }
  const binary = values.binary === true;
  let sources: Source[];
  try {
    sources = await openSources(positionals, io, binary);
  } catch (error) {
    if (io.interrupted.aborted) return 0; // Ctrl-C while waiting for input: nothing read, nothing to say
    throw error;
  }
  const out = new BufferedWriter(io.stdout);
  const summary = new TextSummary(wantsColor(io.stdoutIsTty, io.env, values['no-color'] === true) ? ansiPaint : noPaint);
  let lines = 0;
  // A file that fails half-way (a truncated .gz) does not hide the others: each gets its one-line error, the
  // findings before the failure are kept, and the exit status says the scan is incomplete.
  let failed = 0;
  // Files actually read: after Ctrl-C, the summary counts only those, and a note says where it stopped.
  let opened = 0;
  let stoppedAt: { file: string; line: number } | undefined;
  try {
    for (const source of sources) {
      const file = source.name;
      const counts = { lines: 0 };
      let cutNamed = false;
      opened++;
      try {
        // A regular file was checked up front (checkFileStart); it is read only now, one at a time.
        if (source.input === null) {
          const handle = source.handle!;
          // Plain text goes straight to the scanner, which is done with each chunk before the next: it is read into
          // the memory the prefilter searches. A decompressor buffers what it is given: new buffers for it.
          const bytes = source.regular
            ? readFileChunks(handle.fd, source.gzip ? undefined : chunkReader())
            : handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: false });
          source.input = await openLogInput(file, bytes, { binary: binary || source.regular, sniffBytes: 1 });
        }
        await scanLines(
          source.input.chunks,
          async ({ finding, lineNumber }) => {
            if (format === 'jsonl') {
              const timestamp = lineTimestamp(finding.line, source.referenceMs);
              await out.write(`${JSON.stringify({ ...finding, file, lineNumber, timestamp })}\n`);
            } else {
              summary.add(finding, `${file}:${lineNumber}`);
            }
          },
          io.interrupted,
          counts,
          ({ lineNumber }) => {
            // Once per file: the first such line, by number; a refusal there may be missed or misread.
            if (cutNamed) return;
            cutNamed = true;
            io.stderr.write(
              `ftp-bounce-watch: warning: ${file}: line ${lineNumber} is longer than 1 MiB and holds a refusal keyword; `
              + 'only its first 1 MiB was examined, so a refusal after that is not reported (further such lines in '
              + 'this file are not named)\n',
            );
          },
          settings.internalNetworks,
        );
      } catch (error) {
        if (error instanceof OutputError) throw error;
        if (io.interrupted.aborted) break; // Ctrl-C closed standard input under the read
        const failure = error instanceof UsageError
          ? error
          : new UsageError(`cannot read ${file}: ${describeFsError(error)}`, { cause: error });
        await out.flush();
        io.stderr.write(`ftp-bounce-watch: ${failure.message}\n`);
        failed++;
      } finally {
        lines += counts.lines;
      }
      if (io.interrupted.aborted) {
        stoppedAt = { file, line: counts.lines };
        break;
      }
    }
  } finally {
    await closeAll(sources);
  }
  if (stoppedAt !== undefined) {
    const where = stoppedAt.file === '-' ? 'standard input' : stoppedAt.file;
    io.stderr.write(
      `ftp-bounce-watch: interrupted in ${where} after line ${stoppedAt.line} (${opened} of ${plural(sources.length, 'file')} `
      + 'read): the results below are partial\n',
    );
  }
  if (format === 'text')
    await out.write(summary.render({ lines, sources: opened, sourceNoun: 'file' }));
  await out.flush();
  return failed > 0 ? 2 : 0;
}
