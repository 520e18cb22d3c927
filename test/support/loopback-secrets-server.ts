/**
 * A loopback stand-in for Secrets Manager's GetSecretValue, as `@aws-sdk/client-secrets-manager` sends it (JSON 1.1,
 * `X-Amz-Target: secretsmanager.GetSecretValue`, signed), for the CLI's `test`. Point a real client at `endpoint`.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './request-body';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface LoopbackSecretsServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Serves `secrets` (ARN -> SecretString); any other id is ResourceNotFoundException. */
export async function startLoopbackSecretsServer(secrets: Readonly<Record<string, string>>): Promise<LoopbackSecretsServer> {
  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const answer = (status: number, body: unknown): void => {
        const json = JSON.stringify(body);
        res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(json), 'x-amzn-requestid': randomUUID() });
        res.end(json);
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || !String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        answer(400, { __type: 'UnknownOperationException', message: 'only signed GetSecretValue here' });
        return;
      }
      const id = (JSON.parse(text) as { SecretId?: string }).SecretId ?? '';
      const value = secrets[id];
      if (value === undefined) answer(400, { __type: 'ResourceNotFoundException', message: 'Secrets Manager can\'t find the specified secret.' });
      else answer(200, { ARN: id, Name: id.split(':').pop(), SecretString: value, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
