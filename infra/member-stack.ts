/**
 * The member accounts' stack (docs/design.md section 9), deployed to the organisation as a service-managed StackSet: one
 * account-level subscription filter policy sending every log group's refusals (the keyword filter) to the central
 * account's CloudWatch Logs destination in the same Region. Cross-account delivery to a destination needs no role
 * in the member account (the destination's policy admits the organisation; its own role writes to the stream).
 * No assets and no bootstrap check, so the synthesised template deploys as it is to accounts never bootstrapped.
 */
import {
  Aws,
  CfnCondition,
  CfnParameter,
  DefaultStackSynthesizer,
  Fn,
  Stack,
  type StackProps,
  Validations,
  aws_cloudformation as cloudformation,
  aws_logs as logs,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ACCOUNT_POLICY_NAME, CENTRAL_DESTINATION_NAME, DEFAULT_FILTER_PATTERN } from './filter-pattern';
import {
  EXCLUDED_LOG_GROUPS_PARAMETER_MAX_LENGTH,
  excludedLogGroupsCriteria,
  excludedLogGroupsProblems,
  MEMBER_EXCLUSIONS_MAX_BYTES,
} from './validation';

export interface MemberStackProps extends StackProps {
  /** The central account (12 digits): the default of the stack's `CentralAccountId` parameter. @default - none */
  readonly centralAccount?: string;
  /** @default DEFAULT_FILTER_PATTERN */
  readonly filterPattern?: string;
  /**
   * Log groups (names) the account policy leaves out in every member account, on top of the `ExcludedLogGroups`
   * parameter (per StackSet or per account, changed without a new synth). Context key `memberExcludedLogGroups`.
   * @default - none
   */
  readonly excludedLogGroups?: readonly string[];
}

export const MEMBER_STACK_NAME = 'FtpBounceWatchMember';

/** Names, comma-separated, no spaces or empty entries, or nothing at all. */
const EXCLUDED_LOG_GROUPS_PATTERN = '^([.\\-_/#A-Za-z0-9]{1,512}(,[.\\-_/#A-Za-z0-9]{1,512})*)?$';

/** A member stack's props are wrong (every problem, one line each). */
export class MemberStackPropsError extends Error {
  override readonly name = 'MemberStackPropsError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export class MemberSubscriptionStack extends Stack {
  /** Created in every account but the central one (see `inMemberAccount`). */
  public readonly accountPolicy: logs.CfnAccountPolicy;
  public readonly centralAccountId: CfnParameter;
  /** Log groups to leave out, comma-separated, added at deploy time to `excludedLogGroups`. */
  public readonly excludedLogGroups: CfnParameter;
  /**
   * False in the central account itself (a StackSet over an OU may reach it): there the policy would send the
   * central stack's own function logs (alert text included) back into its detector, so it is not created.
   */
  public readonly inMemberAccount: CfnCondition;

  constructor(scope: Construct, id: string, props: MemberStackProps = {}) {
    super(scope, id, {
      description: 'ftp-bounce-watch member: sends proftpd PORT/EPRT refusals to the central account',
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      ...props,
    });
    const fixed = props.excludedLogGroups ?? [];
    const problems = excludedLogGroupsProblems(fixed, MEMBER_EXCLUSIONS_MAX_BYTES);
    if (problems.length > 0) throw new MemberStackPropsError(problems.map((p) => `excludedLogGroups: ${p}`));

    this.centralAccountId = new CfnParameter(this, 'CentralAccountId', {
      type: 'String',
      description: 'The account of the central ftp-bounce-watch stack (its CloudWatch Logs destination)',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account ID',
      ...(props.centralAccount !== undefined && { default: props.centralAccount }),
    });
    this.excludedLogGroups = new CfnParameter(this, 'ExcludedLogGroups', {
      type: 'String',
      description: 'Log groups the account policy leaves out, comma-separated names (empty: none)',
      default: '',
      allowedPattern: EXCLUDED_LOG_GROUPS_PATTERN,
      maxLength: EXCLUDED_LOG_GROUPS_PARAMETER_MAX_LENGTH,
      constraintDescription: 'log group names (A-Z a-z 0-9 . - _ / #) separated by commas, without spaces',
    });
    this.inMemberAccount = new CfnCondition(this, 'InMemberAccount', {
      expression: Fn.conditionNot(Fn.conditionEquals(Aws.ACCOUNT_ID, this.centralAccountId.valueAsString)),
    });
    const parameterGiven = new CfnCondition(this, 'ExcludedLogGroupsGiven', {
      expression: Fn.conditionNot(Fn.conditionEquals(this.excludedLogGroups.valueAsString, '')),
    });

    const destinationArn = Fn.join('', [
      `arn:${this.partition}:logs:${this.region}:`,
      this.centralAccountId.valueAsString,
      `:destination:${CENTRAL_DESTINATION_NAME}`,
    ]);
    // LogGroupName NOT IN ["fixed", ..., "param1", "param2"]: the parameter's commas become `", "`.
    const fixedCriteria = fixed.length > 0 ? excludedLogGroupsCriteria(fixed) : undefined;
    const withParameter = Fn.join('', [
      fixedCriteria === undefined ? 'LogGroupName NOT IN [' : `${fixedCriteria.slice(0, -1)}, `,
      '"',
      Fn.join('", "', Fn.split(',', this.excludedLogGroups.valueAsString)),
      '"]',
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
      selectionCriteria: Fn.conditionIf(parameterGiven.logicalId, withParameter, fixedCriteria ?? Aws.NO_VALUE).toString(),
    });
    this.accountPolicy.cfnOptions.condition = this.inMemberAccount;
    Validations.of(this.accountPolicy).acknowledge({
      id: 'CloudFormation-Validate::W1028',
      reason: 'Both branches are reachable: ExcludedLogGroups and the account ID are independent of each other (cfn-lint '
        + 'itself finds nothing; the synth-time check conflates the two conditions)',
    });
    // A stack must keep at least one resource when its conditions leave out the rest (the central account): a
    // no-op wait handle, which costs nothing and needs no permission.
    new cloudformation.CfnWaitConditionHandle(this, 'Placeholder');
  }
}
