/** The CLI's view of the process, injected so commands can be tested without spawning one. */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdoutIsTty: boolean;
  readonly stderrIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks to stop (Ctrl-C); commands that run long stop cleanly on it. */
  readonly interrupted: AbortSignal;
}

export function processIo(): CliIo {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
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

/** Bad usage or unreadable input: exit status 2 with this one-line message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
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
