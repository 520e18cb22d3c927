/** The only code that talks to AWS. Clients are injected, never built here (timeouts.ts gives their options). */
export type { AlertPublisher, SnsAlertMessage } from './ports';
export type { FailedAlert, PublishRetryInfo, SnsAlertPublisherOptions } from './sns-publisher';
export { AlertPublishError, SNS_MAX_BATCH_ENTRIES, SnsAlertPublisher } from './sns-publisher';
export type { InvocationBudgetOptions, OutboundTimeouts, RemainingTime, SdkTimeoutOptions } from './timeouts';
export {
  CLI_LOGS_TIMEOUTS,
  DeadlineExceededError,
  DYNAMODB_TIMEOUTS,
  InvocationBudget,
  reportDeadlineExceeded,
  SECRETS_MANAGER_TIMEOUTS,
  sdkClientOptions,
  SNS_TIMEOUTS,
  worstCaseMs,
} from './timeouts';
