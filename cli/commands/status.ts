/** `ftp-bounce-watch status`: is the deployment attached to each log group? */
import { DEFAULT_FILTER_PATTERN, SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { parseCommandArgs } from '../args';
import { type CliIo, UsageError } from '../io';
import type * as StatusCommand from '../log-groups/status-command';
import type { StatusFormat } from '../log-groups/status-command';

export const STATUS_USAGE = `Usage: ftp-bounce-watch status [--log-group NAME ...] [options]

Checks, for each log group, that the deployment is attached to it:
  - the log group exists (in your AWS Region);
  - a subscription filter sends its refusal lines to the detector Lambda function: the one the
    stack creates, named "${SUBSCRIPTION_FILTER_NAME}", or one with the deployment's filter pattern, or the
    account-level policy (accountWide=true);
  - it has room for that filter (CloudWatch Logs allows 2 per log group), and what to do if not;
  - when its last event arrived.

With no --log-group it checks the logGroups in the context of ./cdk.json (the app's settings; see
--cdk-json). It uses your usual AWS credentials and Region (AWS_PROFILE, AWS_REGION, ...) and needs
logs:DescribeLogGroups, logs:DescribeSubscriptionFilters and logs:DescribeLogStreams (and, to
recognise accountWide deployments, logs:DescribeAccountPolicies).

Options:
  --log-group NAME|ARN  A log group to check; repeat for more.
  --cdk-json PATH       Read logGroups (and filterPattern) from this cdk.json instead of ./cdk.json.
  --filter-pattern P    The pattern the deployment uses. Default: filterPattern from cdk.json, else
                        ${DEFAULT_FILTER_PATTERN}
  --format text|json    text: a table, then each unhealthy log group with why and what to do.
                        json: one JSON document for scripts (problems also on stderr).
                        Default: text on a terminal, json when piped.
  -h, --help            Show this help.

Examples:
  ftp-bounce-watch status
  ftp-bounce-watch status --log-group /ftp/proftpd --log-group /var/log/syslog
  ftp-bounce-watch status --cdk-json ~/deploy/ftp-bounce-watch/cdk.json
  ftp-bounce-watch status --format json | jq -r '.logGroups[] | select(.healthy | not) | .logGroup'

Exit status: 0 when every log group is healthy; 1 when any is not (each is named, with why);
2 on bad usage, a missing or bad cdk.json, or an AWS error (no credentials or Region, access denied).
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
    'format': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
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
  // Loaded on demand, like scan's log group search (see there): the AWS SDK is slow to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load explained above.
  const { runStatusCheck } = require('../log-groups/status-command') as typeof StatusCommand;
  return runStatusCheck(
    { logGroups, cdkJson: values['cdk-json'], filterPattern: values['filter-pattern'], format },
    io,
  );
}
