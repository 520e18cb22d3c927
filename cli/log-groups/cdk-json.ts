/**
 * The log groups and filter pattern the app deploys, read from the `context` block of its cdk.json with the
 * app's own context parser (infra/context.ts, no CDK imports), so `status` checks exactly what `cdk deploy`
 * would attach.
 */
import { readFile } from 'node:fs/promises';
import { ContextError, parseContext } from '../../infra/context';
import { UsageError } from '../io';

export interface DeployedGroups {
  readonly path: string;
  readonly logGroups: readonly string[];
  readonly filterPattern: string;
}

export async function readCdkJson(path: string, explicit: boolean): Promise<DeployedGroups> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (!explicit && code === 'ENOENT') {
      throw new UsageError(
        `no --log-group given and no cdk.json here (${path}): pass --log-group NAME, or --cdk-json PATH of the app`,
        { cause: error },
      );
    }
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(error);
    throw new UsageError(`cannot read ${path}: ${why}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const context = (json as { context?: unknown } | null)?.context;
  const values: Record<string, unknown> =
    typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : {};
  if (values.logGroups === undefined) {
    const accountWide = values.accountWide === true || String(values.accountWide).toLowerCase() === 'true';
    throw new UsageError(
      accountWide
        ? `${path} deploys with accountWide=true, which covers every log group: pass --log-group NAME to check some`
        : `${path} lists no logGroups in its context: pass --log-group NAME (a name or ARN; repeat it for more)`,
    );
  }
  try {
    // Only the log groups and pattern matter here; the destinations may well be given at deploy time (-c).
    const config = parseContext(values, {}, { requireDestinations: false });
    return { path, logGroups: config.logGroups, filterPattern: config.filterPattern };
  } catch (error) {
    if (error instanceof ContextError) {
      throw new UsageError(`${path}: ${error.problems.map((p) => `${p.key}: ${p.message}`).join('; ')}`, {
        cause: error,
      });
    }
    throw error;
  }
}
