/**
 * `ftp-bounce-watch explain [LINE ... | -]`: why each line did or did not fire, phase by phase (docs/design.md
 * section 5), from the detector itself (lambda/detector/explain.ts), so an explanation always agrees with `scan`.
 */
import { explainLine, formatTarget, type LineExplanation } from '../../lambda/detector';
import { parseCommandArgs } from '../args';
import { logFileLines } from '../input';
import { BufferedWriter, type CliIo, UsageError } from '../io';
import { terminalSafe } from '../render/scan-text';
import { readRunSettings, SettingsError } from '../settings';

export const EXPLAIN_USAGE = `Usage: ftp-bounce-watch explain [options] [LINE ...]
       ftp-bounce-watch explain [options] -          (lines from standard input)

Shows, for each log line, why rule 11209 did or did not fire, as the detector saw it:
  - the format recognised (syslog, SystemLog, RFC 5424, journald JSON, a container line), or
    why none;
  - the fields read: host, program label, server, client, command, argument, proftpd's reason;
  - the decoded target of the data channel;
  - the classification and the rule that gave it (docs/design.md section 4);
  - or the rule that refused the line (docs/design.md section 3): planted text, text after the
    refusal, another program, no keyword, ...
With no LINE it reads standard input (like '-'), gzip included.

Options:
  --format text|json    text: a block per line. json: one JSON object per line (line, lineNumber,
                        format, fields, target, finding, classification, rejection); "finding" is
                        exactly what 'scan --format jsonl' prints for the line, without its place.
                        Default: text on a terminal, json when piped.
  -c KEY=VALUE          A setting as for 'scan' (internalNetworks changes the classification).
  --no-cdk-json         Ignore ./cdk.json's context.
  -h, --help            Show this help.

Examples:
  ftp-bounce-watch explain \\
    'May 29 18:49:42 ftp1 proftpd[1]: ftp1 (x[198.51.100.23]) - Refused PORT 192,168,1,34,206,55'
  grep -i 'refused' /var/log/syslog | ftp-bounce-watch explain --format json | jq -r .rejection.why

Exit status: 0 when every line was explained (whether or not it fired); 2 on bad usage or unreadable
input.
`;

const LABEL_WIDTH = 16;

function row(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(LABEL_WIDTH)}${value}`;
}

function renderText(explained: LineExplanation, lineNumber: number): string {
  const { fields } = explained;
  const out = [`line ${lineNumber}: ${terminalSafe(explained.line, 400)}`];
  out.push(row('format', explained.format === null ? 'none recognised' : terminalSafe(explained.format, 200)));
  const shown: Array<[string, string | null]> = [
    ['program', fields.program],
    ['host', fields.host],
    ['server', fields.server],
    ['client', fields.client === null && fields.clientName === null ? null : `${fields.clientName ?? '?'} [${fields.client ?? '?'}]`],
    ['command', fields.command === null ? null : `${fields.command} ${fields.argument ?? ''}`],
    ['reason', fields.reason],
    ['occurrences', fields.occurrences !== null && fields.occurrences > 1 ? String(fields.occurrences) : null],
  ];
  for (const [label, value] of shown) if (value !== null) out.push(row(label, terminalSafe(value, 200)));
  if (explained.finding !== null) {
    out.push(row('target', explained.target === null ? 'none: the argument does not decode to an address and port' : formatTarget(explained.target)));
    const c = explained.classification;
    if (c !== null) {
      out.push(row('classification', `${c.classification} (${c.severity.toUpperCase()}), rule ${c.rule} of docs/design.md section 4: ${c.why}`));
    }
    out.push(row('result', 'a finding of rule 11209 (what scan reports)'));
  } else if (explained.rejection !== null) {
    out.push(row('result', `not a refusal (docs/design.md section 3): ${explained.rejection.why}`));
  }
  return `${out.join('\n')}\n\n`;
}

export async function runExplain(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('explain', argv, {
    'format': { type: 'string' },
    'context': { type: 'string', short: 'c', multiple: true },
    'no-cdk-json': { type: 'boolean' },
    'help': { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(EXPLAIN_USAGE);
    return 0;
  }
  const format = values.format ?? (io.stdoutIsTty ? 'text' : 'json');
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--format must be 'text' or 'json', not '${format}' (see 'ftp-bounce-watch explain --help')`);
  }
  let settings;
  try {
    settings = readRunSettings({ cwd: io.deps?.cwd ?? process.cwd(), useCdkJson: values['no-cdk-json'] !== true, pairs: values.context ?? [] });
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(`${error.message} (see 'ftp-bounce-watch explain --help')`, { cause: error });
    throw error;
  }
  if (settings.note !== undefined) io.stderr.write(`ftp-bounce-watch: ${settings.note}\n`);
  const options = settings.internalNetworks.size > 0 ? { internalNetworks: settings.internalNetworks } : {};
  const fromStdin = positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-');
  if (!fromStdin && positionals.includes('-')) {
    throw new UsageError(`give LINEs or -, not both (see 'ftp-bounce-watch explain --help')`);
  }
  if (fromStdin && io.stdinIsTty === true) {
    io.stderr.write('ftp-bounce-watch: reading log lines from standard input (end with Ctrl-D; --help for usage)\n');
  }
  const out = new BufferedWriter(io.stdout);
  const lines: AsyncIterable<string> | Iterable<string> = fromStdin ? logFileLines('-', io.stdin) : positionals;
  let lineNumber = 0;
  for await (const line of lines) {
    if (io.interrupted.aborted) break;
    lineNumber++;
    const explained = explainLine(line, options);
    await out.write(format === 'json' ? `${JSON.stringify({ ...explained, lineNumber })}\n` : renderText(explained, lineNumber));
  }
  await out.flush();
  return 0;
}
