/**
 * Why a line did or did not fire, phase by phase (as `ossec-logtest` shows pre-decoding, decoding and the rule):
 * the format recognised, the fields read, the decoded target, the classification and the rule of docs/design.md
 * section 4 that gave it, or the rule of section 3 that refused the line. It runs the detector itself
 * (`detectLine`) with the scanners' trace on (`detectionTrace` in line-format.ts): there is no second parser, so
 * an explanation cannot drift from what the detector does.
 */
import type { Classification, DataTarget, Finding, FtpCommand, Severity } from './finding';
import { detectionTrace, type RejectionCode } from './line-format';
import { detectLine, type DetectorOptions } from './rule-11209';
import { CLASSIFICATION_RULES, REJECTION_TEXT } from './rule-11209.messages';

export interface LineExplanation {
  readonly line: string;
  /** The format recognised, in words; null when none was. */
  readonly format: string | null;
  /** What was read from the line; null fields were not there (or not reached). */
  readonly fields: {
    readonly host: string | null;
    readonly program: string | null;
    readonly server: string | null;
    readonly clientName: string | null;
    readonly client: string | null;
    readonly command: FtpCommand | null;
    readonly argument: string | null;
    readonly reason: string | null;
    readonly occurrences: number | null;
  };
  readonly target: DataTarget | null;
  /** The finding exactly as the detector gives it (and `scan` prints it); null when the line is not a refusal. */
  readonly finding: Finding | null;
  readonly classification: {
    readonly classification: Classification;
    readonly severity: Severity;
    /** The rule number in docs/design.md section 4 (first match wins). */
    readonly rule: number;
    readonly why: string;
  } | null;
  /** Why the line is not a refusal; null when it is. */
  readonly rejection: { readonly code: RejectionCode; readonly why: string } | null;
}

/** The condition of the rule that applied, made specific to this finding where the finding tells which part held. */
function classificationWhy(finding: Finding): string {
  const { when } = CLASSIFICATION_RULES[finding.classification];
  if (finding.classification === 'bounce-attempt') {
    return finding.target !== null && finding.target.port < 1024
      ? `the target port ${finding.target.port} is below 1024`
      : 'proftpd\'s reason says "bounce attack"';
  }
  return when;
}

/** Explains one line (its terminator, if any, is ignored as the detector ignores it). */
export function explainLine(line: string, options: DetectorOptions = {}): LineExplanation {
  detectionTrace.on = true;
  detectionTrace.format = null;
  detectionTrace.program = null;
  detectionTrace.rejection = null;
  let finding: Finding | null;
  let trace: { format: string | null; program: string | null; rejection: RejectionCode | null };
  try {
    finding = detectLine(line, options);
    trace = { format: detectionTrace.format, program: detectionTrace.program, rejection: detectionTrace.rejection };
  } finally {
    detectionTrace.on = false;
  }
  if (finding === null) {
    // Every path that gives up records why; a path that does not is named as the unknown format it is.
    const code = trace.rejection ?? 'unknown-header';
    return {
      line,
      format: trace.format,
      fields: {
        host: null,
        program: trace.program,
        server: null,
        clientName: null,
        client: null,
        command: null,
        argument: null,
        reason: null,
        occurrences: null,
      },
      target: null,
      finding: null,
      classification: null,
      rejection: { code, why: REJECTION_TEXT[code] },
    };
  }
  return {
    line,
    format: trace.format,
    fields: {
      host: finding.host,
      program: trace.program,
      server: finding.server,
      clientName: finding.clientName,
      client: finding.srcIp,
      command: finding.command,
      argument: finding.rawArgument,
      reason: finding.reason,
      occurrences: finding.occurrences,
    },
    target: finding.target,
    finding,
    classification: {
      classification: finding.classification,
      severity: finding.severity,
      rule: CLASSIFICATION_RULES[finding.classification].rule,
      why: classificationWhy(finding),
    },
    rejection: null,
  };
}
