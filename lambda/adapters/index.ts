/** The only code that talks to AWS. Clients are injected, never built here. */
export type { AlertPublisher, SnsAlertMessage } from './ports';
export type { FailedAlert, PublishRetryInfo, SnsAlertPublisherOptions } from './sns-publisher';
export { AlertPublishError, SNS_MAX_BATCH_ENTRIES, SnsAlertPublisher } from './sns-publisher';
