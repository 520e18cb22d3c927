/**
 * What the parts of FtpBounceWatch share: the functions' bundling and roles, the failure queues, the alarm wiring,
 * and the logical IDs the parts keep from the days when they were one construct.
 */
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import {
  CfnElement,
  Duration,
  Names,
  Stack,
  Validations,
  type RemovalPolicy,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cloudwatchActions,
  type aws_events as events,
  aws_iam as iam,
  type aws_kms as kms,
  aws_lambda as lambda,
  aws_lambda_nodejs as nodejs,
  type aws_logs as logs,
  type aws_sns as sns,
  aws_sqs as sqs,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LAMBDA_ESBUILD_OPTIONS, PROJECT_ROOT } from '../bundling-options';

/** The async invocation retries Lambda makes before an event goes to the failure destination (the maximum is 2). */
export const ASYNC_RETRY_ATTEMPTS = 2;
export const ALARM_PERIOD = Duration.minutes(5);
/** The functions' Powertools service name and metrics namespace (the metrics carry `service` as a dimension). */
export const SERVICE_NAME = 'ftp-bounce-watch';
export const METRICS_NAMESPACE = 'FtpBounceWatch';

/** NodejsFunction settings every function shares: runtime, architecture and the bundling of bundling-options.ts. */
export function lambdaBase(entry: string, handler: string): nodejs.NodejsFunctionProps {
  return {
    entry,
    handler,
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      minify: LAMBDA_ESBUILD_OPTIONS.minify,
      sourceMap: LAMBDA_ESBUILD_OPTIONS.sourcemap,
      target: LAMBDA_ESBUILD_OPTIONS.target,
      format: nodejs.OutputFormat.CJS,
      externalModules: [...LAMBDA_ESBUILD_OPTIONS.external],
      // Bundle with the esbuild in node_modules; never fall back to Docker (offline, and the same esbuild as the
      // benchmark).
      forceDockerBundling: false,
    },
  };
}

/** A role that can write to its own log group and nothing else yet (no AWS managed policy with `*` resources). */
export function newFunctionRole(scope: Construct, id: string, logGroup: logs.LogGroup, roleName?: string): iam.Role {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    ...(roleName !== undefined && { roleName }),
  });
  logGroup.grantWrite(role);
  return role;
}

/** A dead-letter store: encrypted, TLS-only, messages kept as long as SQS allows. */
export function newFailureQueue(scope: Construct, id: string, removalPolicy: RemovalPolicy): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // The longest SQS allows: time to notice the alarm, fix the cause and redrive.
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
}

/**
 * What a function needs of the topics' key to publish to an encrypted topic, and only when SNS uses the key on its
 * behalf (kms:ViaService): exactly GenerateDataKey and Decrypt.
 */
export function snsKeyStatement(key: kms.IKey, region: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com` } },
  });
}

/** Notifies the operator topic when the alarm fires and when it clears. */
export function wireAlarm(alarm: cloudwatch.Alarm, operatorTopic: sns.ITopic): cloudwatch.Alarm {
  const action = new cloudwatchActions.SnsAction(operatorTopic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
  return alarm;
}

/**
 * A scheduled function keeps nothing in its invocation (its work stays in the table and the next run takes it): it
 * needs no dead-letter store, its schedule no DLQ, and a short run no tracing. One place for those acknowledgements.
 */
export function acknowledgeScheduledFunction(
  fn: lambda.Function,
  schedule: events.Rule,
  keepsNothing: string,
  whyNoTracing: string,
): void {
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: keepsNothing });
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaAsyncFailureDestination', reason: keepsNothing });
  Validations.of(schedule).acknowledge({ id: 'Serverless-EventBusDLQ', reason: keepsNothing });
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaTracing', reason: whyNoTracing });
  ignoreRoleDependencyNote(fn);
}

/** CDK makes a function depend on its role, which the role's GetAtt already implies; cfn-lint notes it (W3005). */
export function ignoreRoleDependencyNote(fn: lambda.Function): void {
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
}

export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/**
 * Gives every CloudFormation element under the parts (in their own stack) the logical ID it would have if the
 * parts' ids were not in its path. The parts of FtpBounceWatch were once one construct: without this, an upgrade
 * would replace the topics (email subscriptions confirmed again), the incident table (alert memory lost), the
 * central event source mapping (a second one reading the stream from its start) and the subscription filters'
 * nested stacks (a filter of the same name created, then deleted: a group unsubscribed). Some construct ids embed
 * another construct's unique id (a Lambda permission names its rule, an event source mapping its stream): those
 * are mapped back too. Call it once the parts are complete, before anything resolves a logical ID.
 */
export function keepLogicalIdsWithoutParts(parts: readonly Construct[]): void {
  const partSet = new Set<Construct>(parts);
  const oldPath = (c: Construct): Construct[] => c.node.scopes.filter((scope) => !partSet.has(scope));
  // A scratch tree mirroring the old paths: Names.uniqueId of a scratch node is makeUniqueId of its path below the
  // root, which is how a stack allocates logical IDs (path below the stack) and nodes their unique ids.
  const root = new Construct(undefined as unknown as Construct, '');
  const scratch = new Map<string, Construct>();
  const uniqueIdOf = (components: readonly string[]): string => {
    let scope = root;
    for (let i = 0; i < components.length; i++) {
      const key = components.slice(0, i + 1).join('\u0000');
      let next = scratch.get(key);
      if (!next) {
        next = new Construct(scope, components[i] as string);
        scratch.set(key, next);
      }
      scope = next;
    }
    return Names.uniqueId(scope);
  };
  const renames = new Map<string, string>();
  for (const part of parts) {
    for (const c of part.node.findAll()) {
      if (c === part) continue;
      const fresh = Names.nodeUniqueId(c.node);
      const old = uniqueIdOf(oldPath(c).slice(1).map((scope) => scope.node.id));
      if (fresh !== old) renames.set(fresh, old);
    }
  }
  const renamed = (id: string): string => {
    let result = id;
    for (const [fresh, old] of renames) result = result.split(fresh).join(old);
    return result;
  };
  for (const part of parts) {
    const stack = Stack.of(part);
    for (const child of part.node.findAll()) {
      if (!CfnElement.isCfnElement(child) || child.stack !== stack) continue;
      const path = oldPath(child);
      const components = path.slice(path.indexOf(stack) + 1).map((scope) => renamed(scope.node.id));
      child.overrideLogicalId(uniqueIdOf(components));
    }
  }
}
