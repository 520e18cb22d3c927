/**
 * `status` on a terminal: one row per log group, then each unhealthy group named with why and what to do, then
 * a one-line verdict. Names and ARNs come from AWS and are made terminal-safe like log text.
 */
import type { LogGroupStatus, StatusReport } from '../log-groups/status-check';
import { terminalSafe } from './scan-text';

const MAX_NAME = 60;

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
      : `${status.lastEventTime.replace(/\.\d{3}Z$/, 'Z')} (${ago(status.lastEventTime, now)})`,
  ];
}

function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const cells of rows) cells.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((cells) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function renderStatusText(report: StatusReport, now: number): string {
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
  const healthy = report.logGroups.filter((s) => s.healthy).length;
  const total = report.logGroups.length;
  out.push(
    '',
    healthy === total
      ? `All ${total === 1 ? 'log group is' : `${total} log groups are`} attached.`
      : `${healthy} of ${total} log group${total === 1 ? '' : 's'} healthy.`,
  );
  return `${out.join('\n')}\n`;
}
