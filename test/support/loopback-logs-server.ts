/**
 * A loopback stand-in for CloudWatch Logs speaking the JSON 1.1 protocol as `@aws-sdk/client-cloudwatch-logs`
 * sends it: `POST /`, `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: Logs_20140328.<Operation>`,
 * a SigV4 `Authorization` header, a JSON body; errors as JSON with `__type` and `message` and the status AWS
 * uses. Point the real client at it with AWS_ENDPOINT_URL_CLOUDWATCH_LOGS.
 *
 * Implements FilterLogEvents (time range, a subset of the filter pattern syntax, nextToken pages),
 * DescribeLogGroups (prefix, pages), DescribeSubscriptionFilters, DescribeLogStreams (by last event time)
 * and DescribeAccountPolicies. Errors can be scripted per operation. Writes: CreateLogStream and PutLogEvents
 * (into a stream that exists: it holds events or was created), handed to `onPut` after the answer, as a
 * subscription filter delivers them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './request-body';

const TARGET_PREFIX = 'Logs_20140328.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
const ACCOUNT = '123456789012';

export interface StoredEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
}

export interface StoredFilter {
  readonly filterName: string;
  readonly filterPattern: string;
  readonly destinationArn: string;
}

export interface StoredGroup {
  readonly events?: readonly StoredEvent[];
  readonly filters?: readonly StoredFilter[];
}

export interface StoredAccountPolicy {
  readonly policyName: string;
  readonly policyDocument: string;
  readonly selectionCriteria?: string;
}

export interface ScriptedError {
  /** Default 400. */
  readonly status?: number;
  /** The `__type`, e.g. ThrottlingException. */
  readonly type: string;
  readonly message?: string;
}

export interface ReceivedRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  /** The scripted error it was answered with, if any. */
  readonly failedWith?: string;
}

export interface LoopbackLogsServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly requests: readonly ReceivedRequest[];
  /** Answers the next request for `operation` whose body passes `when` with `error`, once. */
  failNext(operation: string, error: ScriptedError, when?: (body: Record<string, unknown>) => boolean): void;
  close(): Promise<void>;
}

export interface LoopbackLogsOptions {
  readonly region: string;
  readonly logGroups: Readonly<Record<string, StoredGroup>>;
  readonly accountPolicies?: readonly StoredAccountPolicy[];
  /** Events per FilterLogEvents page (AWS returns up to 10,000 or 1 MB). Default 3. */
  readonly pageSize?: number;
  /** What PutLogEvents wrote, with event ids, after the answer (a subscription's delivery is asynchronous too). */
  readonly onPut?: (put: WrittenBatch) => void;
}

export interface WrittenBatch {
  readonly logGroup: string;
  readonly logStream: string;
  readonly logEvents: ReadonlyArray<{ readonly id: string; readonly timestamp: number; readonly message: string }>;
}

class LogsError extends Error {
  override readonly name = 'LogsError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The filter pattern subset the app uses: space-separated terms, each a bare word or a "quoted phrase";
 * all `?`-prefixed terms: any one must occur; otherwise all must. Case-sensitive substrings, as in AWS.
 */
export function matchesFilterPattern(pattern: string, message: string): boolean {
  const terms = [...pattern.matchAll(/(\??)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map((m) => ({
    optional: m[1] === '?',
    text: (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1'),
  }));
  if (terms.length === 0) return true;
  if (terms.every((t) => t.optional)) return terms.some((t) => message.includes(t.text));
  return terms.filter((t) => !t.optional).every((t) => message.includes(t.text));
}

function str(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === 'string' ? value : undefined;
}

function num(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  return typeof value === 'number' ? value : undefined;
}

/** Tokens are opaque to clients; here they are the offset of the next item. */
function page<T>(items: readonly T[], body: Record<string, unknown>, size: number): { items: T[]; nextToken?: string } {
  const token = str(body, 'nextToken');
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(start) || start < 0) throw new LogsError(400, 'InvalidParameterException', 'bad nextToken');
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length && { nextToken: Buffer.from(String(end)).toString('base64url') }),
  };
}

export async function startLoopbackLogsServer(options: LoopbackLogsOptions): Promise<LoopbackLogsServer> {
  const requests: ReceivedRequest[] = [];
  const scripts: Array<{ operation: string; error: ScriptedError; when: (body: Record<string, unknown>) => boolean }> = [];
  const pageSize = options.pageSize ?? 3;
  const arnOf = (name: string) => `arn:aws:logs:${options.region}:${ACCOUNT}:log-group:${name}`;

  const group = (body: Record<string, unknown>): [string, StoredGroup] => {
    const identifier = str(body, 'logGroupIdentifier');
    const name = str(body, 'logGroupName') ?? identifier?.replace(/^arn:[^:]+:logs:[^:]+:\d{12}:log-group:/, '');
    if (name === undefined) throw new LogsError(400, 'InvalidParameterException', 'logGroupName is required');
    const stored = options.logGroups[name];
    if (stored === undefined) throw new LogsError(400, 'ResourceNotFoundException', 'The specified log group does not exist.');
    return [name, stored];
  };

  const written = new Map<string, StoredEvent[]>();
  const created = new Map<string, Set<string>>();
  const streamExists = (name: string, stored: StoredGroup, stream: string): boolean =>
    created.get(name)?.has(stream) === true || eventsOf(name, stored).some((e) => e.logStreamName === stream);
  const eventsOf = (name: string, stored: StoredGroup) =>
    [...(stored.events ?? []), ...(written.get(name) ?? [])].map((event, index) => ({
      ...event,
      eventId: `${name.length}${String(event.timestamp).padStart(16, '0')}${String(index).padStart(6, '0')}`,
      ingestionTime: event.timestamp + 500,
    }));

  let afterAnswer: (() => void) | undefined;
  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    CreateLogStream(body) {
      const [name, stored] = group(body);
      const stream = str(body, 'logStreamName');
      if (stream === undefined) throw new LogsError(400, 'InvalidParameterException', 'logStreamName is required');
      if (streamExists(name, stored, stream)) throw new LogsError(400, 'ResourceAlreadyExistsException', 'The specified log stream already exists');
      created.set(name, (created.get(name) ?? new Set()).add(stream));
      return {};
    },
    PutLogEvents(body) {
      const [name, stored] = group(body);
      const stream = str(body, 'logStreamName') ?? '';
      if (!streamExists(name, stored, stream)) throw new LogsError(400, 'ResourceNotFoundException', 'The specified log stream does not exist.');
      const events = (Array.isArray(body.logEvents) ? body.logEvents : []) as Array<{ timestamp: number; message: string }>;
      const list = written.get(name) ?? [];
      written.set(name, list);
      const logEvents = events.map((e) => {
        list.push({ logStreamName: stream, timestamp: e.timestamp, message: e.message });
        return { id: `${Date.now()}${String(list.length).padStart(10, '0')}`, timestamp: e.timestamp, message: e.message };
      });
      const onPut = options.onPut;
      if (onPut !== undefined) afterAnswer = () => onPut({ logGroup: name, logStream: stream, logEvents });
      return { nextSequenceToken: randomUUID() };
    },
    FilterLogEvents(body) {
      const [name, stored] = group(body);
      const start = num(body, 'startTime') ?? 0;
      const end = num(body, 'endTime') ?? Number.MAX_SAFE_INTEGER;
      const pattern = str(body, 'filterPattern') ?? '';
      const matching = eventsOf(name, stored).filter(
        (e) => e.timestamp >= start && e.timestamp < end && matchesFilterPattern(pattern, e.message),
      );
      const { items, nextToken } = page(matching, body, pageSize);
      return { events: items, searchedLogStreams: [], ...(nextToken !== undefined && { nextToken }) };
    },
    DescribeLogGroups(body) {
      const prefix = str(body, 'logGroupNamePrefix') ?? '';
      const names = Object.keys(options.logGroups)
        .filter((name) => name.startsWith(prefix))
        .sort();
      const { items, nextToken } = page(names, body, num(body, 'limit') ?? 50);
      return {
        logGroups: items.map((name) => ({
          logGroupName: name,
          creationTime: 1_700_000_000_000,
          storedBytes: 0,
          arn: `${arnOf(name)}:*`,
          logGroupArn: arnOf(name),
        })),
        ...(nextToken !== undefined && { nextToken }),
      };
    },
    DescribeSubscriptionFilters(body) {
      const [name, stored] = group(body);
      return {
        subscriptionFilters: (stored.filters ?? []).map((f) => ({
          ...f,
          logGroupName: name,
          distribution: 'ByLogStream',
          creationTime: 1_700_000_000_000,
        })),
      };
    },
    DescribeLogStreams(body) {
      const [name, stored] = group(body);
      if (str(body, 'orderBy') !== 'LastEventTime' || body.descending !== true) {
        throw new LogsError(400, 'InvalidParameterException', 'this server orders by LastEventTime, descending only');
      }
      const last = new Map<string, number>();
      for (const e of eventsOf(name, stored)) last.set(e.logStreamName, Math.max(last.get(e.logStreamName) ?? 0, e.timestamp));
      const streams = [...last.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([logStreamName, lastEventTimestamp]) => ({
          logStreamName,
          lastEventTimestamp,
          lastIngestionTime: lastEventTimestamp + 500,
        }));
      const { items, nextToken } = page(streams, body, num(body, 'limit') ?? 50);
      return { logStreams: items, ...(nextToken !== undefined && { nextToken }) };
    },
    DescribeAccountPolicies(body) {
      if (str(body, 'policyType') !== 'SUBSCRIPTION_FILTER_POLICY') {
        throw new LogsError(400, 'InvalidParameterException', 'policyType is required');
      }
      const name = str(body, 'policyName');
      return {
        accountPolicies: (options.accountPolicies ?? [])
          .filter((p) => name === undefined || p.policyName === name)
          .map((p) => ({ ...p, policyType: 'SUBSCRIPTION_FILTER_POLICY', scope: 'ALL', accountId: ACCOUNT })),
      };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    let operation = '?';
    try {
      const target = req.headers['x-amz-target'];
      if (req.method !== 'POST' || req.url !== '/') throw new LogsError(404, 'UnknownOperationException', 'POST / only');
      if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
        throw new LogsError(400, 'UnknownOperationException', `bad X-Amz-Target ${String(target)}`);
      }
      if (req.headers['content-type'] !== CONTENT_TYPE) {
        throw new LogsError(400, 'SerializationException', `Content-Type must be ${CONTENT_TYPE}`);
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        throw new LogsError(400, 'MissingAuthenticationTokenException', 'the request is not signed');
      }
      operation = target.slice(TARGET_PREFIX.length);
      const body = JSON.parse(text) as Record<string, unknown>;
      const index = scripts.findIndex((s) => s.operation === operation && s.when(body));
      const scripted = index === -1 ? undefined : scripts.splice(index, 1)[0];
      requests.push({ operation, body, ...(scripted && { failedWith: scripted.error.type }) });
      if (scripted) {
        throw new LogsError(scripted.error.status ?? 400, scripted.error.type, scripted.error.message ?? scripted.error.type);
      }
      const run = operations[operation];
      if (run === undefined) throw new LogsError(400, 'UnknownOperationException', `${operation} is not implemented here`);
      respond(res, 200, run(body));
      const after = afterAnswer;
      afterAnswer = undefined;
      after?.();
    } catch (error) {
      if (error instanceof LogsError) respond(res, error.status, { __type: error.type, message: error.message });
      else respond(res, 500, { __type: 'ServiceUnavailableException', message: String(error) });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failNext(operation, error, when = () => true) {
      scripts.push({ operation, error, when });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function respond(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}
