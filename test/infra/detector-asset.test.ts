/**
 * The artifact that would be deployed: the detector bundle `cdk synth` puts in the cloud assembly, run in a plain
 * Node process (no jest, no repository node_modules in reach) on a genuine CloudWatch Logs subscription event,
 * publishing through the real SDK to the loopback SNS server. With alert memory, the detector and sweep bundles run
 * against an in-process DynamoDB (dynalite) whose table is created from the template's own table definition.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { buildApp } from '../../infra/app';
import { SUBSCRIPTION_FILTER_NAME } from '../../infra/filter-pattern';
import { type LocalSnsServer, startLocalSnsServer } from '../../scripts/local-sns/server';
import { type LoopbackExportServer, startLoopbackExportServer } from '../support/loopback-export-server';

jest.setTimeout(120_000);

const run = promisify(execFile);
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:FtpBounceWatch-AlertTopic-EXAMPLE';
const LINE =
  'May 29 18:49:42 valhalla proftpd[16661]: valhalla.example.net (85.103.107.214[85.103.107.214]) - '
  + 'Refused PORT 192,168,1,33,4,83 (address mismatch)';

/**
 * The clock the functions run on: real time moved to today's noon UTC (the offset is fixed for the whole file, so
 * the clock still runs forward across invocations). Alert memory's daily digest falls due at 00:00 UTC; on the real
 * clock a detector run just before midnight and the sweep just after would find it due, one run in tens of thousands.
 */
const DAY_MS = 86_400_000;
const LOADED_AT = Date.now();
const CLOCK_OFFSET_MS = Math.floor(LOADED_AT / DAY_MS) * DAY_MS + DAY_MS / 2 - LOADED_AT;

// Invokes the handler the way the Lambda Node.js runtime does (handler(event, context)) and prints its result.
const RUNNER = `
const [bundle, eventFile] = process.argv.slice(2);
const offset = Number(process.env.RUNNER_CLOCK_OFFSET_MS ?? 0);
const realNow = Date.now;
Date.now = () => realNow() + offset;
const { handler } = require(bundle);
const event = JSON.parse(require('node:fs').readFileSync(eventFile, 'utf8'));
const context = {
  functionName: 'FtpBounceWatch-Detector', functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:FtpBounceWatch-Detector',
  awsRequestId: '8f5b1c2e-0d3a-4f6e-9b7c-1a2b3c4d5e6f', logGroupName: '/aws/lambda/x', logStreamName: 'x',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60000,
  done() {}, fail() {}, succeed() {},
};
handler(event, context).then(
  (result) => process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n'),
  (error) => { process.stderr.write('FAILED ' + (error && error.stack) + '\\n'); process.exitCode = 1; },
);
`;

interface Assembly {
  readonly outdir: string;
  readonly template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
  readonly stackName: string;
}

function synthesise(): Assembly {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ftp-bounce-watch-assembly-'));
  const { app, stack } = buildApp({ context: { logGroups: '/var/log/proftpd', alertEmails: 'ops@example.com' }, outdir });
  app.synth();
  const template = JSON.parse(readFileSync(path.join(outdir, stack.templateFile), 'utf8')) as Assembly['template'];
  return { outdir, template, stackName: stack.artifactId };
}

const DETECTOR_DESCRIPTION = 'FtpBounceWatch: finds proftpd';
const SWEEP_DESCRIPTION = 'FtpBounceWatch: ends incident windows';

/** A function's deployed code directory: its Code.S3Key names the asset, the assets manifest says where it is. */
function functionAsset(
  assembly: Assembly,
  description = DETECTOR_DESCRIPTION,
): { dir: string; environment: Record<string, unknown> } {
  const detectors = Object.values(assembly.template.Resources).filter(
    (r) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Description).startsWith(description),
  );
  expect(detectors).toHaveLength(1);
  const props = detectors[0]?.Properties as { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } };
  const hash = props.Code.S3Key.replace(/\.zip$/, '');
  const manifest = JSON.parse(readFileSync(path.join(assembly.outdir, `${assembly.stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging?: string } }>;
  };
  const source = manifest.files[hash]?.source;
  expect(source?.packaging).toBe('zip');
  return { dir: path.join(assembly.outdir, source?.path ?? 'missing'), environment: props.Environment.Variables };
}

/** A subscription event exactly as CloudWatch Logs sends it: base64 of gzip of the documented JSON. */
function subscriptionEvent(lines: readonly string[]): { awslogs: { data: string } } {
  const payload = {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/var/log/proftpd',
    logStream: 'i-0123456789abcdef0',
    subscriptionFilters: [SUBSCRIPTION_FILTER_NAME],
    logEvents: lines.map((message, i) => ({
      id: `3713198437262537472000000000000000000000000000000${i}`,
      timestamp: Date.UTC(2025, 4, 29, 18, 49, 42) + i,
      message,
    })),
  };
  return { awslogs: { data: gzipSync(Buffer.from(JSON.stringify(payload))).toString('base64') } };
}

describe('the synthesised detector asset', () => {
  let assembly: Assembly;
  let sns: LocalSnsServer;
  let exportServer: LoopbackExportServer;
  let work: string;

  beforeAll(async () => {
    assembly = synthesise();
    sns = await startLocalSnsServer({ topicArn: TOPIC_ARN });
    exportServer = await startLoopbackExportServer();
    work = mkdtempSync(path.join(tmpdir(), 'ftp-bounce-watch-run-'));
  });
  afterAll(async () => {
    await sns.close();
    await exportServer.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(assembly.outdir, { recursive: true, force: true });
  });

  it('is one minified, self-contained index.js with its source map', () => {
    const { dir } = functionAsset(assembly);
    expect(existsSync(path.join(dir, 'index.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'index.js.map'))).toBe(true);
    const code = readFileSync(path.join(dir, 'index.js'), 'utf8');
    // The SDK is inside the bundle, not required from the runtime's copy. (The run below proves it too: the asset
    // directory is outside the repository, so no node_modules is in reach.)
    expect(code).not.toMatch(/require\(["'](@aws-sdk\/client-|@smithy\/|@aws-lambda-powertools\/)/);
    expect(code).toContain('PublishBatch');
    expect(path.relative(path.resolve(__dirname, '..', '..'), dir).startsWith('..')).toBe(true);
  });

  it('turns a genuine CloudWatch Logs event into an alert published to SNS', async () => {
    const { dir, environment } = functionAsset(assembly);
    const eventFile = path.join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(subscriptionEvent([LINE, 'May 29 18:49:43 valhalla sshd[1]: Accepted publickey'])));
    const runner = path.join(work, 'runner.cjs');
    writeFileSync(runner, RUNNER);

    // The deployed environment, with the topic reference resolved and the SDK pointed at the loopback server.
    const literalEnv = Object.fromEntries(Object.entries(environment).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    const { stdout } = await run(process.execPath, [runner, path.join(dir, 'index.js'), eventFile], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        ...literalEnv,
        ALERT_TOPIC_ARN: TOPIC_ARN,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
        AWS_SECRET_ACCESS_KEY: 'local-test-secret',
        AWS_ENDPOINT_URL_SNS: sns.endpoint,
        AWS_ENDPOINT_URL_EVENTBRIDGE: exportServer.endpoint,
      },
      timeout: 60_000,
    });

    const result = /^RESULT (.*)$/m.exec(stdout)?.[1];
    expect(result).toBeDefined();
    expect(sns.published).toHaveLength(1);
    const entry = sns.published[0];
    expect(entry).toMatchObject({
      topicArn: TOPIC_ARN,
      messageStructure: 'json',
      messageAttributes: expect.objectContaining({
        ruleId: { DataType: 'String', StringValue: '11209' },
        logGroup: { DataType: 'String', StringValue: '/var/log/proftpd' },
      }),
    });
    const structured = JSON.parse(entry?.message ?? '{}') as Record<string, string>;
    expect(Object.keys(structured)).toEqual(expect.arrayContaining(['default', 'email', 'https']));
    const alert = JSON.parse(structured.default ?? '{}') as Record<string, unknown>;
    expect(alert).toMatchObject({
      ruleId: '11209',
      srcIp: '85.103.107.214',
      logGroup: '/var/log/proftpd',
      classification: 'nat-misconfiguration',
      count: 1,
    });
    // The same alert, as deployed, on the default bus (docs/export.md).
    expect(exportServer.events).toEqual([
      expect.objectContaining({ Source: 'ftp-bounce-watch', EventBusName: 'default', Detail: structured.default }),
    ]);
  });
});

describe('the synthesised detector and sweep with alert memory', () => {
  const BOUNCE_LINE =
    'May 29 18:49:44 valhalla proftpd[16662]: valhalla.example.net (85.103.107.214[85.103.107.214]) - '
    + 'Refused PORT 198,51,100,7,0,25 (address mismatch)';
  let assembly: Assembly;
  let sns: LocalSnsServer;
  let work: string;
  let dynamo: ReturnType<typeof dynalite>;
  let endpoint: string;
  let client: DynamoDBClient;
  const TABLE = 'FtpBounceWatch-IncidentTable-EXAMPLE';

  beforeAll(async () => {
    assembly = synthesise();
    sns = await startLocalSnsServer({ topicArn: TOPIC_ARN });
    work = mkdtempSync(path.join(tmpdir(), 'ftp-bounce-watch-run-'));
    writeFileSync(path.join(work, 'runner.cjs'), RUNNER);
    dynamo = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
    client = new DynamoDBClient({
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    });
    // The table exactly as the template defines it: keys, attribute types and the due index.
    const tables = Object.values(assembly.template.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const table = tables[0]?.Properties as {
      AttributeDefinitions: AttributeDefinition[];
      KeySchema: KeySchemaElement[];
      GlobalSecondaryIndexes: GlobalSecondaryIndex[];
      BillingMode: 'PAY_PER_REQUEST';
    };
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: table.AttributeDefinitions,
        KeySchema: table.KeySchema,
        GlobalSecondaryIndexes: table.GlobalSecondaryIndexes,
        BillingMode: table.BillingMode,
      }),
    );
  });
  afterAll(async () => {
    client.destroy();
    await sns.close();
    await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    rmSync(work, { recursive: true, force: true });
    rmSync(assembly.outdir, { recursive: true, force: true });
  });

  /** Runs a function's bundle on an event with its deployed environment, pointed at the loopback servers. */
  async function invoke(description: string, event: unknown): Promise<Record<string, unknown>> {
    const { dir, environment } = functionAsset(assembly, description);
    const eventFile = path.join(work, 'event.json');
    writeFileSync(eventFile, JSON.stringify(event));
    const literalEnv = Object.fromEntries(Object.entries(environment).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    expect(environment).toHaveProperty('INCIDENT_TABLE_NAME');
    const { stdout } = await run(process.execPath, [path.join(work, 'runner.cjs'), path.join(dir, 'index.js'), eventFile], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        ...literalEnv,
        ALERT_TOPIC_ARN: TOPIC_ARN,
        INCIDENT_TABLE_NAME: TABLE,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
        AWS_SECRET_ACCESS_KEY: 'local-test-secret',
        AWS_ENDPOINT_URL_SNS: sns.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        // The exports' bus: nowhere reachable, so every export fails, counted, and never the batch.
        AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:9',
        RUNNER_CLOCK_OFFSET_MS: String(CLOCK_OFFSET_MS),
      },
      timeout: 60_000,
    });
    return JSON.parse(/^RESULT (.*)$/m.exec(stdout)?.[1] ?? 'null') as Record<string, unknown>;
  }

  it('remembers incidents in the table as deployed: a bounce at once, the NAT client for the digest, nothing twice', async () => {
    const event = subscriptionEvent([LINE, BOUNCE_LINE]);
    await invoke(DETECTOR_DESCRIPTION, event);
    const first = sns.published.map((p) => JSON.parse(JSON.parse(p.message ?? '{}').default ?? '{}') as Record<string, unknown>);
    // The default lowSeverity=digest holds the NAT client back; the bounce is sent at once.
    expect(first.map((a) => a.classification)).toEqual([expect.not.stringMatching(/^nat-misconfiguration$/)]);
    expect(first[0]).toMatchObject({ srcIp: '85.103.107.214' });

    // A redelivered batch (same event ids) publishes nothing again.
    await invoke(DETECTOR_DESCRIPTION, event);
    expect(sns.published).toHaveLength(1);

    // The records carry the due index's keys with the types the table declares (DynamoDB refuses a mismatch).
    const items = (await client.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
    const clients = items.filter((i) => i.pk?.S?.startsWith('C#'));
    expect(clients.length).toBeGreaterThan(0);
    for (const item of clients) {
      expect(item).toMatchObject({
        dueShard: { S: expect.any(String) },
        dueAt: { N: expect.any(String) },
        expiresAt: { N: expect.any(String) },
      });
    }
  });

  it('runs the scheduled sweep against the due index: nothing is due yet, so nothing is sent', async () => {
    const before = sns.published.length;
    const result = await invoke(SWEEP_DESCRIPTION, {
      'version': '0',
      'id': '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
      'detail-type': 'Scheduled Event',
      'source': 'aws.events',
      'account': '123456789012',
      'time': new Date(Date.now() + CLOCK_OFFSET_MS).toISOString(),
      'region': 'eu-west-1',
      'resources': ['arn:aws:events:eu-west-1:123456789012:rule/FtpBounceWatch-SweepSchedule'],
      'detail': {},
    });
    expect(result).toMatchObject({ published: 0 });
    expect(sns.published).toHaveLength(before);
  });
});
