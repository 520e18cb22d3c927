/**
 * The real defaults behind `CliIo.deps`: AWS clients from the standard configuration chain (credentials,
 * Region and endpoint from the environment and the shared config files, so `AWS_PROFILE`, `AWS_REGION` and
 * `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS` all work), the system clock and real timers.
 */
import type * as CloudFormation from '@aws-sdk/client-cloudformation';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type * as DynamoDB from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type * as S3 from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type * as SecretsManager from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type * as SQS from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type * as STS from '@aws-sdk/client-sts';
import type { STSClient } from '@aws-sdk/client-sts';
import { CLI_LOGS_TIMEOUTS, type OutboundTimeouts, SNS_TIMEOUTS, sdkClientOptions } from '../../lambda/adapters/timeouts';
import type { CliIo } from '../io';
import { MissingRegionError } from './errors';

export interface ResolvedDeps {
  readonly logsClient: () => CloudWatchLogsClient;
  readonly snsClient: (region: string) => SNSClient;
  readonly cloudFormationClient: (region: string) => CloudFormationClient;
  readonly sqsClient: (region: string) => SQSClient;
  readonly s3Client: (region: string) => S3Client;
  readonly secretsManagerClient: (region: string) => SecretsManagerClient;
  readonly dynamodbClient: (region?: string) => DynamoDBClient;
  readonly stsClient: (region: string) => STSClient;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly random: () => number;
  readonly cwd: string;
}

// Enforced (a request past its timeout fails with TimeoutError, which callAws retries a bounded number of times).
const LOGS_CLIENT_OPTIONS = sdkClientOptions(CLI_LOGS_TIMEOUTS);

/**
 * `status`'s small reads (DescribeStacks, ListSubscriptionsByTopic, GetQueueAttributes, ListObjectsV2): each
 * attempt is cut off after 10 s; callAws retries a bounded number of times.
 */
export const CLI_STATUS_TIMEOUTS: OutboundTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxAttempts: 1 };
const STATUS_CLIENT_OPTIONS = sdkClientOptions(CLI_STATUS_TIMEOUTS);

/** Resolves after `ms`, or as soon as `signal` aborts (the caller checks which). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}

/** The injected deps, with the real default for each one left out. The Logs client is built at most once. */
export function resolveDeps(io: CliIo): ResolvedDeps {
  const deps = io.deps ?? {};
  return {
    logsClient: once(
      deps.logsClient
      ?? (() =>
        new CloudWatchLogsClient({
          // One retry layer, ours (cli/aws/retry.ts): the SDK's own retries would multiply it and hide
          // throttling from the progress line.
          ...LOGS_CLIENT_OPTIONS,
        })),
    ),
    snsClient:
      deps.snsClient ?? ((region: string) => new SNSClient({ region, ...sdkClientOptions(SNS_TIMEOUTS) })),
    // Required on first use: only `status` and `test` need these clients (one bundle of their own, build-cli.js).
    /* eslint-disable @typescript-eslint/no-require-imports -- the lazy loads explained above. */
    cloudFormationClient:
      deps.cloudFormationClient
      ?? ((region) => {
        const sdk = require('@aws-sdk/client-cloudformation') as typeof CloudFormation;
        return new sdk.CloudFormationClient({ region, ...STATUS_CLIENT_OPTIONS });
      }),
    sqsClient:
      deps.sqsClient
      ?? ((region) => new (require('@aws-sdk/client-sqs') as typeof SQS).SQSClient({ region, ...STATUS_CLIENT_OPTIONS })),
    s3Client:
      deps.s3Client
      ?? ((region) => new (require('@aws-sdk/client-s3') as typeof S3).S3Client({ region, ...STATUS_CLIENT_OPTIONS })),
    secretsManagerClient:
      deps.secretsManagerClient
      ?? ((region) =>
        new (require('@aws-sdk/client-secrets-manager') as typeof SecretsManager).SecretsManagerClient({ region, ...STATUS_CLIENT_OPTIONS })),
    dynamodbClient:
      deps.dynamodbClient
      ?? ((region) => {
        const sdk = require('@aws-sdk/client-dynamodb') as typeof DynamoDB;
        return new sdk.DynamoDBClient({ ...(region !== undefined && { region }), ...STATUS_CLIENT_OPTIONS });
      }),
    stsClient:
      deps.stsClient
      ?? ((region) => new (require('@aws-sdk/client-sts') as typeof STS).STSClient({ region, ...STATUS_CLIENT_OPTIONS })),
    /* eslint-enable @typescript-eslint/no-require-imports */
    now: deps.now ?? Date.now,
    sleep: deps.sleep ?? sleepUnlessAborted,
    random: deps.random ?? Math.random,
    cwd: deps.cwd ?? process.cwd(),
  };
}

/** The client's Region, or MissingRegionError (the SDK would only say so on the first request). */
export async function clientRegion(client: { readonly config: { region: () => Promise<string | undefined> } }): Promise<string> {
  let region: string | undefined;
  try {
    region = await client.config.region();
  } catch (error) {
    throw new MissingRegionError({ cause: error });
  }
  if (region === undefined || region === '') throw new MissingRegionError();
  return region;
}
