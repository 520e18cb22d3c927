import { Readable, Writable } from 'node:stream';
import type { CliIo } from '../../cli/io';

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

/** An injected CLI process: stdin from the given chunks, stdout/stderr captured. */
export function captureIo(
  options: { stdin?: Iterable<Buffer | string>; tty?: boolean; env?: Record<string, string> } = {},
): CapturedIo {
  const stdout = new Capture();
  const stderr = new Capture();
  const controller = new AbortController();
  return {
    stdin: Readable.from(options.stdin ?? [], { objectMode: false }),
    stdout,
    stderr,
    stdoutIsTty: options.tty ?? false,
    stderrIsTty: options.tty ?? false,
    env: options.env ?? {},
    interrupted: controller.signal,
    out: () => stdout.chunks.join(''),
    err: () => stderr.chunks.join(''),
    abort: () => controller.abort(),
  };
}
