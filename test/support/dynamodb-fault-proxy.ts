/**
 * A fault-injecting HTTP proxy in front of a DynamoDB-compatible server (dynalite), on loopback. Each request
 * is forwarded or not according to a fault plan drawn from a seeded generator, so a sequential run meets the
 * same faults every time:
 * - `throttle`, `server-error`, `conditional`, `denied`, `kms-denied`: answered by the proxy, never reaching the
 *   table (a spurious lost race for `conditional`, an IAM refusal for `denied`, of the table's KMS key for
 *   `kms-denied`, in the format IAM documents: `... is not authorized to perform: ACTION on resource: ...`);
 * - `reset`: the connection is destroyed before forwarding (the write did not happen);
 * - `reset-after`: forwarded, applied, then the connection destroyed (the caller cannot know it was applied);
 * - `slow-after`: forwarded, applied, and answered only after `slowMs` (past the client's request timeout).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { random as seededRandom } from '../../bench/synthetic-logs';

export type DynamoFault =
  | 'throttle' | 'server-error' | 'conditional' | 'denied' | 'kms-denied' | 'reset' | 'reset-after' | 'slow-after';

/** The operations a fault may hit, by the X-Amz-Target suffix (`PutItem`, `UpdateItem`, ...). */
export interface FaultPlan {
  /** Probability per request of each fault, per operation; operations not named are never faulted. */
  readonly rates: Readonly<Record<string, Partial<Record<DynamoFault, number>>>>;
  /** How long a `slow-after` answer is held, ms. */
  readonly slowMs?: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Faults injected so far, per `operation:fault`. */
  readonly injected: Map<string, number>;
  /** Replaces the plan (e.g. none: the store has recovered). */
  setPlan(plan: FaultPlan | null): void;
  /**
   * Scripts the next requests of one operation, in order, before the plan is drawn: `null` forwards one
   * request untouched. E.g. `script('BatchGetItem', null, 'server-error')`: the next read passes, the one after fails.
   */
  script(operation: string, ...faults: (DynamoFault | null)[]): void;
  close(): Promise<void>;
}

/** The benchmark's seeded generator (mulberry32), so a run's faults are reproducible. */
export { seededRandom };

const ERROR_BODIES: Partial<Record<DynamoFault, { status: number; type: string; message: string }>> = {
  'throttle': {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
  },
  'server-error': { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error (injected)' },
  'denied': {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
    message: 'User: arn:aws:iam::123456789012:user/oncall is not authorized to perform this action on the table (injected)',
  },
  'kms-denied': {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#AccessDeniedException',
    message:
      'User: arn:aws:sts::123456789012:assumed-role/OnCall/alice is not authorized to perform: kms:Decrypt on resource: '
      + 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd because no identity-based policy allows the kms:Decrypt action (injected)',
  },
  'conditional': {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
    message: 'The conditional request failed (injected)',
  },
};

const WRITES_WITH_CONDITIONS = new Set(['PutItem', 'UpdateItem']);

export async function startFaultProxy(target: string, seed: number, plan: FaultPlan | null = null): Promise<FaultProxy> {
  const upstream = new URL(target);
  const random = seededRandom(seed);
  const injected = new Map<string, number>();
  let current = plan;
  const timers = new Set<NodeJS.Timeout>();
  const scripts = new Map<string, (DynamoFault | null)[]>();

  function draw(operation: string): DynamoFault | null {
    const scripted = scripts.get(operation);
    if (scripted !== undefined && scripted.length > 0) return scripted.shift() ?? null;
    const rates = current?.rates[operation];
    if (rates === undefined) return null;
    const roll = random();
    let edge = 0;
    for (const [fault, rate] of Object.entries(rates) as [DynamoFault, number][]) {
      // A spurious condition failure only makes sense for a conditional write.
      if (fault === 'conditional' && !WRITES_WITH_CONDITIONS.has(operation)) continue;
      edge += rate;
      if (roll < edge) return fault;
    }
    return null;
  }

  interface Answer {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: Buffer;
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
            resolve({ status: res.statusCode ?? 500, headers, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const fault = draw(operation);
      if (fault !== null) injected.set(`${operation}:${fault}`, (injected.get(`${operation}:${fault}`) ?? 0) + 1);
      const error = fault === null ? undefined : ERROR_BODIES[fault];
      if (error !== undefined) {
        res.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: error.type, message: error.message }));
        return;
      }
      if (fault === 'reset') {
        req.socket.destroy();
        return;
      }
      forward(req, body).then(
        (answer) => {
          if (fault === 'reset-after') {
            req.socket.destroy();
            return;
          }
          const send = (): void => {
            if (res.destroyed) return;
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
          };
          if (fault === 'slow-after') {
            const timer = setTimeout(() => {
              timers.delete(timer);
              send();
            }, current?.slowMs ?? 1_000);
            timers.add(timer);
          } else send();
        },
        () => req.socket.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    setPlan(next) {
      current = next;
    },
    script(operation, ...faults) {
      scripts.set(operation, [...(scripts.get(operation) ?? []), ...faults]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
