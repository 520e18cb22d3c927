/**
 * The alert publisher, extended with the exports (docs/export.md): what the topic accepted is then exported to
 * EventBridge and Security Hub. An export never fails the publish (the alert went out; a retried batch would send it
 * twice): its outcome is reported for metrics and logs. What the topic did not accept is exported when a retry or the
 * sweep publishes it, with the same alert id.
 */
import { type AlertExporter, type AlertPublisher, type ExportOutcome, type SnsAlertMessage, unpublishedIndexesOf } from '../adapters/ports';

/** The alert JSON in a rendered SNS message's body (its `default` key), or null when it has none. */
export function alertJsonOf(snsMessageBody: string): string | null {
  try {
    const body = JSON.parse(snsMessageBody) as { default?: unknown };
    return typeof body.default === 'string' ? body.default : null;
  } catch {
    return null;
  }
}

export class ExportingPublisher implements AlertPublisher {
  readonly #inner: AlertPublisher;
  readonly #exporters: readonly AlertExporter[];
  readonly #report: (exporter: string, outcome: ExportOutcome) => void;

  /** `report` is called once per exporter and export, failures included; it must not throw. */
  constructor(
    inner: AlertPublisher,
    exporters: readonly AlertExporter[],
    report: (exporter: string, outcome: ExportOutcome) => void,
  ) {
    this.#inner = inner;
    this.#exporters = exporters;
    this.#report = report;
  }

  async publish(messages: readonly SnsAlertMessage[]): Promise<void> {
    try {
      await this.#inner.publish(messages);
    } catch (error) {
      // Some went out (a partial failure, or the send rate deferred the rest): those are exported now.
      const unpublished = unpublishedIndexesOf(error);
      if (unpublished !== null) await this.#export(messages.filter((_, i) => !unpublished.has(i)));
      throw error;
    }
    await this.#export(messages);
  }

  async #export(messages: readonly SnsAlertMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const jsons: string[] = [];
    let unreadable = 0;
    for (const message of messages) {
      const json = alertJsonOf(message.message);
      if (json === null) unreadable++;
      else jsons.push(json);
    }
    const missing = Array.from({ length: unreadable }, () => ({ id: '?', code: 'NoAlertJson', message: 'the message has no `default` alert JSON' }));
    await Promise.all(
      this.#exporters.map(async (exporter) => {
        let outcome: ExportOutcome = { exported: 0, failures: [] };
        try {
          if (jsons.length > 0) outcome = await exporter.export(jsons);
        } catch (error) {
          // An exporter's own bug must not fail a batch whose alerts went out either: counted like a refusal.
          const code = error instanceof Error ? error.name : 'Error';
          const text = error instanceof Error ? error.message : String(error);
          outcome = { exported: 0, failures: jsons.map(() => ({ id: '?', code, message: text })) };
        }
        this.#report(exporter.name, { exported: outcome.exported, failures: [...missing, ...outcome.failures] });
      }),
    );
  }
}
