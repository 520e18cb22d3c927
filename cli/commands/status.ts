/** `ftp-bounce-watch status`: is the deployment attached to each log group, and does it hold anything that failed? */
import { DEFAULT_STACK_NAME } from '../../infra/deployment-names';
import { DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { parseCommandArgs, timeoutOption } from '../args';
import { DEFAULT_SILENCE_TIMEOUT_MS } from '../aws/call';
import { type CliIo, UsageError } from '../io';
import type * as StatusCommand from '../log-groups/status-command';
import type { StatusFormat } from '../log-groups/status-command';

export const STATUS_USAGE = `Usage: ftp-bounce-watch status [--log-group NAME ...] [options]

Checks, for each log group, that the deployment is attached to it:
  - the log group exists (in your AWS Region);
  - a subscription filter sends its refusal lines to the detector Lambda function: the one the
    stack creates, named "${SUBSCRIPTION_FILTER_NAME}" ("${SUBSCRIPTION_FILTER_NAME}-shard-N" beyond
    100 log groups), or one with the deployment's filter pattern, or the
    account-level policy (accountWide=true);
  - it has room for that filter (CloudWatch Logs allows 2 per log group), and what to do if not;
  - when its last event arrived.
Then, from the outputs of the deployed stack (${DEFAULT_STACK_NAME}, or --stack NAME):
  - email subscriptions to the alert and operator topics still waiting for confirmation (they
    receive nothing until confirmed);
  - what waits in the failure stores: the email dead-letter queue (also the Kinesis records the
    detector gave up on, central mode), the detector's failure bucket, the Slack forwarder's failure
    queue;
  - ERROR lines of the detector, the sweep and the Slack forwarder over the last 24 hours (count,
    latest 3);
  - the canary's last round trip per log group (seen by the detector, published), from the incident
    table;
  - how many suppressions are active, and the next to expire (suppress list shows them all).

With no --log-group it checks the logGroups in the context of ./cdk.json (the app's settings; see
--cdk-json). It uses your usual AWS credentials and Region (AWS_PROFILE, AWS_REGION, ...) and needs
logs:DescribeLogGroups, logs:DescribeSubscriptionFilters and logs:DescribeLogStreams (and, to
recognise accountWide deployments, logs:DescribeAccountPolicies); for the deployment checks
cloudformation:DescribeStacks, sns:ListSubscriptionsByTopic, sqs:GetQueueAttributes, s3:ListBucket
on the failure bucket, logs:FilterLogEvents on the functions' log groups, and on the incident table
dynamodb:GetItem (suppressions) and dynamodb:BatchGetItem (the canary) with kms:Decrypt on its key
(KeyArn). A check it may not run is named.

Options:
  --log-group NAME|ARN  A log group to check; repeat for more.
  --cdk-json PATH       Read logGroups (and filterPattern) from this cdk.json instead of ./cdk.json.
  --filter-pattern P    The pattern the deployment uses. Default: filterPattern from cdk.json, else
                        ${DEFAULT_FILTER_PATTERN}
  --stack NAME          The deployed stack to check. Default: ${DEFAULT_STACK_NAME} (skipped, with a note,
                        when it does not exist in the Region).
  --log-groups-only     Check the log groups only, not the stack.
  --timeout SECONDS     How long an AWS endpoint may stay silent before its check gives up, naming
                        the endpoint (each attempt gets a third of it). Default: 30.
  --format text|json    text: a table, then each unhealthy log group with why and what to do.
                        json: one JSON document for scripts (problems also on stderr).
                        Default: text on a terminal, json when piped.
  -h, --help            Show this help.

Examples:
  ftp-bounce-watch status
  ftp-bounce-watch status --log-group /ftp/proftpd --log-group /var/log/syslog
  ftp-bounce-watch status --cdk-json ~/deploy/ftp-bounce-watch/cdk.json
  ftp-bounce-watch status --format json | jq -r '.logGroups[] | select(.healthy | not) | .logGroup'

Exit status: 0 when every log group is healthy and the deployment has nothing pending or waiting; 1
when any log group is not, an email subscription is unconfirmed, or a failure store holds something
(each is named, with why and what to do; recent ERROR lines are a warning and do not change it); 2
on bad usage, a missing or bad cdk.json, or an AWS error (no credentials or Region, access denied),
also when a deployment check could not run and nothing else is wrong.
`;

function statusFormat(value: string | undefined, stdoutIsTty: boolean): StatusFormat {
  if (value === undefined) return stdoutIsTty ? 'text' : 'json';
  if (value === 'text' || value === 'json') return value;
  throw new UsageError(`--format must be 'text' or 'json', not '${value}' (see 'ftp-bounce-watch status --help')`);
}

export async function runStatus(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('status', argv, {
    'log-group': { type: 'string', multiple: true },
    'cdk-json': { type: 'string' },
    'filter-pattern': { type: 'string' },
    'stack': { type: 'string' },
    'log-groups-only': { type: 'boolean' },
    'format': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
    'timeout': { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(STATUS_USAGE);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument '${positionals[0]}': name log groups with --log-group (see 'ftp-bounce-watch status --help')`,
    );
  }
  const format = statusFormat(values.format, io.stdoutIsTty);
  const logGroups = values['log-group'] ?? [];
  if (logGroups.length > 0 && values['cdk-json'] !== undefined) {
    throw new UsageError(`give --log-group or --cdk-json, not both (see 'ftp-bounce-watch status --help')`);
  }
  const stackName = values.stack;
  if (stackName !== undefined && values['log-groups-only']) {
    throw new UsageError(`give --stack or --log-groups-only, not both (see 'ftp-bounce-watch status --help')`);
  }
  if (stackName !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new UsageError(`--stack must be a CloudFormation stack name (letters, digits, hyphens, starting with a letter), not '${stackName}'`);
  }
  const stack = values['log-groups-only']
    ? null
    : { name: stackName ?? DEFAULT_STACK_NAME, named: stackName !== undefined };
  // Loaded on demand, like scan's log group search (see there): the AWS SDK is slow to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load explained above.
  const { runStatusCheck } = require('../log-groups/status-command') as typeof StatusCommand;
  return runStatusCheck(
    {
      logGroups,
      cdkJson: values['cdk-json'],
      filterPattern: values['filter-pattern'],
      format,
      stack,
      timeoutMs: timeoutOption('status', values.timeout, DEFAULT_SILENCE_TIMEOUT_MS),
    },
    io,
  );
}
