import {
  NotFoundException,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  SNSClient,
  TooManyEntriesInBatchRequestException,
} from '@aws-sdk/client-sns';
import { AlertPublishError, type SnsAlertMessage, SnsAlertPublisher } from '../../lambda/adapters';
import { type LocalSnsServer, startLocalSnsServer } from '../../scripts/local-sns/server';

// The loopback server is only useful if it behaves like SNS towards the real SDK: these tests drive it with
// the real SNSClient over HTTP.
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts';

let server: LocalSnsServer;
let client: SNSClient;

beforeAll(async () => {
  server = await startLocalSnsServer({ topicArn: TOPIC });
  client = new SNSClient({
    region: 'eu-west-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await server.close();
});

const message = (subject: string, body: Record<string, string> = { default: '{}' }): SnsAlertMessage => ({
  subject,
  message: JSON.stringify(body),
  messageStructure: 'json',
  messageAttributes: { ruleId: '11209', logGroup: '/ftp/a & b' },
});

const entry = (id: string): PublishBatchRequestEntry => ({ Id: id, Message: 'm' });

const publisher = () => new SnsAlertPublisher(client, TOPIC, { maxAttempts: 2, sleep: async () => undefined });

describe('local SNS server', () => {
  it('decodes entries exactly as the SDK encoded them', async () => {
    const before = server.published.length;
    const body = { default: '{"a":"x & y <z>"}', email: 'Grüße\nline 2', https: '{}' };

    await publisher().publish([message('[HIGH] ünïcödé & <subject>', body)]);

    expect(server.published.slice(before)).toEqual([
      expect.objectContaining({
        topicArn: TOPIC,
        id: 'alert-0',
        subject: '[HIGH] ünïcödé & <subject>',
        messageStructure: 'json',
        message: JSON.stringify(body),
        messageAttributes: {
          ruleId: { DataType: 'String', StringValue: '11209' },
          logGroup: { DataType: 'String', StringValue: '/ftp/a & b' },
        },
        outcome: 'published',
      }),
    ]);
  });

  it.each([
    ['a subject of 100 characters', message('x'.repeat(100))],
    ['a subject with a line break', message('two\nlines')],
    ['a json message without default', message('ok', { email: 'no default' })],
    ['a json message that is not JSON', { ...message('ok'), message: 'not json' }],
    ['an empty attribute value', { ...message('ok'), messageAttributes: { ruleId: '' } }],
  ])('answers %s as a failed entry with SenderFault, as SNS does', async (_label, bad) => {
    const error = await publisher()
      .publish([bad])
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    expect(error).toBeInstanceOf(AlertPublishError);
    expect((error as AlertPublishError).failures).toMatchObject([{ code: 'InvalidParameter', senderFault: true }]);
  });

  it('accepts a subject of 99 characters', async () => {
    await expect(publisher().publish([message('x'.repeat(99))])).resolves.toBeUndefined();
  });

  it('refuses more than ten entries in one request', async () => {
    const entries = Array.from({ length: 11 }, (_, i) => entry(`e${i}`));

    await expect(
      client.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: entries })),
    ).rejects.toBeInstanceOf(TooManyEntriesInBatchRequestException);
  });

  it('refuses duplicate entry ids and batches over 256 KiB', async () => {
    const send = (entries: PublishBatchRequestEntry[]) =>
      client.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: entries }));

    await expect(send([entry('a'), entry('a')])).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinctException' });
    await expect(
      send([
        { Id: 'a', Message: 'x'.repeat(150_000) },
        { Id: 'b', Message: 'x'.repeat(150_000) },
      ]),
    ).rejects.toMatchObject({ name: 'BatchRequestTooLongException' });
  });

  it('answers NotFound for another topic', async () => {
    await expect(
      client.send(new PublishBatchCommand({ TopicArn: `${TOPIC}-other`, PublishBatchRequestEntries: [entry('a')] })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });

  it('implements PublishBatch only', async () => {
    await expect(client.send(new PublishCommand({ TopicArn: TOPIC, Message: 'm' }))).rejects.toMatchObject({
      message: expect.stringContaining('PublishBatch only'),
    });
  });

  it('fails scripted entries the given number of times, then accepts them', async () => {
    server.failEntries((e) => e.subject === 'flaky', 2, { code: 'KMSThrottling' });
    const before = server.received.length;

    await new SnsAlertPublisher(client, TOPIC, { maxAttempts: 3, sleep: async () => undefined }).publish([
      message('flaky'),
      message('steady'),
    ]);

    expect(server.received.slice(before).map((e) => [e.subject, e.outcome])).toEqual([
      ['flaky', { code: 'KMSThrottling', senderFault: false }],
      ['steady', 'published'],
      ['flaky', { code: 'KMSThrottling', senderFault: false }],
      ['flaky', 'published'],
    ]);
  });

  it('answers scripted requests with an HTTP error the SDK understands', async () => {
    server.failRequests(1, { status: 400, code: 'Throttling', message: 'Rate exceeded' });

    await expect(
      client.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: [entry('a')] })),
    ).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
  });
});
