/**
 * The on-call commands' view of alert memory's table (`incidents`, `suppress`, and `status`'s suppressions): the
 * DynamoDB adapter the functions use, its requests sent through `callAws` (retries, the silence budget, one-line
 * errors naming the IAM action), the table found by the stack's `IncidentTableName` output unless `--table`
 * names it, and the caller's ARN (STS GetCallerIdentity) recorded as the author.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { randomBytes } from 'node:crypto';
import { STACK_OUTPUT_KEYS } from '../../infra/deployment-names';
import { DynamoDbIncidentStore, type StoredSuppressions } from '../../lambda/adapters/dynamodb-incident-store';
import {
  type Acknowledgement,
  activeSuppressions,
  type ClientKey,
  type IncidentState,
  type StoredClient,
  type Suppression,
  SUPPRESSION_LIMITS,
} from '../../lambda/incidents';
import type { SuppressionSeverity } from '../../lambda/incidents/suppressions';
import { type CallOptions, callAws } from '../aws/call';
import { UsageError } from '../io';
import { describeStack } from '../log-groups/status-deployment';
import { cliDynamoTransport, storeCall } from './dynamo-transport';

/** Attempts of a read-modify-write before giving up on a table that keeps changing under it. */
const WRITE_ATTEMPTS = 8;

/** An open incident, with the client record it lives in. */
export interface FoundIncident {
  readonly key: ClientKey;
  readonly incident: IncidentState;
}

/** An incident just acknowledged, and the acknowledgement it replaced, if it had one. */
export interface AcknowledgedIncident extends FoundIncident {
  readonly replaced: Acknowledgement | undefined;
}

export class StateTable {
  private callerArn: string | null = null;

  constructor(
    readonly tableName: string,
    readonly region: string,
    private readonly store: DynamoDbIncidentStore,
    private readonly call: CallOptions,
    private readonly sts: () => STSClient,
  ) {}

  /** The caller's ARN (GetCallerIdentity needs no permission). */
  async caller(): Promise<string> {
    if (this.callerArn !== null) return this.callerArn;
    const client = this.sts();
    const answer = await callAws(
      { operation: 'GetCallerIdentity', region: this.region, service: 'STS', permission: 'sts:GetCallerIdentity' },
      (abortSignal) => client.send(new GetCallerIdentityCommand({}), { abortSignal }),
      this.call,
    );
    this.callerArn = answer.Arn ?? 'unknown';
    return this.callerArn;
  }

  suppressions(): Promise<StoredSuppressions> {
    return storeCall(this.tableName, () => this.store.loadSuppressions());
  }

  /** Adds one; concurrent adds each land (conditional on the item's version), expired entries are dropped. */
  async addSuppression(
    fields: { client: string; target: string | null; severity: SuppressionSeverity; reason: string; durationMs: number },
    now: number,
  ): Promise<Suppression> {
    const author = await this.caller();
    const added: Suppression = {
      id: `s-${randomBytes(4).toString('hex')}`,
      client: fields.client,
      target: fields.target,
      severity: fields.severity,
      reason: fields.reason,
      author,
      createdAt: now,
      expiresAt: now + fields.durationMs,
    };
    await this.rewrite((active) => {
      if (active.length >= SUPPRESSION_LIMITS.tableCount) {
        throw new UsageError(
          `the table already holds ${active.length} active suppressions, the most it takes: remove some (suppress list, suppress remove ID)`,
        );
      }
      return [...active, added];
    }, now);
    return added;
  }

  /** Removes one by id; an unknown id (or one that expired) is an error naming where the ids are. */
  async removeSuppression(given: string, now: number): Promise<Suppression> {
    // Ids are lower case (s-1a2b3c4d, cdk-1); one typed or copied in upper case is the same id.
    const id = given.toLowerCase();
    let removed: Suppression | undefined;
    await this.rewrite((active) => {
      removed = active.find((s) => s.id === id);
      if (removed === undefined) {
        throw new UsageError(
          /^cdk-\d+$/.test(id)
            ? `${id} comes from the suppressions key of cdk.json: remove it there and deploy`
            : `no active suppression ${JSON.stringify(id)} in table ${this.tableName} (suppress list shows them)`,
        );
      }
      return active.filter((s) => s.id !== id);
    }, now);
    return removed as Suppression;
  }

  private async rewrite(change: (active: Suppression[]) => Suppression[], now: number): Promise<void> {
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const { suppressions, version } = await this.suppressions();
      const next = change(activeSuppressions(suppressions, now));
      const saved = await storeCall(this.tableName, () => this.store.saveSuppressions(next, version));
      if (saved !== null) return;
      await this.call.sleep(20 * attempt * (1 + this.call.random()), this.call.signal);
    }
    throw new UsageError(`the suppressions in table ${this.tableName} kept changing under ${WRITE_ATTEMPTS} attempts; try again`);
  }

  /** Every open incident of the table, from every client record (a Scan: for people, not for the hot path). */
  async incidents(): Promise<FoundIncident[]> {
    const found: FoundIncident[] = [];
    let cursor: string | undefined;
    do {
      const page = await storeCall(this.tableName, () => this.store.clients(cursor));
      for (const record of page.records) {
        for (const incident of record.state.incidents) found.push({ key: record.state.key, incident });
      }
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined);
    return found;
  }

  /** The open incident whose id is `id` or starts with it (at least 6 characters); one-line errors otherwise. */
  async incident(given: string): Promise<FoundIncident> {
    // Hex digits in either case: an id copied from a ticket or a spreadsheet may have been upper-cased.
    const id = given.toLowerCase();
    if (!/^[0-9a-f]{6,32}$/.test(id)) {
      throw new UsageError(`incident id ${JSON.stringify(given.slice(0, 40))} must be 6 to 32 hex digits (incidents list shows them)`);
    }
    const matches = (await this.incidents()).filter((f) => f.incident.id.startsWith(id));
    if (matches.length === 0) {
      throw new UsageError(`no open incident ${id} in table ${this.tableName} (closed incidents leave the table; incidents list shows the open ones)`);
    }
    if (matches.length > 1) throw new UsageError(`${matches.length} open incidents start with ${id}: give more of the id`);
    return matches[0] as FoundIncident;
  }

  /**
   * Acknowledges an open incident: its updates go to the digest's `acknowledged` section until it escalates. A
   * write conditional on the record's version, so a detector deciding meanwhile loses nothing.
   */
  async acknowledge(id: string, note: string, now: number): Promise<AcknowledgedIncident> {
    const { key, incident } = await this.incident(id);
    const by = await this.caller();
    const ack: Acknowledgement = { at: now, by, note };
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const records: Map<string, StoredClient> = await storeCall(this.tableName, () => this.store.load([key]));
      const record = [...records.values()][0];
      const current = record?.state.incidents.find((i) => i.id === incident.id);
      if (record === undefined || current === undefined) {
        throw new UsageError(`incident ${incident.id} closed while it was being acknowledged (nothing to do)`);
      }
      const state = {
        ...record.state,
        incidents: record.state.incidents.map((i) => (i.id === incident.id ? { ...i, acknowledged: ack } : i)),
      };
      const saved = await storeCall(this.tableName, () => this.store.save(state, record.version));
      if (saved !== null) return { key, incident: { ...current, acknowledged: ack }, replaced: current.acknowledged };
      await this.call.sleep(20 * attempt * (1 + this.call.random()), this.call.signal);
    }
    throw new UsageError(`incident ${incident.id} kept changing under ${WRITE_ATTEMPTS} attempts; try again`);
  }
}

export interface OpenTableOptions {
  /** `--table`: skips the stack. */
  readonly table: string | undefined;
  readonly stackName: string;
  readonly region: string;
  readonly call: CallOptions;
  readonly dynamodb: () => DynamoDBClient;
  readonly cloudFormation: () => import('@aws-sdk/client-cloudformation').CloudFormationClient;
  readonly sts: () => STSClient;
}

/** The table named by `--table`, or by the stack's `IncidentTableName` output. */
export async function openStateTable(options: OpenTableOptions): Promise<StateTable> {
  let tableName = options.table;
  if (tableName === undefined) {
    const stack = await describeStack(options.stackName, options.region, options.cloudFormation(), options.call);
    if (stack === undefined) {
      throw new UsageError(
        `no stack ${JSON.stringify(options.stackName)} in ${options.region}: give --stack NAME, --table NAME, or check AWS_REGION`,
      );
    }
    tableName = stack.outputs.get(STACK_OUTPUT_KEYS.incidentTableName);
    if (tableName === undefined) {
      throw new UsageError(
        `stack ${options.stackName} has no ${STACK_OUTPUT_KEYS.incidentTableName} output (deployed by an older version?): `
        + 'redeploy, or give --table NAME',
      );
    }
  }
  const client = options.dynamodb();
  const store = new DynamoDbIncidentStore(client, tableName, {
    send: cliDynamoTransport(client, tableName, options.region, options.call),
  });
  return new StateTable(tableName, options.region, store, options.call, options.sts);
}
