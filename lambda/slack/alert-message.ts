/**
 * Reads an Alert back from the SNS message the forwarder receives (the `default` JSON of DESIGN.md section 5).
 * The topic only accepts publishes from the detector, but a message of the wrong shape (a manual test publish, a
 * future format) must fail with a clear reason rather than as a TypeError deep inside the renderer.
 */
import type { Alert } from '../alerts';
import { RULE_11209_TEXT } from '../detector';

/** The SNS message is not an Alert; `reason` names the first field that is wrong, never its content. */
export class AlertMessageError extends Error {
  override readonly name = 'AlertMessageError';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`SNS message is not an FtpBounceWatch alert: ${reason}`, options);
  }
}

const SEVERITIES = new Set(['low', 'medium', 'high', 'critical']);
const CLASSIFICATIONS = new Set(Object.keys(RULE_11209_TEXT.classifications));

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Console links become Slack buttons: only https URLs may. */
function isHttpsUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    // Not a URL at all: the caller reports the field.
    return false;
  }
}

export function parseAlertMessage(message: string): Alert {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch (error) {
    throw new AlertMessageError('not JSON', { cause: error });
  }
  if (!isObject(value)) throw new AlertMessageError('not a JSON object');
  const fail = (field: string, expected: string): never => {
    throw new AlertMessageError(`field ${field} is not ${expected}`);
  };

  if (value.ruleId !== '11209') fail('ruleId', '"11209"');
  for (const field of ['id', 'fingerprint', 'title', 'ruleTitle', 'command', 'logGroup', 'description'] as const) {
    if (typeof value[field] !== 'string') fail(field, 'a string');
  }
  for (const field of ['firstSeen', 'lastSeen'] as const) {
    if (typeof value[field] !== 'string' || Number.isNaN(Date.parse(value[field] as string))) {
      fail(field, 'an ISO-8601 timestamp');
    }
  }
  if (typeof value.severity !== 'string' || !SEVERITIES.has(value.severity)) fail('severity', 'a known severity');
  if (typeof value.classification !== 'string' || !CLASSIFICATIONS.has(value.classification)) {
    fail('classification', 'a known classification');
  }
  for (const field of ['srcIp', 'server'] as const) {
    if (value[field] !== null && typeof value[field] !== 'string') fail(field, 'a string or null');
  }
  for (const field of ['count', 'logStreamsTruncated', 'targetsTruncated', 'samplesDropped'] as const) {
    if (!isCount(value[field])) fail(field, 'a non-negative integer');
  }
  for (const field of ['logStreams', 'targets', 'runbook'] as const) {
    if (!isStringArray(value[field])) fail(field, 'an array of strings');
  }

  const links = value.links;
  if (!isObject(links)) return fail('links', 'an object');
  if (!isHttpsUrl(links.logGroup)) fail('links.logGroup', 'an https URL');
  if (!isHttpsUrl(links.insights)) fail('links.insights', 'an https URL');
  if (links.logStream !== undefined && !isHttpsUrl(links.logStream)) fail('links.logStream', 'an https URL');

  const samples = value.samples;
  if (!Array.isArray(samples)) return fail('samples', 'an array');
  samples.forEach((sample: unknown, i) => {
    if (!isObject(sample)) return fail(`samples[${i}]`, 'an object');
    for (const field of ['eventId', 'logStream', 'timestamp'] as const) {
      if (typeof sample[field] !== 'string') fail(`samples[${i}].${field}`, 'a string');
    }
    const finding = sample.finding;
    if (!isObject(finding)) return fail(`samples[${i}].finding`, 'an object');
    if (typeof finding.line !== 'string') fail(`samples[${i}].finding.line`, 'a string');
    if (finding.clientName !== null && typeof finding.clientName !== 'string') {
      fail(`samples[${i}].finding.clientName`, 'a string or null');
    }
    return undefined;
  });

  // Every field the renderers read has been checked above; the rest of the contract is carried along as is.
  return value as unknown as Alert;
}
