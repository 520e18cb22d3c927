/**
 * The member accounts' stack (docs/design.md section 9), deployed to the organisation as a service-managed StackSet: one
 * account-level subscription filter policy sending every log group's refusals (the keyword filter) to the central
 * account's CloudWatch Logs destination in the same Region, with the role CloudWatch Logs assumes in this account
 * (required because the destination admits an organisation); and an alarm on the policy's delivery errors, whose
 * state changes go to the central account's event bus and from there to its operator topic.
 * No assets and no bootstrap check, so the synthesised template deploys as it is to accounts never bootstrapped.
 */
import {
  Aws,
  CfnCondition,
  CfnOutput,
  CfnParameter,
  type CfnResource,
  DefaultStackSynthesizer,
  Fn,
  Stack,
  type StackProps,
  Validations,
  aws_cloudformation as cloudformation,
  aws_cloudwatch as cloudwatch,
  aws_events as events,
  aws_iam as iam,
  aws_logs as logs,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  ACCOUNT_POLICY_NAME,
  CENTRAL_DESTINATION_NAME,
  DEFAULT_FILTER_PATTERN,
  MEMBER_DELIVERY_ALARM_NAME,
} from './filter-pattern';
import { centralFindingsImporterRoleNames, memberFindingsRoleName } from '../lambda/aws-names';
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
  /**
   * Central mode with Security Hub (context `securityHub=true`): the role `ftp-bounce-watch-findings-<region>` through
   * which the central account's detector and sweep import this account's findings (docs/export.md). Only the account
   * a finding belongs to may import it with the default product.
   * @default false
   */
  readonly findingsRole?: boolean;
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
  /**
   * The role CloudWatch Logs assumes in this account to send to the organisation's destination (its ARN is the
   * policy's `RoleArn`, and the one to give `aws logs put-subscription-filter --role-arn`). Its name is generated
   * per stack instance, so the instances of one StackSet in several Regions never collide (IAM is global).
   */
  public readonly subscriptionRole: iam.CfnRole;
  /** CloudWatch Logs could not deliver this account's refusals (AccessDenied is not retried): the central operators hear it. */
  public readonly deliveryErrorsAlarm: cloudwatch.CfnAlarm;
  /** Forwards the alarm's state changes to the central account's default event bus. */
  public readonly forwardToCentral: events.CfnRule;
  /** Log groups to leave out, comma-separated, added at deploy time to `excludedLogGroups`. */
  public readonly excludedLogGroups: CfnParameter;
  /**
   * False in the central account itself (a StackSet over an OU may reach it): there the policy would send the
   * central stack's own function logs (alert text included) back into its detector, so it is not created.
   */
  public readonly inMemberAccount: CfnCondition;
  /** With `findingsRole`: the role the central detector and sweep assume to import this account's findings. */
  public readonly findingsRole?: iam.CfnRole;

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
    // A destination that admits an organisation needs, in the sending account, a role CloudWatch Logs can assume to
    // check the sender's right ("Role ARN is required when creating subscription filter against destination with
    // Organization access policy"). Trust and permission as the CloudWatch Logs guide gives them
    // (docs/operations.md, "The member role").
    this.subscriptionRole = new iam.CfnRole(this, 'SubscriptionRole', {
      description: 'ftp-bounce-watch: CloudWatch Logs sends this account\'s refusals to the organisation destination',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'logs.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      policies: [
        {
          policyName: 'PutLogEventsToTheDestination',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'logs:PutLogEvents',
                Resource: `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
              },
            ],
          },
        },
      ],
    });
    Validations.of(this.subscriptionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]`,
      reason:
        'The account policy covers every log group of the account (and log groups created later), so CloudWatch Logs '
        + 'must be able to put the events of any of them: logs:PutLogEvents only, this account and Region only.',
    });
    this.accountPolicy = new logs.CfnAccountPolicy(this, 'AccountPolicy', {
      policyName: ACCOUNT_POLICY_NAME,
      policyType: 'SUBSCRIPTION_FILTER_POLICY',
      scope: 'ALL',
      policyDocument: this.toJsonString({
        DestinationArn: destinationArn,
        RoleArn: this.subscriptionRole.attrArn,
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
    // Delivery errors are published here, in the sending account, not in the central one. AccessDenied (the role or
    // the destination policy broken) is never retried: the events are lost, so the central operators must hear it.
    // Throttling is retried for up to 24 hours, and the central stream's own write-throttling alarm sees it.
    this.deliveryErrorsAlarm = new cloudwatch.CfnAlarm(this, 'DeliveryErrorsAlarm', {
      alarmName: MEMBER_DELIVERY_ALARM_NAME,
      alarmDescription:
        'CloudWatch Logs could not deliver this account\'s proftpd refusals to the central ftp-bounce-watch destination '
        + '(AccessDenied or ResourceNotFound are not retried: those refusals are lost). Check the member stack\'s '
        + 'SubscriptionRole, the central destination and its policy; backfill with ftp-bounce-watch scan --log-group.',
      metrics: [
        {
          id: 'errors',
          expression: `SELECT SUM(DeliveryErrors) FROM "AWS/Logs" WHERE FilterName = '${ACCOUNT_POLICY_NAME}'`,
          period: 300,
          returnData: true,
        },
      ],
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
    });
    const centralBus = Fn.join('', [
      `arn:${this.partition}:events:${this.region}:`,
      this.centralAccountId.valueAsString,
      ':event-bus/default',
    ]);
    const forwardRole = new iam.CfnRole(this, 'ForwardToCentralRole', {
      description: 'ftp-bounce-watch: EventBridge forwards the delivery alarm to the central account',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
      policies: [
        {
          policyName: 'PutEventsOnTheCentralBus',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: centralBus }],
          },
        },
      ],
    });
    this.forwardToCentral = new events.CfnRule(this, 'ForwardDeliveryAlarmToCentral', {
      description: 'ftp-bounce-watch: the delivery-errors alarm of this account, to the central operators',
      eventPattern: {
        'source': ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        'detail': { alarmName: [MEMBER_DELIVERY_ALARM_NAME] },
      },
      targets: [{ id: 'CentralEventBus', arn: centralBus, roleArn: forwardRole.attrArn }],
    });
    const memberOnly: CfnResource[] = [this.subscriptionRole, this.deliveryErrorsAlarm, forwardRole, this.forwardToCentral];
    if (props.findingsRole === true) {
      this.findingsRole = this.newFindingsRole();
      memberOnly.push(this.findingsRole);
    }
    for (const resource of memberOnly) resource.cfnOptions.condition = this.inMemberAccount;
    new CfnOutput(this, 'SubscriptionRoleArn', {
      value: this.subscriptionRole.attrArn,
      description: 'The role to pass as --role-arn to aws logs put-subscription-filter for the central destination',
      condition: this.inMemberAccount,
    });

    // A stack must keep at least one resource when its conditions leave out the rest (the central account): a
    // no-op wait handle, which costs nothing and needs no permission.
    new cloudformation.CfnWaitConditionHandle(this, 'Placeholder');
  }

  /**
   * Trusts the central account, narrowed with aws:PrincipalArn to its two importing roles by their fixed names (a
   * role ARN as the Principal would be refused while the central roles do not exist yet, and would break when one is
   * re-created); allowed BatchImportFindings on this account's default product in this Region, nothing else.
   */
  private newFindingsRole(): iam.CfnRole {
    const centralRole = (name: string): string =>
      Fn.join('', [`arn:${this.partition}:iam::`, this.centralAccountId.valueAsString, `:role/${name}`]);
    const importers = centralFindingsImporterRoleNames(this.region);
    return new iam.CfnRole(this, 'FindingsRole', {
      roleName: memberFindingsRoleName(this.region),
      description: 'ftp-bounce-watch: the central account imports this account\'s FTP bounce findings into Security Hub',
      maxSessionDuration: 3600,
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: Fn.join('', [`arn:${this.partition}:iam::`, this.centralAccountId.valueAsString, ':root']) },
            Action: 'sts:AssumeRole',
            Condition: { ArnEquals: { 'aws:PrincipalArn': [centralRole(importers.detector), centralRole(importers.sweep)] } },
          },
        ],
      },
      policies: [
        {
          policyName: 'ImportFindingsOfThisAccount',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'securityhub:BatchImportFindings',
                Resource: `arn:${this.partition}:securityhub:${this.region}:${this.account}:product/${this.account}/default`,
              },
            ],
          },
        },
      ],
    });
  }
}
