/**
 * Names and the filter pattern the deployed app uses. No CDK imports: the CLI's `status` command imports this
 * module to recognise what the stack created, so both always agree.
 */

/**
 * The default CloudWatch Logs filter pattern: an event is delivered when it contains either phrase
 * (`?` means OR; each quoted term is a case-sensitive substring). proftpd always writes these exact words, and the
 * detector re-checks every delivered line strictly, so the filter only has to be cheap and never miss.
 */
export const DEFAULT_FILTER_PATTERN = '?"Refused PORT" ?"Refused EPRT"';

/**
 * The name every per-log-group subscription filter gets. Stable so that `status` can find it, and so that a log
 * group's second filter slot (CloudWatch Logs allows two) is recognisably ours.
 */
export const SUBSCRIPTION_FILTER_NAME = 'ftp-bounce-watch';

/**
 * The name of a per-log-group filter: `SUBSCRIPTION_FILTER_NAME` in the main stack, `ftp-bounce-watch-shard-N` in
 * nested stack N (beyond 100 log groups). A filter that changes stack is a new resource, and CloudFormation creates
 * the new resource before it deletes the old one; only distinct names keep that delete from removing the new filter.
 */
export function subscriptionFilterName(shard?: number): string {
  return shard === undefined ? SUBSCRIPTION_FILTER_NAME : `${SUBSCRIPTION_FILTER_NAME}-shard-${shard}`;
}

const SHARD_FILTER_NAME = new RegExp(`^${SUBSCRIPTION_FILTER_NAME}-shard-\\d{1,3}$`);

/** Whether a filter's name is one a deployment gives (`subscriptionFilterName`, any shard). */
export function isOurFilterName(name: string): boolean {
  return name === SUBSCRIPTION_FILTER_NAME || SHARD_FILTER_NAME.test(name);
}

/** The name of the account-level subscription filter policy (`accountWide=true`); one per account and Region. */
export const ACCOUNT_POLICY_NAME = 'ftp-bounce-watch';

/**
 * The name of the central account's CloudWatch Logs destination (`mode=central`), one per Region; member stacks
 * build its ARN from the central account and their own Region.
 */
export const CENTRAL_DESTINATION_NAME = 'ftp-bounce-watch';

/**
 * The member stack's alarm on its account policy's delivery errors; the central stack's rule forwards state changes
 * of alarms by this name, from any account of the organisation, to its operator topic. One per account and Region.
 */
export const MEMBER_DELIVERY_ALARM_NAME = 'ftp-bounce-watch-member-delivery-errors';
