/**
 * The exports' part of the runtime (docs/export.md), built once per container: the EventBridge and Security Hub
 * clients (enforced timeouts), their exporters around the alert publisher, and what an export's outcome counts and
 * logs. Nothing here can fail an invocation.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeExporter } from './adapters/eventbridge-exporter';
import type { AlertExporter, AlertPublisher, ExportOutcome } from './adapters/ports';
import { EVENTBRIDGE_TIMEOUTS, type InvocationBudget, sdkClientOptions } from './adapters/timeouts';
import type { ExportConfig } from './config';
import { ExportingPublisher } from './export/exporting-publisher';

/** Metric names per exporter: what went out, and what did not after the retries (which alarms). */
export const EXPORT_METRICS = {
  eventbridge: { exported: 'EventsExported', failed: 'EventExportFailed' },
  securityhub: { exported: 'FindingsImported', failed: 'FindingImportFailed' },
} as const;

/** Failures named in one log line, at most. */
const LISTED_FAILURES = 10;

/** The configured exporters, with their clients (none when no export is configured). */
export function createExporters(config: ExportConfig, region: string, budget: InvocationBudget): AlertExporter[] {
  const exporters: AlertExporter[] = [];
  if (config.eventBus !== null) {
    const client = new EventBridgeClient({ region, ...sdkClientOptions(EVENTBRIDGE_TIMEOUTS) });
    const partition = /^arn:(aws[a-z-]*):/.exec(config.eventBus)?.[1] ?? partitionOf(region);
    exporters.push(new EventBridgeExporter(client, { eventBusName: config.eventBus, partition, budget }));
  }
  if (config.securityHubProductArn !== null) {
    // Loaded only when enabled: the Security Hub and STS clients add to every cold start (docs/export.md).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; esbuild still bundles the module
    const { createSecurityHubExporter } = require('./securityhub-runtime') as typeof import('./securityhub-runtime');
    exporters.push(createSecurityHubExporter(config.securityHubProductArn, config.securityHubMemberRole, region, budget));
  }
  return exporters;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The publisher with the exports around it; the publisher itself when none is configured. */
export function withExports(
  publisher: AlertPublisher,
  exporters: readonly AlertExporter[],
  metrics: Metrics,
  logger: Logger,
): AlertPublisher {
  if (exporters.length === 0) return publisher;
  return new ExportingPublisher(publisher, exporters, (name, outcome: ExportOutcome) => {
    const names = EXPORT_METRICS[name as keyof typeof EXPORT_METRICS] ?? { exported: `${name}Exported`, failed: `${name}ExportFailed` };
    metrics.addMetric(names.exported, MetricUnit.Count, outcome.exported);
    if (outcome.failures.length === 0) return;
    metrics.addMetric(names.failed, MetricUnit.Count, outcome.failures.length);
    logger.error('alerts not exported (the alerts themselves were published)', {
      exporter: name,
      failed: outcome.failures.length,
      failures: outcome.failures.slice(0, LISTED_FAILURES),
    });
  });
}
