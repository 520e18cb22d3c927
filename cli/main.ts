/** `ftp-bounce-watch`: entry point; dispatches to the subcommands. */
import { runScan } from './commands/scan';
import { type CliIo, OutputError, processIo, UsageError } from './io';

export const MAIN_USAGE = `Usage: ftp-bounce-watch <command> [options]

Detects proftpd's refusals of FTP PORT/EPRT commands (OSSEC/Wazuh rule 11209):
FTP bounce attempts and clients behind NAT using active mode.

Commands:
  scan [FILE ...]   Scan log files (or stdin) and print the findings.

Run 'ftp-bounce-watch <command> --help' for a command's options and examples.
`;

const COMMANDS: Readonly<Record<string, (argv: readonly string[], io: CliIo) => Promise<number>>> = {
  scan: runScan,
};

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
    if (error instanceof UsageError) {
      io.stderr.write(`ftp-bounce-watch: ${error.message}\n`);
      return 2;
    }
    if (error instanceof OutputError && error.code === 'EPIPE') return 0; // the reader went away (| head)
    throw error;
  }
}
