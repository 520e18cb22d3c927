/**
 * Reads an Alert back from the SNS message the forwarder receives (the `default` JSON of docs/design.md section 5).
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
const CLASSIFICATIONS = new Set([...Object.keys(RULE_11209_TEXT.classifications), 'bounce-scan']);
const KINDS = new Set(['new', 'update', 'escalation', 'digest']);
const MEMORY = new Set(['on', 'off', 'unavailable']);
const WELL_KNOWN = new Set(['instance-metadata', 'loopback', 'vpc-dns']);

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

type Fail = (field: string, expected: string) => never;

function checkTargetCounts(value: unknown, field: string, fail: Fail): void {
  if (!Array.isArray(value)) return fail(field, 'an array');
  value.forEach((t: unknown, i) => {
    if (!isObject(t) || typeof t.target !== 'string' || !isCount(t.count)) fail(`${field}[${i}]`, '{target, count}');
  });
  return undefined;
}

function checkWindow(window: unknown, fail: Fail): void {
  if (!isObject(window)) return fail('window', 'an object');
  for (const field of ['count', 'distinctTargets', 'distinctPorts', 'distinctHosts'] as const) {
    if (!isCount(window[field])) fail(`window.${field}`, 'a non-negative integer');
  }
  if (typeof window.distinctCapped !== 'boolean') fail('window.distinctCapped', 'a boolean');
  checkTargetCounts(window.topTargets, 'window.topTargets', fail);
  return undefined;
}

const DIGEST_REASONS = new Set(['low-severity', 'flood-guard', 'suppressed', 'acknowledged']);

function checkDigest(digest: unknown, fail: Fail): void {
  if (!isObject(digest)) return fail('digest', 'an object');
  if (!DIGEST_REASONS.has(digest.reason as string)) fail('digest.reason', [...DIGEST_REASONS].join(', '));
  if (!isCount(digest.entriesTruncated)) fail('digest.entriesTruncated', 'a non-negative integer');
  if (!Array.isArray(digest.entries)) return fail('digest.entries', 'an array');
  digest.entries.forEach((entry: unknown, i) => {
    const at = `digest.entries[${i}]`;
    if (!isObject(entry)) return fail(at, 'an object');
    for (const field of ['incidentId', 'logGroup', 'firstSeen', 'lastSeen'] as const) {
      if (typeof entry[field] !== 'string') fail(`${at}.${field}`, 'a string');
    }
    if (entry.srcIp !== null && typeof entry.srcIp !== 'string') fail(`${at}.srcIp`, 'a string or null');
    if (typeof entry.classification !== 'string' || !CLASSIFICATIONS.has(entry.classification)) {
      fail(`${at}.classification`, 'a known classification');
    }
    if (typeof entry.severity !== 'string' || !SEVERITIES.has(entry.severity)) fail(`${at}.severity`, 'a known severity');
    if (!isCount(entry.count)) fail(`${at}.count`, 'a non-negative integer');
    checkTargetCounts(entry.topTargets, `${at}.topTargets`, fail);
    if (entry.note !== undefined && typeof entry.note !== 'string') fail(`${at}.note`, 'a string when present');
    return undefined;
  });
  return undefined;
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

  for (const field of ['incidentId', 'region'] as const) {
    if (typeof value[field] !== 'string') fail(field, 'a string');
  }
  if (value.account !== null && typeof value.account !== 'string') fail('account', 'a string or null');
  if (typeof value.kind !== 'string' || !KINDS.has(value.kind)) fail('kind', 'new, update, escalation or digest');
  if (typeof value.alertMemory !== 'string' || !MEMORY.has(value.alertMemory)) fail('alertMemory', 'on, off or unavailable');
  for (const field of ['windowStart', 'windowEnd'] as const) {
    if (typeof value[field] !== 'string' || Number.isNaN(Date.parse(value[field] as string))) {
      fail(field, 'an ISO-8601 timestamp');
    }
  }
  if (!isCount(value.incidentTotal)) fail('incidentTotal', 'a non-negative integer');
  if (value.window !== undefined) checkWindow(value.window, fail);
  if (value.digest !== undefined) checkDigest(value.digest, fail);
  if (value.kind === 'digest' && value.digest === undefined) fail('digest', 'an object (kind is digest)');

  const links = value.links;
  if (!isObject(links)) return fail('links', 'an object');
  if (!isHttpsUrl(links.logGroup)) fail('links.logGroup', 'an https URL');
  if (!isHttpsUrl(links.insights)) fail('links.insights', 'an https URL');
  if (links.logStream !== undefined && !isHttpsUrl(links.logStream)) fail('links.logStream', 'an https URL');
  if (links.clientEvents !== undefined && !isHttpsUrl(links.clientEvents)) fail('links.clientEvents', 'an https URL');

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

  // Alerts published before `hosts` and `wellKnownTargets` existed (a message retried across an upgrade) lack them.
  const hosts = value.hosts ?? [];
  if (!isStringArray(hosts)) fail('hosts', 'an array of strings');
  const wellKnownTargets = value.wellKnownTargets ?? [];
  if (!Array.isArray(wellKnownTargets)) return fail('wellKnownTargets', 'an array');
  wellKnownTargets.forEach((hit: unknown, i) => {
    const at = `wellKnownTargets[${i}]`;
    if (!isObject(hit) || typeof hit.ip !== 'string') return fail(at, 'an object with an ip');
    if (typeof hit.kind !== 'string' || !WELL_KNOWN.has(hit.kind)) fail(`${at}.kind`, 'a known kind');
    if (hit.network !== null && typeof hit.network !== 'string') fail(`${at}.network`, 'a string or null');
    return undefined;
  });

  if (value.test !== undefined && value.test !== true) fail('test', 'true or absent');
  // Every field the renderers read has been checked above; the rest of the contract is carried along as is.
  return { ...value, hosts, wellKnownTargets } as unknown as Alert;
}
