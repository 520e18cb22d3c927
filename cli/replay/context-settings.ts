/**
 * Alert memory's CDK context keys (`-c alertWindow=90m` ...) for the local run and the CLI's backfill: parsed
 * by the app's own context parser (infra/context.ts), turned into the environment the stack gives the
 * functions, and read from there by the Lambda's own reader, so all three read them alike.
 */
import { ContextError, parseIncidentContext } from '../../infra/context';
import { incidentEnvironment } from '../../infra/incident-settings';
import { readIncidentSettings } from '../../lambda/config';
import type { IncidentSettings } from '../../lambda/incidents';

export class ContextSettingError extends Error {
  override readonly name = 'ContextSettingError';
}

const KEYS = ['alertWindow', 'lowSeverity', 'digestInterval', 'maxNewIncidentsPerHour', 'scanPorts', 'scanHosts'];

/** The functions' environment for these context values; unknown keys and bad values throw ContextSettingError. */
export function settingsEnvFromContext(context: Readonly<Record<string, string>>): Record<string, string> {
  const unknown = Object.keys(context).find((key) => !KEYS.includes(key));
  if (unknown !== undefined) {
    throw new ContextSettingError(`unknown context key ${JSON.stringify(unknown)}; alert memory takes ${KEYS.join(', ')}`);
  }
  try {
    return incidentEnvironment(parseIncidentContext(context));
  } catch (error) {
    if (error instanceof ContextError) {
      const first = error.problems[0];
      throw new ContextSettingError(first === undefined ? error.message : `${first.key}: ${first.message}`, { cause: error });
    }
    throw error;
  }
}

export function settingsFromContext(context: Readonly<Record<string, string>>): IncidentSettings {
  return readIncidentSettings(settingsEnvFromContext(context));
}
