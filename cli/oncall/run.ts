/**
 * `incidents` and `suppress`, once their arguments are parsed: open the table, act, print. Loaded only by those
 * commands (the AWS SDK is slow to load).
 */
import { activeSuppressions, type Suppression } from '../../lambda/incidents';
import type { SuppressionSeverity } from '../../lambda/incidents/suppressions';
import { type CallOptions, SilenceBudget } from '../aws/call';
import { clientRegion, resolveDeps } from '../aws/deps';
import { BufferedWriter, type CliIo } from '../io';
import {
  incidentView,
  renderAcknowledgedText,
  renderIncidentsText,
  renderIncidentText,
  renderSuppressionsText,
  sortIncidents,
  suppressionLines,
} from '../render/oncall-text';
import { wrapText } from '../render/wrap';
import { openStateTable, type StateTable } from './state-table';

export type OnCallFormat = 'text' | 'json';

export interface TableArgs {
  /** `--table`: the table itself, without the stack. */
  readonly table: string | undefined;
  readonly stackName: string;
  readonly timeoutMs: number;
  readonly format: OnCallFormat;
}

type TableAct = (table: StateTable, now: number) => Promise<string | object>;

async function withTable(args: TableArgs, io: CliIo, act: TableAct): Promise<number> {
  const deps = resolveDeps(io);
  const dynamodb = deps.dynamodbClient();
  const region = await clientRegion(dynamodb);
  const call: CallOptions = {
    signal: io.interrupted,
    silence: new SilenceBudget(args.timeoutMs, io.env),
    sleep: deps.sleep,
    random: deps.random,
  };
  const table = await openStateTable({
    table: args.table,
    stackName: args.stackName,
    region,
    call,
    dynamodb: () => dynamodb,
    cloudFormation: () => deps.cloudFormationClient(region),
    sts: () => deps.stsClient(region),
  });
  const result = await act(table, deps.now());
  const out = new BufferedWriter(io.stdout);
  await out.write(typeof result === 'string' ? result : `${JSON.stringify(result, null, 2)}\n`);
  await out.flush();
  return 0;
}

export type IncidentsAction =
  | { readonly action: 'list' }
  | { readonly action: 'show'; readonly id: string }
  | { readonly action: 'ack'; readonly id: string; readonly note: string };

export function runIncidents(action: IncidentsAction, args: TableArgs, io: CliIo): Promise<number> {
  const json = args.format === 'json';
  return withTable(args, io, async (table, now) => {
    if (action.action === 'list') {
      const views = sortIncidents((await table.incidents()).map((f) => incidentView(f.key, f.incident)));
      if (!json) return renderIncidentsText(views, table.tableName);
      return { table: table.tableName, region: table.region, incidents: views };
    }
    if (action.action === 'show') {
      const found = await table.incident(action.id);
      const view = incidentView(found.key, found.incident);
      return json ? view : renderIncidentText(view);
    }
    const found = await table.acknowledge(action.id, action.note, now);
    const view = incidentView(found.key, found.incident);
    if (json) return view;
    return renderAcknowledgedText(view, found.replaced);
  });
}

export type SuppressAction =
  | { readonly action: 'list' }
  | { readonly action: 'remove'; readonly id: string }
  | {
    readonly action: 'add';
    readonly client: string;
    readonly target: string | null;
    readonly severity: SuppressionSeverity;
    readonly reason: string;
    readonly durationMs: number;
  };

function listed(active: readonly Suppression[], table: StateTable): object {
  return { table: table.tableName, region: table.region, suppressions: active };
}

export function runSuppress(action: SuppressAction, args: TableArgs, io: CliIo): Promise<number> {
  const json = args.format === 'json';
  return withTable(args, io, async (table, now) => {
    if (action.action === 'list') {
      const active = activeSuppressions((await table.suppressions()).suppressions, now);
      return json ? listed(active, table) : renderSuppressionsText(active, table.tableName, now);
    }
    if (action.action === 'remove') {
      const removed = await table.removeSuppression(action.id, now);
      return json ? removed : wrapText(`Removed:\n${suppressionLines(removed, now).join('\n')}\n`);
    }
    const { action: _, ...fields } = action;
    const added = await table.addSuppression(fields, now);
    if (json) return added;
    const note =
      added.severity === 'medium'
        ? ' Findings above medium (internal targets, bounce attempts, scans) still alert: --severity high|critical covers them.'
        : '';
    return wrapText(
      `Added:\n${suppressionLines(added, now).join('\n')}\nThe detector applies it within a minute; its findings are still counted and `
      + `listed in the digest's "suppressed" section.${note}\n`,
    );
  });
}
