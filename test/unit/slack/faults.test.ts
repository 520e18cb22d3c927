/**
 * The forwarder's outbound calls against real loopback HTTP: a webhook that redirects, one that answers 200 without
 * Slack's `ok`, one that never answers or answers late, and a Secrets Manager that hangs, through the real
 * handler (SDK client, global fetch, Powertools output).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DeadlineExceededError, InvocationBudget, SECRETS_MANAGER_TIMEOUTS, sdkClientOptions } from '../../../lambda/adapters';
import { postToSlack, SlackPostError } from '../../../lambda/slack/post';
import { WebhookSecretError, WebhookUrlSource } from '../../../lambda/slack/webhook-secret';
import { type SlowServer, startSlowServer } from '../../support/slow-server';
import { sampleAlert, snsDefaultMessage, snsEvent } from './fixtures';

interface Seen {
  readonly method: string;
  readonly path: string;
}

/** A webhook whose answers are scripted per request; every request (method and path) is recorded. */
interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

async function scriptedWebhook(answer: (req: IncomingMessage, index: number) => Answer) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '' });
      const { status, body = '', headers = {} } = answer(req, seen.length - 1);
      res.writeHead(status, headers);
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/services/T0/B0/secret`,
    base,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const payload = { text: 'alert' };
const fast = { sleep: async () => undefined, random: () => 0 };

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('Slack webhook: only 200 "ok" is success, redirects are never followed', () => {
  it.each([301, 302, 303, 307, 308])('fails a %i without following it, posting nothing anywhere else', async (status) => {
    const hook = await scriptedWebhook((_req, i) =>
      i === 0 ? { status, headers: { location: '/elsewhere' }, body: '' } : { status: 200, body: 'ok' },
    );
    try {
      const error = await rejection(postToSlack(hook.url, payload, fast));
      expect(error).toBeInstanceOf(SlackPostError);
      expect(error).toMatchObject({ status, retryable: false, attempts: 1 });
      expect(error.message).toContain('a redirect, not followed');
      expect(hook.seen).toEqual([{ method: 'POST', path: '/services/T0/B0/secret' }]);
    } finally {
      await hook.close();
    }
  });

  it.each([
    ['an empty 200', 200, ''],
    ['a 200 HTML page', 200, '<html>login</html>'],
    ['a 204', 204, ''],
    ['a 202 "ok"', 202, 'ok'],
  ])('fails %s: not Slack answering', async (_case, status, body) => {
    const hook = await scriptedWebhook(() => ({ status, body }));
    try {
      const error = await rejection(postToSlack(hook.url, payload, fast));
      expect(error).toMatchObject({ name: 'SlackPostError', status, retryable: false });
      expect(hook.seen).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });

  it('succeeds on 200 "ok"', async () => {
    const hook = await scriptedWebhook(() => ({ status: 200, body: 'ok' }));
    try {
      await expect(postToSlack(hook.url, payload, fast)).resolves.toBe(1);
    } finally {
      await hook.close();
    }
  });
});

describe('Slack webhook: enforced timeouts', () => {
  let slow: SlowServer | undefined;
  afterEach(async () => {
    await slow?.close();
    slow = undefined;
  });

  // Three attempts cut at 200 ms each take ~0.6 s; the budget leaves a loaded machine seconds of slack, so only the
  // attempt timeout, never the budget, can end an attempt (the server answers 10x later than the attempt timeout).
  it.each([
    ['never answers', undefined],
    ['answers after the attempt timeout', 2_000],
  ])('retries a webhook that %s, then fails inside its budget', async (_case, delayMs) => {
    slow = await startSlowServer(delayMs === undefined ? {} : { delayMs, answer: (_q, r) => r.end('ok') });
    const budgetMs = 4_000;
    const started = Date.now();
    const error = await rejection(
      postToSlack(`${slow.url}/services/x`, payload, { attemptTimeoutMs: 200, budgetMs, maxAttempts: 3, baseDelayMs: 10, random: () => 0.5 }),
    );
    expect(error).toMatchObject({ name: 'SlackPostError', retryable: true, status: undefined });
    expect(error.message).toMatch(/TimeoutError/);
    expect(error.message).toMatch(/gave up after 3 attempts/);
    expect(slow.requests()).toBe(3);
    expect(Date.now() - started).toBeLessThan(budgetMs);
  }, 15_000);

  it('ends with DeadlineExceededError when the invocation budget runs out first', async () => {
    slow = await startSlowServer();
    const budget = new InvocationBudget({ reserveMs: 0 });
    budget.startWithMs(300);
    const error = await rejection(postToSlack(`${slow.url}/services/x`, payload, { invocationBudget: budget }));
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toContain('slack:PostWebhook cut off');
  });
});

describe('Secrets Manager: enforced timeouts', () => {
  let slow: SlowServer | undefined;
  afterEach(async () => {
    await slow?.close();
    slow = undefined;
  });

  const client = (endpoint: string) =>
    new SecretsManagerClient({
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      ...sdkClientOptions({ ...SECRETS_MANAGER_TIMEOUTS, requestTimeoutMs: 300, maxAttempts: 1 }),
    });

  it('fails a read that gets no answer with WebhookSecretError caused by a TimeoutError', async () => {
    slow = await startSlowServer();
    const source = new WebhookUrlSource({ client: client(slow.url), secretName: 'slack' });
    const error = await rejection(source.get());
    expect(error).toBeInstanceOf(WebhookSecretError);
    expect(error.message).toBe('cannot read secret "slack" (TimeoutError)');
  });

  it('cuts a read off at the invocation deadline', async () => {
    slow = await startSlowServer();
    const budget = new InvocationBudget({ reserveMs: 0 });
    const source = new WebhookUrlSource({
      client: new SecretsManagerClient({
        region: 'eu-west-1',
        endpoint: slow.url,
        credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
        ...sdkClientOptions({ connectionTimeoutMs: 5_000, requestTimeoutMs: 20_000, maxAttempts: 2 }),
      }),
      secretName: 'slack',
      budget,
    });
    // Time enough for the SDK to build, sign and send the request even on a loaded machine; still a twentieth of
    // the request's own 20 s timeout.
    budget.startWithMs(1_000);
    const error = await rejection(source.get());
    expect(error).toMatchObject({ name: 'DeadlineExceededError', operation: 'secretsmanager:GetSecretValue' });
    // The real SDK request did reach the endpoint, once: the deadline came before its own timeout.
    expect(slow.requests()).toBe(1);
  });
});

describe('forwarder handler: budget from the invocation context', () => {
  const saved = { ...process.env };
  let slow: SlowServer | undefined;
  afterEach(async () => {
    process.env = { ...saved };
    await slow?.close();
    slow = undefined;
  });

  it('ends before the function timeout when Secrets Manager hangs, with a log line and a metric', async () => {
    slow = await startSlowServer();
    Object.assign(process.env, {
      SLACK_WEBHOOK_SECRET_NAME: 'ftp-bounce-watch/slack',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: slow.url,
    });
    delete process.env.AWS_PROFILE;
    let handler: ((event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<void>) | undefined;
    jest.isolateModules(() => {
      handler = jest.requireActual<typeof import('../../../lambda/slack/forwarder')>('../../../lambda/slack/forwarder').handler;
    });
    const written: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }),
    );
    const started = Date.now();
    let error: unknown;
    try {
      // 3.8 s left; 3 s kept back: the calls get 0.8 s, far less than the SDK's 2 x 5 s of attempts.
      await handler?.(snsEvent(snsDefaultMessage(sampleAlert())), { getRemainingTimeInMillis: () => 3_800 });
    } catch (e) {
      error = e;
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Ended before the function's timeout (the 3.8 s the context reported), not after the SDK's 10 s of attempts.
    expect(Date.now() - started).toBeLessThan(3_800);
    expect(error).toMatchObject({ name: 'DeadlineExceededError', operation: 'secretsmanager:GetSecretValue' });
    const lines = written.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.message === 'outbound call cut off by the invocation deadline')).toHaveLength(1);
    expect(lines.find((l) => 'DeadlineExceeded' in l)).toMatchObject({ DeadlineExceeded: 1 });
  }, 15_000);
});
