/**
 * AWS failures as one-line CLI errors (exit status 2): what went wrong, which log group, and what to do. Only
 * errors from AWS calls come here; the original error is always kept as `cause`.
 */
import { awsErrorShape, oneLine } from '../../lambda/adapters/aws-error';
import { UsageError } from '../io';

export { type AwsErrorShape, awsErrorShape, oneLine } from '../../lambda/adapters/aws-error';

export class MissingRegionError extends UsageError {
  override readonly name: string = 'MissingRegionError';
  constructor(options?: ErrorOptions) {
    super(
      'no AWS Region configured: set AWS_REGION (e.g. AWS_REGION=eu-west-1) or a region in your AWS profile',
      options,
    );
  }
}

export class CredentialsError extends UsageError {
  override readonly name: string = 'CredentialsError';
}

export class AccessDeniedError extends UsageError {
  override readonly name: string = 'AccessDeniedError';
}

export class LogGroupNotFoundError extends UsageError {
  override readonly name: string = 'LogGroupNotFoundError';
  constructor(
    readonly logGroup: string,
    region: string,
    options?: ErrorOptions,
  ) {
    super(
      `log group ${JSON.stringify(logGroup)} does not exist in ${region} (check the name, and AWS_REGION or the profile's region)`,
      options,
    );
  }
}

/** Anything else AWS refused, including throttling that outlasted every retry. */
export class AwsRequestError extends UsageError {
  override readonly name: string = 'AwsRequestError';
}

/** The user pressed Ctrl-C while a request or a backoff was under way. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

const CREDENTIAL_REJECTIONS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
]);

export interface AwsCallContext {
  /** The API operation, e.g. `FilterLogEvents`. */
  readonly operation: string;
  readonly region: string;
  readonly logGroup?: string;
  /** The service as people name it. Default: CloudWatch Logs. */
  readonly service?: string;
  /** The IAM action the call needs. Default: `logs:<operation>`. */
  readonly permission?: string;
  /** What the call was about when not a log group, e.g. `queue "https://..."`. */
  readonly resource?: string;
}

/** ` on log group "x"` or ` on <resource>`, or nothing. */
export function callTarget(context: AwsCallContext): string {
  if (context.logGroup !== undefined) return ` on log group ${JSON.stringify(context.logGroup)}`;
  return context.resource === undefined ? '' : ` on ${context.resource}`;
}

/** Turns an error thrown by an AWS call into the one-line CLI error for it. */
export function cliErrorFor(error: unknown, context: AwsCallContext): UsageError {
  if (error instanceof UsageError) return error;
  const shape = awsErrorShape(error);
  const on = callTarget(context);
  const service = context.service ?? 'CloudWatch Logs';
  const detail = oneLine(shape.message);
  if (shape.name === 'CredentialsProviderError') {
    return new CredentialsError(
      'no AWS credentials found: set AWS_PROFILE (and run `aws sso login` if it uses SSO) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      { cause: error },
    );
  }
  if (/region is missing/i.test(shape.message)) return new MissingRegionError({ cause: error });
  if (CREDENTIAL_REJECTIONS.has(shape.name)) {
    return new CredentialsError(`AWS rejected the credentials (${shape.name}): ${detail}`, { cause: error });
  }
  if (shape.name === 'AccessDeniedException' || shape.name === 'AccessDenied' || shape.status === 403) {
    // AWS names the refused action when it can ("... is not authorized to perform: kms:Decrypt on resource: ..."):
    // a DynamoDB read refused for the table's KMS key needs kms:Decrypt, not the dynamodb: action.
    const refused = /\bnot authorized to perform: ([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(shape.message)?.[1];
    const permission = refused ?? context.permission ?? `logs:${context.operation}`;
    return new AccessDeniedError(`access denied: ${context.operation}${on} needs the IAM permission ${permission} (${detail})`, {
      cause: error,
    });
  }
  if (shape.name === 'ResourceNotFoundException' && context.logGroup !== undefined) {
    return new LogGroupNotFoundError(context.logGroup, context.region, { cause: error });
  }
  if (shape.name === 'ResourceNotFoundException' && context.service === 'DynamoDB') {
    // The on-call commands, `test` and `status` name the table by --table or the stack's IncidentTableName output.
    return new UsageError(
      `DynamoDB ${context.resource ?? 'table'} does not exist in ${context.region} (check the name: --table, or the `
      + 'stack\'s IncidentTableName output; and AWS_REGION or the profile\'s region)',
      { cause: error },
    );
  }
  return new AwsRequestError(`${service} ${context.operation}${on} failed: ${shape.name}: ${detail}`, {
    cause: error,
  });
}
