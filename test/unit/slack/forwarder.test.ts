import { renderSlackMessage } from '../../../lambda/alerts';
import { AlertMessageError } from '../../../lambda/slack/alert-message';
import {
  createForwarder,
  ForwarderConfigError,
  ForwarderEventError,
  type ForwarderLogger,
} from '../../../lambda/slack/forwarder';
import { type FetchLike, SlackPostError } from '../../../lambda/slack/post';
import { REFUSAL_LINE, sampleAlert, snsDefaultMessage, snsEvent, WEBHOOK_SECRET_PART, WEBHOOK_URL } from './fixtures';

interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly extra: Record<string, unknown>;
}

function harness(answers: Array<Response | Error>) {
  const logs: LogEntry[] = [];
  const logger: ForwarderLogger = {
    info: (message, extra) => logs.push({ level: 'info', message, extra }),
    warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
    error: (message, extra) => logs.push({ level: 'error', message, extra }),
  };
  const posts: Array<{ url: string; body: unknown }> = [];
  const fetch: FetchLike = async (url, init) => {
    posts.push({ url, body: JSON.parse(String(init.body)) });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('unexpected extra request');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  let invalidations = 0;
  let reads = 0;
  const webhook = {
    get: async () => {
      reads++;
      return WEBHOOK_URL;
    },
    invalidate: () => {
      invalidations++;
    },
  };
  const forward = createForwarder({
    webhook,
    logger,
    post: { fetch, sleep: async () => undefined, random: () => 0 },
  });
  return { forward, logs, posts, counts: () => ({ invalidations, reads }) };
}

const everythingLogged = (logs: readonly LogEntry[]): string => JSON.stringify(logs);

describe('Slack webhook forwarder', () => {
  it('posts the Block Kit rendering of the alert to the webhook', async () => {
    const alert = sampleAlert();
    const h = harness([new Response('ok', { status: 200 })]);
    await h.forward(snsEvent(snsDefaultMessage(alert)));
    expect(h.posts).toEqual([{ url: WEBHOOK_URL, body: JSON.parse(JSON.stringify(renderSlackMessage(alert))) }]);
    expect(h.logs).toEqual([
      {
        level: 'info',
        message: 'alert posted to Slack',
        extra: { alertId: alert.id, severity: alert.severity, classification: alert.classification, attempts: 1 },
      },
    ]);
    expect(everythingLogged(h.logs)).not.toContain(WEBHOOK_SECRET_PART);
  });

  it('escapes what the attacker controls: no mentions, no links from a log line', async () => {
    const hostile = REFUSAL_LINE.replace('valhalla.example.net', '<!channel>|<https://evil.example|click>');
    const h = harness([new Response('ok', { status: 200 })]);
    await h.forward(snsEvent(snsDefaultMessage(sampleAlert(hostile))));
    const posted = JSON.stringify(h.posts[0]?.body);
    expect(posted).not.toContain('<!channel>');
    expect(posted).not.toContain('<https://evil.example');
  });

  it('retries a throttled post and logs the retry', async () => {
    const h = harness([new Response('', { status: 429, headers: { 'retry-after': '1' } }), new Response('ok')]);
    await h.forward(snsEvent(snsDefaultMessage(sampleAlert())));
    expect(h.posts).toHaveLength(2);
    expect(h.logs.map((l) => [l.level, l.message])).toEqual([
      ['warn', 'retrying Slack post'],
      ['info', 'alert posted to Slack'],
    ]);
    expect(h.logs[0]?.extra).toMatchObject({ attempt: 2, status: 429, delayMs: 1000 });
  });

  it('throws when Slack keeps failing, so Lambda retries and finally keeps the event', async () => {
    const h = harness(Array.from({ length: 5 }, () => new Response('', { status: 503 })));
    await expect(h.forward(snsEvent(snsDefaultMessage(sampleAlert())))).rejects.toThrow(SlackPostError);
    const last = h.logs.at(-1);
    expect(last).toMatchObject({ level: 'error', message: 'alert not posted to Slack' });
    expect(String(last?.extra.error)).toMatch(/^SlackPostError: Slack answered HTTP 503; gave up after 5 attempts$/);
    expect(everythingLogged(h.logs)).not.toContain(WEBHOOK_SECRET_PART);
    expect(h.counts().invalidations).toBe(0);
  });

  it.each([403, 404, 410])('forgets the cached webhook URL when Slack answers %i (it may have been rotated)', async (status) => {
    const h = harness([new Response('no_service', { status })]);
    await expect(h.forward(snsEvent(snsDefaultMessage(sampleAlert())))).rejects.toThrow(SlackPostError);
    expect(h.counts().invalidations).toBe(1);
  });

  it('rejects a message that is not an alert without posting or reading the secret', async () => {
    const h = harness([]);
    await expect(h.forward(snsEvent('test message from the console'))).rejects.toThrow(AlertMessageError);
    expect(h.posts).toEqual([]);
    expect(h.counts().reads).toBe(0);
  });

  it.each([
    ['null', null],
    ['an object without records', {}],
    ['empty records', { Records: [] }],
    ['a CloudWatch Logs event', { awslogs: { data: 'H4sI' } }],
    ['a record without a message', { Records: [{ Sns: {} }] }],
  ])('rejects %s as not an SNS event', async (_name, event) => {
    const h = harness([]);
    await expect(h.forward(event)).rejects.toThrow(ForwarderEventError);
  });
});

describe('forwarder handler', () => {
  const saved = process.env.SLACK_WEBHOOK_SECRET_NAME;
  afterEach(() => {
    if (saved === undefined) delete process.env.SLACK_WEBHOOK_SECRET_NAME;
    else process.env.SLACK_WEBHOOK_SECRET_NAME = saved;
  });

  it('fails with a named configuration error when SLACK_WEBHOOK_SECRET_NAME is missing', async () => {
    delete process.env.SLACK_WEBHOOK_SECRET_NAME;
    // A fresh module instance: the handler wires itself once per container.
    let handler: ((event: unknown) => Promise<void>) | undefined;
    jest.isolateModules(() => {
      handler = jest.requireActual<typeof import('../../../lambda/slack/forwarder')>('../../../lambda/slack/forwarder').handler;
    });
    const error = await (handler as (event: unknown) => Promise<void>)(snsEvent('{}')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe(ForwarderConfigError.name);
    expect((error as Error).message).toBe('SLACK_WEBHOOK_SECRET_NAME is not set');
  });
});
