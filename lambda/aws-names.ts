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

/**
 * Central mode with Security Hub (docs/export.md): the role each member account's stack creates so that the central
 * account may import that account's findings (only the finding's own account may import with the default product).
 * IAM is global and the StackSet deploys one instance per Region, hence the Region in the name.
 */
export function memberFindingsRoleName(region: string): string {
  return `ftp-bounce-watch-findings-${region}`;
}

/**
 * The central functions that import findings (detector, sweep): fixed names, so that the member role can trust
 * exactly them (aws:PrincipalArn) before they exist.
 */
export function centralFindingsImporterRoleNames(region: string): { readonly detector: string; readonly sweep: string } {
  return { detector: `ftp-bounce-watch-detector-${region}`, sweep: `ftp-bounce-watch-sweep-${region}` };
}

/** An IAM role name (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html). */
export const IAM_ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
