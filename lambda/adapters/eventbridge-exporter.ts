/**
 * Exports every published alert to an EventBridge bus (docs/export.md): one PutEvents entry per alert, in requests of
 * at most 10 entries and 256 KB, entries EventBridge reports failed (FailedEntryCount) retried with backoff, what
 * still fails reported, never thrown.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AlertJsonError,
  alertEventEntry,
  alertHead,
  batchEventEntries,
  type EventEntry,
  PUT_EVENTS_LIMITS,
} from '../export/event-entry';
import { type BatchExportOptions, type ItemRefusal, sendBatchesWithRetries } from './batch-export';
import type { AlertExporter, ExportFailure, ExportOutcome } from './ports';

const OPERATION = 'events:PutEvents';

/** PutEvents error codes no retry can change (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsResultEntry.html). */
const NOT_RETRYABLE_ENTRY_CODES = new Set([
  'MalformedDetail',
  'InvalidArgument',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
  'AccessDeniedException',
  'ValidationException',
]);

export interface EventBridgeExporterOptions extends BatchExportOptions {
  /** The bus's name or ARN (`default`: the account's default bus). */
  readonly eventBusName: string;
  /** The partition of the log groups' ARNs in `resources`. @default aws */
  readonly partition?: string;
}

interface Item {
  readonly alertId: string;
  readonly entry: EventEntry;
}

export class EventBridgeExporter implements AlertExporter {
  readonly name = 'eventbridge';
  readonly #client: EventBridgeClient;
  readonly #options: EventBridgeExporterOptions;

  constructor(client: EventBridgeClient, options: EventBridgeExporterOptions) {
    if (options.eventBusName.trim() === '') throw new RangeError('eventBusName must not be empty');
    this.#client = client;
    this.#options = options;
  }

  async export(alertJsons: readonly string[]): Promise<ExportOutcome> {
    const failures: ExportFailure[] = [];
    const items: Item[] = [];
    for (const json of alertJsons) {
      try {
        const entry = alertEventEntry(json, this.#options.eventBusName, this.#options.partition);
        items.push({ alertId: alertHead(json).id, entry });
      } catch (error) {
        if (!(error instanceof AlertJsonError)) throw error;
        failures.push({ id: '?', code: error.name, message: error.message });
      }
    }
    const { oversized } = batchEventEntries(items.map((i) => i.entry));
    const tooLarge = new Set(oversized);
    for (const item of items) {
      if (tooLarge.has(item.entry)) {
        failures.push({ id: item.alertId, code: 'EntryTooLarge', message: `the entry is ${PUT_EVENTS_LIMITS.bytes} bytes or more` });
      }
    }
    const sendable = items.filter((i) => !tooLarge.has(i.entry));
    const outcome = await sendBatchesWithRetries<Item>(
      sendable,
      {
        operation: OPERATION,
        idOf: (item) => item.alertId,
        batches: (pending) => {
          const byEntry = new Map(pending.map((p) => [p.entry, p]));
          return batchEventEntries(pending.map((p) => p.entry)).batches.map((batch) => batch.map((e) => byEntry.get(e) as Item));
        },
        send: async (batch, abortSignal) => {
          const entries = batch.map((i) => ({ ...i.entry, Resources: [...i.entry.Resources] }));
          const command = new PutEventsCommand({ Entries: entries });
          const response = await this.#client.send(command, abortSignal === undefined ? {} : { abortSignal });
          const results = response.Entries ?? [];
          return batch.map((_, i): ItemRefusal | null => {
            const result = results[i];
            if (result === undefined) return { code: 'NotAcknowledged', message: 'missing from the response', retryable: true };
            if (result.ErrorCode === undefined && result.EventId !== undefined) return null;
            const code = result.ErrorCode ?? 'Unknown';
            return { code, message: result.ErrorMessage ?? '', retryable: !NOT_RETRYABLE_ENTRY_CODES.has(code) };
          });
        },
      },
      this.#options,
    );
    return { exported: outcome.exported, failures: [...failures, ...outcome.failures] };
  }
}
