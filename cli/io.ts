/** The CLI's view of the process, injected so commands can be tested without spawning one. */
import type { Readable, Writable } from 'node:stream';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';

export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdoutIsTty: boolean;
  /** stdin is a terminal: a scan without FILE says it is waiting for typed lines. Default false. */
  readonly stdinIsTty?: boolean;
  readonly stderrIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks to stop (Ctrl-C); commands that run long stop cleanly on it. */
  readonly interrupted: AbortSignal;
  /** What the AWS-backed commands take from outside; each one left out gets its real default. */
  readonly deps?: CommandDeps;
}

/** Injected by tests (mocked clients, a fake clock); the defaults are in cli/aws/deps.ts. */
export interface CommandDeps {
  /** The run's CloudWatch Logs client. Default: one client from the standard AWS configuration chain. */
  readonly logsClient?: () => CloudWatchLogsClient;
  /** An SNS client for the topic's Region. Default: the standard AWS configuration chain. */
  readonly snsClient?: (region: string) => SNSClient;
  /** `status`: reads the stack's outputs. Default: the standard AWS configuration chain, in the given Region. */
  readonly cloudFormationClient?: (region: string) => CloudFormationClient;
  /** `status`: counts what waits in the failure queues. */
  readonly sqsClient?: (region: string) => SQSClient;
  /** `status`: counts what waits in the failure bucket. */
  readonly s3Client?: (region: string) => S3Client;
  /** `test`: reads the canary's key. */
  readonly secretsManagerClient?: (region: string) => SecretsManagerClient;
  /**
   * `incidents`, `suppress` and `status`: the alert-memory table. With no Region, the standard chain's (the
   * commands learn the Region from it). Default: the standard AWS configuration chain.
   */
  readonly dynamodbClient?: (region?: string) => DynamoDBClient;
  /** `suppress add`, `incidents ack`: who the caller is (GetCallerIdentity), recorded as the author. */
  readonly stsClient?: (region: string) => STSClient;
  /** Milliseconds since the epoch. */
  readonly now?: () => number;
  /** Waits `ms`, returning early when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A number in [0, 1), for backoff jitter. */
  readonly random?: () => number;
  /** Where `status` looks for cdk.json. Default: the process's working directory. */
  readonly cwd?: string;
}

/** The exit status after Ctrl-C, as shells report a process ended by SIGINT (128 + 2). */
export const INTERRUPTED_EXIT_CODE = 130;

export function processIo(): CliIo {
  const controller = new AbortController();
  // The first Ctrl-C asks the command to stop (it prints what it has, then main exits 130); standard input is
  // closed so a read waiting on a terminal or a quiet pipe ends now. A second Ctrl-C exits at once.
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    controller.abort();
    process.stdin.destroy();
  });
  // The AWS SDK warns on Node.js 20 that its releases after January 2027 will need Node.js 22: nine lines before
  // every AWS command's output. The SDK inside this CLI is fixed when the CLI is built, so the warning changes
  // nothing for its user. A user who sets the variable keeps their setting.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The reader went away (`| head`): stop reading and exit quietly, as Unix filters do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    controller.abort();
  });
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTty: process.stdout.isTTY === true,
    stdinIsTty: process.stdin.isTTY === true,
    stderrIsTty: process.stderr.isTTY === true,
    env: process.env,
    interrupted: controller.signal,
  };
}

/** Writing the output failed, e.g. EPIPE when the reader (`| head`) went away. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  get code(): string | undefined {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

/** An expected failure: main prints its one-line message and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Bad usage or unreadable input (a file, a log group, AWS credentials): exit status 2 with this one-line message. */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 2, options);
  }
}

/** Buffers small writes into large ones and honours back-pressure, so piping 100k findings stays cheap. */
export class BufferedWriter {
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(
    private readonly stream: Writable,
    private readonly highWaterMark = 64 * 1024,
  ) {}

  async write(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= this.highWaterMark) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pendingLength === 0) return;
    const chunk = this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          this.stream.off('error', onError);
          resolve();
        };
        const onError = (error: Error): void => {
          this.stream.off('drain', onDrain);
          reject(new OutputError(`cannot write output: ${error.message}`, { cause: error }));
        };
        this.stream.once('drain', onDrain);
        this.stream.once('error', onError);
      });
    }
  }
}
