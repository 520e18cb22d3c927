/**
 * The Slack webhook URL, read from Secrets Manager by secret name and cached in memory for a while: one
 * GetSecretValue per container and TTL instead of one per alert, yet a rotated URL is picked up without a deploy.
 * The URL is a credential (anyone holding it can post to the channel): it never appears in an error or a log line.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeadlineExceededError, type InvocationBudget } from '../adapters/timeouts';

/** The secret could not be read or holds no usable webhook URL. The message never contains the secret. */
export class WebhookSecretError extends Error {
  override readonly name = 'WebhookSecretError';
}

export interface WebhookUrlSourceOptions {
  readonly client: Pick<SecretsManagerClient, 'send'>;
  readonly secretName: string;
  /** How long a fetched URL is reused (default 5 minutes). */
  readonly ttlMs?: number;
  /** Injected in tests. */
  readonly now?: () => number;
  /** The invocation's budget: a read still running at its deadline is cut off (DeadlineExceededError). */
  readonly budget?: InvocationBudget;
}

export const DEFAULT_WEBHOOK_CACHE_TTL_MS = 5 * 60_000;

export class WebhookUrlSource {
  private cached?: { readonly url: string; readonly expiresAt: number };
  // Concurrent callers share one request instead of each fetching the secret.
  private pending?: Promise<string>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WebhookUrlSourceOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_WEBHOOK_CACHE_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.cached && this.now() < this.cached.expiresAt) return this.cached.url;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget the cached URL, e.g. after Slack said the webhook no longer exists (it may have been rotated). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<string> {
    const { secretName } = this.options;
    let secretString: string | undefined;
    try {
      const command = new GetSecretValueCommand({ SecretId: secretName });
      const { budget, client } = this.options;
      const out = budget
        ? await budget.call('secretsmanager:GetSecretValue', (abortSignal) => client.send(command, { abortSignal }))
        : await client.send(command);
      secretString = out.SecretString;
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw error;
      const code = error instanceof Error ? error.name : 'Error';
      throw new WebhookSecretError(`cannot read secret "${secretName}" (${code})`, { cause: error });
    }
    const url = webhookUrlFromSecret(secretString, secretName);
    this.cached = { url, expiresAt: this.now() + this.ttlMs };
    return url;
  }
}

/**
 * The secret holds the webhook URL itself, or JSON with a `webhookUrl`, `url` or `webhook_url` field (the shapes
 * people store from the Slack app page or from other tools).
 */
export function webhookUrlFromSecret(secretString: string | undefined, secretName: string): string {
  if (secretString === undefined || secretString.trim() === '') {
    throw new WebhookSecretError(`secret "${secretName}" has no string value (binary secrets are not supported)`);
  }
  let candidate: unknown = secretString.trim();
  if (secretString.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(secretString);
    } catch {
      // The cause would quote the secret, so it is not attached.
      throw new WebhookSecretError(`secret "${secretName}" looks like JSON but does not parse`);
    }
    const fields = (parsed ?? {}) as Record<string, unknown>;
    candidate = fields.webhookUrl ?? fields.url ?? fields.webhook_url;
  }
  if (typeof candidate !== 'string') {
    throw new WebhookSecretError(`secret "${secretName}" has no webhookUrl, url or webhook_url field`);
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new WebhookSecretError(`secret "${secretName}" does not hold a URL`);
  }
  // The URL carries a credential in its path: never send it in clear text.
  if (url.protocol !== 'https:') throw new WebhookSecretError(`secret "${secretName}" holds a non-https URL`);
  return url.toString();
}
