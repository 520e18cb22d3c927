/** `status`, once its arguments are parsed: resolve the log groups, check each one, print, pick the exit status. */
import { join } from 'node:path';
import { DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { filterPatternProblem } from '../../infra/validation';
import { clientRegion, resolveDeps } from '../aws/deps';
import { type CallOptions, DEFAULT_SILENCE_TIMEOUT_MS, SilenceBudget } from '../aws/call';
import { InterruptedError } from '../aws/errors';
import { isDumbTerminal } from '../render/color';
import { formatElapsed, ProgressLine, retryNote } from '../render/progress';
import { BufferedWriter, type CliIo, UsageError } from '../io';
import { terminalSafe } from '../render/scan-text';
import { renderStatusText } from '../render/status-text';
import { readCdkJson } from './cdk-json';
import { assertTargetsInRegion, parseLogGroupTargets } from './log-group-ref';
import { checkStatus, type StatusReport } from './status-check';
import { checkDeployment, type DeploymentStatus } from './status-deployment';

export type StatusFormat = 'text' | 'json';

export interface StatusOptions {
  readonly logGroups: readonly string[];
  readonly cdkJson: string | undefined;
  readonly filterPattern: string | undefined;
  readonly format: StatusFormat;
  /** The stack whose outputs name the topics, failure stores and log groups; null: check the log groups only. */
  readonly stack: { readonly name: string; readonly named: boolean } | null;
  /** How long an AWS endpoint may stay silent, in ms (`--timeout`). Default 30 s. */
  readonly timeoutMs?: number;
}

/** The log groups' report and the deployment's; `healthy` covers both. */
export interface FullStatusReport extends StatusReport {
  readonly deployment: DeploymentStatus | null;
}

/** 1 when anything is wrong; else 2 when a deployment check could not run (no verdict); else 0. */
export function statusExitCode(report: FullStatusReport): number {
  if (!report.healthy) return 1;
  return report.deployment !== null && report.deployment.unchecked.length > 0 ? 2 : 0;
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

  // On a terminal, stderr shows what is being checked, and retries as they happen: a silent endpoint is never a
  // frozen screen.
  const progress = new ProgressLine(io.stderr, io.stderrIsTty && !isDumbTerminal(io.env));
  const started = deps.now();
  let step = 'checking';
  const call: CallOptions = {
    signal: io.interrupted,
    silence: new SilenceBudget(options.timeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS, io.env),
    sleep: deps.sleep,
    random: deps.random,
    onStart: (context) => {
      step = `${context.service ?? 'CloudWatch Logs'} ${context.operation}`;
      retrying = '';
    },
    onRetry: (retry) => {
      retrying = retryNote(retry);
      progress.update(step, `${formatElapsed(deps.now() - started)}${retrying}`);
    },
  };
  let retrying = '';
  // Quiet while answers come quickly; a call still waiting after a second shows what it waits on.
  const ticker = io.stderrIsTty && !isDumbTerminal(io.env) ? setInterval(() => progress.update(step, `${formatElapsed(deps.now() - started)}${retrying}`), 1_000) : undefined;
  ticker?.unref();
  let report: FullStatusReport;
  try {
    const groups = await checkStatus(targets, { client, region, filterPattern, call });
    const deployment =
      options.stack === null
        ? null
        : await checkDeployment({
            stackName: options.stack.name,
            stackNamed: options.stack.named,
            region,
            now: deps.now(),
            call,
            logs: client,
            cloudFormation: () => deps.cloudFormationClient(region),
            sns: deps.snsClient,
            sqs: () => deps.sqsClient(region),
            s3: () => deps.s3Client(region),
            logGroups: targets.map((target) => target.name),
            dynamodb: () => deps.dynamodbClient(region),
          });
    report = { ...groups, healthy: groups.healthy && (deployment?.healthy ?? true), deployment };
  } catch (error) {
    // Half a health report would read as a verdict: stop with a usage-class error instead.
    if (error instanceof InterruptedError) throw new UsageError('interrupted before every log group was checked', { cause: error });
    throw error;
  } finally {
    clearInterval(ticker);
    progress.clear();
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
    const deployment = report.deployment;
    if (deployment !== null) {
      const stack = `stack ${terminalSafe(deployment.stackName)}`;
      for (const problem of deployment.problems) io.stderr.write(`ftp-bounce-watch: ${stack}: ${terminalSafe(problem, 1000)}\n`);
      for (const why of deployment.unchecked) io.stderr.write(`ftp-bounce-watch: ${stack}: not checked: ${terminalSafe(why, 1000)}\n`);
    }
  } else {
    await out.write(renderStatusText(report, deps.now()));
  }
  await out.flush();
  return statusExitCode(report);
}
