/**
 * Alert memory's CDK context keys (`-c alertWindow=90m` ...) for the local run and the CLI's backfill: the
 * same keys and ranges as `cdk deploy -c`, turned into the environment the stack would give the functions
 * (and from there into settings through the Lambda's own reader, so both read them alike).
 */
import { readIncidentSettings } from '../../lambda/config';
import { INCIDENT_LIMITS, type IncidentSettings } from '../../lambda/incidents';

export class ContextSettingError extends Error {
  override readonly name = 'ContextSettingError';
}

const KEYS = ['alertWindow', 'lowSeverity', 'digestInterval', 'maxNewIncidentsPerHour', 'scanPorts', 'scanHosts'] as const;

/** `90`, `90m`, `2h`, `1d` -> minutes; null when not a duration. */
export function durationMinutes(text: string): number | null {
  const m = /^(\d{1,6})([mhd]?)$/.exec(text.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  return m[2] === 'h' ? n * 60 : m[2] === 'd' ? n * 1440 : n;
}

function minutes(key: string, value: string, min: number, max: number, range: string): string {
  const n = durationMinutes(value);
  if (n === null || n < min || n > max) {
    throw new ContextSettingError(`${key} must be a duration from ${range} (minutes, or with m, h or d), got ${JSON.stringify(value)}`);
  }
  return String(n);
}

function whole(key: string, value: string, min: number, max: number): string {
  if (!/^\d{1,6}$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
    throw new ContextSettingError(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return String(Number(value));
}

/** The functions' environment for these context values; unknown keys and bad values throw ContextSettingError. */
export function settingsEnvFromContext(context: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  const L = INCIDENT_LIMITS;
  for (const [key, value] of Object.entries(context)) {
    switch (key) {
      case 'alertWindow':
        env.ALERT_WINDOW_MINUTES = minutes(key, value, L.windowMinutes.min, L.windowMinutes.max, '5m to 24h');
        break;
      case 'digestInterval':
        env.DIGEST_INTERVAL_MINUTES = minutes(key, value, L.digestIntervalMinutes.min, L.digestIntervalMinutes.max, '1h to 7d');
        break;
      case 'lowSeverity':
        if (value !== 'digest' && value !== 'immediate') {
          throw new ContextSettingError(`lowSeverity must be digest or immediate, got ${JSON.stringify(value)}`);
        }
        env.LOW_SEVERITY = value;
        break;
      case 'maxNewIncidentsPerHour':
        env.MAX_NEW_INCIDENTS_PER_HOUR = whole(key, value, L.maxNewIncidentsPerHour.min, L.maxNewIncidentsPerHour.max);
        break;
      case 'scanPorts':
        env.SCAN_PORTS = whole(key, value, L.scanPorts.min, L.scanPorts.max);
        break;
      case 'scanHosts':
        env.SCAN_HOSTS = whole(key, value, L.scanHosts.min, L.scanHosts.max);
        break;
      default:
        throw new ContextSettingError(`unknown context key ${JSON.stringify(key)}; alert memory takes ${KEYS.join(', ')}`);
    }
  }
  return env;
}

export function settingsFromContext(context: Readonly<Record<string, string>>): IncidentSettings {
  return readIncidentSettings(settingsEnvFromContext(context));
}
