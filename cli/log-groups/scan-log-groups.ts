/**
 * `scan --log-group NAME ...`: the backfill. Did rule 11209 fire before the deployment existed? Fetches the
 * events the deployment's filter pattern selects over a time range, runs the same detector, and prints the
 * findings (or, with --alerts, the alerts the function would have sent; with --publish, sends them).
 */
import { AlertPublishError, DeadlineExceededError, InvocationBudget, SnsAlertPublisher } from '../../lambda/adapters';
import type { RunSettings } from '../settings';
import { replayFindings } from '../replay/backfill';
import {
  type Alert,
  buildSnsMessage,
  InvalidRegionError,
  InvalidTimestampError,
  type LocatedFinding,
  renderAlertJson,
} from '../../lambda/alerts';
import { DEFAULT_FILTER_PATTERN } from '../../infra/filter-pattern';
import { filterPatternProblem } from '../../infra/validation';
import type { OutputFormat } from '../args';
import { clientRegion, resolveDeps } from '../aws/deps';
import { InterruptedError, oneLine } from '../aws/errors';
import { BufferedWriter, CliError, type CliIo, UsageError } from '../io';
import { renderAlertsText } from '../render/alerts-text';
import { ansiPaint, isDumbTerminal, noPaint } from '../render/color';
import { formatElapsed, ProgressLine, retryNote } from '../render/progress';
import { DEFAULT_SILENCE_TIMEOUT_MS, endpointOf, SilenceBudget } from '../aws/call';
import { plural, TextSummary, terminalSafe } from '../render/scan-text';
import { type ScanCounters, scanLogGroupEvents } from './filter-events';
import { assertTargetsInRegion, parseLogGroupTargets } from './log-group-ref';
import { isoOrNull, parseTimeRange } from './time-range';
import { SNS_TOPIC_ARN } from '../../lambda/aws-names';

export interface LogGroupScanOptions {
  readonly logGroups: readonly string[];
  readonly since: string | undefined;
  readonly until: string | undefined;
  readonly filterPattern: string | undefined;
  readonly format: OutputFormat;
  /** Print the alerts instead of the findings. */
  readonly alerts: boolean;
  /** Send the alerts to this SNS topic (implies alerts). */
  readonly publish: string | undefined;
  /** What changes findings and alerts (`internalNetworks`, alert memory), read by cli/settings.ts. */
  readonly settings: RunSettings;
  /** Colour the severities of the text summary (a terminal that wants colour: `wantsColor`). Default: none. */
  readonly color?: boolean;
  /** How long an AWS endpoint may stay silent, in ms (`--timeout`). Default 30 s. */
  readonly timeoutMs?: number;
}

/** Some alerts could not be published: exit status 1 (the scan itself worked). */
export class AlertsNotPublishedError extends CliError {
  override readonly name: string = 'AlertsNotPublishedError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, 1, options);
  }
}

/** The topic's Region (the SNS client must use it), or a UsageError explaining what an ARN looks like. */
export function topicRegion(arn: string): string {
  const m = SNS_TOPIC_ARN.exec(arn);
  if (m === null) {
    throw new UsageError(
      `--publish expects an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:ftp-bounce-watch-alerts, got ${JSON.stringify(oneLine(arn, 120))}`,
    );
  }
  // The publisher sends no MessageGroupId, which a FIFO topic requires.
  if (m[4] !== undefined) throw new UsageError('--publish: FIFO topics are not supported; use a standard topic');
  return m[1] as string;
}

/**
 * The messages the deployment would have sent: the findings replayed through alert memory on their own clock
 * (cli/replay/backfill.ts), so incidents, updates, scans and digests come out as they would have.
 */
async function buildAlerts(
  located: readonly LocatedFinding[],
  region: string,
  account: string,
  settings: RunSettings,
): Promise<Alert[]> {
  try {
    const { incidents, internalNetworks } = settings;
    return await replayFindings(located, { region, account, settings: incidents, internalNetworks });
  } catch (error) {
    if (error instanceof InvalidRegionError || error instanceof InvalidTimestampError) {
      throw new UsageError(`cannot build alerts: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** The log groups' account, when every target is an ARN of one account; empty when unknown. */
function accountOf(targets: ReturnType<typeof parseLogGroupTargets>): string {
  const accounts = new Set(targets.map((t) => /^arn:[^:]+:logs:[^:]*:(\d{12}):/.exec(t.identifier)?.[1] ?? ''));
  return accounts.size === 1 ? ([...accounts][0] ?? '') : '';
}

export async function runLogGroupScan(options: LogGroupScanOptions, io: CliIo): Promise<number> {
  const deps = resolveDeps(io);
  const started = deps.now();
  // Everything the user typed is checked before the first AWS call.
  const range = parseTimeRange(options.since, options.until, started);
  const targets = parseLogGroupTargets(options.logGroups, '--log-group');
  const filterPattern = options.filterPattern ?? DEFAULT_FILTER_PATTERN;
  const patternProblem = filterPatternProblem(filterPattern);
  if (patternProblem) throw new UsageError(`--filter-pattern: ${patternProblem}`);
  const snsRegion = options.publish === undefined ? undefined : topicRegion(options.publish);
  const wantAlerts = options.alerts || options.publish !== undefined;
  const settings = options.settings;

  const client = deps.logsClient();
  const region = await clientRegion(client);
  assertTargetsInRegion(targets, region);

  const out = new BufferedWriter(io.stdout);
  const summary = new TextSummary(options.color === true ? ansiPaint : noPaint);
  const located: LocatedFinding[] = [];
  const counters: ScanCounters = { events: 0, pages: 0, findings: 0 };
  const progress = new ProgressLine(io.stderr, io.stderrIsTty && !isDumbTerminal(io.env));
  let current = '';
  const showProgress = (extra = ''): void =>
    progress.update(
      current,
      `${plural(counters.events, 'event')}, ${plural(counters.pages, 'page')}, `
      + `${plural(counters.findings, 'finding')}, ${formatElapsed(deps.now() - started)}${extra}`,
    );

  let interrupted = false;
  const silence = new SilenceBudget(options.timeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS, io.env);
  let retrying = '';
  // The elapsed time keeps moving while a request waits, so a slow answer never looks like a frozen screen.
  const ticker = io.stderrIsTty && !isDumbTerminal(io.env) ? setInterval(() => showProgress(retrying), 1_000) : undefined;
  ticker?.unref();
  try {
    for (const [index, target] of targets.entries()) {
      current = targets.length === 1 ? target.name : `[${index + 1}/${targets.length}] ${target.name}`;
      showProgress();
      await scanLogGroupEvents(target, {
        client,
        region,
        range,
        filterPattern,
        counters,
        internalNetworks: settings.internalNetworks,
        call: {
          signal: io.interrupted,
          silence,
          sleep: deps.sleep,
          random: deps.random,
          onRetry: (retry) => {
            retrying = retryNote(retry);
            showProgress(retrying);
          },
        },
        onPage: async () => {
          retrying = '';
          showProgress();
          // A page at a time, so a pipeline sees findings as they come and keeps them if a later page fails.
          await out.flush();
        },
        onFinding: async (found) => {
          if (wantAlerts) {
            located.push(found);
          } else if (options.format === 'jsonl') {
            const { finding, logGroup, logStream, eventId, timestamp } = found;
            const line = { ...finding, logGroup, logStream, eventId, timestamp: isoOrNull(timestamp) };
            await out.write(`${JSON.stringify(line)}\n`);
          } else {
            summary.add(found.finding, `${found.logGroup}/${found.logStream}@${isoOrNull(found.timestamp) ?? '?'}`);
          }
        },
      });
    }
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    interrupted = true;
  } finally {
    clearInterval(ticker);
    progress.clear();
  }

  const scope = `${plural(counters.events, 'event')} of ${plural(targets.length, 'log group')}`;
  const searched =
    `Searched ${new Date(range.startTime).toISOString()} to ${new Date(range.endTime).toISOString()} `
    + `for events matching ${terminalSafe(filterPattern, 200)}.`;
  if (interrupted) {
    io.stderr.write(
      `ftp-bounce-watch: interrupted after ${plural(counters.pages, 'page')}: the results below are partial`
      + `${options.publish === undefined ? '' : ' and nothing was published'}\n`,
    );
  }

  if (!wantAlerts) {
    if (options.format === 'text') {
      await out.write(summary.render({ lines: counters.events, sources: targets.length, sourceNoun: 'log group', lineNoun: 'event' }));
      await out.write(`${searched}\n`);
    }
    await out.flush();
    return 0;
  }

  const alerts = await buildAlerts(located, region, accountOf(targets), settings);
  if (options.format === 'jsonl') {
    for (const alert of alerts) await out.write(`${renderAlertJson(alert)}\n`);
  } else {
    await out.write(renderAlertsText(alerts));
    const sent = options.publish === undefined ? ' Nothing was sent (--publish TOPIC_ARN sends them).' : '';
    await out.write(
      alerts.length === 0
        ? `No alerts: no PORT/EPRT refusals (rule 11209) in ${scope}.\n${searched}\n`
        : `${plural(alerts.length, 'message')} (as alert memory would have sent them) from `
          + `${plural(located.length, 'finding')} in ${scope}.${sent}\n${searched}\n`,
    );
  }
  await out.flush();

  if (options.publish !== undefined && snsRegion !== undefined && !interrupted && alerts.length > 0) {
    await publishAlerts(alerts, options.publish, snsRegion, deps, options.timeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS, io.env);
    io.stderr.write(`ftp-bounce-watch: published ${plural(alerts.length, 'alert')} to ${options.publish}\n`);
  }
  return 0;
}

async function publishAlerts(
  alerts: readonly Alert[],
  topicArn: string,
  region: string,
  deps: ReturnType<typeof resolveDeps>,
  timeoutMs: number,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  // The publisher's waits are short and bounded; Ctrl-C does not cut a publish half-way. Its calls, retries and
  // waits together end within --timeout, as every other AWS call of the CLI.
  const never = new AbortController().signal;
  const budget = new InvocationBudget({ reserveMs: 0 });
  budget.startWithMs(timeoutMs);
  const publisher = new SnsAlertPublisher(deps.snsClient(region), topicArn, {
    sleep: (ms) => deps.sleep(ms, never),
    random: deps.random,
    budget,
  });
  try {
    await publisher.publish(alerts.map((alert) => buildSnsMessage(alert)));
  } catch (error) {
    if (error instanceof AlertPublishError) throw new AlertsNotPublishedError(oneLine(error.message, 600), { cause: error });
    if (error instanceof DeadlineExceededError || (error as { cause?: unknown } | null)?.cause instanceof DeadlineExceededError) {
      const { url, source } = endpointOf('SNS', region, env);
      throw new AlertsNotPublishedError(
        `no answer from SNS at ${url} (${source}) within ${timeoutMs / 1000} s: the alerts may not all have been published; `
        + 'check the network path to it and AWS_REGION; --timeout SECONDS waits longer',
        { cause: error },
      );
    }
    throw error;
  }
}
