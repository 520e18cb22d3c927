/**
 * AWS naming rules shared by the handler's configuration, the alerts' console links, the CLI and the CDK
 * context validation, so that what synth accepts the function accepts at runtime too. Pure: no SDK, no I/O.
 */

/** A Region: a 2-4 letter partition prefix (`us`, `eu`, `cn`, `eusc`), words, a number: `eu-west-1`. */
export const AWS_REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;

/** An SNS topic ARN. Groups: 1 Region, 2 account, 3 topic name, 4 `.fifo` when it is a FIFO topic. */
export const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z]{2,4}(?:-[a-z]+)+-\d{1,2}):(\d{12}):([A-Za-z0-9_-]{1,256})(\.fifo)?$/;

export function isAwsRegion(text: string): boolean {
  return AWS_REGION.test(text);
}
