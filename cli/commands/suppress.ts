/** `ftp-bounce-watch suppress`: known clients, with an expiry, a reason and an author, kept in the state table. */
import {
  canonicalNetwork,
  checkedText,
  parseDuration,
  parseSuppressionSeverity,
  SUPPRESSION_LIMITS,
} from '../../lambda/incidents/suppressions';
import { parseCommandArgs } from '../args';
import { type CliIo, UsageError } from '../io';
import type * as OnCall from '../oncall/run';
import { checkedValue, TABLE_OPTIONS, TABLE_OPTIONS_USAGE, tableArgs } from './oncall-args';

export const SUPPRESS_USAGE = `Usage: ftp-bounce-watch suppress add CLIENT_OR_CIDR --reason TEXT [--target CIDR] [--for 7d]
                                    [--severity medium|high|critical] [options]
       ftp-bounce-watch suppress list [options]
       ftp-bounce-watch suppress remove ID [options]

Says "this client is known" for a while: a partner that uses FXP, a customer's NAT to be fixed next
month. A suppressed client's refusals are still counted and still listed, in the digest's
"suppressed" section with the reason; they only stop alerting one by one. A suppression covers
findings up to its severity (default medium: NAT and proxy clients), so an internal target (high) or
a bounce attempt or scan (critical) still alerts unless --severity says so. The detector reads the
list at most once a minute (if it cannot, it alerts as if there were none). For what should go
through code review, use the suppressions key of cdk.json instead (docs/operations.md, "On call").

  add CLIENT_OR_CIDR   An address (203.0.113.7, 2001:db8::7) or network (203.0.113.0/24).
  list                 The active suppressions, soonest to expire first.
  remove ID            Remove one (its id from list, s-xxxxxxxx).

Options:
  --reason TEXT         add: who asked, why it is known, when it will be fixed; at most ${SUPPRESSION_LIMITS.reasonChars}
                        characters (required).
  --target CIDR         add: only findings whose every target is in this network.
  --for DURATION        add: how long, e.g. 12h, 30d (m, h, d); at most 90d. Default: 7d.
  --severity LEVEL      add: the most severe finding covered: medium (default), high or critical.
${TABLE_OPTIONS_USAGE}

Your ARN (STS GetCallerIdentity) is recorded as the author. It needs dynamodb:GetItem on the table
(and dynamodb:PutItem for add and remove), and cloudformation:DescribeStacks unless --table is given
(docs/operations.md, "On call").

Examples:
  ftp-bounce-watch suppress add 198.51.100.23 --for 30d --reason "Acme FXP partner, ticket OPS-1234"
  ftp-bounce-watch suppress add 192.0.2.0/24 --target 10.0.0.0/8 --severity high --reason "lab NAT"
  ftp-bounce-watch suppress list
  ftp-bounce-watch suppress remove s-1a2b3c4d

Exit status: 0 done; 2 bad usage, an unknown id, a full list (${SUPPRESSION_LIMITS.tableCount}) or an AWS error.
`;

const checked = <T>(run: () => T): T => checkedValue('suppress add', run);

export async function runSuppressCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('suppress', argv, {
    ...TABLE_OPTIONS,
    reason: { type: 'string' },
    target: { type: 'string' },
    for: { type: 'string' },
    severity: { type: 'string' },
  });
  if (values.help) {
    io.stdout.write(SUPPRESS_USAGE);
    return 0;
  }
  const [verb, subject, ...extra] = positionals;
  const addOnly = (['reason', 'target', 'for', 'severity'] as const).filter((option) => values[option] !== undefined);
  let action: OnCall.SuppressAction;
  if (verb === 'add') {
    if (subject === undefined || extra.length > 0) {
      throw new UsageError('suppress add takes one CLIENT_OR_CIDR (see \'ftp-bounce-watch suppress --help\')');
    }
    action = {
      action: 'add',
      client: checked(() => canonicalNetwork(subject, 'client')),
      target: values.target === undefined ? null : checked(() => canonicalNetwork(values.target as string, 'target')),
      severity: checked(() => parseSuppressionSeverity(values.severity)),
      reason: checked(() => checkedText(values.reason, 'reason')),
      durationMs: checked(() => parseDuration(values.for)),
    };
  } else if (verb === 'list' || verb === 'remove') {
    if (addOnly.length > 0) throw new UsageError(`--${addOnly[0]} is for suppress add`);
    if (verb === 'list' && subject !== undefined) throw new UsageError(`suppress list takes no argument, got '${subject}'`);
    if (verb === 'remove' && (subject === undefined || extra.length > 0)) throw new UsageError('suppress remove takes one ID (suppress list shows them)');
    action = verb === 'list' ? { action: 'list' } : { action: 'remove', id: subject as string };
  } else {
    throw new UsageError(
      verb === undefined
        ? 'suppress needs an action: add, list or remove (see \'ftp-bounce-watch suppress --help\')'
        : `unknown suppress action '${verb}': add, list or remove`,
    );
  }
  const args = tableArgs('suppress', values, io.stdoutIsTty);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand: the AWS SDK is slow to load.
  const { runSuppress } = require('../oncall/run') as typeof OnCall;
  return runSuppress(action, args, io);
}
