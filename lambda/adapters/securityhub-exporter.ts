/**
 * Imports each incident as one Security Hub CSPM finding (ASFF) with BatchImportFindings (docs/export.md): at most
 * 100 findings per request, none over 240 KB; findings the response lists as failed are retried with backoff, what
 * still fails is reported, never thrown. Within one export the latest state of an incident wins (same `Id`).
 */
import { type AwsSecurityFinding, BatchImportFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { Alert } from '../alerts/alert';
import { AlertJsonError, alertHead } from '../export/event-entry';
import { ASFF_LIMITS, alertFindings, findingBytes } from '../export/asff-finding';
import { type BatchExportOptions, type ItemRefusal, sendBatchesWithRetries } from './batch-export';
import type { AlertExporter, ExportFailure, ExportOutcome } from './ports';

const OPERATION = 'securityhub:BatchImportFindings';

export interface SecurityHubExporterOptions extends BatchExportOptions {
  /** The importing account's default product ARN (`arn:aws:securityhub:<region>:<account>:product/<account>/default`). */
  readonly productArn: string;
}

/** Refusals a retry cannot change: the finding itself is invalid, or the account may not import it. */
const NOT_RETRYABLE_CODE = /Invalid|Validation|AccessDenied|NotAuthorized|TooLarge/i;

export class SecurityHubExporter implements AlertExporter {
  readonly name = 'securityhub';
  readonly #client: SecurityHubClient;
  readonly #options: SecurityHubExporterOptions;

  constructor(client: SecurityHubClient, options: SecurityHubExporterOptions) {
    this.#client = client;
    this.#options = options;
  }

  async export(alertJsons: readonly string[]): Promise<ExportOutcome> {
    const failures: ExportFailure[] = [];
    const latest = new Map<string, AwsSecurityFinding>();
    for (const json of alertJsons) {
      try {
        alertHead(json);
        for (const finding of alertFindings(JSON.parse(json) as Alert, { productArn: this.#options.productArn })) {
          const id = finding.Id as string;
          const seen = latest.get(id);
          if (seen === undefined || (seen.UpdatedAt ?? '') <= (finding.UpdatedAt ?? '')) latest.set(id, finding);
        }
      } catch (error) {
        if (!(error instanceof AlertJsonError) && !(error instanceof TypeError)) throw error;
        failures.push({ id: '?', code: error.name, message: error.message });
      }
    }
    const sendable: AwsSecurityFinding[] = [];
    for (const finding of latest.values()) {
      if (findingBytes(finding) > ASFF_LIMITS.findingBytes) {
        failures.push({ id: finding.Id as string, code: 'FindingTooLarge', message: `over ${ASFF_LIMITS.findingBytes} bytes` });
      } else {
        sendable.push(finding);
      }
    }
    const outcome = await sendBatchesWithRetries<AwsSecurityFinding>(
      sendable,
      {
        operation: OPERATION,
        idOf: (finding) => finding.Id as string,
        batches: (pending) => {
          const batches: AwsSecurityFinding[][] = [];
          const size = ASFF_LIMITS.findingsPerCall;
          for (let i = 0; i < pending.length; i += size) batches.push(pending.slice(i, i + size));
          return batches;
        },
        send: async (batch, abortSignal) => {
          const command = new BatchImportFindingsCommand({ Findings: [...batch] });
          const response = await this.#client.send(command, abortSignal === undefined ? {} : { abortSignal });
          const failed = new Map((response.FailedFindings ?? []).map((f) => [f.Id, f]));
          return batch.map((finding): ItemRefusal | null => {
            const refusal = failed.get(finding.Id);
            if (refusal === undefined) return null;
            const code = refusal.ErrorCode ?? 'Unknown';
            return { code, message: refusal.ErrorMessage ?? '', retryable: !NOT_RETRYABLE_CODE.test(code) };
          });
        },
      },
      this.#options,
    );
    return { exported: outcome.exported, failures: [...failures, ...outcome.failures] };
  }
}
