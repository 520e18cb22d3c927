/** `ftp-bounce-watch`: entry point; dispatches to the subcommands. */
import { version } from '../package.json';
import { EXPLAIN_USAGE, runExplain } from './commands/explain';
import { INCIDENTS_USAGE, runIncidentsCommand } from './commands/incidents';
import { runScan, SCAN_USAGE } from './commands/scan';
import { runStatus, STATUS_USAGE } from './commands/status';
import { runTest, TEST_USAGE } from './commands/test';
import { runSuppressCommand, SUPPRESS_USAGE } from './commands/suppress';
import { CliError, type CliIo, INTERRUPTED_EXIT_CODE, OutputError, processIo, UsageError } from './io';

export const MAIN_USAGE = `Usage: ftp-bounce-watch <command> [options]

Detects proftpd's refusals of FTP PORT/EPRT commands (OSSEC/Wazuh rule 11209):
FTP bounce attempts and clients behind NAT using active mode.

Commands:
  scan [FILE ...]               Scan log files (or stdin) and print the findings.
  scan --log-group NAME ...     Search CloudWatch Logs over a time range (a backfill), and
                                optionally print or send the alerts the deployment would have sent.
  status [--log-group NAME ...] Check that the deployment is attached to each log group
                                (default: the logGroups in ./cdk.json), and that its stack has no
                                unconfirmed subscription, no failure waiting, no recent error.
  test [--log-group NAME ...]   Prove the deployed path works: write a signed test line into each
       [--deliver]              log group and show each hop with its latency (log group ->
                                detector -> SNS); --deliver also sends an alert marked TEST to
                                people (email, Slack).
  explain [LINE ... | -]        Show why each log line did or did not fire: the format recognised,
                                the fields read, the target, the classification and its rule.
  incidents [list|show ID]      The open incidents of the deployment's alert memory, one in full.
  incidents ack ID --note TEXT  Acknowledge one: its updates go to the digest until it escalates.
  suppress add|list|remove      Known clients: still counted and listed in the digest's "suppressed"
                                section, with an expiry, a reason and an author, instead of
                                alerting.

Examples:
  ftp-bounce-watch scan /var/log/proftpd/proftpd.log
  ftp-bounce-watch scan --log-group /ftp/proftpd --since 7d
  ftp-bounce-watch status --log-group /ftp/proftpd
  ftp-bounce-watch test --deliver

Options:
  -h, --help                    Show this help ('ftp-bounce-watch help <command>' for a command's).
  -V, --version                 Print the version.

The AWS commands use your usual AWS credentials and Region (AWS_PROFILE, AWS_REGION, ...).
Run 'ftp-bounce-watch help <command>' (or '<command> --help') for a command's options and examples.
`;

const COMMANDS: Readonly<Record<string, (argv: readonly string[], io: CliIo) => Promise<number>>> = {
  scan: runScan,
  status: runStatus,
  test: runTest,
  explain: runExplain,
  incidents: runIncidentsCommand,
  suppress: runSuppressCommand,
};

const USAGES: Readonly<Record<string, string>> = {
  scan: SCAN_USAGE,
  status: STATUS_USAGE,
  test: TEST_USAGE,
  explain: EXPLAIN_USAGE,
  incidents: INCIDENTS_USAGE,
  suppress: SUPPRESS_USAGE,
};

/** One line, whatever the message holds: stderr gets exactly one line per error. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed.
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** Runs the CLI and resolves to the exit status; never rejects for expected errors. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  // Ctrl-C: the command stops, prints what it has, and the exit status says it was interrupted (128 + SIGINT).
  const status = (code: number): number => (io.interrupted.aborted ? INTERRUPTED_EXIT_CODE : code);
  try {
    if (command === undefined || command === '-h' || command === '--help') {
      io.stdout.write(MAIN_USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === '-V' || command === '--version') {
      io.stdout.write(`ftp-bounce-watch ${version}\n`);
      return 0;
    }
    if (command === 'help') {
      const [topic, ...extra] = rest;
      if (topic === undefined) {
        io.stdout.write(MAIN_USAGE);
        return 0;
      }
      const usage = USAGES[topic];
      if (usage === undefined || extra.length > 0) {
        throw new UsageError(`no help for '${[topic, ...extra].join(' ')}': the commands are ${Object.keys(USAGES).join(', ')}`);
      }
      io.stdout.write(usage);
      return 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}' (see 'ftp-bounce-watch --help')`);
    return status(await run(rest, io));
  } catch (error) {
    if (error instanceof OutputError && error.code === 'EPIPE') return 0; // the reader went away (| head)
    if (error instanceof CliError) {
      io.stderr.write(`ftp-bounce-watch: ${oneLine(error.message)}\n`);
      return status(error.exitCode);
    }
    throw error;
  }
}
