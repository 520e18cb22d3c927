import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { CliIo, CommandDeps } from '../../cli/io';

export interface CapturedIo extends CliIo {
  readonly out: () => string;
  readonly err: () => string;
  readonly abort: () => void;
}

class Capture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }
}

export interface CaptureOptions {
  readonly stdin?: Iterable<Buffer | string> | AsyncIterable<Buffer | string>;
  /** Both stdout and stderr are terminals (default false). */
  readonly tty?: boolean;
  /** stdin is a terminal (default false). */
  readonly stdinTty?: boolean;
  /** stderr alone is a terminal (overrides `tty` for stderr). */
  readonly stderrTty?: boolean;
  readonly env?: Record<string, string>;
  /** AWS clients, clock and timers for the AWS commands. */
  readonly deps?: CommandDeps;
}

/**
 * The working directory of a captured run unless a test names one: no cdk.json, so what the repository's own
 * cdk.json holds never changes a test (tests of the settings reader name a directory with one).
 */
const OUTSIDE_ANY_PROJECT = mkdtempSync(join(tmpdir(), 'fbw-cwd-'));

/** An injected CLI process: stdin from the given chunks, stdout/stderr captured. */
export function captureIo(options: CaptureOptions = {}): CapturedIo {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  return {
    stdin: Readable.from(options.stdin ?? [], { objectMode: false }),
    stdout,
    stderr,
    stdoutIsTty: options.tty ?? false,
    stdinIsTty: options.stdinTty ?? false,
    stderrIsTty: options.stderrTty ?? options.tty ?? false,
    env: options.env ?? {},
    interrupted: controller.signal,
    deps: { cwd: OUTSIDE_ANY_PROJECT, ...options.deps },
    out: () => stdout.chunks.join(''),
    err: () => stderr.chunks.join(''),
    abort: () => controller.abort(),
  };
}
