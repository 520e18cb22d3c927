/** `ftp-bounce-watch test`: prove the deployed path works, end to end, with one test line per log group. */
import { DEFAULT_STACK_NAME } from '../../infra/deployment-names';
import { parseCommandArgs, timeoutOption } from '../args';
import { type CliIo, UsageError } from '../io';
import type * as TestCommand from '../log-groups/test-command';

/** `--timeout`'s default: a subscription usually delivers within seconds; a cold detector adds a few more. */
export const DEFAULT_TEST_TIMEOUT_MS = 120_000;

export const TEST_USAGE = `Usage: ftp-bounce-watch test [--log-group NAME ...] [--deliver] [options]

Proves that the deployment works, hop by hop: writes one test line into each log group (into the
stream ftp-bounce-watch-canary, signed with the canary's key so that nobody else can write one),
waits until the detector has seen it and published it, and prints each hop with its latency:
  log group -> detector -> SNS
Without --deliver the detector publishes it to the canary topic, which no person reads; with
--deliver it sends a real alert marked TEST to the alert topic ([TEST] in the email subject,
"TEST ·" in email, Slack and Chatbot), so you can check that alerts reach people. A test alert opens
no incident.

With no --log-group it tests the logGroups in the context of ./cdk.json, or in account-wide and
central modes the canary's own log group (the stack output CanaryLogGroupName). It reads the stack's
outputs (${DEFAULT_STACK_NAME}, or --stack NAME) and needs cloudformation:DescribeStacks,
secretsmanager:GetSecretValue on the canary key (CanarySecretArn), logs:CreateLogStream and
logs:PutLogEvents on the log groups, dynamodb:GetItem on the incident table (IncidentTableName) and
kms:Decrypt on its key (KeyArn). See docs/operations.md, "ftp-bounce-watch test".

Options:
  --log-group NAME|ARN  A log group to test; repeat for more.
  --deliver             Send a real alert marked TEST to the people subscribed (email, Slack).
  --cdk-json PATH       Read logGroups from this cdk.json instead of ./cdk.json.
  --stack NAME          The deployed stack. Default: ${DEFAULT_STACK_NAME}.
  --timeout SECONDS     How long to wait for every hop. Default: ${DEFAULT_TEST_TIMEOUT_MS / 1000}.
  -h, --help            Show this help.

Examples:
  ftp-bounce-watch test
  ftp-bounce-watch test --deliver
  ftp-bounce-watch test --log-group /ftp/proftpd --timeout 300

Exit status: 0 when every hop of every log group was seen; 1 when a hop was not seen within the
timeout (each is named on stderr, with what to check); 2 on bad usage, a missing stack or output, or
an AWS error (access denied names the IAM action).
`;

export async function runTest(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('test', argv, {
    'log-group': { type: 'string', multiple: true },
    'cdk-json': { type: 'string' },
    'deliver': { type: 'boolean' },
    'stack': { type: 'string' },
    'timeout': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout.write(TEST_USAGE);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}': name log groups with --log-group (see 'ftp-bounce-watch test --help')`);
  }
  const logGroups = values['log-group'] ?? [];
  if (logGroups.length > 0 && values['cdk-json'] !== undefined) {
    throw new UsageError(`give --log-group or --cdk-json, not both (see 'ftp-bounce-watch test --help')`);
  }
  const stackName = values.stack ?? DEFAULT_STACK_NAME;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new UsageError(`--stack must be a CloudFormation stack name (letters, digits, hyphens, starting with a letter), not '${stackName}'`);
  }
  // Loaded on demand, like status's checks: the AWS SDK is slow to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load explained above.
  const { runTestCommand } = require('../log-groups/test-command') as typeof TestCommand;
  return runTestCommand(
    {
      logGroups,
      cdkJson: values['cdk-json'],
      deliver: values.deliver === true,
      stackName,
      timeoutMs: timeoutOption('test', values.timeout, DEFAULT_TEST_TIMEOUT_MS),
    },
    io,
  );
}
