/** `ftp-bounce-watch scan [FILE ...]`: the rule 11209 detector over log files or stdin (DESIGN.md section 5). */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { outputFormat, parseCommandArgs } from '../args';
import { BufferedWriter, type CliIo, OutputError, UsageError } from '../io';
import { scanLines } from '../line-scanner';
import { TextSummary } from '../render/scan-text';

export const SCAN_USAGE = `Usage: ftp-bounce-watch scan [options] [FILE ...]

Finds proftpd's refusals of FTP PORT/EPRT commands (OSSEC/Wazuh rule 11209): clients behind NAT
using active mode, and FTP bounce attempts aimed at third parties or privileged ports.

Reads each FILE line by line (syslog, proftpd SystemLog, journald/agent JSON, one event per line);
with no FILE, or when FILE is -, reads standard input.

Options:
  --format jsonl|text   jsonl: one JSON finding per line, with "file" and "lineNumber".
                        text: findings grouped by client and classification, with counts
                        and what to do. Default: text on a terminal, jsonl when piped.
  -h, --help            Show this help.

Examples:
  ftp-bounce-watch scan /var/log/proftpd/proftpd.log
  ftp-bounce-watch scan --format jsonl /var/log/syslog* | jq 'select(.severity == "critical")'
  journalctl -u proftpd -o json | ftp-bounce-watch scan -

Exit status: 0 when the scan ran (whether or not it found anything), 2 on bad usage or unreadable input.
`;

interface Source {
  readonly name: string;
  readonly handle: FileHandle | null;
}

/** Opens every file before printing anything, so an unreadable one fails the whole run up front. */
async function openSources(files: readonly string[]): Promise<Source[]> {
  const sources: Source[] = [];
  try {
    for (const name of files.length === 0 ? ['-'] : files) {
      if (name === '-') {
        sources.push({ name, handle: null });
        continue;
      }
      let handle: FileHandle;
      try {
        handle = await open(name, 'r');
      } catch (error) {
        throw new UsageError(`cannot read ${name}: ${describeFsError(error)}`, { cause: error });
      }
      sources.push({ name, handle });
      if ((await handle.stat()).isDirectory()) throw new UsageError(`cannot read ${name}: it is a directory`);
    }
    return sources;
  } catch (error) {
    await closeAll(sources);
    throw error;
  }
}

async function closeAll(sources: readonly Source[]): Promise<void> {
  await Promise.all(sources.flatMap((source) => (source.handle ? [source.handle.close()] : [])));
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export async function runScan(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('scan', argv, {
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(SCAN_USAGE);
    return 0;
  }
  const format = outputFormat('scan', values.format, io.stdoutIsTty);
  const sources = await openSources(positionals);
  const out = new BufferedWriter(io.stdout);
  const summary = new TextSummary();
  let lines = 0;
  try {
    for (const source of sources) {
      const stream: Readable = source.handle
        ? source.handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false })
        : io.stdin;
      const file = source.name;
      try {
        const counts = await scanLines(
          stream,
          async ({ finding, lineNumber }) => {
            if (format === 'jsonl') await out.write(`${JSON.stringify({ ...finding, file, lineNumber })}\n`);
            else summary.add(finding, `${file}:${lineNumber}`);
          },
          io.interrupted,
        );
        lines += counts.lines;
      } catch (error) {
        if (error instanceof UsageError || error instanceof OutputError) throw error;
        throw new UsageError(`cannot read ${file}: ${describeFsError(error)}`, { cause: error });
      }
      if (io.interrupted.aborted) break;
    }
  } finally {
    await closeAll(sources);
  }
  if (format === 'text')
    await out.write(summary.render({ lines, sources: sources.length, sourceNoun: 'file' }));
  await out.flush();
  return 0;
}
