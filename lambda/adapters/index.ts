/** The only code that talks to AWS. Clients are injected, never built here (timeouts.ts gives their options). */
export type { AlertPublisher, SnsAlertMessage } from './ports';
export { isDeferredPublish, PublishIncompleteError } from './ports';
export type { PacedPublisherOptions, SendSlots } from './paced-publisher';
export { PacedPublisher } from './paced-publisher';
export { S3PoisonRecordStore } from './poison-records';
export type { FailedAlert, PublishRetryInfo, SnsAlertPublisherOptions } from './sns-publisher';
export { AlertPublishError, SNS_MAX_BATCH_ENTRIES, SnsAlertPublisher } from './sns-publisher';
export type { InvocationBudgetOptions, OutboundTimeouts, RemainingTime, SdkTimeoutOptions } from './timeouts';
export {
  CLI_LOGS_TIMEOUTS,
  DeadlineExceededError,
  DYNAMODB_TIMEOUTS,
  InvocationBudget,
  reportDeadlineExceeded,
  S3_TIMEOUTS,
  SECRETS_MANAGER_TIMEOUTS,
  sdkClientOptions,
  SNS_TIMEOUTS,
  worstCaseMs,
} from './timeouts';
