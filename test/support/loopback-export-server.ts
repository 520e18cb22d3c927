/**
 * A loopback stand-in for the two export services, speaking their protocols as the real SDK clients send them:
 *
 * - EventBridge, JSON 1.1: `POST /`, `X-Amz-Target: AWSEvents.PutEvents`; answers `FailedEntryCount` and one
 *   result per entry (`EventId`, or `ErrorCode`/`ErrorMessage`), in order.
 * - Security Hub CSPM, REST-JSON: `POST /findings/import` (BatchImportFindings); answers `SuccessCount`,
 *   `FailedCount` and `FailedFindings` (`Id`, `ErrorCode`, `ErrorMessage`).
 *
 * - STS, query protocol: `POST /`, `Action=AssumeRole` (form-encoded); answers XML credentials whose access key is
 *   `ASIA<account>` for the roles `allowRole` admitted, `AccessDenied` for any other (central mode's member roles).
 *
 * Point the clients at it with AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL_SECURITYHUB and AWS_ENDPOINT_URL_STS.
 * Every request records the access key it was signed with. It checks the limits
 * the services enforce (10 entries, 256 KB; 100 findings), keeps what it accepted, and can be scripted to refuse
 * items (partial failures), fail a whole request, or never answer (timeouts).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readBody } from './request-body';

export type ExportOperation = 'PutEvents' | 'BatchImportFindings';

export interface ItemRefusal {
  readonly code: string;
  readonly message?: string;
}

export interface ScriptedHttpError {
  readonly status: number;
  /** The error's type, e.g. ThrottlingException. */
  readonly type: string;
  readonly message?: string;
}

export interface ReceivedExportRequest {
  readonly operation: ExportOperation;
  /** The entries (PutEvents) or findings (BatchImportFindings) of the request. */
  readonly items: readonly Record<string, unknown>[];
  /** The access key of the request's SigV4 signature (whose credentials called). */
  readonly accessKeyId: string;
}

export interface ReceivedAssumeRole {
  readonly roleArn: string;
  readonly roleSessionName: string;
  readonly durationSeconds: number;
  readonly accessKeyId: string;
}

export interface LoopbackExportServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly requests: readonly ReceivedExportRequest[];
  /** Entries EventBridge accepted, in order. */
  readonly events: readonly Record<string, unknown>[];
  /** Findings Security Hub accepted, by `Id`: the latest import of each. */
  readonly findings: ReadonlyMap<string, Record<string, unknown>>;
  /** AssumeRole requests, admitted or not, in order. */
  readonly assumeRoles: readonly ReceivedAssumeRole[];
  /** Lets AssumeRole succeed for `roleArn` (any other role is AccessDenied). */
  allowRole(roleArn: string): void;
  /** Refuses the next `times` items of `operation` that `when` picks with `refusal` (a partial failure). */
  refuseItems(
    operation: ExportOperation,
    refusal: ItemRefusal,
    when: (item: Record<string, unknown>) => boolean,
    times?: number,
  ): void;
  /** Answers the next request of `operation` with an HTTP error. */
  failNext(operation: ExportOperation, error: ScriptedHttpError): void;
  /** Never answers the next `times` requests of `operation` (the client's timeout must end them). */
  stallNext(operation: ExportOperation, times?: number): void;
  close(): Promise<void>;
}

interface Refusal {
  readonly operation: ExportOperation;
  readonly refusal: ItemRefusal;
  readonly when: (item: Record<string, unknown>) => boolean;
  remaining: number;
}

/** Service limits (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html, API_BatchImportFindings). */
const PUT_EVENTS_MAX_ENTRIES = 10;
const PUT_EVENTS_MAX_BYTES = 256 * 1024;
const IMPORT_MAX_FINDINGS = 100;

/**
 * What Security Hub refuses in a finding (FailedFindings `InvalidInput`): a required attribute missing, severity and
 * types neither top-level nor in FindingProviderFields, a title or description over its maximum, a timestamp that
 * does not parse (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html).
 */
function invalidFinding(finding: Record<string, unknown>): ItemRefusal | null {
  const text = (key: string): string | null => (typeof finding[key] === 'string' && finding[key] !== '' ? finding[key] : null);
  const required = ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description'];
  const missing = required.filter((key) => text(key) === null);
  const provider = (finding.FindingProviderFields ?? {}) as { Severity?: { Label?: unknown }; Types?: unknown };
  const severity = (finding.Severity as { Label?: unknown } | undefined)?.Label ?? provider.Severity?.Label;
  const types = Array.isArray(finding.Types) ? finding.Types : provider.Types;
  if (typeof severity !== 'string') missing.push('Severity');
  if (!Array.isArray(types) || types.length === 0) missing.push('Types');
  if (!Array.isArray(finding.Resources) || finding.Resources.length === 0) missing.push('Resources');
  const problems = missing.map((key) => `${key} is required`);
  if ((text('Title') ?? '').length > 256) problems.push('Title is over 256 characters');
  if ((text('Description') ?? '').length > 1024) problems.push('Description is over 1024 characters');
  for (const key of ['CreatedAt', 'UpdatedAt']) {
    if (text(key) !== null && Number.isNaN(Date.parse(text(key) as string))) problems.push(`${key} is no timestamp`);
  }
  return problems.length === 0 ? null : { code: 'InvalidInput', message: problems.join('; ') };
}

function entryBytes(entry: Record<string, unknown>): number {
  const text = (key: string): number => (typeof entry[key] === 'string' ? Buffer.byteLength(entry[key]) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return text('Source') + text('DetailType') + text('Detail') + resources.reduce((n: number, r) => n + Buffer.byteLength(String(r)), 0);
}

export async function startLoopbackExportServer(): Promise<LoopbackExportServer> {
  const requests: ReceivedExportRequest[] = [];
  const events: Record<string, unknown>[] = [];
  const findings = new Map<string, Record<string, unknown>>();
  const refusals: Refusal[] = [];
  const httpErrors: Array<{ operation: ExportOperation; error: ScriptedHttpError }> = [];
  const stalls = new Map<ExportOperation, number>();
  const sockets = new Set<Socket>();
  const assumeRoles: ReceivedAssumeRole[] = [];
  const allowedRoles = new Set<string>();

  const refusalFor = (operation: ExportOperation, item: Record<string, unknown>): ItemRefusal | null => {
    const match = refusals.find((r) => r.operation === operation && r.remaining > 0 && r.when(item));
    if (match === undefined) return null;
    match.remaining--;
    return match.refusal;
  };

  const reply = (res: ServerResponse, status: number, contentType: string, body: unknown): void => {
    res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  };

  const assumeRole = (form: URLSearchParams, accessKeyId: string, res: ServerResponse): void => {
    const roleArn = form.get('RoleArn') ?? '';
    const durationSeconds = Number(form.get('DurationSeconds') ?? '3600');
    assumeRoles.push({ roleArn, roleSessionName: form.get('RoleSessionName') ?? '', durationSeconds, accessKeyId });
    const xmlns = 'https://sts.amazonaws.com/doc/2011-06-15/';
    res.setHeader('x-amzn-requestid', randomUUID());
    res.setHeader('content-type', 'text/xml');
    if (!allowedRoles.has(roleArn)) {
      res.writeHead(403);
      res.end(`<ErrorResponse xmlns="${xmlns}"><Error><Type>Sender</Type><Code>AccessDenied</Code>`
        + `<Message>User: ${accessKeyId} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message>`
        + `</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
      return;
    }
    const account = /^arn:aws[a-z-]*:iam::(\d{12}):role\//.exec(roleArn)?.[1] ?? '000000000000';
    const expiration = new Date(Date.now() + durationSeconds * 1000).toISOString();
    res.writeHead(200);
    res.end(`<AssumeRoleResponse xmlns="${xmlns}"><AssumeRoleResult><Credentials>`
      + `<AccessKeyId>ASIA${account}</AccessKeyId><SecretAccessKey>secret-${account}</SecretAccessKey>`
      + `<SessionToken>token-${account}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`
      + `<AssumedRoleUser><AssumedRoleId>AROA${account}:${form.get('RoleSessionName') ?? ''}</AssumedRoleId>`
      + `<Arn>arn:aws:sts::${account}:assumed-role/x/y</Arn></AssumedRoleUser></AssumeRoleResult>`
      + `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`);
  };

  const handle = (operation: ExportOperation, body: Record<string, unknown>, accessKeyId: string, res: ServerResponse): void => {
    const json = operation === 'PutEvents' ? 'application/x-amz-json-1.1' : 'application/json';
    const items = (operation === 'PutEvents' ? body.Entries : body.Findings) as Record<string, unknown>[] | undefined;
    const list = Array.isArray(items) ? items : [];
    requests.push({ operation, items: list, accessKeyId });
    const stall = stalls.get(operation) ?? 0;
    if (stall > 0) {
      stalls.set(operation, stall - 1);
      return; // no answer: the client's request timeout ends it
    }
    const scripted = httpErrors.findIndex((e) => e.operation === operation);
    if (scripted >= 0) {
      const { error } = httpErrors.splice(scripted, 1)[0] as { error: ScriptedHttpError };
      res.setHeader('x-amzn-errortype', error.type);
      reply(res, error.status, json, { __type: error.type, message: error.message ?? error.type });
      return;
    }
    if (operation === 'PutEvents') {
      const total = list.reduce((n, e) => n + entryBytes(e), 0);
      if (list.length === 0 || list.length > PUT_EVENTS_MAX_ENTRIES || total >= PUT_EVENTS_MAX_BYTES) {
        reply(res, 400, json, { __type: 'ValidationException', message: `${list.length} entries, ${total} bytes` });
        return;
      }
      let failed = 0;
      const results = list.map((entry) => {
        const refusal = refusalFor(operation, entry);
        if (refusal !== null) {
          failed++;
          return { ErrorCode: refusal.code, ErrorMessage: refusal.message ?? refusal.code };
        }
        events.push(entry);
        return { EventId: randomUUID() };
      });
      reply(res, 200, json, { FailedEntryCount: failed, Entries: results });
      return;
    }
    if (list.length === 0 || list.length > IMPORT_MAX_FINDINGS) {
      reply(res, 400, json, { __type: 'InvalidInputException', Code: 'InvalidInputException', Message: `${list.length} findings` });
      return;
    }
    const failedFindings: Array<{ Id: unknown; ErrorCode: string; ErrorMessage: string }> = [];
    for (const finding of list) {
      const refusal = refusalFor(operation, finding) ?? invalidFinding(finding);
      if (refusal !== null) {
        failedFindings.push({ Id: finding.Id, ErrorCode: refusal.code, ErrorMessage: refusal.message ?? refusal.code });
        continue;
      }
      // Security Hub ignores an import of an existing Id whose UpdatedAt is earlier (it still counts as success).
      const existing = findings.get(String(finding.Id));
      if (existing === undefined || Date.parse(String(existing.UpdatedAt)) <= Date.parse(String(finding.UpdatedAt))) {
        findings.set(String(finding.Id), finding);
      }
    }
    const succeeded = list.length - failedFindings.length;
    reply(res, 200, json, { FailedCount: failedFindings.length, SuccessCount: succeeded, FailedFindings: failedFindings });
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((text) => {
      const accessKeyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        const form = new URLSearchParams(text);
        if (form.get('Action') === 'AssumeRole') assumeRole(form, accessKeyId, res);
        else reply(res, 400, 'text/xml', `unknown action ${form.get('Action')}`);
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text || '{}') as Record<string, unknown>;
      } catch {
        reply(res, 400, 'application/json', { __type: 'SerializationException', message: 'body is not JSON' });
        return;
      }
      if (req.headers['x-amz-target'] === 'AWSEvents.PutEvents') handle('PutEvents', body, accessKeyId, res);
      else if (req.method === 'POST' && req.url === '/findings/import') handle('BatchImportFindings', body, accessKeyId, res);
      else reply(res, 404, 'application/json', { __type: 'UnknownOperationException', message: `${req.method} ${req.url}` });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    events,
    findings,
    assumeRoles,
    allowRole(roleArn) {
      allowedRoles.add(roleArn);
    },
    refuseItems(operation, refusal, when, times = 1) {
      refusals.push({ operation, refusal, when, remaining: times });
    },
    failNext(operation, error) {
      httpErrors.push({ operation, error });
    },
    stallNext(operation, times = 1) {
      stalls.set(operation, (stalls.get(operation) ?? 0) + times);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
