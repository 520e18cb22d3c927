/**
 * CloudWatch console deep links. The console keeps its state in the URL fragment and encodes it twice:
 * the fragment is percent-encoded, then every `%` is written `$25` (so `/` is `$252F`). Logs Insights takes
 * a `queryDetail` in the JSURL-like form the console itself writes: `~(key~value~...)`, strings prefixed with
 * `'`, and inside strings every byte other than letters, digits, `.` and `-` written `*XX`.
 */
import { toWellFormed } from './sanitize';
import { isAwsRegion } from '../aws-names';
import type { AlertLinks } from './alert';

export class InvalidRegionError extends Error {
  override readonly name = 'InvalidRegionError';
  constructor(region: string) {
    super(`invalid AWS region ${JSON.stringify(region.slice(0, 40))}: expected e.g. us-east-1`);
  }
}

/** Throws InvalidRegionError unless `region` looks like an AWS region name, so no URL is built from junk. */
export function assertRegion(region: string): void {
  if (!isAwsRegion(region)) throw new InvalidRegionError(region);
}

/** The console's origin for the region's partition. */
function consoleHome(region: string): string {
  assertRegion(region);
  if (region.startsWith('cn-'))
    return `https://${region}.console.amazonaws.cn/cloudwatch/home?region=${region}`;
  if (region.startsWith('us-gov-'))
    return `https://console.amazonaws-us-gov.com/cloudwatch/home?region=${region}`;
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
}

/** Percent-encodes everything but unreserved characters (encodeURIComponent leaves `!'()*~` as they are). */
function strictEncode(value: string): string {
  return encodeURIComponent(toWellFormed(value)).replace(
    /[!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** One path segment of the console fragment, in the console's `$25` double encoding. */
function fragmentSegment(value: string): string {
  return strictEncode(value).replace(/%/g, '$25');
}

export function logGroupUrl(region: string, logGroup: string): string {
  return `${consoleHome(region)}#logsV2:log-groups/log-group/${fragmentSegment(logGroup)}`;
}

export function logStreamUrl(region: string, logGroup: string, logStream: string): string {
  return `${logGroupUrl(region, logGroup)}/log-events/${fragmentSegment(logStream)}`;
}

/** A string value inside queryDetail: `'` then each byte outside [A-Za-z0-9.-] as `*XX`. */
/** Bytes kept as they are in the console's `*XX` encoding: A-Z, a-z, 0-9, `.` and `-`. */
function isPlainByte(byte: number): boolean {
  return (
    (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte === 46 || byte === 45
  );
}

function insightsString(value: string): string {
  let out = '\'';
  for (const byte of Buffer.from(toWellFormed(value), 'utf8')) {
    out += isPlainByte(byte) ? String.fromCharCode(byte) : `*${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `~`, `(`, `)` and `'` are the structure of queryDetail; in the fragment they become `$257E` and so on. */
function insightsFragment(queryDetail: string): string {
  const structure = queryDetail.replace(
    /[~()']/g,
    (c) => `$25${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `logsV2:logs-insights$3FqueryDetail$3D${structure}`;
}

/** Only address-like text goes into a query: anything else cannot be an IP and would need query escaping. */
const ADDRESS_LIKE = /^[0-9A-Fa-f:.]{2,45}$/;

const HOUR_MS = 3_600_000;

/**
 * Logs Insights query for everything this client did in the log group (the runbooks send people there),
 * from a day before the first refusal to an hour after the last. proftpd writes the client as `(name[ip])` on
 * every line of its session, so the address in its brackets matches that client exactly: `[192.0.2.1]` is
 * not a substring of `[192.0.2.10]`. Without a usable client address, the query lists the refusals themselves.
 */
export function insightsQuery(srcIp: string | null): string {
  const filter =
    srcIp !== null && ADDRESS_LIKE.test(srcIp)
      ? `filter @message like "[${srcIp}]"`
      : 'filter @message like /(?i)refused (port|eprt) /';
  return ['fields @timestamp, @logStream, @message', `| ${filter}`, '| sort @timestamp desc'].join('\n');
}

/** What the links show: from a day before the first refusal (what led up to it) to an hour after the last. */
function linkRange(firstSeenMs: number, lastSeenMs: number): { start: number; end: number } {
  return { start: firstSeenMs - 24 * HOUR_MS, end: lastSeenMs + HOUR_MS };
}

export function insightsUrl(
  region: string,
  logGroup: string,
  srcIp: string | null,
  firstSeenMs: number,
  lastSeenMs: number,
): string {
  const range = linkRange(firstSeenMs, lastSeenMs);
  const start = new Date(range.start).toISOString();
  const end = new Date(range.end).toISOString();
  const detail =
    `~(end~${insightsString(end)}~start~${insightsString(start)}~timeType~'ABSOLUTE~tz~'UTC`
    + `~editorString~${insightsString(insightsQuery(srcIp))}~isLiveTail~false~source~(~${insightsString(logGroup)}))`;
  return `${consoleHome(region)}#${insightsFragment(detail)}`;
}

/**
 * The filter pattern that finds a client's lines: its address in proftpd's `(name[ip])` brackets, quoted as one
 * exact term; without a usable address, the refusals themselves (filter patterns are case-sensitive, and proftpd
 * writes the commands in capitals).
 */
export function clientFilterPattern(srcIp: string | null): string {
  return srcIp !== null && ADDRESS_LIKE.test(srcIp) ? `"[${srcIp}]"` : '?"Refused PORT" ?"Refused EPRT"';
}

/**
 * The log group's events filtered on the client, over the same time range as the Insights link: a link a
 * third of its length, for plain-text email, where a link cannot hide behind words.
 */
export function clientEventsUrl(
  region: string,
  logGroup: string,
  srcIp: string | null,
  firstSeenMs: number,
  lastSeenMs: number,
): string {
  const { start, end } = linkRange(firstSeenMs, lastSeenMs);
  return `${logGroupUrl(region, logGroup)}/log-events$3FfilterPattern$3D${fragmentSegment(clientFilterPattern(srcIp))}`
    + `$26start$3D${start}$26end$3D${end}`;
}

/** Every console link of an alert about `srcIp` in `logGroup` (and, when all its lines came from one, `logStream`). */
export function consoleLinks(
  region: string,
  logGroup: string,
  srcIp: string | null,
  firstSeenMs: number,
  lastSeenMs: number,
  logStream?: string,
): AlertLinks {
  return {
    logGroup: logGroupUrl(region, logGroup),
    ...(logStream !== undefined && { logStream: logStreamUrl(region, logGroup, logStream) }),
    insights: insightsUrl(region, logGroup, srcIp, firstSeenMs, lastSeenMs),
    clientEvents: clientEventsUrl(region, logGroup, srcIp, firstSeenMs, lastSeenMs),
  };
}
