/**
 * The human summary of `scan --format text`: findings grouped the way an alert groups them (client ×
 * classification, with counts), most severe first, then a one-line summary. Incremental and bounded: each
 * group keeps its count and only the first few places and targets, so a huge scan stays small in memory.
 */
import {
  type Classification,
  type Finding,
  formatTarget,
  RULE_11209_TEXT,
  SEVERITY_RANK,
  type Severity,
} from '../../lambda/detector';
import { noPaint, type SeverityPaint } from './color';

const SHOWN_PLACES = 5;
const SHOWN_TARGETS = 5;
const SHOWN_SERVERS = 3;
/** C0/C1 controls (ANSI escapes would drive the terminal), DEL, bidi overrides and isolates. */
const UNSAFE_FOR_TERMINAL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;

export function terminalSafe(text: string, max = 200): string {
  const clean = text.replace(UNSAFE_FOR_TERMINAL, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Keeps the first `limit` distinct values and counts the rest. */
class BoundedSet {
  readonly kept = new Set<string>();
  private more = new Set<string>();
  constructor(private readonly limit: number) {}
  add(value: string): void {
    if (this.kept.has(value)) return;
    if (this.kept.size < this.limit) this.kept.add(value);
    else if (this.more.size < 10_000) this.more.add(value);
  }

  describe(): string {
    const head = [...this.kept].join(', ');
    return this.more.size > 0
      ? `${head} (+${this.more.size >= 10_000 ? 'many' : this.more.size} more)`
      : head;
  }
}

interface Group {
  readonly srcIp: string | null;
  readonly classification: Classification;
  readonly severity: Severity;
  count: number;
  readonly places: string[];
  readonly targets: BoundedSet;
  readonly servers: BoundedSet;
}

export interface ScanTotals {
  readonly lines: number;
  readonly sources: number;
  /** What `sources` counts: "file" or "log group". */
  readonly sourceNoun: string;
  /** What `lines` counts; default "line" (a log group scan counts the events it fetched). */
  readonly lineNoun?: string;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** `n noun(s)`, or `≥ n nouns` when the count stopped at a cap. */
export function cappedCount(count: number, capped: boolean, noun: string): string {
  return `${capped ? '≥ ' : ''}${plural(count, noun)}${capped && count === 1 ? 's' : ''}`;
}

export class TextSummary {
  private readonly groups = new Map<string, Group>();
  private readonly bySeverity: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  private total = 0;

  /** `paint` colours the severity tags (ansiPaint on a terminal that wants colour). */
  constructor(private readonly paint: SeverityPaint = noPaint) {}

  /** `where` names the place, e.g. `examples/ftp.log:12`. */
  add(finding: Finding, where: string): void {
    this.total++;
    this.bySeverity[finding.severity]++;
    const key = `${finding.srcIp ?? ''}\u0000${finding.classification}`;
    let group = this.groups.get(key);
    if (!group) {
      group = {
        srcIp: finding.srcIp,
        classification: finding.classification,
        severity: finding.severity,
        count: 0,
        places: [],
        targets: new BoundedSet(SHOWN_TARGETS),
        servers: new BoundedSet(SHOWN_SERVERS),
      };
      this.groups.set(key, group);
    }
    group.count++;
    if (group.places.length < SHOWN_PLACES) group.places.push(where);
    group.targets.add(finding.target ? formatTarget(finding.target) : finding.rawArgument);
    if (finding.server) group.servers.add(finding.server);
  }

  render(totals: ScanTotals): string {
    const out: string[] = [];
    const groups = [...this.groups.values()].sort(
      (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.count - a.count,
    );
    for (const group of groups) {
      const text = RULE_11209_TEXT.classifications[group.classification];
      const client = group.srcIp === null ? 'unknown client' : terminalSafe(group.srcIp, 60);
      const more = group.count > group.places.length ? ` (+${group.count - group.places.length} more)` : '';
      out.push(`${this.paint(group.severity, `[${group.severity.toUpperCase()}]`)} ${text.label}: ${client} (x${group.count})`);
      if (group.servers.kept.size > 0) out.push(`  server:  ${terminalSafe(group.servers.describe())}`);
      out.push(`  target:  ${terminalSafe(group.targets.describe(), 400)}`);
      out.push(`  seen at: ${terminalSafe(group.places.join(', '), 600)}${more}`);
      out.push(`  do:      ${text.runbook[0] ?? ''}`);
      out.push('');
    }
    out.push(this.summaryLine(totals));
    return `${out.join('\n')}\n`;
  }

  summaryLine(totals: ScanTotals): string {
    const scanned = `${plural(totals.lines, totals.lineNoun ?? 'line')} of ${plural(totals.sources, totals.sourceNoun)}`;
    if (this.total === 0) return `No PORT/EPRT refusals (rule 11209) in ${scanned}.`;
    const breakdown = (Object.keys(this.bySeverity) as Severity[])
      .filter((severity) => this.bySeverity[severity] > 0)
      .map((severity) => `${this.bySeverity[severity]} ${severity}`)
      .join(', ');
    const clients = new Set([...this.groups.values()].map((group) => group.srcIp)).size;
    return `${plural(this.total, 'finding')} (${breakdown}) from ${plural(clients, 'client')} in ${scanned}.`;
  }
}
