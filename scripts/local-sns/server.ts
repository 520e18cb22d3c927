/**
 * A loopback stand-in for Amazon SNS, speaking the query protocol exactly as `@aws-sdk/client-sns` sends it:
 * a form-encoded POST (`Action=PublishBatch&Version=2010-03-31&TopicArn=...&PublishBatchRequestEntries.member.N.*`)
 * answered with XML in the SNS namespace. Used by the end-to-end tests and by `npm start`; it lives outside
 * test/ because the local run ships it.
 *
 * It implements PublishBatch only (the handler uses nothing else) and enforces the limits SNS enforces, so
 * that a rendering or chunking bug fails here as it would in AWS: at most 10 entries, distinct valid ids,
 * 256 KiB per request, a subject under 100 characters without control characters, a JSON message with a
 * `default` key when MessageStructure is json, well-formed String attributes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
const API_VERSION = '2010-03-31';
const MAX_ENTRIES = 10;
const MAX_PAYLOAD_BYTES = 262_144;
/** Far above any valid request (10 entries of 256 KiB, form-encoded); keeps a runaway client from filling memory. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface ReceivedAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
}

/** One PublishBatch entry as the server decoded it from the wire. */
export interface ReceivedEntry {
  readonly topicArn: string;
  readonly id: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly messageAttributes: Readonly<Record<string, ReceivedAttribute>>;
  /** `published` when answered as Successful; otherwise the failure code the server answered with. */
  readonly outcome: 'published' | { readonly code: string; readonly senderFault: boolean };
  /** Set when published, as SNS returns it. */
  readonly messageId?: string;
}

export interface ScriptedEntryFailure {
  /** Default `InternalError`. */
  readonly code?: string;
  readonly message?: string;
  /** Default false (a server-side failure the client should retry). */
  readonly senderFault?: boolean;
}

export interface ScriptedRequestFailure {
  /** HTTP status, default 500. */
  readonly status?: number;
  /** Error code, default `InternalError` (use `Throttling` with status 400 for throttling). */
  readonly code?: string;
  readonly message?: string;
}

export interface LocalSnsServerOptions {
  /** When set, requests for any other topic get SNS's NotFound error. */
  readonly topicArn?: string;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
}

export interface LocalSnsServer {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_SNS`. */
  readonly endpoint: string;
  readonly port: number;
  /** Every entry of every PublishBatch request that reached entry processing, in arrival order. */
  readonly received: readonly ReceivedEntry[];
  /** The entries answered as Successful, in arrival order. */
  readonly published: readonly ReceivedEntry[];
  /** How many HTTP requests arrived (including scripted and refused ones). */
  readonly requestCount: number;
  /** The next `times` entries matching `match` are answered as Failed. */
  failEntries(match: (entry: ReceivedEntry) => boolean, times: number, failure?: ScriptedEntryFailure): void;
  /** The next `times` requests are answered with an HTTP error and SNS error XML. */
  failRequests(times: number, failure?: ScriptedRequestFailure): void;
  /** Drops every scripted failure not yet used: the server answers normally again. */
  clearFailures(): void;
  close(): Promise<void>;
}

class SnsRequestError extends Error {
  override readonly name = 'SnsRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface EntryScript {
  readonly match: (entry: ReceivedEntry) => boolean;
  remaining: number;
  readonly failure: Required<ScriptedEntryFailure>;
}

export async function startLocalSnsServer(options: LocalSnsServerOptions = {}): Promise<LocalSnsServer> {
  const received: ReceivedEntry[] = [];
  const published: ReceivedEntry[] = [];
  const entryScripts: EntryScript[] = [];
  const requestFailures: Required<ScriptedRequestFailure>[] = [];
  let requestCount = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requestCount++;
    const requestId = randomUUID();
    try {
      const body = await readBody(req);
      const scripted = requestFailures.shift();
      if (scripted !== undefined) throw new SnsRequestError(scripted.status, scripted.code, scripted.message);
      if (req.method !== 'POST') throw new SnsRequestError(405, 'InvalidAction', 'Only POST is supported');
      const params = new URLSearchParams(body);
      const action = params.get('Action');
      if (action !== 'PublishBatch') {
        throw new SnsRequestError(
          400,
          'InvalidAction',
          `The local SNS server implements PublishBatch only, not ${action}`,
        );
      }
      if (params.get('Version') !== API_VERSION) {
        throw new SnsRequestError(
          400,
          'InvalidParameterValue',
          `Unsupported API version ${params.get('Version')}`,
        );
      }
      const topicArn = params.get('TopicArn') ?? '';
      if (options.topicArn !== undefined && topicArn !== options.topicArn) {
        throw new SnsRequestError(404, 'NotFound', 'Topic does not exist');
      }
      const entries = parseEntries(params, topicArn);
      validateBatch(entries);

      const successful: string[] = [];
      const failed: string[] = [];
      for (const entry of entries) {
        const failure = entryFailure(entry) ?? scriptedFailure(entryScripts, entry);
        if (failure === undefined) {
          const messageId = randomUUID();
          const accepted: ReceivedEntry = { ...entry, outcome: 'published', messageId };
          received.push(accepted);
          published.push(accepted);
          successful.push(`<member><Id>${xml(entry.id)}</Id><MessageId>${messageId}</MessageId></member>`);
        } else {
          received.push({ ...entry, outcome: { code: failure.code, senderFault: failure.senderFault } });
          failed.push(
            `<member><Id>${xml(entry.id)}</Id><Code>${xml(failure.code)}</Code>`
            + `<Message>${xml(failure.message)}</Message><SenderFault>${failure.senderFault}</SenderFault></member>`,
          );
        }
      }
      send(
        res,
        200,
        `<PublishBatchResponse xmlns="${SNS_XML_NAMESPACE}"><PublishBatchResult>`
        + `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`
        + `</PublishBatchResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`
        + '</PublishBatchResponse>',
      );
    } catch (error) {
      const e =
        error instanceof SnsRequestError ? error : new SnsRequestError(500, 'InternalError', String(error));
      const type = e.status >= 500 ? 'Receiver' : 'Sender';
      send(
        res,
        e.status,
        `<ErrorResponse xmlns="${SNS_XML_NAMESPACE}"><Error><Type>${type}</Type><Code>${xml(e.code)}</Code>`
        + `<Message>${xml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only reachable if writing the response itself failed; the client sees a reset connection.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    received,
    published,
    get requestCount() {
      return requestCount;
    },
    failEntries(match, times, failure = {}) {
      entryScripts.push({
        match,
        remaining: times,
        failure: {
          code: failure.code ?? 'InternalError',
          message: failure.message ?? 'Scripted failure of the local SNS server',
          senderFault: failure.senderFault ?? false,
        },
      });
    },
    failRequests(times, failure = {}) {
      for (let i = 0; i < times; i++) {
        requestFailures.push({
          status: failure.status ?? 500,
          code: failure.code ?? 'InternalError',
          message: failure.message ?? 'Scripted failure of the local SNS server',
        });
      }
    },
    clearFailures() {
      requestFailures.length = 0;
      entryScripts.length = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new SnsRequestError(413, 'RequestEntityTooLarge', `Request body exceeds ${MAX_BODY_BYTES} bytes`),
        );
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

type ParsedEntry = Omit<ReceivedEntry, 'outcome' | 'messageId'>;

/** Decodes `PublishBatchRequestEntries.member.N.*` (N from 1) and `...MessageAttributes.entry.M.*`. */
function parseEntries(params: URLSearchParams, topicArn: string): ParsedEntry[] {
  const members = new Map<number, Map<string, string>>();
  for (const [key, value] of params) {
    const match = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/.exec(key);
    if (match === null) continue;
    const index = Number(match[1]);
    const fields = members.get(index) ?? new Map<string, string>();
    fields.set(match[2] ?? '', value);
    members.set(index, fields);
  }
  const indexes = [...members.keys()].sort((a, b) => a - b);
  if (indexes.some((index, position) => index !== position + 1)) {
    throw new SnsRequestError(
      400,
      'InvalidParameter',
      'PublishBatchRequestEntries members are not numbered 1..N',
    );
  }
  return indexes.map((index) => {
    const fields = members.get(index) ?? new Map<string, string>();
    const attributes: Record<string, ReceivedAttribute> = {};
    for (let m = 1; fields.has(`MessageAttributes.entry.${m}.Name`); m++) {
      const name = fields.get(`MessageAttributes.entry.${m}.Name`) ?? '';
      const stringValue = fields.get(`MessageAttributes.entry.${m}.Value.StringValue`);
      attributes[name] = {
        DataType: fields.get(`MessageAttributes.entry.${m}.Value.DataType`) ?? '',
        ...(stringValue === undefined ? {} : { StringValue: stringValue }),
      };
    }
    const subject = fields.get('Subject');
    const structure = fields.get('MessageStructure');
    return {
      topicArn,
      id: fields.get('Id') ?? '',
      message: fields.get('Message') ?? '',
      ...(subject === undefined ? {} : { subject }),
      ...(structure === undefined ? {} : { messageStructure: structure }),
      messageAttributes: attributes,
    };
  });
}

/** Request-level checks: SNS refuses the whole request with these errors. */
function validateBatch(entries: readonly ParsedEntry[]): void {
  if (entries.length === 0) throw new SnsRequestError(400, 'EmptyBatchRequest', 'The batch request is empty');
  if (entries.length > MAX_ENTRIES) {
    throw new SnsRequestError(400, 'TooManyEntriesInBatchRequest', `More than ${MAX_ENTRIES} entries`);
  }
  const ids = new Set<string>();
  for (const entry of entries) {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(entry.id)) {
      throw new SnsRequestError(400, 'InvalidBatchEntryId', 'A batch entry id is invalid');
    }
    if (ids.has(entry.id))
      throw new SnsRequestError(400, 'BatchEntryIdsNotDistinct', 'Entry ids are not distinct');
    ids.add(entry.id);
  }
  const total = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
  if (total > MAX_PAYLOAD_BYTES) {
    throw new SnsRequestError(
      400,
      'BatchRequestTooLong',
      `The batch is ${total} bytes, over ${MAX_PAYLOAD_BYTES}`,
    );
  }
}

function entryBytes(entry: ParsedEntry): number {
  let bytes = Buffer.byteLength(entry.message);
  for (const [name, attribute] of Object.entries(entry.messageAttributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType);
    bytes += Buffer.byteLength(attribute.StringValue ?? '');
  }
  return bytes;
}

type Failure = Required<ScriptedEntryFailure>;
const invalid = (message: string): Failure => ({ code: 'InvalidParameter', message, senderFault: true });

/** Entry-level checks, answered as Failed entries with SenderFault true (as SNS does). */
function entryFailure(entry: ParsedEntry): Failure | undefined {
  if (entry.message.length === 0) return invalid('Empty message');
  if (Buffer.byteLength(entry.message) > MAX_PAYLOAD_BYTES) return invalid('Message too long');
  if (entry.subject !== undefined) {
    // "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long."
    if (entry.subject.length === 0) return invalid('Subject: must not be empty');
    if ([...entry.subject].length >= 100) return invalid('Subject: must be less than 100 characters long');
    // eslint-disable-next-line no-control-regex -- control characters are what SNS refuses.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(entry.subject))
      return invalid('Subject: contains control characters');
  }
  if (entry.messageStructure !== undefined) {
    if (entry.messageStructure !== 'json') return invalid('MessageStructure: only "json" is supported');
    let body: unknown;
    try {
      body = JSON.parse(entry.message);
    } catch {
      return invalid('Message Structure - JSON message body failed to parse');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return invalid('Message Structure - JSON message body is not an object');
    }
    const values = Object.values(body as Record<string, unknown>);
    if (typeof (body as Record<string, unknown>).default !== 'string') {
      return invalid('Message Structure - No default entry in JSON message body');
    }
    if (values.some((value) => typeof value !== 'string')) {
      return invalid('Message Structure - JSON values must be strings');
    }
  }
  const attributes = Object.entries(entry.messageAttributes);
  if (attributes.length > 10) return invalid('Too many message attributes');
  for (const [name, attribute] of attributes) {
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
      return invalid(`Message attribute name ${name} is invalid`);
    }
    if (attribute.DataType !== 'String' && attribute.DataType !== 'Number') {
      return invalid(`Message attribute ${name} has unsupported type ${attribute.DataType}`);
    }
    if (attribute.StringValue === undefined || attribute.StringValue.length === 0) {
      return invalid(`Message attribute ${name} must contain non-empty message attribute value`);
    }
  }
  return undefined;
}

function scriptedFailure(scripts: EntryScript[], entry: ParsedEntry): Failure | undefined {
  const probe: ReceivedEntry = { ...entry, outcome: 'published' };
  const script = scripts.find((s) => s.remaining > 0 && s.match(probe));
  if (script === undefined) return undefined;
  script.remaining--;
  return script.failure;
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  res.end(`<?xml version="1.0"?>\n${body}`);
}

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
