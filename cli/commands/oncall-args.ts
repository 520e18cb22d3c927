/** The options `incidents` and `suppress` share: where the table is, how long to wait, how to print. */
import { DEFAULT_STACK_NAME } from '../../infra/deployment-names';
import { timeoutOption } from '../args';
import { DEFAULT_SILENCE_TIMEOUT_MS } from '../aws/call';
import { InvalidSuppressionError } from '../../lambda/incidents/suppressions';
import { UsageError } from '../io';
import type { OnCallFormat, TableArgs } from '../oncall/run';

export const TABLE_OPTIONS = {
  table: { type: 'string' },
  stack: { type: 'string' },
  timeout: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const TABLE_OPTIONS_USAGE = `  --table NAME          The alert-memory table. Default: the ${'IncidentTableName'} output of the stack.
  --stack NAME          The deployed stack whose output names the table. Default: ${DEFAULT_STACK_NAME}.
  --timeout SECONDS     How long an AWS endpoint may stay silent before the command gives up, naming
                        the endpoint (each attempt gets a third of it). Default: 30.
  --format text|json    Default: text on a terminal, json when piped.
  -h, --help            Show this help.`;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export function tableArgs(
  command: string,
  values: { table?: string; stack?: string; timeout?: string; format?: string },
  stdoutIsTty: boolean,
): TableArgs {
  if (values.table !== undefined && !TABLE_NAME.test(values.table)) {
    throw new UsageError(`--table must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .), not '${values.table}'`);
  }
  if (values.table !== undefined && values.stack !== undefined) {
    throw new UsageError(`give --table or --stack, not both (see 'ftp-bounce-watch ${command} --help')`);
  }
  if (values.stack !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(values.stack)) {
    throw new UsageError(`--stack must be a CloudFormation stack name (letters, digits, hyphens, starting with a letter), not '${values.stack}'`);
  }
  let format: OnCallFormat;
  if (values.format === undefined) format = stdoutIsTty ? 'text' : 'json';
  else if (values.format === 'text' || values.format === 'json') format = values.format;
  else throw new UsageError(`--format must be 'text' or 'json', not '${values.format}' (see 'ftp-bounce-watch ${command} --help')`);
  return {
    table: values.table,
    stackName: values.stack ?? DEFAULT_STACK_NAME,
    timeoutMs: timeoutOption(command, values.timeout, DEFAULT_SILENCE_TIMEOUT_MS),
    format,
  };
}

/** A value checked by the suppressions' rules, its problem as a one-line usage error naming the command. */
export function checkedValue<T>(command: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof InvalidSuppressionError) throw new UsageError(`${command}: ${error.message}`, { cause: error });
    throw error;
  }
}
