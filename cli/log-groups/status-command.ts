/** `status`, once its arguments are parsed: resolve the log groups, check each one, print, pick the exit status. */
import { join } from 'node:path';
import { DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { filterPatternProblem } from '../../infra/validation';
import { clientRegion, resolveDeps } from '../aws/deps';
import { InterruptedError } from '../aws/errors';
import { BufferedWriter, type CliIo, UsageError } from '../io';
import { terminalSafe } from '../render/scan-text';
import { renderStatusText } from '../render/status-text';
import { readCdkJson } from './cdk-json';
import { assertTargetsInRegion, parseLogGroupTargets } from './log-group-ref';
import { checkStatus } from './status-check';

export type StatusFormat = 'text' | 'json';

export interface StatusOptions {
  readonly logGroups: readonly string[];
  readonly cdkJson: string | undefined;
  readonly filterPattern: string | undefined;
  readonly format: StatusFormat;
}

export async function runStatusCheck(options: StatusOptions, io: CliIo): Promise<number> {
  const deps = resolveDeps(io);
  let texts = options.logGroups;
  let source = '--log-group';
  let deployedPattern = DEFAULT_FILTER_PATTERN;
  if (texts.length === 0) {
    const deployed = await readCdkJson(options.cdkJson ?? join(deps.cwd, 'cdk.json'), options.cdkJson !== undefined);
    texts = deployed.logGroups;
    source = deployed.path;
    deployedPattern = deployed.filterPattern;
  }
  const targets = parseLogGroupTargets(texts, source);
  const filterPattern = options.filterPattern ?? deployedPattern;
  const patternProblem = filterPatternProblem(filterPattern);
  if (patternProblem) throw new UsageError(`--filter-pattern: ${patternProblem}`);

  const client = deps.logsClient();
  const region = await clientRegion(client);
  assertTargetsInRegion(targets, region);

  let report;
  try {
    report = await checkStatus(targets, {
      client,
      region,
      filterPattern,
      call: { signal: io.interrupted, sleep: deps.sleep, random: deps.random },
    });
  } catch (error) {
    // Half a health report would read as a verdict: stop with a usage-class error instead.
    if (error instanceof InterruptedError) throw new UsageError('interrupted before every log group was checked', { cause: error });
    throw error;
  }

  const out = new BufferedWriter(io.stdout);
  if (options.format === 'json') {
    await out.write(`${JSON.stringify(report, null, 2)}\n`);
    // Scripts read stdout; people watching the run still see which group failed and why.
    for (const status of report.logGroups) {
      for (const problem of status.problems) {
        io.stderr.write(`ftp-bounce-watch: ${terminalSafe(status.logGroup)}: ${terminalSafe(problem, 1000)}\n`);
      }
    }
  } else {
    await out.write(renderStatusText(report, deps.now()));
  }
  await out.flush();
  return report.healthy ? 0 : 1;
}
