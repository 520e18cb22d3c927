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
