/**
 * The CDK app (`cdk.json` runs it): reads the context keys documented in context.ts, builds the stack, runs the
 * cdk-nag AwsSolutions and Serverless checks. A bad context value stops synth with one line per problem naming the key.
 */
import { App, Duration, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { type AppConfig, ContextError, type DeployTarget, parseContext, type SourceSilenceConfig } from './context';
import type { SourceSilence, SourceSilenceSetting } from './constructs/source-health';
import { DEFAULT_STACK_NAME } from './deployment-names';
import { FtpBounceWatchStack } from './ftp-bounce-watch-stack';
import { MEMBER_STACK_NAME, MemberSubscriptionStack } from './member-stack';

export interface BuildAppOptions {
  /** Context on top of what the CDK CLI passes (tests use this instead of `-c`). */
  readonly context?: Readonly<Record<string, unknown>>;
  /** The account and Region to deploy to, when known. @default - environment-agnostic */
  readonly target?: DeployTarget;
  /** Where to write the cloud assembly. @default - the CLI's, or a temporary directory */
  readonly outdir?: string;
}

export interface BuiltApp {
  readonly app: App;
  readonly stack: FtpBounceWatchStack;
  readonly config: AppConfig;
}

export interface BuiltMemberApp {
  readonly app: App;
  readonly stack: MemberSubscriptionStack;
  readonly config: AppConfig;
}

/** `mode=member`: the member accounts' stack (for a service-managed StackSet), or the main stack otherwise. */
export function buildAnyApp(options: BuildAppOptions = {}): BuiltApp | BuiltMemberApp {
  const app = newApp(options);
  const config = parseContext(app.node.getAllContext(), options.target ?? {});
  if (config.mode !== 'member') return buildApp(options);
  const stack = new MemberSubscriptionStack(app, MEMBER_STACK_NAME, {
    filterPattern: config.filterPattern,
    ...(config.centralAccount !== undefined && { centralAccount: config.centralAccount }),
    ...(config.memberExcludedLogGroups !== undefined && { excludedLogGroups: config.memberExcludedLogGroups }),
    ...(config.securityHub && { findingsRole: true }),
  });
  Tags.of(stack).add('application', 'ftp-bounce-watch');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, config };
}

function newApp(options: BuildAppOptions): App {
  return new App({
    autoSynth: false,
    ...(options.context && { context: { ...options.context } }),
    ...(options.outdir && { outdir: options.outdir }),
  });
}

/** Builds the app without synthesising it. Throws ContextError on bad context. */
export function buildApp(options: BuildAppOptions = {}): BuiltApp {
  const app = newApp(options);
  const target = options.target ?? {};
  const config = parseContext(app.node.getAllContext(), target);
  if (config.mode === 'member') throw new ContextError([{ key: 'mode', message: 'mode=member builds the member stack: use buildAnyApp' }]);
  const stack = new FtpBounceWatchStack(app, DEFAULT_STACK_NAME, {
    ...((target.account || target.region) && { env: { account: target.account, region: target.region } }),
    watch: {
      logGroups: config.logGroups,
      accountWide: config.accountWide,
      ...(config.organizationId !== undefined && { organizationId: config.organizationId }),
      ...(config.centralStreamShards !== undefined && { centralStreamShards: config.centralStreamShards }),
      ...(config.canary === false && { canary: false }),
      ...(config.canaryIntervalMinutes !== undefined && { canaryInterval: Duration.minutes(config.canaryIntervalMinutes) }),
      filterPattern: config.filterPattern,
      alertEmails: config.alertEmails,
      ...(config.emailMinSeverity && { emailMinSeverity: config.emailMinSeverity }),
      ...(config.operatorEmails && { operatorEmails: config.operatorEmails }),
      ...(config.chatbot && { chatbot: config.chatbot }),
      ...(config.slackWebhookSecretName !== undefined && { slackWebhookSecretName: config.slackWebhookSecretName }),
      alertWindow: Duration.minutes(config.incidents.alertWindowMinutes),
      lowSeverity: config.incidents.lowSeverity,
      digestInterval: Duration.minutes(config.incidents.digestIntervalMinutes),
      maxNewIncidentsPerHour: config.incidents.maxNewIncidentsPerHour,
      scanPorts: config.incidents.scanPorts,
      scanHosts: config.incidents.scanHosts,
      ...(config.internalNetworks && { internalNetworks: config.internalNetworks }),
      ...(config.sourceSilence && { sourceSilence: sourceSilenceProps(config.sourceSilence) }),
      ...(config.suppressions && { suppressions: config.suppressions }),
      ...(config.eventBus !== undefined && { eventBus: config.eventBus }),
      ...(config.securityHub && { securityHub: true }),
    },
  });
  Tags.of(stack).add('application', 'ftp-bounce-watch');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack, config };
}

/** The context's minutes as the construct's durations. */
function sourceSilenceProps(config: SourceSilenceConfig): SourceSilence {
  const setting = (value: number | 'off'): SourceSilenceSetting => (value === 'off' ? 'off' : Duration.minutes(value));
  return {
    default: setting(config.default),
    perLogGroup: Object.fromEntries([...config.perLogGroup].map(([name, value]) => [name, setting(value)])),
  };
}

function main(): void {
  let built: BuiltApp | BuiltMemberApp;
  try {
    built = buildAnyApp({
      target: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    });
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    // The CLI shows this and "Subprocess exited with error 1": no stack trace for a typo.
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  built.app.synth();
}

if (require.main === module) main();
