/**
 * Colour for severities in text output: only on a terminal, and never when the user said no, with the
 * NO_COLOR convention (https://no-color.org: set and not empty) or with --no-color, nor on a dumb terminal.
 */
import type { Severity } from '../../lambda/detector';

/** SGR codes: critical bold red, high red, medium yellow, low cyan. */
const SEVERITY_SGR: Readonly<Record<Severity, string>> = { critical: '1;31', high: '31', medium: '33', low: '36' };

export type SeverityPaint = (severity: Severity, text: string) => string;

export const noPaint: SeverityPaint = (_severity, text) => text;
export const ansiPaint: SeverityPaint = (severity, text) => `\u001b[${SEVERITY_SGR[severity]}m${text}\u001b[0m`;

export function wantsColor(
  stdoutIsTty: boolean,
  env: Readonly<Record<string, string | undefined>>,
  noColorFlag: boolean,
): boolean {
  return stdoutIsTty && !noColorFlag && (env.NO_COLOR ?? '') === '' && !isDumbTerminal(env);
}

/** `TERM=dumb` (Emacs shells, some CI logs): no escape sequences at all, neither colour nor a rewritten line. */
export function isDumbTerminal(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.TERM === 'dumb';
}
