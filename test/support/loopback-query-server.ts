/**
 * STS and CloudFormation on loopback, for the on-call commands' e2e tests: the two Query-protocol (form POST, XML
 * answer) operations they call, GetCallerIdentity and DescribeStacks, answered from a small world the test sets.
 * Real SDK clients point at it with `endpoint`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QueryWorld {
  /** The caller GetCallerIdentity names. */
  callerArn: string;
  /** Stacks by name, with their outputs; a stack not here does not exist. */
  stacks: Record<string, Record<string, string>>;
}

export interface LoopbackQueryServer {
  readonly endpoint: string;
  readonly world: QueryWorld;
  /** Actions received, in order. */
  readonly actions: string[];
  close(): Promise<void>;
}

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function answer(params: URLSearchParams, world: QueryWorld): { status: number; body: string } {
  const action = params.get('Action');
  if (action === 'GetCallerIdentity') {
    const account = /^arn:aws:[a-z]+::(\d{12}):/.exec(world.callerArn)?.[1] ?? '123456789012';
    return {
      status: 200,
      body:
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
        + `<Arn>${xml(world.callerArn)}</Arn><UserId>AIDALOOPBACK</UserId><Account>${account}</Account>`
        + '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
    };
  }
  if (action === 'DescribeStacks') {
    const name = params.get('StackName') ?? '';
    const outputs = world.stacks[name];
    if (outputs === undefined) {
      return {
        status: 400,
        body:
          '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
          + `<Code>ValidationError</Code><Message>Stack with id ${xml(name)} does not exist</Message></Error>`
          + '<RequestId>1</RequestId></ErrorResponse>',
      };
    }
    const members = Object.entries(outputs)
      .map(([key, value]) => `<member><OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue></member>`)
      .join('');
    return {
      status: 200,
      body:
        '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks>'
        + `<member><StackName>${xml(name)}</StackName><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/${xml(name)}/1</StackId>`
        + '<CreationTime>2026-01-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>'
        + `<Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult>`
        + '<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>',
    };
  }
  return {
    status: 400,
    body: `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${xml(action ?? '')}</Message></Error></ErrorResponse>`,
  };
}

export async function startLoopbackQueryServer(world: QueryWorld): Promise<LoopbackQueryServer> {
  const actions: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      actions.push(params.get('Action') ?? '');
      const { status, body } = answer(params, world);
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    world,
    actions,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
