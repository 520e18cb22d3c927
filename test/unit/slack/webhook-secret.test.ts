import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { WebhookSecretError, WebhookUrlSource, webhookUrlFromSecret } from '../../../lambda/slack/webhook-secret';
import { WEBHOOK_SECRET_PART, WEBHOOK_URL } from './fixtures';

const secretsMock = mockClient(SecretsManagerClient);
const SECRET_NAME = 'ftp-bounce-watch/slack';

function source(now: () => number = () => 0, ttlMs = 60_000): WebhookUrlSource {
  return new WebhookUrlSource({ client: new SecretsManagerClient({ region: 'eu-west-1' }), secretName: SECRET_NAME, ttlMs, now });
}

async function secretError(promise: Promise<unknown>): Promise<WebhookSecretError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WebhookSecretError) return error;
    throw error;
  }
  throw new Error('expected a WebhookSecretError');
}

beforeEach(() => {
  secretsMock.reset();
});

describe('WebhookUrlSource', () => {
  it('reads the secret by name once and serves the cached URL until the TTL ends', async () => {
    secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_NAME }).resolves({ SecretString: WEBHOOK_URL });
    let t = 0;
    const urls = source(() => t, 1000);
    await expect(urls.get()).resolves.toBe(WEBHOOK_URL);
    t = 999;
    await expect(urls.get()).resolves.toBe(WEBHOOK_URL);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    t = 1000;
    await expect(urls.get()).resolves.toBe(WEBHOOK_URL);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: WEBHOOK_URL });
    const urls = source();
    await expect(Promise.all([urls.get(), urls.get(), urls.get()])).resolves.toEqual([WEBHOOK_URL, WEBHOOK_URL, WEBHOOK_URL]);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('re-reads after invalidate (a rotated webhook)', async () => {
    const rotated = 'https://hooks.slack.com/services/T0123ABCD/B0123ABCD/rotated';
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: WEBHOOK_URL }).resolves({ SecretString: rotated });
    const urls = source();
    await expect(urls.get()).resolves.toBe(WEBHOOK_URL);
    urls.invalidate();
    await expect(urls.get()).resolves.toBe(rotated);
  });

  it('names the secret and the AWS error, and retries on the next call', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: WEBHOOK_URL });
    const urls = source();
    const error = await secretError(urls.get());
    expect(error.message).toBe('cannot read secret "ftp-bounce-watch/slack" (ResourceNotFoundException)');
    expect(error.cause).toBeInstanceOf(ResourceNotFoundException);
    await expect(urls.get()).resolves.toBe(WEBHOOK_URL);
  });

  it('rejects a secret without a usable URL and does not cache it', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'http://hooks.slack.com/services/T/B/plain' });
    const urls = source();
    await expect(urls.get()).rejects.toThrow(WebhookSecretError);
    await expect(urls.get()).rejects.toThrow(WebhookSecretError);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('webhookUrlFromSecret', () => {
  it.each([
    ['the plain URL', WEBHOOK_URL],
    ['the plain URL with a newline', `${WEBHOOK_URL}\n`],
    ['JSON webhookUrl', JSON.stringify({ webhookUrl: WEBHOOK_URL })],
    ['JSON url', JSON.stringify({ url: WEBHOOK_URL })],
    ['JSON webhook_url', JSON.stringify({ webhook_url: WEBHOOK_URL, channel: '#x' })],
  ])('accepts %s', (_name, secret) => {
    expect(webhookUrlFromSecret(secret, SECRET_NAME)).toBe(WEBHOOK_URL);
  });

  it.each([
    ['no string value', undefined, /has no string value/],
    ['an empty string', '  ', /has no string value/],
    ['broken JSON', `{"webhookUrl": "${WEBHOOK_URL}"`, /looks like JSON but does not parse/],
    ['JSON without a URL field', JSON.stringify({ token: WEBHOOK_SECRET_PART }), /has no webhookUrl, url or webhook_url field/],
    ['not a URL', WEBHOOK_SECRET_PART, /does not hold a URL/],
    ['a plain-http URL', WEBHOOK_URL.replace('https:', 'http:'), /holds a non-https URL/],
  ])('rejects %s without quoting the secret', (_name, secret, pattern) => {
    let caught: unknown;
    try {
      webhookUrlFromSecret(secret, SECRET_NAME);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WebhookSecretError);
    const error = caught as WebhookSecretError;
    expect(error.message).toMatch(pattern);
    expect(error.message).toContain(SECRET_NAME);
    expect(error.message).not.toContain(WEBHOOK_SECRET_PART);
    expect(error.cause).toBeUndefined();
  });
});
