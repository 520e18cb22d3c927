/**
 * The CloudWatch Logs subscription payload, as CloudWatch Logs documents and sends it
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#LambdaFunctionExample).
 */

export interface LogEvent {
  /** CloudWatch's event id (a decimal string of about 56 digits); unique per event, stable across retries. */
  readonly id: string;
  /** Event time in epoch milliseconds, as the producer stamped it. */
  readonly timestamp: number;
  readonly message: string;
}

export interface LogsBatch {
  readonly messageType: 'DATA_MESSAGE';
  /** The AWS account id owning the log group. */
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: readonly string[];
  readonly logEvents: readonly LogEvent[];
  /** Present when an account-level subscription policy delivered the batch, e.g. `ACCOUNT_LEVEL_POLICY`. */
  readonly policyLevel?: string;
}

/** What a subscription event turned out to hold. Sizes are in bytes, for logs and metrics. */
export type DecodedBatch =
  /** CloudWatch's delivery check (`CONTROL_MESSAGE`): nothing to detect. */
  | { readonly kind: 'control'; readonly compressedBytes: number; readonly decompressedBytes: number }
  | {
    readonly kind: 'data';
    /**
     * The batch. When `candidatesOnly`, its `logEvents` are only the events whose text holds a refusal
     * keyword (the sparse path: no other event can be a finding, so the others were counted, not parsed).
     */
    readonly batch: LogsBatch;
    readonly candidatesOnly: boolean;
    /** All the events of the batch, parsed or only counted. */
    readonly eventCount: number;
    readonly compressedBytes: number;
    readonly decompressedBytes: number;
  }
  /**
   * Fast path: a batch in CloudWatch's layout none of whose events holds a refusal keyword, so no event can produce
   * a finding. The events were checked (valid JSON, the right shape) and counted, but not built.
   */
  | { readonly kind: 'no-candidates'; readonly compressedBytes: number; readonly decompressedBytes: number };
