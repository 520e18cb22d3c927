/**
 * The alarm descriptions: each says what happened, what is kept, and what to do. They reach people in the alarm
 * email and the Chatbot card, so they are the runbook (CloudWatch allows 1024 characters).
 */
export const RUNBOOKS = {
  eventExportFailed:
    'Alerts reached the alert topic but not the EventBridge bus after their retries (EventExportFailed): rules routing '
    + 'them (PagerDuty, SQS, a SIEM) missed them. Email and Slack were not affected. The detector or sweep log has an '
    + 'ERROR line "alerts not exported" naming the alert ids and the error code: AccessDeniedException means the role '
    + 'or a cross-account bus policy refuses events:PutEvents; a missing bus, that eventBus names none. Fix it, then '
    + 'replay the missed alerts from the alert topic\'s email or with `ftp-bounce-watch scan --log-group NAME --alerts`.',
  findingImportFailed:
    'Incidents were alerted but not imported into Security Hub after their retries (FindingImportFailed). The detector '
    + 'or sweep log has an ERROR line "alerts not exported" with the finding ids and codes: AccessDenied or an '
    + 'InvalidAccess error means Security Hub CSPM is not enabled in this account and Region, or the role lacks '
    + 'securityhub:BatchImportFindings on the default product. AssumeMemberRoleError (central mode): that member account '
    + 'lacks the role ftp-bounce-watch-findings-<region>; update the member StackSet with securityHub=true. The next '
    + 'message of each incident imports it again.',
  detectorErrors:
    'The FtpBounceWatch detector failed on a log batch (DeadlineExceededError: an AWS call hung; AlertPublishError: '
    + 'SNS refused alerts; MalformedPayloadError: a payload it cannot decode). Lambda retries the batch twice, then '
    + 'writes it whole to the failure bucket. Check the detector log group for the ERROR line (field "error"), fix '
    + 'the cause; batches in the failure bucket can be re-invoked from their "requestPayload".',
  detectorThrottles:
    'The FtpBounceWatch detector was throttled: the account or function concurrency limit is reached. Lambda keeps '
    + 'retrying for up to the maximum event age, then writes the batch to the failure bucket. Raise the account '
    + 'concurrency limit or reserve concurrency for the detector.',
  eventsDropped:
    'Lambda dropped detector events without delivering them to the failure bucket (event too old or the destination '
    + 'failed): alerts may be lost. Check DestinationDeliveryFailures and the failure bucket policy; search the '
    + 'watched log groups for "Refused PORT" over the alarm period with `ftp-bounce-watch scan --log-group NAME --since 1h`.',
  destinationFailures:
    'Lambda could not write a failed detector event to the failure bucket: alerts may be lost. Check that the bucket '
    + 'exists and that the detector role may s3:PutObject in it; then backfill the period with '
    + '`ftp-bounce-watch scan --log-group NAME --since 1h`.',
  failureBucket:
    'A log batch the detector could not process after retries was written, whole, to the failure bucket (one JSON '
    + 'object per failed invocation: requestPayload is the original event, responsePayload the error). Read the '
    + 'error, fix the cause, re-invoke the detector with the requestPayload, then delete the object. Objects expire.',
  failureQueue:
    'SNS could not deliver an alert or alarm email after its retries (address bouncing, subscription removed) and '
    + 'kept the notification in the failure queue. Read the message (it holds the alert), check the subscriptions '
    + 'with `ftp-bounce-watch status`, fix them, then redrive or delete the messages.',
  logsDeliveryErrors:
    'CloudWatch Logs could not deliver to the detector for a subscription filter or the account policy named '
    + 'ftp-bounce-watch (ftp-bounce-watch-shard-N beyond 100 log groups). A retryable error is retried for up to 24 '
    + 'hours; a non-retryable one (AccessDenied, ResourceNotFound: the detector or its permission gone) is not, and '
    + 'those events are lost: nothing else keeps them. Check the detector exists and its resource policy allows '
    + 'logs.amazonaws.com; then backfill with `ftp-bounce-watch scan --log-group NAME --since 1h`.',
  logsDeliveryThrottling:
    'CloudWatch Logs was throttled invoking the detector (Lambda concurrency exhausted) and may skip events after '
    + 'its retries. Raise the account concurrency limit or reserve concurrency for the detector, then backfill the '
    + 'period with `ftp-bounce-watch scan --log-group NAME --since 1h`.',
  notificationsFailed:
    'SNS failed to deliver alert notifications to a subscriber (email, Lambda forwarder, HTTPS): someone did not '
    + 'get an alert. Email and forwarder deliveries are kept in their dead-letter queues; check `ftp-bounce-watch '
    + 'status` for unconfirmed or broken subscriptions and the SNS delivery logs for the reason.',
  forwarderErrors:
    'The Slack webhook forwarder failed to post an alert (Slack refused it, redirected, answered without "ok", or '
    + 'did not answer in time). Lambda retries twice, then keeps the alert in the forwarder failure queue. Check the '
    + 'forwarder log group ("alert not posted to Slack") and the webhook URL in Secrets Manager.',
  sweepErrors:
    'The FtpBounceWatch incident sweep failed. Window updates, digests and messages a failed detector run left unsent '
    + 'wait in the incident table (nothing is removed before it is published) until a run succeeds; the next run is '
    + 'in 5 minutes. Check the sweep log group for the ERROR line ("error" field): an SNS failure, a DynamoDB error, '
    + 'or DeadlineExceededError when a call hung.',
  sweepThrottles:
    'The FtpBounceWatch incident sweep was throttled: the account is out of Lambda concurrency. Its work stays due in '
    + 'the incident table and the next run takes it. Check the account concurrency (ConcurrentExecutions) and what '
    + 'uses it; raise the quota if needed.',
  sweepMissedRuns:
    'The FtpBounceWatch incident sweep has not run for 15 minutes: window updates and digests are not being sent '
    + '(first alerts and escalations still are: the detector sends them). Check that the EventBridge rule '
    + 'SweepSchedule is enabled and targets the sweep function, and that the function exists.',
  alertMemoryUnavailable:
    'The detector could not use the incident table and published alerts without suppression (fail open): repeats '
    + 'of the same incidents may follow, each marked "alert memory was unavailable". Check the detector log group '
    + '("alert memory unavailable", with the DynamoDB error), the table, its KMS key and the detector\'s role.',
  outboxCleanupFailures:
    'Alerts went out but neither their removal from alert memory\'s outbox nor a sent marker could be written: '
    + 'those alerts may be sent once more, with the same ids, when their claim ends. Check the ERROR lines '
    + '"published alerts not recorded as sent" in the detector and sweep log groups (they name the ids), and the '
    + 'incident table, its KMS key and the roles. Nothing is lost.',
  forwarderQueue:
    'Alerts that could not be posted to Slack are waiting in the forwarder failure queue (each message holds the '
    + 'alert). Fix the webhook (see the forwarder log group), then redrive the queue to the forwarder or delete.',
  centralFailureBucket:
    'Central stream records the detector could not process were kept whole in the failure bucket: under kinesis/ a '
    + 'record the detector found malformed (written at once, never retried), under aws/lambda/ a batch Lambda gave '
    + 'up on after its retries (the records\' data with the invocation record). Read the detector log group for the '
    + 'cause, fix it, then put the records back into the stream (docs/operations.md, "Replaying central failures").',
  centralIteratorAge:
    'The FtpBounceWatch detector is more than 10 minutes behind the central stream: alerts are late, and records '
    + 'older than 6 hours go to the failure bucket unprocessed. Check detector errors, throttles and duration.',
  centralRecordFailures:
    'The FtpBounceWatch detector reported central stream records as failed: Lambda retries them (bisecting the '
    + 'batch), then keeps them whole in the failure bucket (aws/lambda/). Check the detector log group for the error.',
  centralWritesThrottled:
    'CloudWatch Logs of the member accounts was throttled writing into the central stream (its shards are full). It '
    + 'retries for up to 24 hours, so alerts are late, not lost, unless the throttling lasts. Add shards '
    + '(-c centralStreamShards=N, then deploy) or find the account flooding the stream (the alerts name it).',
  memberDeliveryErrors:
    'CloudWatch Logs of that member account could not deliver refusals to the central destination; AccessDenied and '
    + 'ResourceNotFound are not retried, so those refusals are lost. Check the member stack (its SubscriptionRole and '
    + 'account policy) and the central destination, then backfill that account with ftp-bounce-watch scan --log-group.',
  subscriptionWatchErrors:
    'The hourly check of unconfirmed email subscriptions failed (SNS or DynamoDB error, or a warning it could not '
    + 'publish). Unconfirmed subscriptions are deleted by SNS 48 hours after creation: run `ftp-bounce-watch status` '
    + 'to see pending ones, and read the check\'s log group for the error.',
} as const;
