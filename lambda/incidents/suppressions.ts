/**
 * Suppressions: "this client (or network) is known" for a while, with a reason and an author. A suppressed
 * client's findings are still counted and still listed, in the digest's `suppressed` section: a suppression
 * changes how people hear about an incident, never whether it is recorded. It covers findings up to its
 * severity cap only (default medium), so a bounce attempt (critical) or an internal target (high) is never
 * suppressed unless the suppression says so.
 *
 * Two sources: the state table's `X#suppressions` item (`ftp-bounce-watch suppress add`, for on-call) and the
 * `suppressions` context key (for what should live in code review). Pure, except `SuppressionCache`, which
 * reads the table at most once a minute with an enforced timeout and fails open.
 */
import { SEVERITY_RANK, type Severity } from '../detector/finding';
import { addressValue, InvalidNetworkError, type Network, parseNetwork } from '../detector/networks';

export type SuppressionSeverity = 'medium' | 'high' | 'critical';

export interface Suppression {
  /** `s-<8 hex>` for the table's, `cdk-<n>` for the context key's. */
  readonly id: string;
  /** The client address or network, canonical CIDR text (`203.0.113.7/32`). */
  readonly client: string;
  /** Only findings whose every target is in this network; null: any target. */
  readonly target: string | null;
  /** The most severe finding it covers. */
  readonly severity: SuppressionSeverity;
  readonly reason: string;
  /** Who added it: the caller's ARN, or `cdk.json`. */
  readonly author: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; from then on it covers nothing. */
  readonly expiresAt: number;
}

export const SUPPRESSION_LIMITS = {
  reasonChars: 300,
  /** Active suppressions in the table: the item stays small (well under DynamoDB's 400 KB) and quick to read. */
  tableCount: 500,
  /** Entries of the `suppressions` context key: more than this belongs in the table, or in a fix. */
  contextCount: 20,
  /**
   * The context key's entries as the detector's `SUPPRESSIONS` variable, at most this many characters: Lambda
   * allows 4 KB of environment in all (docs/operations.md), and the other variables need their share.
   */
  contextJsonChars: 2_048,
  defaultDurationMs: 7 * 24 * 60 * 60 * 1000,
  maxDurationMs: 90 * 24 * 60 * 60 * 1000,
  /** The detector reads the table's suppressions at most this often per container. */
  refreshMs: 60_000,
  /** ...and gives up on a read after this long (failing open), so a slow table never holds a batch back. */
  readTimeoutMs: 1_500,
} as const;

export const SUPPRESSION_SEVERITIES: readonly SuppressionSeverity[] = ['medium', 'high', 'critical'];

/** The one-line problems of a suppression's fields, shared by the CLI, the context validation and the reader. */
export const SUPPRESSION_PROBLEMS = {
  client: (value: string, why: string) => `client ${JSON.stringify(value.slice(0, 60))} is not an IP address or CIDR (${why})`,
  target: (value: string, why: string) => `target ${JSON.stringify(value.slice(0, 60))} is not an IP address or CIDR (${why})`,
  severity: (value: string) => `severity must be one of ${SUPPRESSION_SEVERITIES.join(', ')}, not ${JSON.stringify(value.slice(0, 20))}`,
  reasonMissing: 'a reason is required (who asked, why it is known, when it will be fixed)',
  noteMissing: 'a note is required (what is being done, a ticket)',
  textLong: (what: string, length: number) => `the ${what} is ${length} characters; at most ${SUPPRESSION_LIMITS.reasonChars}`,
  duration: (value: string) =>
    `duration ${JSON.stringify(value.slice(0, 20))} must be a number with m, h or d (e.g. 12h, 30d), at most 90d`,
  durationRange: (value: string, zero: boolean) =>
    `duration ${JSON.stringify(value.slice(0, 20))} is ${zero ? 'zero' : 'too long'}: it must be from 1m to 90d`,
  expires: (value: string) => `expires ${JSON.stringify(value.slice(0, 40))} must be an ISO-8601 date or time (e.g. 2027-01-31)`,
} as const;

export class InvalidSuppressionError extends Error {
  override readonly name = 'InvalidSuppressionError';
}

function network(text: string, field: 'client' | 'target'): Network {
  try {
    return parseNetwork(text);
  } catch (error) {
    if (!(error instanceof InvalidNetworkError)) throw error;
    const why = error.message.replace(/^invalid network "[^"]*": /, '').replace(/; expected .*$/, '');
    throw new InvalidSuppressionError(SUPPRESSION_PROBLEMS[field](text, why), { cause: error });
  }
}

/** Canonical CIDR text of an address or network; throws InvalidSuppressionError naming the field. */
export function canonicalNetwork(text: string, field: 'client' | 'target'): string {
  return network(text, field).cidr;
}

export function parseSuppressionSeverity(value: string | undefined): SuppressionSeverity {
  if (value === undefined) return 'medium';
  if ((SUPPRESSION_SEVERITIES as readonly string[]).includes(value)) return value as SuppressionSeverity;
  throw new InvalidSuppressionError(SUPPRESSION_PROBLEMS.severity(value));
}

/** A suppression's reason or an acknowledgement's note, on one line; throws when missing or too long. */
export function checkedText(value: string | undefined, what: 'reason' | 'note'): string {
  // eslint-disable-next-line no-control-regex -- control characters would break the one-line listings.
  const text = (value ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text === '') throw new InvalidSuppressionError(what === 'reason' ? SUPPRESSION_PROBLEMS.reasonMissing : SUPPRESSION_PROBLEMS.noteMissing);
  if (text.length > SUPPRESSION_LIMITS.reasonChars) {
    throw new InvalidSuppressionError(SUPPRESSION_PROBLEMS.textLong(what, text.length));
  }
  return text;
}

/** `30d`, `12h`, `90m` -> ms (1 minute to 90 days); default 7 days. */
export function parseDuration(value: string | undefined): number {
  if (value === undefined) return SUPPRESSION_LIMITS.defaultDurationMs;
  const match = /^(\d{1,5})(m|h|d)$/.exec(value.trim());
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (match === null) throw new InvalidSuppressionError(SUPPRESSION_PROBLEMS.duration(value));
  const ms = Number(match[1]) * unit[match[2] as keyof typeof unit];
  if (!(ms >= 60_000 && ms <= SUPPRESSION_LIMITS.maxDurationMs)) {
    throw new InvalidSuppressionError(SUPPRESSION_PROBLEMS.durationRange(value, ms === 0));
  }
  return ms;
}

/** A context entry as cdk.json writes it. */
export interface SuppressionSpec {
  readonly client: string;
  readonly target?: string;
  readonly severity?: string;
  readonly reason: string;
  /** ISO-8601 date or time. */
  readonly expires: string;
}

const SPEC_KEYS = new Set(['client', 'target', 'severity', 'reason', 'expires']);

/**
 * The `suppressions` context key (and the detector's `SUPPRESSIONS` variable, its JSON): every problem, one
 * line each, or the suppressions. An expired entry is valid (it covers nothing): time passing must not break
 * a synth.
 */
export function parseSuppressionSpecs(value: unknown): { suppressions: Suppression[]; problems: string[] } {
  const problems: string[] = [];
  const suppressions: Suppression[] = [];
  if (!Array.isArray(value)) return { suppressions, problems: ['must be a list of {client, target?, severity?, reason, expires}'] };
  if (value.length > SUPPRESSION_LIMITS.contextCount) {
    problems.push(`has ${value.length} entries; at most ${SUPPRESSION_LIMITS.contextCount} (use 'ftp-bounce-watch suppress add' for more)`);
  }
  value.forEach((entry: unknown, i) => {
    const at = `entry ${i + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at} must be an object {client, target?, severity?, reason, expires}`);
      return;
    }
    const spec = entry as Record<string, unknown>;
    const unknown = Object.keys(spec).filter((key) => !SPEC_KEYS.has(key));
    if (unknown.length > 0) problems.push(`${at} has unknown field ${JSON.stringify(unknown[0])} (fields: ${[...SPEC_KEYS].join(', ')})`);
    const text = (key: string): string | undefined => (typeof spec[key] === 'string' ? (spec[key] as string) : undefined);
    const failures: string[] = [];
    const attempt = <T>(run: () => T): T | undefined => {
      try {
        return run();
      } catch (error) {
        if (!(error instanceof InvalidSuppressionError)) throw error;
        failures.push(error.message);
        return undefined;
      }
    };
    const client = attempt(() => canonicalNetwork(text('client') ?? '', 'client'));
    const target = spec.target === undefined ? null : attempt(() => canonicalNetwork(text('target') ?? '', 'target'));
    const severity = attempt(() => parseSuppressionSeverity(spec.severity === undefined ? undefined : (text('severity') ?? '')));
    const reason = attempt(() => checkedText(text('reason'), 'reason'));
    const expiresText = text('expires') ?? '';
    const expiresAt = /^\d{4}-\d{2}-\d{2}/.test(expiresText) ? Date.parse(expiresText) : Number.NaN;
    if (Number.isNaN(expiresAt)) failures.push(SUPPRESSION_PROBLEMS.expires(expiresText));
    problems.push(...failures.map((problem) => `${at}: ${problem}`));
    if (failures.length === 0 && client !== undefined && target !== undefined && severity !== undefined && reason !== undefined) {
      suppressions.push({ id: `cdk-${i + 1}`, client, target, severity, reason, author: 'cdk.json', createdAt: 0, expiresAt });
    }
  });
  const json = suppressionsJson(suppressions);
  if (json.length > SUPPRESSION_LIMITS.contextJsonChars) {
    problems.push(
      `take ${json.length} characters as the detector's environment; at most ${SUPPRESSION_LIMITS.contextJsonChars} `
      + '(shorter reasons, fewer entries, or \'ftp-bounce-watch suppress add\')',
    );
  }
  return { suppressions, problems };
}

/** Context suppressions as the `SUPPRESSIONS` variable: the entries in canonical form, read back by the detector. */
export function suppressionsJson(suppressions: readonly Suppression[]): string {
  return JSON.stringify(
    suppressions.map((s) => ({
      client: s.client,
      ...(s.target === null ? {} : { target: s.target }),
      severity: s.severity,
      reason: s.reason,
      expires: new Date(s.expiresAt).toISOString(),
    })),
  );
}

function inNetwork(cidr: string, address: string): boolean {
  const value = addressValue(address);
  if (value === null) return false;
  const net = parseNetwork(cidr);
  return (value & net.mask) === net.base;
}

/** What a suppression is asked about: one client's findings of one severity, and their target hosts. */
export interface SuppressionQuery {
  readonly srcIp: string | null;
  /** The target hosts of the findings (none known: a target-scoped suppression does not apply). */
  readonly targetHosts: readonly string[];
  readonly severity: Severity;
  readonly now: number;
}

/** True when `s` covers these findings: unexpired, severity within its cap, client and every target inside. */
export function suppressionCovers(s: Suppression, query: SuppressionQuery): boolean {
  if (query.now >= s.expiresAt || query.srcIp === null) return false;
  if (SEVERITY_RANK[query.severity] > SEVERITY_RANK[s.severity]) return false;
  if (!inNetwork(s.client, query.srcIp)) return false;
  if (s.target === null) return true;
  const target = s.target;
  return query.targetHosts.length > 0 && query.targetHosts.every((host) => inNetwork(target, host));
}

/** The first suppression covering the query (context entries first, then the table's, oldest first), or null. */
export function suppressionFor(suppressions: readonly Suppression[], query: SuppressionQuery): Suppression | null {
  return suppressions.find((s) => suppressionCovers(s, query)) ?? null;
}

/** The unexpired ones, soonest to expire first. */
export function activeSuppressions(suppressions: readonly Suppression[], now: number): Suppression[] {
  return suppressions.filter((s) => s.expiresAt > now).sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : 1));
}

/** Reads the table's suppressions (the store's `X#suppressions` item); rejects on any failure. */
export type SuppressionReader = (signal: AbortSignal) => Promise<readonly Suppression[]>;

/** The read took longer than SUPPRESSION_LIMITS.readTimeoutMs. */
export class SuppressionsTimeoutError extends Error {
  override readonly name = 'SuppressionsTimeoutError';
}

export interface SuppressionCacheOptions {
  /** The table's suppressions; absent: context suppressions only. */
  readonly read?: SuppressionReader;
  /** The context key's, always in force. */
  readonly fixed?: readonly Suppression[];
  /** Called once per failed read (the detector counts `SuppressionsUnavailable` and logs it). Must not throw. */
  readonly unavailable?: (error: unknown) => void;
  /** Wall clock for the refresh interval. @default Date.now */
  readonly clock?: () => number;
  readonly refreshMs?: number;
  readonly timeoutMs?: number;
}

/**
 * The suppressions in force, read from the table at most once per refresh interval (per container), each read
 * cut at its timeout. A failed read fails open: until the next read only the context's suppressions apply, so
 * the alerts go out as they would without the table's.
 */
export class SuppressionCache {
  private cached: readonly Suppression[] = [];
  private readAt: number | null = null;
  private pending: Promise<readonly Suppression[]> | null = null;

  constructor(private readonly options: SuppressionCacheOptions = {}) {}

  async current(): Promise<readonly Suppression[]> {
    const fixed = this.options.fixed ?? [];
    const read = this.options.read;
    if (read === undefined) return fixed;
    const clock = this.options.clock ?? Date.now;
    const now = clock();
    if (this.readAt === null || now - this.readAt >= (this.options.refreshMs ?? SUPPRESSION_LIMITS.refreshMs)) {
      this.pending ??= this.refresh(read, now).finally(() => {
        this.pending = null;
      });
      await this.pending;
    }
    return [...fixed, ...this.cached];
  }

  private async refresh(read: SuppressionReader, now: number): Promise<readonly Suppression[]> {
    const timeoutMs = this.options.timeoutMs ?? SUPPRESSION_LIMITS.readTimeoutMs;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new SuppressionsTimeoutError(`suppressions not read within ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      this.cached = await Promise.race([read(controller.signal), timeout]);
    } catch (error) {
      this.cached = [];
      this.options.unavailable?.(error);
    } finally {
      clearTimeout(timer);
      this.readAt = now;
    }
    return this.cached;
  }
}
