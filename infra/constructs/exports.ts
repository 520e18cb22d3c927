/**
 * The exports (docs/export.md): what the detector and the sweep may call to export alerts (PutEvents on the chosen
 * bus; BatchImportFindings on this account's default Security Hub product, only when enabled), the environment that
 * tells them where, and the alarms on exports that failed after their retries.
 */
import { Stack, Token, Validations, aws_cloudwatch as cloudwatch, aws_iam as iam, type aws_lambda as lambda, type aws_sns as sns } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { centralFindingsImporterRoleNames, memberFindingsRoleName } from '../../lambda/aws-names';
import { RUNBOOKS } from '../runbooks';
import { ALARM_PERIOD, METRICS_NAMESPACE, SERVICE_NAME, wireAlarm } from './common';

export interface ExportsProps {
  /** The bus every alert goes to: a name in this account and Region, or a bus ARN. @default 'default' */
  readonly eventBus?: string;
  /** Import each incident into Security Hub CSPM as a finding. @default false */
  readonly securityHub?: boolean;
  /**
   * Central mode: the organisation whose member accounts' findings are imported, each through the member's role
   * `ftp-bounce-watch-findings-<region>` (member stack with `securityHub=true`). @default - not central
   */
  readonly organizationId?: string;
  readonly operatorTopic: sns.ITopic;
}

export class Exports extends Construct {
  /** The bus's ARN, as granted. */
  public readonly eventBusArn: string;
  /** This account's default Security Hub product ARN, when `securityHub` is on. */
  public readonly securityHubProductArn?: string;
  /** Central mode with Security Hub: the fixed role names of the detector and the sweep, which member roles trust. */
  public readonly importerRoleNames?: { readonly detector: string; readonly sweep: string };
  /** The functions' environment for the exports (EVENT_BUS, SECURITY_HUB_PRODUCT_ARN). */
  public readonly environment: Readonly<Record<string, string>>;
  public readonly alarms: readonly cloudwatch.Alarm[];
  private readonly statements: readonly iam.PolicyStatement[];

  constructor(scope: Construct, id: string, props: ExportsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const eventBus = props.eventBus ?? 'default';
    this.eventBusArn = eventBus.startsWith('arn:')
      ? eventBus
      : stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: eventBus });
    const environment: Record<string, string> = { EVENT_BUS: eventBus };
    const statements = [new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [this.eventBusArn] })];
    if (props.securityHub === true) {
      // The default product of this account: BatchImportFindings with it only imports findings of this account.
      const account = stack.account;
      this.securityHubProductArn = `arn:${stack.partition}:securityhub:${stack.region}:${account}:product/${account}/default`;
      environment.SECURITY_HUB_PRODUCT_ARN = this.securityHubProductArn;
      statements.push(new iam.PolicyStatement({ actions: ['securityhub:BatchImportFindings'], resources: [this.securityHubProductArn] }));
      if (props.organizationId !== undefined) {
        // Only a finding's own account may import it with the default product: the member's role does it. Any account
        // (the role name is the same in each), but only accounts of the organisation (aws:ResourceOrgID).
        const roleName = memberFindingsRoleName(stack.region);
        environment.SECURITY_HUB_MEMBER_ROLE = roleName;
        this.importerRoleNames = centralFindingsImporterRoleNames(stack.region);
        statements.push(new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: [`arn:${stack.partition}:iam::*:role/${roleName}`],
          conditions: { StringEquals: { 'aws:ResourceOrgID': props.organizationId } },
        }));
      }
    }
    this.statements = statements;
    this.environment = environment;

    const alarm = (alarmId: string, metricName: string, description: string): cloudwatch.Alarm =>
      wireAlarm(
        new cloudwatch.Alarm(this, alarmId, {
          metric: new cloudwatch.Metric({
            namespace: METRICS_NAMESPACE,
            metricName,
            dimensionsMap: { service: SERVICE_NAME },
            period: ALARM_PERIOD,
            statistic: 'Sum',
          }),
          alarmDescription: description,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          // No alerts means no exports and no datapoints, which is healthy.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        props.operatorTopic,
      );
    this.alarms = [
      alarm('EventExportFailedAlarm', 'EventExportFailed', RUNBOOKS.eventExportFailed),
      ...(props.securityHub === true ? [alarm('FindingImportFailedAlarm', 'FindingImportFailed', RUNBOOKS.findingImportFailed)] : []),
    ];
  }

  /** Lets a function that publishes alerts (detector, sweep) export them. */
  public grantExport(fn: lambda.IFunction): void {
    for (const statement of this.statements) fn.addToRolePolicy(statement);
    if (this.importerRoleNames !== undefined && fn.role !== undefined) {
      const stack = Stack.of(this);
      Validations.of(fn.role).acknowledge({
        // As cdk-nag shows the resource: unresolved pseudo parameters as <AWS::...>.
        id: `AwsSolutions-IAM5[Resource::arn:${nagForm(stack.partition, 'Partition')}:iam::*:role/`
          + `${memberFindingsRoleName(nagForm(stack.region, 'Region'))}]`,
        reason:
          'Each member account of the organisation has the role under this one name; the member is only known per alert '
          + '(the log batch\'s owner). sts:AssumeRole only, that role name only, accounts of the organisation only '
          + '(aws:ResourceOrgID).',
      });
    }
  }
}

function nagForm(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
}
