/**
 * Where the Security Hub exporter imports an account's findings (docs/export.md). With the default product only the
 * account a finding belongs to (`AwsAccountId`) may import it
 * (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_BatchImportFindings.html), so:
 *
 * - a single-account stack imports everything into its own account (`OwnAccountDestinations`);
 * - the central stack imports a member's findings as that member, through the member's role
 *   `ftp-bounce-watch-findings-<region>` (`MemberAccountDestinations`): one STS AssumeRole per account, its
 *   credentials kept until shortly before they expire; its own account's findings (if any) it imports itself.
 */
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { defaultProductArn } from '../export/asff-finding';
import { awsErrorShape, oneLine } from './aws-error';
import type { InvocationBudget } from './timeouts';

export interface FindingDestinations {
  /** The default product ARN the findings of `account` (the alert's; null when unknown) are imported with. Pure. */
  productArnFor(account: string | null): string;
  /** The client that imports them. Rejects with AssumeMemberRoleError when the member's role cannot be assumed. */
  clientFor(account: string | null): Promise<SecurityHubClient>;
}

/** Every finding into this account's own default product. */
export class OwnAccountDestinations implements FindingDestinations {
  constructor(
    private readonly productArn: string,
    private readonly client: SecurityHubClient,
  ) {}

  productArnFor(): string {
    return this.productArn;
  }

  async clientFor(): Promise<SecurityHubClient> {
    return this.client;
  }
}

/** The central detector could not assume a member's findings role (most often: the member stack lacks it yet). */
export class AssumeMemberRoleError extends Error {
  override readonly name = 'AssumeMemberRoleError';
  constructor(
    readonly account: string,
    readonly roleArn: string,
    options: { cause: unknown },
  ) {
    const shape = awsErrorShape(options.cause);
    super(
      `could not assume ${roleArn} for member account ${account} (${shape.name}: ${oneLine(shape.message, 200)}); `
      + 'deploy the member stack with securityHub=true in that account',
      options,
    );
  }
}

/** Temporary credentials of a member's role. */
export interface MemberCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface MemberAccountDestinationsOptions {
  /** The central account's own destination (its default product and client). */
  readonly ownAccount: string;
  readonly ownProductArn: string;
  readonly ownClient: SecurityHubClient;
  readonly sts: STSClient;
  /** `ftp-bounce-watch-findings-<region>`, the same in every member. */
  readonly roleName: string;
  readonly partition: string;
  readonly region: string;
  /** A Security Hub client for the member's credentials (the runtime adds the enforced timeouts). */
  readonly clientWith: (credentials: MemberCredentials) => SecurityHubClient;
  readonly budget?: InvocationBudget;
  /** Session length asked of STS. @default 900 (the least STS allows) */
  readonly sessionSeconds?: number;
  /** Credentials are renewed this long before they expire. @default 120000 */
  readonly renewBeforeMs?: number;
  readonly now?: () => number;
}

const SESSION_NAME = 'ftp-bounce-watch-findings';

export class MemberAccountDestinations implements FindingDestinations {
  readonly #options: MemberAccountDestinationsOptions;
  readonly #clients = new Map<string, { readonly expiresAt: number; readonly client: SecurityHubClient }>();

  constructor(options: MemberAccountDestinationsOptions) {
    this.#options = options;
  }

  productArnFor(account: string | null): string {
    const { ownAccount, ownProductArn, partition, region } = this.#options;
    return account === null || account === ownAccount ? ownProductArn : defaultProductArn(partition, region, account);
  }

  roleArnOf(account: string): string {
    return `arn:${this.#options.partition}:iam::${account}:role/${this.#options.roleName}`;
  }

  async clientFor(account: string | null): Promise<SecurityHubClient> {
    const options = this.#options;
    if (account === null || account === options.ownAccount) return options.ownClient;
    const now = (options.now ?? Date.now)();
    const cached = this.#clients.get(account);
    if (cached !== undefined && cached.expiresAt - (options.renewBeforeMs ?? 120_000) > now) return cached.client;

    const roleArn = this.roleArnOf(account);
    const command = new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: SESSION_NAME,
      DurationSeconds: options.sessionSeconds ?? 900,
    });
    let credentials: MemberCredentials;
    try {
      const send = (abortSignal?: AbortSignal) => options.sts.send(command, abortSignal === undefined ? {} : { abortSignal });
      const response = options.budget ? await options.budget.call('sts:AssumeRole', send) : await send();
      const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = response.Credentials ?? {};
      if (AccessKeyId === undefined || SecretAccessKey === undefined || SessionToken === undefined || Expiration === undefined) {
        throw new TypeError('STS answered without credentials');
      }
      credentials = {
        accessKeyId: AccessKeyId,
        secretAccessKey: SecretAccessKey,
        sessionToken: SessionToken,
        expiration: Expiration,
      };
    } catch (error) {
      throw new AssumeMemberRoleError(account, roleArn, { cause: error });
    }
    const client = options.clientWith(credentials);
    cached?.client.destroy();
    this.#clients.set(account, { expiresAt: credentials.expiration.getTime(), client });
    return client;
  }
}
