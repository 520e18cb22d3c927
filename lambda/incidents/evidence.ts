/**
 * One batch's findings per client and classification, as alert memory needs them: how often each target was
 * aimed at (for updates' top targets and for scan detection). Fed finding by finding beside the
 * AlertAccumulator; bounded like it, whatever the number of findings.
 */
import type { Alert } from '../alerts/alert';
import { idOf } from '../alerts/group';
import type { Classification, DataTarget } from '../detector/finding';
import { type ClientKey, STATE_LIMITS } from './state';

/** Targets of one client x classification: host -> port -> findings. */
export interface TargetTally {
  readonly byHost: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** Findings whose target was not tallied (no decodable target, or the tally was full). */
  readonly untallied: number;
}

class MutableTally implements TargetTally {
  readonly byHost = new Map<string, Map<number, number>>();
  untallied = 0;
  private pairs = 0;

  add(target: DataTarget | null, occurrences: number): void {
    if (target === null) {
      this.untallied += occurrences;
      return;
    }
    let ports = this.byHost.get(target.ip);
    if (ports === undefined) {
      if (this.pairs >= STATE_LIMITS.scanPairs) {
        this.untallied += occurrences;
        return;
      }
      this.byHost.set(target.ip, (ports = new Map()));
    }
    const seen = ports.get(target.port);
    if (seen !== undefined) {
      ports.set(target.port, seen + occurrences);
    } else if (this.pairs < STATE_LIMITS.scanPairs) {
      ports.set(target.port, occurrences);
      this.pairs++;
    } else {
      this.untallied += occurrences;
    }
  }
}

function tallyKey(logGroup: string, srcIp: string | null, classification: Classification): string {
  // JSON keeps null apart from "null" and no separator can be forged by a hostile log group name.
  return JSON.stringify([logGroup, srcIp, classification]);
}

export class BatchEvidence {
  private readonly tallies = new Map<string, MutableTally>();
  private lastKey: string | null = null;
  private lastLogGroup: string | null = null;
  private lastSrcIp: string | null = null;
  private lastClassification: Classification | null = null;
  private lastTally: MutableTally | null = null;

  add(logGroup: string, srcIp: string | null, classification: Classification, target: DataTarget | null, occurrences = 1): void {
    let tally = this.lastTally;
    if (
      tally === null
      || this.lastLogGroup !== logGroup
      || this.lastSrcIp !== srcIp
      || this.lastClassification !== classification
    ) {
      const key = tallyKey(logGroup, srcIp, classification);
      let found = this.tallies.get(key);
      if (found === undefined) this.tallies.set(key, (found = new MutableTally()));
      tally = found;
      this.lastKey = key;
      this.lastLogGroup = logGroup;
      this.lastSrcIp = srcIp;
      this.lastClassification = classification;
      this.lastTally = tally;
    }
    tally.add(target, occurrences);
  }

  tally(logGroup: string, srcIp: string | null, classification: Classification): TargetTally {
    return this.tallies.get(tallyKey(logGroup, srcIp, classification)) ?? { byHost: new Map(), untallied: 0 };
  }

  /** For tests and diagnostics: the key last added to. */
  get lastAdded(): string | null {
    return this.lastKey;
  }
}

/** One classification of one client in one batch: the batch's alert for it, and its target tally. */
export interface ClassGroup {
  readonly alert: Alert;
  readonly tally: TargetTally;
}

/** One client's part of one batch: what alert memory decides on. */
export interface ClientBatch {
  readonly key: ClientKey;
  /** Deterministic: a retried batch (same events) has the same id. */
  readonly batchId: string;
  readonly groups: readonly ClassGroup[];
}

/**
 * Splits a batch's alerts (one per log group x client x classification, judged alone) into per-client
 * inputs. `account` is the batch's owner. The batch id derives from the alert ids, which derive from the
 * events: the same events give the same id.
 */
export function clientBatches(
  alerts: readonly Alert[],
  evidence: BatchEvidence,
  account: string,
  region: string,
): ClientBatch[] {
  const byClient = new Map<string, { key: ClientKey; groups: ClassGroup[] }>();
  for (const alert of alerts) {
    if (alert.classification === 'bounce-scan') continue; // only memory makes scans
    const id = JSON.stringify([alert.logGroup, alert.srcIp]);
    let client = byClient.get(id);
    if (client === undefined) {
      client = { key: { account, region, logGroup: alert.logGroup, srcIp: alert.srcIp }, groups: [] };
      byClient.set(id, client);
    }
    client.groups.push({ alert, tally: evidence.tally(alert.logGroup, alert.srcIp, alert.classification) });
  }
  return [...byClient.values()].map(({ key, groups }) => ({
    key,
    // 64 bits are plenty among one client's last 200 batches, and the ids are most of a busy record's bytes.
    batchId: idOf(['batch', key.account, key.region, ...groups.map((g) => g.alert.id).sort()]).slice(0, 16),
    groups,
  }));
}

/** The record id of a client key. */
export function clientId(key: ClientKey): string {
  return idOf(['client', key.account, key.region, key.logGroup, key.srcIp]);
}
