/**
 * One settings reader for everything that changes what a finding or an alert says (`internalNetworks`, alert
 * memory's window, low-severity handling, digest interval, flood guard and scan thresholds), shared by the CLI's
 * scans (files and log groups) and `npm start`. It takes the same keys as `cdk deploy -c` and cdk.json's `context`,
 * checked by the app's own parser (`parseFindingSettings` in infra/context.ts: an unknown key is refused with the
 * list of keys), turns them into the environment the stack gives the functions, and reads that back with the
 * Lambda's own readers (lambda/config.ts), so the deployment, `npm start` and a scan read them alike.
 *
 * Sources, later ones winning (as with the CDK CLI): the `context` of ./cdk.json when there is one (the project's
 * settings; `--no-cdk-json` leaves it out), then each `-c KEY=VALUE`.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ContextError, parseFindingSettings } from '../infra/context';
import { incidentEnvironment } from '../infra/incident-settings';
import { suppressionsJson } from '../lambda/incidents/suppressions';
import { ConfigError, readIncidentSettings } from '../lambda/config';
import { type NetworkSet, parseNetworks } from '../lambda/detector/networks';
import type { IncidentSettings } from '../lambda/incidents';

/** A bad setting, a bad cdk.json, or a malformed `-c`: one line naming the problem. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export interface RunSettings {
  /** The operator's own networks: targets inside them are `internal-target`. */
  readonly internalNetworks: NetworkSet;
  readonly incidents: IncidentSettings;
  /** What the stack sets in the functions' environment for these settings. */
  readonly functionEnv: Readonly<Record<string, string>>;
  /**
   * One line saying that cdk.json's context was read, and what it set; undefined when no cdk.json was read.
   * Printed on stderr by the CLI and `npm start`.
   */
  readonly note: string | undefined;
}

export interface SettingsSources {
  /** Where to look for cdk.json. */
  readonly cwd: string;
  /** False with `--no-cdk-json`. */
  readonly useCdkJson: boolean;
  /** The `-c` values, each `KEY=VALUE`. */
  readonly pairs: readonly string[];
}

/** `-c KEY=VALUE` pairs into a context object; later pairs win. */
export function contextPairs(pairs: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new SettingsError(`-c needs KEY=VALUE, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return context;
}

/** The `context` block of `<cwd>/cdk.json`, or undefined when there is no such file. */
function cdkJsonContext(cwd: string): { path: string; context: Record<string, unknown> } | undefined {
  const path = join(cwd, 'cdk.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw new SettingsError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`${path} is not valid JSON (--no-cdk-json ignores it): ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const context = (json as { context?: unknown } | null)?.context;
  if (context === undefined) return { path, context: {} };
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new SettingsError(`${path}: "context" must be an object of settings (--no-cdk-json ignores it)`);
  }
  return { path, context: context as Record<string, unknown> };
}

/** Keys whose value changes what a finding or an alert says, as the note names them. */
const FINDING_KEYS = [
  'internalNetworks',
  'alertWindow',
  'lowSeverity',
  'digestInterval',
  'maxNewIncidentsPerHour',
  'scanPorts',
  'scanHosts',
  'suppressions',
];

function shown(value: unknown): string {
  if (Array.isArray(value) && value.some((v) => typeof v === 'object')) return `${value.length} entr${value.length === 1 ? 'y' : 'ies'}`;
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Reads the settings; throws SettingsError naming every problem (with its key) on one line. */
export function readRunSettings(sources: SettingsSources): RunSettings {
  const fromCli = contextPairs(sources.pairs);
  const project = sources.useCdkJson ? cdkJsonContext(sources.cwd) : undefined;
  const merged: Record<string, unknown> = { ...project?.context, ...fromCli };
  let parsed;
  try {
    parsed = parseFindingSettings(merged);
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    const where = project === undefined ? '' : ` (from -c or ${project.path}; --no-cdk-json ignores it)`;
    throw new SettingsError(`${error.problems.map((p) => `${p.key}: ${p.message}`).join('; ')}${where}`, { cause: error });
  }
  const functionEnv: Record<string, string> = {
    ...incidentEnvironment(parsed.incidents),
    ...(parsed.internalNetworks.length > 0 && { INTERNAL_NETWORKS: parsed.internalNetworks.join(',') }),
    ...(parsed.suppressions.length > 0 && { SUPPRESSIONS: suppressionsJson(parsed.suppressions) }),
  };
  let incidents: IncidentSettings;
  let internalNetworks: NetworkSet;
  try {
    incidents = readIncidentSettings(functionEnv);
    internalNetworks = parseNetworks(functionEnv.INTERNAL_NETWORKS ?? '');
  } catch (error) {
    // The app's parser and the Lambda's readers disagreeing is a bug, not bad input: say which variable.
    if (error instanceof ConfigError) throw new Error(`settings reader and Lambda configuration disagree: ${error.message}`, { cause: error });
    throw error;
  }
  let note: string | undefined;
  if (project !== undefined) {
    const set = FINDING_KEYS.filter((key) => project.context[key] !== undefined && fromCli[key] === undefined);
    const what = set.length === 0 ? 'none set, defaults apply' : set.map((key) => `${key}=${shown(project.context[key])}`).join(', ');
    const inside = relative(process.cwd(), project.path);
    const where = inside.startsWith('..') || inside === '' ? project.path : inside;
    note = `settings from ${where}'s context: ${what} (--no-cdk-json ignores it)`;
  }
  return { internalNetworks, incidents, functionEnv, note };
}
