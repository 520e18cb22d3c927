/**
 * FilterLogEvents over one log group and time range, every page followed, each event fed to the rule 11209
 * detector. The request carries the deployment's filter pattern, so CloudWatch Logs returns the same events
 * the subscription filter would have delivered, and the detector decides exactly as the Lambda function does.
 */
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { LocatedFinding } from '../../lambda/alerts';
import { createLineDetector } from '../../lambda/detector';
import type { NetworkSet } from '../../lambda/detector/networks';
import { type CallOptions, callAws } from '../aws/call';
import { pages } from '../aws/pages';
import type { LogGroupTarget } from './log-group-ref';
import type { TimeRange } from './time-range';

export interface ScanCounters {
  /** Events CloudWatch Logs returned (those matching the filter pattern). */
  events: number;
  pages: number;
  findings: number;
}

export interface FilterScan {
  readonly client: CloudWatchLogsClient;
  readonly region: string;
  readonly range: TimeRange;
  readonly filterPattern: string;
  readonly call: CallOptions;
  readonly counters: ScanCounters;
  /** The operator's own networks (`internalNetworks`), as the deployed detector has them. */
  readonly internalNetworks?: NetworkSet;
  readonly onFinding: (found: LocatedFinding) => Promise<void> | void;
  /** Called after each page, e.g. to redraw the progress line. */
  readonly onPage?: () => Promise<void> | void;
}

/** Scans one log group to the last page. Throws InterruptedError on Ctrl-C, a CLI error when AWS refuses. */
export async function scanLogGroupEvents(target: LogGroupTarget, scan: FilterScan): Promise<void> {
  const context = { operation: 'FilterLogEvents', region: scan.region, logGroup: target.name };
  // Names go as logGroupName; ARNs as logGroupIdentifier, the only field that takes one.
  const group =
    target.identifier === target.name ? { logGroupName: target.name } : { logGroupIdentifier: target.identifier };
  const detectLine = createLineDetector(scan.internalNetworks === undefined ? {} : { internalNetworks: scan.internalNetworks });
  // An empty page with a token is normal: CloudWatch Logs searched a slice of the range and found nothing.
  const listing = pages((nextToken) => {
    const request = new FilterLogEventsCommand({
      ...group,
      startTime: scan.range.startTime,
      endTime: scan.range.endTime,
      filterPattern: scan.filterPattern,
      ...(nextToken !== undefined && { nextToken }),
    });
    return callAws(context, (abortSignal) => scan.client.send(request, { abortSignal }), scan.call);
  });
  for await (const page of listing) {
    scan.counters.pages++;
    for (const event of page.events ?? []) {
      scan.counters.events++;
      const finding = detectLine(event.message ?? '');
      if (finding === null) continue;
      scan.counters.findings++;
      await scan.onFinding({
        finding,
        logGroup: target.name,
        logStream: event.logStreamName ?? '',
        eventId: event.eventId ?? '',
        // Every event has a timestamp; ingestionTime is only a fallback for a malformed answer.
        timestamp: event.timestamp ?? event.ingestionTime ?? Number.NaN,
      });
    }
    await scan.onPage?.();
  }
}
