/**
 * Alert memory's settings as infra sees them (docs/design.md section 8): the six context keys, their defaults and ranges,
 * and the environment variables that carry them to the functions. Infra does not import runtime code, so the
 * numbers are restated here; test/infra/incident-settings.test.ts keeps them equal to `lambda/incidents/settings.ts`.
 * Pure: no CDK imports.
 */
import { show } from './validation';

export type LowSeverityMode = 'digest' | 'immediate';
export const LOW_SEVERITY_MODES: readonly LowSeverityMode[] = ['digest', 'immediate'];

/** The settings in whole minutes and counts, exactly what the environment variables carry. */
export interface IncidentSettingsConfig {
  readonly alertWindowMinutes: number;
  readonly lowSeverity: LowSeverityMode;
  readonly digestIntervalMinutes: number;
  readonly maxNewIncidentsPerHour: number;
  readonly scanPorts: number;
  readonly scanHosts: number;
}

const HOUR = 60;
const DAY = 24 * HOUR;

/** The runtime's defaults (lambda/incidents/settings.ts INCIDENT_DEFAULTS), which that file justifies. */
export const INCIDENT_SETTING_DEFAULTS: IncidentSettingsConfig = {
  alertWindowMinutes: 60,
  lowSeverity: 'digest',
  digestIntervalMinutes: DAY,
  maxNewIncidentsPerHour: 30,
  scanPorts: 10,
  scanHosts: 5,
};

/** The runtime's accepted ranges (lambda/incidents/settings.ts INCIDENT_LIMITS). */
export const INCIDENT_SETTING_LIMITS = {
  alertWindowMinutes: { min: 5, max: DAY },
  digestIntervalMinutes: { min: HOUR, max: 7 * DAY },
  maxNewIncidentsPerHour: { min: 1, max: 10_000 },
  scanPorts: { min: 2, max: 1000 },
  scanHosts: { min: 2, max: 1000 },
} as const;

/** The environment variable each setting travels in (read by lambda/config.ts). */
export const INCIDENT_ENV_VARS: Readonly<Record<keyof IncidentSettingsConfig, string>> = {
  alertWindowMinutes: 'ALERT_WINDOW_MINUTES',
  lowSeverity: 'LOW_SEVERITY',
  digestIntervalMinutes: 'DIGEST_INTERVAL_MINUTES',
  maxNewIncidentsPerHour: 'MAX_NEW_INCIDENTS_PER_HOUR',
  scanPorts: 'SCAN_PORTS',
  scanHosts: 'SCAN_HOSTS',
};

/** The functions' environment for these settings: every variable set, so a deployment shows what it runs with. */
export function incidentEnvironment(settings: IncidentSettingsConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, variable] of Object.entries(INCIDENT_ENV_VARS)) {
    env[variable] = String(settings[key as keyof IncidentSettingsConfig]);
  }
  return env;
}

/** `90` (minutes), `90m`, `2h`, `1d`: a whole number with an optional unit. */
const DURATION = /^(\d{1,7})\s*([mhd])?$/i;
const UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: HOUR, d: DAY };

/** Minutes as the shortest exact text with a unit: 90 -> `90m`, 120 -> `2h`, 1440 -> `24h`, 10080 -> `7d`. */
export function formatMinutes(minutes: number): string {
  if (minutes % DAY === 0 && minutes > DAY) return `${minutes / DAY}d`;
  if (minutes % HOUR === 0) return `${minutes / HOUR}h`;
  return `${minutes}m`;
}

/**
 * A duration in whole minutes from context text (`90`, `90m`, `2h`, `7d`) or a JSON number (minutes), checked
 * against its range; or the problem, naming the accepted forms and range.
 */
export function parseDurationMinutes(
  value: unknown,
  range: { readonly min: number; readonly max: number },
): { minutes: number } | { problem: string } {
  const expected =
    `expected a duration from ${formatMinutes(range.min)} to ${formatMinutes(range.max)}: `
    + `minutes (90) or a number with m, h or d (90m, 2h, 1d)`;
  let minutes: number | undefined;
  if (typeof value === 'number') {
    minutes = Number.isSafeInteger(value) ? value : undefined;
  } else if (typeof value === 'string') {
    const m = DURATION.exec(value.trim());
    if (m?.[1] !== undefined) minutes = Number(m[1]) * (UNIT_MINUTES[(m[2] ?? 'm').toLowerCase()] ?? 1);
  }
  if (minutes === undefined || minutes < range.min || minutes > range.max) {
    return { problem: `${expected}, got ${show(value)}` };
  }
  return { minutes };
}

/** A whole number in range from context text or a JSON number; or the problem. */
export function parseWholeNumber(
  value: unknown,
  range: { readonly min: number; readonly max: number },
): { value: number } | { problem: string } {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const parsed = /^\d{1,7}$/.test(text) ? Number(text) : undefined;
  if (parsed === undefined || parsed < range.min || parsed > range.max) {
    return { problem: `expected a whole number from ${range.min} to ${range.max}, got ${show(value)}` };
  }
  return { value: parsed };
}

/** `digest` or `immediate`, any case; or the problem. */
export function parseLowSeverity(value: unknown): { mode: LowSeverityMode } | { problem: string } {
  const folded = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  const mode = LOW_SEVERITY_MODES.find((m) => m === folded);
  return mode ? { mode } : { problem: `expected ${LOW_SEVERITY_MODES.join(' or ')}, got ${show(value)}` };
}
