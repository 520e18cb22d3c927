/** `ftp-bounce-watch incidents`: the open incidents of alert memory, one in detail, and acknowledging one. */
import { checkedText } from '../../lambda/incidents/suppressions';
import { parseCommandArgs } from '../args';
import { type CliIo, UsageError } from '../io';
import type * as OnCall from '../oncall/run';
import { checkedValue, TABLE_OPTIONS, TABLE_OPTIONS_USAGE, tableArgs } from './oncall-args';

export const INCIDENTS_USAGE = `Usage: ftp-bounce-watch incidents [list] [options]
       ftp-bounce-watch incidents show ID [options]
       ftp-bounce-watch incidents ack ID --note TEXT [options]

The open incidents alert memory holds (the deployment's state table): per incident its severity and
classification, client, log group, counts, current window and top targets, and whether it is open,
acknowledged (when, by whom, the note) or covered by a suppression. An incident closes, and leaves
the list, after a window with no findings.

  list      Every open incident, most severe first (the default).
  show ID   One incident in full. ID: the id, or its first 6 or more hex digits.
  ack ID    Acknowledge it: its updates then go to the digest's "acknowledged" section instead of
            messages of their own, until it escalates (a more severe classification still alerts at
            once). Your ARN (STS GetCallerIdentity) and the note are recorded. Acknowledging again
            replaces the note.

Options:
  --note TEXT           ack: what is being done, at most 300 characters (required).
${TABLE_OPTIONS_USAGE}

It uses your usual AWS credentials and Region and needs dynamodb:Scan on the table (list, show and
ack, which finds the incident first), dynamodb:BatchGetItem and dynamodb:PutItem (ack), and
cloudformation:DescribeStacks unless --table is given (docs/operations.md, "On call").

Examples:
  ftp-bounce-watch incidents
  ftp-bounce-watch incidents show 3f9c2a71d0
  ftp-bounce-watch incidents ack 3f9c2a71d0 --note "partner FXP test, ticket OPS-1234"
  ftp-bounce-watch incidents --format json | jq -r '.incidents[] | select(.status == "open") | .id'

Exit status: 0 done; 2 bad usage, no such incident, or an AWS error (access denied names the
action).
`;

export async function runIncidentsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('incidents', argv, { ...TABLE_OPTIONS, note: { type: 'string' } });
  if (values.help) {
    io.stdout.write(INCIDENTS_USAGE);
    return 0;
  }
  const [verb = 'list', id, ...extra] = positionals;
  const args = tableArgs('incidents', values, io.stdoutIsTty);
  let action: OnCall.IncidentsAction;
  if (verb === 'list') {
    if (id !== undefined) throw new UsageError(`incidents list takes no argument, got '${id}' (see 'ftp-bounce-watch incidents --help')`);
    action = { action: 'list' };
  } else if (verb === 'show' || verb === 'ack') {
    if (id === undefined || extra.length > 0) {
      throw new UsageError(`incidents ${verb} takes one incident ID (see 'ftp-bounce-watch incidents --help')`);
    }
    action = verb === 'show' ? { action: 'show', id } : { action: 'ack', id, note: checkedValue('incidents ack', () => checkedText(values.note, 'note')) };
  } else {
    throw new UsageError(`unknown incidents action '${verb}': list, show ID or ack ID --note TEXT`);
  }
  if (action.action !== 'ack' && values.note !== undefined) throw new UsageError('--note is for incidents ack');
  // Loaded on demand: the AWS SDK is slow to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the lazy load explained above.
  const { runIncidents } = require('../oncall/run') as typeof OnCall;
  return runIncidents(action, args, io);
}
