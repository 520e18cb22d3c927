/**
 * Imports each incident as one Security Hub CSPM finding (ASFF) with BatchImportFindings (docs/export.md): at most
 * 100 findings per request, none over 240 KB; findings the response lists as failed are retried with backoff, what
 * still fails is reported, never thrown. Within one export the latest state of an incident wins (same `Id`).
 * Findings are imported per account (the alert's `account`) where its destination says (finding-destinations.ts):
 * a member whose role cannot be assumed fails only its own findings.
 */
import { type AwsSecurityFinding, BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import type { Alert } from '../alerts/alert';
import { AlertJsonError, alertHead } from '../export/event-entry';
import { ASFF_LIMITS, alertFindings, findingBytes } from '../export/asff-finding';
import { type BatchExportOptions, type ItemRefusal, sendBatchesWithRetries } from './batch-export';
import { AssumeMemberRoleError, type FindingDestinations } from './finding-destinations';
import type { AlertExporter, ExportFailure, ExportOutcome } from './ports';

const OPERATION = 'securityhub:BatchImportFindings';

/** Refusals a retry cannot change: the finding itself is invalid, or the account may not import it. */
const NOT_RETRYABLE_CODE = /Invalid|Validation|AccessDenied|NotAuthorized|TooLarge/i;

/** The findings of one account, by `Id` (the latest state of each incident). */
interface AccountFindings {
  readonly account: string | null;
  readonly byId: Map<string, AwsSecurityFinding>;
}

export class SecurityHubExporter implements AlertExporter {
  readonly name = 'securityhub';
  readonly #destinations: FindingDestinations;
  readonly #options: BatchExportOptions;

  constructor(destinations: FindingDestinations, options: BatchExportOptions = {}) {
    this.#destinations = destinations;
    this.#options = options;
  }

  async export(alertJsons: readonly string[]): Promise<ExportOutcome> {
    const failures: ExportFailure[] = [];
    const byProduct = new Map<string, AccountFindings>();
    for (const json of alertJsons) {
      try {
        alertHead(json);
        const alert = JSON.parse(json) as Alert;
        const account = typeof alert.account === 'string' ? alert.account : null;
        const productArn = this.#destinations.productArnFor(account);
        const group = byProduct.get(productArn) ?? { account, byId: new Map() };
        byProduct.set(productArn, group);
        for (const finding of alertFindings(alert, { productArn })) {
          const id = finding.Id as string;
          const seen = group.byId.get(id);
          if (seen === undefined || (seen.UpdatedAt ?? '') <= (finding.UpdatedAt ?? '')) group.byId.set(id, finding);
        }
      } catch (error) {
        if (!(error instanceof AlertJsonError) && !(error instanceof TypeError)) throw error;
        failures.push({ id: '?', code: error.name, message: error.message });
      }
    }
    let exported = 0;
    for (const group of byProduct.values()) {
      if (group.byId.size === 0) continue;
      const outcome = await this.#importAccount(group);
      exported += outcome.exported;
      failures.push(...outcome.failures);
    }
    return { exported, failures };
  }

  async #importAccount(group: AccountFindings): Promise<ExportOutcome> {
    const failures: ExportFailure[] = [];
    const sendable: AwsSecurityFinding[] = [];
    for (const finding of group.byId.values()) {
      if (findingBytes(finding) > ASFF_LIMITS.findingBytes) {
        failures.push({ id: finding.Id as string, code: 'FindingTooLarge', message: `over ${ASFF_LIMITS.findingBytes} bytes` });
      } else {
        sendable.push(finding);
      }
    }
    let client;
    try {
      client = await this.#destinations.clientFor(group.account);
    } catch (error) {
      if (!(error instanceof AssumeMemberRoleError)) throw error;
      // Not retried now: a missing role stays missing for this batch; the next batch tries again.
      const refused = sendable.map((f) => ({ id: f.Id as string, code: error.name, message: error.message }));
      return { exported: 0, failures: [...failures, ...refused] };
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
          const response = await client.send(command, abortSignal === undefined ? {} : { abortSignal });
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
