import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FetchLike, parseRetryAfter, postToSlack, SlackPostError } from '../../../lambda/slack/post';
import { WEBHOOK_SECRET_PART, WEBHOOK_URL } from './fixtures';

interface Call {
  readonly url: string;
  readonly init: RequestInit;
}

/** A scripted fetch: each answer is a Response or an error to reject with. */
function scriptedFetch(answers: Array<Response | Error>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('unexpected extra request');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch, calls };
}

/** A clock that only moves when the code under test sleeps. */
function fakeTime(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_700_000_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

const reply = (status: number, body = '', headers: Record<string, string> = {}): Response =>
  new Response(body, { status, headers });

const payload = { text: 'hello', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] };

async function postError(promise: Promise<unknown>): Promise<SlackPostError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SlackPostError) return error;
    throw error;
  }
  throw new Error('expected a SlackPostError');
}

describe('postToSlack', () => {
  it('POSTs the message as JSON once when Slack answers 200', async () => {
    const { fetch, calls } = scriptedFetch([reply(200, 'ok')]);
    const time = fakeTime();
    await expect(postToSlack(WEBHOOK_URL, payload, { fetch, ...time })).resolves.toBe(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(WEBHOOK_URL);
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.headers).toEqual({ 'content-type': 'application/json; charset=utf-8' });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual(payload);
    expect(calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
    expect(time.slept).toEqual([]);
  });

  it('honours Retry-After on 429', async () => {
    const { fetch, calls } = scriptedFetch([reply(429, 'rate_limited', { 'retry-after': '3' }), reply(200, 'ok')]);
    const time = fakeTime();
    const retries: unknown[] = [];
    const attempts = await postToSlack(WEBHOOK_URL, payload, { fetch, ...time, onRetry: (i) => retries.push(i) });
    expect(attempts).toBe(2);
    expect(calls).toHaveLength(2);
    expect(time.slept).toEqual([3000]);
    expect(retries).toEqual([{ attempt: 2, status: 429, delayMs: 3000 }]);
  });

  it('backs off exponentially with jitter on 5xx and network errors', async () => {
    const { fetch } = scriptedFetch([
      reply(500, 'internal_error'),
      new TypeError('fetch failed'),
      reply(503, ''),
      reply(200, 'ok'),
    ]);
    const time = fakeTime();
    // random() = 0 gives the lower edge of the jitter window: half the exponential delay.
    await expect(postToSlack(WEBHOOK_URL, payload, { fetch, ...time, random: () => 0 })).resolves.toBe(4);
    expect(time.slept).toEqual([250, 500, 1000]);
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [404, 'channel_not_found'],
    [410, 'channel_is_archived'],
  ])('fails at once on HTTP %i (%s), naming Slack\'s answer', async (status, body) => {
    const { fetch, calls } = scriptedFetch([reply(status, body)]);
    const time = fakeTime();
    const error = await postError(postToSlack(WEBHOOK_URL, payload, { fetch, ...time }));
    expect(error).toMatchObject({ name: 'SlackPostError', status, retryable: false, attempts: 1 });
    expect(error.message).toBe(`Slack answered HTTP ${status} "${body}"`);
    expect(calls).toHaveLength(1);
    expect(time.slept).toEqual([]);
  });

  it('gives up after maxAttempts retryable failures', async () => {
    const { fetch, calls } = scriptedFetch(Array.from({ length: 5 }, () => reply(502, 'bad gateway')));
    const time = fakeTime();
    const error = await postError(postToSlack(WEBHOOK_URL, payload, { fetch, ...time, random: () => 0 }));
    expect(error).toMatchObject({ status: 502, retryable: true, attempts: 5 });
    expect(error.message).toMatch(/gave up after 5 attempts/);
    expect(calls).toHaveLength(5);
  });

  it('does not wait past its budget: a long Retry-After fails at once', async () => {
    const { fetch, calls } = scriptedFetch([reply(429, '', { 'retry-after': '60' })]);
    const time = fakeTime();
    const error = await postError(postToSlack(WEBHOOK_URL, payload, { fetch, ...time, budgetMs: 20_000 }));
    expect(error).toMatchObject({ status: 429, retryable: true, attempts: 1 });
    expect(error.message).toMatch(/Retry-After 60000 ms exceeds the budget/);
    expect(calls).toHaveLength(1);
    expect(time.slept).toEqual([]);
  });

  it('stops when the budget is spent by backoff waits', async () => {
    const { fetch, calls } = scriptedFetch(Array.from({ length: 10 }, () => reply(500)));
    const time = fakeTime();
    const error = await postError(
      postToSlack(WEBHOOK_URL, payload, { fetch, ...time, random: () => 0.999, budgetMs: 3000, maxAttempts: 10 }),
    );
    expect(error.message).toMatch(/the retry budget is spent after \d attempts/);
    // Waits of ~500, ~1000 fit in 3 s; the next (~2000) would not.
    expect(calls.length).toBe(3);
    expect(time.slept.reduce((a, b) => a + b, 0)).toBeLessThan(3000);
  });

  it('keeps the cause of a network failure but never the webhook path in its message', async () => {
    const cause = new TypeError('fetch failed');
    const { fetch } = scriptedFetch([cause, cause]);
    const time = fakeTime();
    const error = await postError(postToSlack(WEBHOOK_URL, payload, { fetch, ...time, maxAttempts: 2 }));
    expect(error.status).toBeUndefined();
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('no answer from Slack (TypeError: fetch failed); gave up after 2 attempts');
    expect(`${error.message}${error.stack}`).not.toContain(WEBHOOK_SECRET_PART);
  });

  it('makes a hostile error body printable and short', async () => {
    const { fetch } = scriptedFetch([reply(400, `bad\u0000\u001b[31m${'x'.repeat(300)}`)]);
    const error = await postError(postToSlack(WEBHOOK_URL, payload, { fetch, ...fakeTime() }));
    expect([...error.message].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(error.message.length).toBeLessThan(140);
  });

  describe('against a real HTTP server', () => {
    let server: Server;
    let url: string;
    const seen: Array<{ method: string; type: string | undefined; body: string }> = [];
    let statuses: number[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (chunk: string) => {
          body += chunk;
        });
        req.on('end', () => {
          seen.push({ method: req.method ?? '', type: req.headers['content-type'], body });
          const status = statuses.shift() ?? 200;
          res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {});
          res.end(status === 200 ? 'ok' : 'rate_limited');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T/B/x`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    });

    it('retries a 429 with Retry-After: 0 using the global fetch', async () => {
      statuses = [429, 200];
      await expect(postToSlack(url, payload)).resolves.toBe(2);
      expect(seen).toHaveLength(2);
      expect(seen[1]).toEqual({ method: 'POST', type: 'application/json; charset=utf-8', body: JSON.stringify(payload) });
    });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 1, 0, 0, 0);
  it.each([
    [null, undefined],
    ['5', 5000],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:00:07 GMT', 7000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-3', undefined],
  ])('%p -> %p', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
