/**
 * `status` on a terminal: one row per log group, then each unhealthy group named with why and what to do, then
 * a one-line verdict. Names and ARNs come from AWS and are made terminal-safe like log text.
 */
import type { LogGroupStatus } from '../log-groups/status-check';
import type { FullStatusReport } from '../log-groups/status-command';
import type {
  CanaryRoundTrip,
  DeploymentStatus,
  FailureStore,
  RecentErrors,
  SuppressionsSummary,
  TopicSubscriptions,
} from '../log-groups/status-deployment';
import { timeLeft } from './oncall-text';
import { isoSeconds } from '../log-groups/time-range';
import { cappedCount, plural, terminalSafe } from './scan-text';
import { TERMINAL_COLUMNS, wrapLine } from './wrap';

const MAX_NAME = 60;
const MAX_CANARY_NAME = 36;

function ago(iso: string, now: number): string {
  const minutes = Math.floor((now - Date.parse(iso)) / 60_000);
  if (minutes < 0) return 'in the future';
  if (minutes < 60) return `${minutes}m ago`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h ago`;
  return `${Math.floor(minutes / 1440)}d ago`;
}

function attached(status: LogGroupStatus): string {
  if (status.attachedVia === 'subscription-filter') {
    const ours = status.filters.find((f) => f.ours);
    return `filter ${terminalSafe(ours?.name ?? '', 40)}`;
  }
  if (status.attachedVia === 'account-policy') return 'account policy';
  return status.exists ? 'no' : '-';
}

function row(status: LogGroupStatus, now: number): string[] {
  return [
    terminalSafe(status.logGroup, MAX_NAME),
    status.healthy ? 'ok' : status.exists ? 'UNHEALTHY' : 'MISSING',
    attached(status),
    status.exists ? `${status.filters.length}/${status.filterLimit}` : '-',
    status.lastEventTime === null
      ? status.exists
        ? 'none'
        : '-'
      : `${isoSeconds(status.lastEventTime)} (${ago(status.lastEventTime, now)})`,
  ];
}

/** The least room a wrapped last cell keeps on each line. */
const MIN_WRAPPED_CELL = 40;

/** Aligned columns; a row too wide for the terminal wraps its last cell under that cell's column. */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const cells of rows) cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.flatMap((cells) => {
    const lastColumn = widths.slice(0, cells.length - 1).reduce((sum, width) => sum + width + 2, 0);
    const line = cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
    // Wrapped only where the continuation can sit under its column with room to read; else left whole.
    return lastColumn <= TERMINAL_COLUMNS - MIN_WRAPPED_CELL ? wrapLine(line, TERMINAL_COLUMNS, lastColumn) : [line];
  });
}

const STORE_LABEL: Record<FailureStore['store'], string> = {
  'failure-queue': 'failure queue',
  'failure-bucket': 'failure bucket',
  'slack-forwarder-failure-queue': 'Slack forwarder failure queue',
};

const NOT_CHECKED = 'NOT CHECKED';

function subscriptionRow(topic: TopicSubscriptions): string[] {
  const label = `${topic.topic} topic subscriptions`;
  if (topic.confirmed === null) return [label, NOT_CHECKED, ''];
  const confirmed = `${topic.confirmed} confirmed`;
  if (topic.pending.length === 0) return [label, 'ok', confirmed];
  const deleted = topic.pendingDeletedBy === null ? 'deletion time unknown' : `deleted by SNS by ${isoSeconds(topic.pendingDeletedBy)}`;
  return [label, 'PENDING', `${confirmed}, ${topic.pending.length} waiting for confirmation, ${deleted}`];
}

function storeRow(store: FailureStore): string[] {
  const label = STORE_LABEL[store.store];
  if (store.waiting === null) return [label, NOT_CHECKED, ''];
  if (store.waiting === 0) return [label, 'ok', 'empty'];
  const count = cappedCount(store.waiting, store.capped, store.kind === 's3-bucket' ? 'object' : 'message');
  const newest = store.newest === null ? '' : `, newest ${isoSeconds(store.newest)}`;
  return [label, 'WAITING', `${count}${newest}`];
}

function errorsRow(errors: RecentErrors): string[] {
  const label = `${errors.function} errors (24 h)`;
  if (errors.count === null) return [label, NOT_CHECKED, ''];
  if (errors.count === 0) return [label, 'ok', 'none'];
  const latest = errors.latest[0];
  const when = latest === undefined ? '' : `, latest ${isoSeconds(latest.time)}`;
  return [label, 'ERRORS', `${errors.capped ? '≥ ' : ''}${errors.count}${when}`];
}

function seconds(ms: number | null): string {
  return ms === null ? '?' : `${(ms / 1000).toFixed(1)} s`;
}

/** The canary's last round trip: informative only (the overdue alarm is the verdict). */
function canaryRow(canary: CanaryRoundTrip, now: number): string[] {
  // Shorter than other names: the check column is as wide as its widest label, and the detail needs the room.
  const label = `canary ${terminalSafe(canary.logGroup, MAX_CANARY_NAME)}`;
  if (canary.overdueWarnedAt !== null) {
    // The canary function's own verdict: the last round trip below it is old news.
    const last = canary.seenAt === null ? 'never back' : `last back ${ago(canary.seenAt, now)}`;
    return [label, 'OVERDUE', `operator told ${ago(canary.overdueWarnedAt, now)}, ${last}`];
  }
  if (canary.seenAt === null) {
    return [label, canary.writtenAt === null ? 'none yet' : 'NOT BACK', canary.writtenAt === null ? '' : `written ${ago(canary.writtenAt, now)}, never seen`];
  }
  const published = canary.publishedAt === null ? ', not published' : `, SNS +${seconds(canary.publishLatencyMs)}`;
  return [label, 'ok', `detector +${seconds(canary.seenLatencyMs)}${published}, ${isoSeconds(canary.seenAt)} (${ago(canary.seenAt, now)})`];
}

function suppressionsRow(summary: SuppressionsSummary, now: number): string[] {
  if (summary.active === null) return ['suppressions', 'NOT CHECKED', `table ${terminalSafe(summary.table, MAX_NAME)}`];
  if (summary.active === 0) return ['suppressions', 'none', 'ftp-bounce-watch suppress add to say a client is known'];
  const next = summary.soonest[0];
  const detail =
    next === undefined ? '' : `next to expire ${timeLeft(next.expiresAt, now)}: ${next.id} ${next.client}`;
  return ['suppressions', `${summary.active} active`, detail];
}

function renderDeployment(deployment: DeploymentStatus, now: number): string[] {
  const stack = `stack ${terminalSafe(deployment.stackName, MAX_NAME)}`;
  const lines = deployment.notes.map((note) => `${stack}: note: ${terminalSafe(note, 400)}`);
  if (!deployment.found && deployment.unchecked.length === 0) return ['', ...lines];
  const out = [''];
  if (deployment.found) {
    out.push(
      `Stack ${terminalSafe(deployment.stackName, MAX_NAME)}`,
      '',
      ...table([
        ['CHECK', 'STATUS', 'DETAIL'],
        ...deployment.subscriptions.map(subscriptionRow),
        ...deployment.failureStores.map(storeRow),
        ...deployment.recentErrors.map(errorsRow),
        ...deployment.canaries.map((canary) => canaryRow(canary, now)),
        ...(deployment.suppressions === undefined || deployment.suppressions === null
          ? []
          : [suppressionsRow(deployment.suppressions, now)]),
      ]),
    );
  }
  const details = [
    ...deployment.problems.map((problem) => `${stack}: ${terminalSafe(problem, 1000)}`),
    ...deployment.warnings.map((warning) => `${stack}: warning: ${terminalSafe(warning, 1000)}`),
    ...deployment.unchecked.map((why) => `${stack}: not checked: ${terminalSafe(why, 400)}`),
    ...lines,
  ];
  if (details.length > 0) out.push('', ...details);
  const counts = [
    deployment.problems.length > 0 && plural(deployment.problems.length, 'problem'),
    deployment.warnings.length > 0 && plural(deployment.warnings.length, 'warning'),
    deployment.unchecked.length > 0 && `${plural(deployment.unchecked.length, 'check')} not run`,
  ].filter((part): part is string => typeof part === 'string');
  out.push(
    '',
    counts.length === 0
      ? `Stack ${terminalSafe(deployment.stackName, MAX_NAME)}: no unconfirmed subscription, no failure waiting, no error in 24 h.`
      : `Stack ${terminalSafe(deployment.stackName, MAX_NAME)}: ${counts.join(', ')}.`,
  );
  return out;
}

export function renderStatusText(report: FullStatusReport, now: number): string {
  const out: string[] = [
    `Region ${report.region}, filter pattern ${terminalSafe(report.filterPattern, 200)}`,
    '',
    ...table([
      ['LOG GROUP', 'STATUS', 'ATTACHED', 'FILTERS', 'LAST EVENT'],
      ...report.logGroups.map((status) => row(status, now)),
    ]),
  ];
  const details = report.logGroups.flatMap((status) => [
    ...status.problems.map((problem) => `${terminalSafe(status.logGroup, MAX_NAME)}: ${terminalSafe(problem, 1000)}`),
    ...status.notes.map((note) => `${terminalSafe(status.logGroup, MAX_NAME)}: note: ${terminalSafe(note, 400)}`),
  ]);
  if (details.length > 0) out.push('', ...details);
  if (report.deployment !== null) out.push(...renderDeployment(report.deployment, now));
  const healthy = report.logGroups.filter((s) => s.healthy).length;
  const total = report.logGroups.length;
  out.push(
    '',
    healthy === total
      ? total === 1
        ? 'The log group is attached.'
        : `All ${total} log groups are attached.`
      : `${healthy} of ${total} log group${total === 1 ? '' : 's'} healthy.`,
  );
  // Each problem and note stays on one line, unwrapped: most end in a command to copy, and grep finds them whole.
  return `${out.join('\n')}\n`;
}
