/** `ftp-bounce-watch`: entry point; dispatches to the subcommands. */
import { runScan } from './commands/scan';
import { runStatus } from './commands/status';
import { CliError, type CliIo, OutputError, processIo, UsageError } from './io';

export const MAIN_USAGE = `Usage: ftp-bounce-watch <command> [options]

Detects proftpd's refusals of FTP PORT/EPRT commands (OSSEC/Wazuh rule 11209):
FTP bounce attempts and clients behind NAT using active mode.

Commands:
  scan [FILE ...]               Scan log files (or stdin) and print the findings.
  scan --log-group NAME ...     Search CloudWatch Logs over a time range (a backfill), and
                                optionally print or send the alerts the deployment would have sent.
  status [--log-group NAME ...] Check that the deployment is attached to each log group
                                (default: the logGroups in ./cdk.json).

Examples:
  ftp-bounce-watch scan /var/log/proftpd/proftpd.log
  ftp-bounce-watch scan --log-group /ftp/proftpd --since 7d
  ftp-bounce-watch status --log-group /ftp/proftpd

The AWS commands use your usual AWS credentials and Region (AWS_PROFILE, AWS_REGION, ...).
Run 'ftp-bounce-watch <command> --help' for a command's options and examples.
`;

const COMMANDS: Readonly<Record<string, (argv: readonly string[], io: CliIo) => Promise<number>>> = {
  scan: runScan,
  status: runStatus,
};

/** One line, whatever the message holds: stderr gets exactly one line per error. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed.
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** Runs the CLI and resolves to the exit status; never rejects for expected errors. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      io.stdout.write(MAIN_USAGE);
      return command === undefined ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}' (see 'ftp-bounce-watch --help')`);
    return await run(rest, io);
  } catch (error) {
    if (error instanceof OutputError && error.code === 'EPIPE') return 0; // the reader went away (| head)
    if (error instanceof CliError) {
      io.stderr.write(`ftp-bounce-watch: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
