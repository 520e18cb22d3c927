/** Thin wrapper over node:util parseArgs that turns its errors into one-line UsageErrors. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './io';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(command: string, argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    // node:util errors may come from another realm, so read `message` rather than test `instanceof Error`.
    const message = String((error as { message?: unknown } | null)?.message ?? error);
    const detail = message.split(/\.(?:\s|$)/)[0];
    throw new UsageError(`${detail} (see 'ftp-bounce-watch ${command} --help')`, { cause: error });
  }
}

export type OutputFormat = 'jsonl' | 'text';

/** `--format`, defaulting to text on a terminal and jsonl when piped. */
export function outputFormat(command: string, value: string | undefined, stdoutIsTty: boolean): OutputFormat {
  if (value === undefined) return stdoutIsTty ? 'text' : 'jsonl';
  if (value === 'jsonl' || value === 'text') return value;
  throw new UsageError(
    `--format must be 'jsonl' or 'text', not '${value}' (see 'ftp-bounce-watch ${command} --help')`,
  );
}

/** `--timeout SECONDS`: how long an AWS endpoint may stay silent (cli/aws/call.ts); default 30 s. In ms. */
export function timeoutOption(command: string, value: string | undefined, defaultMs: number): number {
  if (value === undefined) return defaultMs;
  const seconds = /^\d{1,5}(\.\d{1,3})?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 1 && seconds <= 3600)) {
    throw new UsageError(`--timeout takes seconds from 1 to 3600, not '${value}' (see 'ftp-bounce-watch ${command} --help')`);
  }
  return Math.round(seconds * 1000);
}
