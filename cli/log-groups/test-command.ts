/**
 * `test`, once its arguments are parsed (docs/design.md section 10): write one proven test line into each log
 * group, then wait until the detector has recorded it, hop by hop: log group -> detector -> SNS.
 *
 * The line is the canary's, with the `test` flag (and `deliver=1` for --deliver) inside the signed part, signed
 * with the stack's canary key (its secret, named by the stack output CanarySecretArn). The detector records the
 * round trip under the line's nonce (`N#<nonce>` in the incident table, output IncidentTableName), which this reads
 * back with GetItem: `seenAt` (the detector proved it), `publishedAt` (it reached SNS: the canary topic, or with
 * --deliver the alert topic as an alert marked TEST).
 */
import { join } from 'node:path';
import { CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { type AttributeValue, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { STACK_OUTPUT_KEYS } from '../../infra/deployment-names';
import { CanaryKeyError, keyFromText } from '../../lambda/adapters/canary-key';
import { CANARY_STREAM, canaryLine, newNonce, signCanary } from '../../lambda/canary/proof';
import { type CallOptions, callAws, DEFAULT_SILENCE_TIMEOUT_MS, SilenceBudget } from '../aws/call';
import { clientRegion, resolveDeps } from '../aws/deps';
import { type AwsCallContext, awsErrorShape, InterruptedError } from '../aws/errors';
import { BufferedWriter, type CliIo, UsageError } from '../io';
import { isDumbTerminal } from '../render/color';
import { formatElapsed, ProgressLine, retryNote } from '../render/progress';
import { terminalSafe } from '../render/scan-text';
import { wrapText } from '../render/wrap';
import { readCdkJson } from './cdk-json';
import { assertTargetsInRegion, parseLogGroupTargets } from './log-group-ref';
import { describeStack } from './status-deployment';

/** The IAM actions `test` needs (docs/operations.md lists them; kms:Decrypt on KeyArn for the table's reads). */
export const TEST_PERMISSIONS = [
  'cloudformation:DescribeStacks',
  'secretsmanager:GetSecretValue',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'dynamodb:GetItem',
] as const;

/** How often the table is read while waiting. */
const POLL_MS = 1_000;

export interface TestOptions {
  readonly logGroups: readonly string[];
  readonly cdkJson: string | undefined;
  readonly deliver: boolean;
  readonly stackName: string;
  /** How long to wait for every hop, in ms (`--timeout`). */
  readonly timeoutMs: number;
}

/** One log group's test: when it was written, and what the detector recorded. */
export interface HopTimes {
  readonly logGroup: string;
  readonly writtenAt: number;
  readonly seenAt: number | null;
  readonly publishedAt: number | null;
}

type Permission = (typeof TEST_PERMISSIONS)[number];

function context(
  operation: string,
  service: string,
  permission: Permission,
  region: string,
  about: { logGroup?: string; resource?: string },
): AwsCallContext {
  return { operation, service, permission, region, ...about };
}

/** The key's text from the secret, as the stack's functions read it. */
async function readKey(secretArn: string, region: string, client: ReturnType<ReturnType<typeof resolveDeps>['secretsManagerClient']>, call: CallOptions): Promise<Uint8Array> {
  const ctx = context('GetSecretValue', 'Secrets Manager', 'secretsmanager:GetSecretValue', region, { resource: `secret ${secretArn}` });
  const request = new GetSecretValueCommand({ SecretId: secretArn });
  const answer = await callAws(ctx, (abortSignal) => client.send(request, { abortSignal }), call);
  try {
    return keyFromText(answer.SecretString);
  } catch (error) {
    if (error instanceof CanaryKeyError) throw new UsageError(`the canary key in ${secretArn} is unusable: ${error.message}`, { cause: error });
    throw error;
  }
}

async function writeLine(
  logGroup: string,
  message: string,
  timestamp: number,
  region: string,
  client: ReturnType<ReturnType<typeof resolveDeps>['logsClient']>,
  call: CallOptions,
): Promise<void> {
  const put = (): Promise<unknown> =>
    callAws(
      context('PutLogEvents', 'CloudWatch Logs', 'logs:PutLogEvents', region, { logGroup }),
      async (abortSignal) => {
        try {
          const logEvents = [{ message, timestamp }];
          const request = new PutLogEventsCommand({ logGroupName: logGroup, logStreamName: CANARY_STREAM, logEvents });
          return await client.send(request, { abortSignal });
        } catch (error) {
          // The stream is missing (no canary has run yet): made below; a missing group fails there, named.
          if (awsErrorShape(error).name === 'ResourceNotFoundException') return null;
          throw error;
        }
      },
      call,
    );
  if ((await put()) !== null) return;
  await callAws(
    context('CreateLogStream', 'CloudWatch Logs', 'logs:CreateLogStream', region, { logGroup }),
    (abortSignal) =>
      client.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: CANARY_STREAM }), { abortSignal }),
    call,
  );
  if ((await put()) === null) throw new UsageError(`log stream ${CANARY_STREAM} in ${JSON.stringify(logGroup)} vanished as it was made; try again`);
}

function numberOf(value: AttributeValue | undefined): number | null {
  return value?.N === undefined ? null : Number(value.N);
}

/** The first hop not seen, and what to check for it; null when every hop was. */
export function missingHop(times: HopTimes, deliver: boolean): string | null {
  const group = JSON.stringify(times.logGroup);
  if (times.seenAt === null) {
    return (
      `log group -> detector: the detector did not see the test line of ${group}. Check its subscription filter `
      + `(ftp-bounce-watch status --log-group ${terminalSafe(times.logGroup)}), that the log group is the one deployed `
      + '(name, Region), and the detector\'s errors (ftp-bounce-watch status; its log group, DetectorLogGroupName)'
    );
  }
  if (times.publishedAt === null) {
    return (
      `detector -> SNS: the detector saw the test line of ${group} but did not publish it. Check its log group `
      + `(DetectorLogGroupName) for ERROR lines: sns:Publish on the ${deliver ? 'alert' : 'canary'} topic, the topics' KMS key`
    );
  }
  return null;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

/** The hops of one log group, one line each. */
export function renderHops(times: HopTimes, deliver: boolean): string {
  const topic = deliver ? 'the alert topic: an alert marked TEST, to people' : 'the canary topic, no person';
  const lines = [
    `${terminalSafe(times.logGroup)}: log group -> detector -> SNS`,
    `  written    ${new Date(times.writtenAt).toISOString()} into stream ${CANARY_STREAM}`,
    `  detector   ${times.seenAt === null ? 'NOT SEEN' : `+${seconds(times.seenAt - times.writtenAt)}`}`,
    `  SNS        ${times.publishedAt === null ? 'NOT SEEN' : `+${seconds(times.publishedAt - times.writtenAt)} (${topic})`}`,
  ];
  // A log group name may be 512 characters: its header line wraps rather than run past the terminal.
  return wrapText(`${lines.join('\n')}\n`);
}

export async function runTestCommand(options: TestOptions, io: CliIo): Promise<number> {
  const deps = resolveDeps(io);
  const logs = deps.logsClient();
  const region = await clientRegion(logs);
  const progress = new ProgressLine(io.stderr, io.stderrIsTty && !isDumbTerminal(io.env));
  const started = deps.now();
  let step = 'reading the stack';
  let retrying = '';
  const call: CallOptions = {
    signal: io.interrupted,
    // An endpoint may stay silent at most 30 s (or the whole wait when shorter), as in `status`.
    silence: new SilenceBudget(Math.min(options.timeoutMs, DEFAULT_SILENCE_TIMEOUT_MS), io.env),
    sleep: deps.sleep,
    random: deps.random,
    onStart: () => {
      retrying = '';
    },
    onRetry: (retry) => {
      retrying = retryNote(retry);
      progress.update(step, `${formatElapsed(deps.now() - started)}${retrying}`);
    },
  };
  const ticker = io.stderrIsTty && !isDumbTerminal(io.env) ? setInterval(() => progress.update(step, `${formatElapsed(deps.now() - started)}${retrying}`), 1_000) : undefined;
  ticker?.unref();
  const results: HopTimes[] = [];
  try {
    const stack = await describeStack(options.stackName, region, deps.cloudFormationClient(region), call);
    if (stack === undefined) {
      throw new UsageError(`no stack ${JSON.stringify(options.stackName)} in ${region}: deploy it first (cdk deploy), or name it with --stack NAME`);
    }
    const output = (key: string, why: string): string => {
      const value = stack.outputs.get(key);
      if (value === undefined) throw new UsageError(`stack ${JSON.stringify(options.stackName)} has no output ${key}: ${why}`);
      return value;
    };
    const table = output(STACK_OUTPUT_KEYS.incidentTableName, 'redeploy it with this version of ftp-bounce-watch');
    const secretArn = output(
      STACK_OUTPUT_KEYS.canarySecretArn,
      'the canary is off (canary=false) or the stack predates it; the test line is signed with the canary\'s key',
    );
    let texts = options.logGroups;
    let source = '--log-group';
    const ownGroup = stack.outputs.get(STACK_OUTPUT_KEYS.canaryLogGroupName);
    if (texts.length === 0 && ownGroup !== undefined) {
      // Account-wide and central modes: the canary's own group is the one the stack knows the subscription covers.
      texts = [ownGroup];
      source = `the stack output ${STACK_OUTPUT_KEYS.canaryLogGroupName}`;
    } else if (texts.length === 0) {
      const deployed = await readCdkJson(options.cdkJson ?? join(deps.cwd, 'cdk.json'), options.cdkJson !== undefined);
      texts = deployed.logGroups;
      source = deployed.path;
    }
    const targets = parseLogGroupTargets(texts, source);
    assertTargetsInRegion(targets, region);

    step = 'reading the canary key';
    const key = await readKey(secretArn, region, deps.secretsManagerClient(region), call);
    const purpose = options.deliver ? 'test-deliver' : 'test';
    const pending: Array<{ logGroup: string; nonce: string; writtenAt: number }> = [];
    for (const { name: logGroup } of targets) {
      step = `writing into ${logGroup}`;
      const writtenAt = deps.now();
      const signed = signCanary(key, { purpose, logGroup, logStream: CANARY_STREAM, writtenAt, nonce: newNonce() });
      await writeLine(logGroup, canaryLine(signed), writtenAt, region, logs, call);
      pending.push({ logGroup, nonce: signed.nonce, writtenAt });
    }

    const dynamodb = deps.dynamodbClient(region);
    const deadline = deps.now() + options.timeoutMs;
    const seen = new Map<string, HopTimes>();
    for (;;) {
      for (const test of pending) {
        if (seen.get(test.nonce)?.publishedAt != null) continue;
        const ctx = context('GetItem', 'DynamoDB', 'dynamodb:GetItem', region, { resource: `table ${JSON.stringify(table)}` });
        const request = new GetItemCommand({ TableName: table, Key: { pk: { S: `N#${test.nonce}` } }, ConsistentRead: true });
        const item = (await callAws(ctx, (abortSignal) => dynamodb.send(request, { abortSignal }), call)).Item;
        seen.set(test.nonce, {
          logGroup: test.logGroup,
          writtenAt: test.writtenAt,
          seenAt: numberOf(item?.seenAt),
          publishedAt: numberOf(item?.publishedAt),
        });
      }
      const waiting = pending.filter((t) => seen.get(t.nonce)?.publishedAt == null).length;
      if (waiting === 0 || deps.now() >= deadline) break;
      step = `waiting for the detector (${pending.length - waiting} of ${pending.length} log groups done)`;
      progress.update(step, `${formatElapsed(deps.now() - started)} of ${formatElapsed(options.timeoutMs)}`);
      await deps.sleep(Math.min(POLL_MS, Math.max(0, deadline - deps.now())), io.interrupted);
      if (io.interrupted.aborted) throw new InterruptedError('interrupted while waiting for the detector');
    }
    for (const test of pending) {
      const none = { logGroup: test.logGroup, writtenAt: test.writtenAt, seenAt: null, publishedAt: null };
      results.push(seen.get(test.nonce) ?? none);
    }
  } catch (error) {
    if (error instanceof InterruptedError) {
      throw new UsageError(`interrupted while ${step}, before every hop was seen`, { cause: error });
    }
    throw error;
  } finally {
    clearInterval(ticker);
    progress.clear();
  }

  const out = new BufferedWriter(io.stdout);
  let missing = 0;
  for (const times of results) {
    await out.write(renderHops(times, options.deliver));
    const hop = missingHop(times, options.deliver);
    if (hop !== null) {
      missing++;
      io.stderr.write(`ftp-bounce-watch: not seen within ${Math.round(options.timeoutMs / 1000)} s: ${terminalSafe(hop, 1000)}\n`);
    }
  }
  if (missing === 0 && options.deliver) {
    await out.write('A test alert marked TEST went to the alert topic: check that it reached email and Slack.\n');
  }
  await out.flush();
  return missing === 0 ? 0 : 1;
}
