/**
 * The canary's HMAC key: a secret the stack generates in Secrets Manager, readable only by its own functions.
 * Read once per container and kept an hour (a rotated key is picked up without a deploy; canaries written with the
 * old key within that hour are then detected as refusals, which is loud, not silent). Never logged.
 */
import { GetSecretValueCommand, type GetSecretValueCommandOutput, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { InvocationBudget } from './timeouts';

export class CanaryKeyError extends Error {
  override readonly name = 'CanaryKeyError';
}

const TTL_MS = 60 * 60_000;
/** Shorter keys make a weak HMAC: the stack generates 64 characters. */
const MIN_KEY_BYTES = 32;

export class SecretsManagerCanaryKey {
  private cached?: { readonly key: Uint8Array; readonly expiresAt: number };
  private pending?: Promise<Uint8Array>;

  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    private readonly secretId: string,
    private readonly budget: InvocationBudget = new InvocationBudget(),
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<Uint8Array> {
    if (this.cached !== undefined && this.now() < this.cached.expiresAt) return Promise.resolve(this.cached.key);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(): Promise<Uint8Array> {
    const command = new GetSecretValueCommand({ SecretId: this.secretId });
    let out: GetSecretValueCommandOutput;
    try {
      out = await this.budget.call('secretsmanager:GetSecretValue', (abortSignal) => this.client.send(command, { abortSignal }));
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new CanaryKeyError(`the canary key could not be read from Secrets Manager (${name})`, { cause: error });
    }
    const key = keyFromText(out.SecretString);
    this.cached = { key, expiresAt: this.now() + TTL_MS };
    return key;
  }
}

/** A key from its text (the secret's value, or CANARY_KEY in a local run); refuses a short or missing one. */
export function keyFromText(text: string | undefined): Uint8Array {
  const key = Buffer.from(text ?? '', 'utf8');
  if (key.length < MIN_KEY_BYTES) throw new CanaryKeyError(`the canary key must be at least ${MIN_KEY_BYTES} bytes`);
  return key;
}

/** The key source a configuration names: the stack's secret, or (a local run) the key itself. */
export function canaryKeySource(
  source: { readonly secretArn: string | null; readonly key: string | null },
  client: () => Pick<SecretsManagerClient, 'send'>,
  budget: InvocationBudget,
): { get(): Promise<Uint8Array> } {
  if (source.secretArn !== null) return new SecretsManagerCanaryKey(client(), source.secretArn, budget);
  const key = keyFromText(source.key ?? undefined);
  return { get: () => Promise.resolve(key) };
}
