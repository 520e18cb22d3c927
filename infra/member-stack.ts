/**
 * The member accounts' stack (docs/design.md section 9), deployed to the organisation as a service-managed StackSet: one
 * account-level subscription filter policy sending every log group's refusals (the keyword filter) to the central
 * account's CloudWatch Logs destination in the same Region. Cross-account delivery to a destination needs no role
 * in the member account (the destination's policy admits the organisation; its own role writes to the stream).
 * No assets and no bootstrap check, so the synthesised template deploys as it is to accounts never bootstrapped.
 */
import { CfnParameter, DefaultStackSynthesizer, Fn, Stack, type StackProps, aws_logs as logs } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACCOUNT_POLICY_NAME, CENTRAL_DESTINATION_NAME, DEFAULT_FILTER_PATTERN } from './filter-pattern';

export interface MemberStackProps extends StackProps {
  /** The central account (12 digits): the default of the stack's `CentralAccountId` parameter. @default - none */
  readonly centralAccount?: string;
  /** @default DEFAULT_FILTER_PATTERN */
  readonly filterPattern?: string;
}

export const MEMBER_STACK_NAME = 'FtpBounceWatchMember';

export class MemberSubscriptionStack extends Stack {
  public readonly accountPolicy: logs.CfnAccountPolicy;
  public readonly centralAccountId: CfnParameter;

  constructor(scope: Construct, id: string, props: MemberStackProps = {}) {
    super(scope, id, {
      description: 'ftp-bounce-watch member: sends proftpd PORT/EPRT refusals to the central account',
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      ...props,
    });
    this.centralAccountId = new CfnParameter(this, 'CentralAccountId', {
      type: 'String',
      description: 'The account of the central ftp-bounce-watch stack (its CloudWatch Logs destination)',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account ID',
      ...(props.centralAccount !== undefined && { default: props.centralAccount }),
    });
    const destinationArn = Fn.join('', [
      `arn:${this.partition}:logs:${this.region}:`,
      this.centralAccountId.valueAsString,
      `:destination:${CENTRAL_DESTINATION_NAME}`,
    ]);
    this.accountPolicy = new logs.CfnAccountPolicy(this, 'AccountPolicy', {
      policyName: ACCOUNT_POLICY_NAME,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: this.toJsonString({
        DestinationArn: destinationArn,
        FilterPattern: props.filterPattern ?? DEFAULT_FILTER_PATTERN,
        Distribution: 'Random',
      }),
    });
  }
}
