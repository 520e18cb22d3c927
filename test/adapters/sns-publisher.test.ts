import {
  NotFoundException,
  PublishBatchCommand,
  type PublishBatchCommandInput,
  type PublishBatchCommandOutput,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AlertPublishError,
  type SnsAlertMessage,
  SnsAlertPublisher,
  type SnsAlertPublisherOptions,
} from '../../lambda/adapters';
import { SNS_MAX_PAYLOAD_BYTES, snsPayloadBytes as payloadBytes } from '../../lambda/alerts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ftp-bounce-watch-alerts';
const sns = mockClient(SNSClient);

function alertMessage(index: number, padding = 0): SnsAlertMessage {
  const alert = { ruleId: '11209', srcIp: `198.51.100.${index}`, count: 1, padding: 'x'.repeat(padding) };
  return {
    subject: `[HIGH] FTP PORT to third party 203.0.113.7:25 refused for 198.51.100.${index} on ftp.example.com`,
    message: JSON.stringify({ default: JSON.stringify(alert), email: `alert ${index}`, https: '{}' }),
    messageStructure: 'json',
    messageAttributes: {
      ruleId: '11209',
      severity: 'high',
      classification: 'foreign-public-target',
      logGroup: '/ftp/proftpd',
    },
  };
}

const alerts = (n: number, padding = 0) => Array.from({ length: n }, (_, i) => alertMessage(i, padding));

/** Accepts every entry, except the ids `refuse` returns a failure for. */
function answer(
  refuse: (id: string) => { Code: string; SenderFault: boolean } | undefined = () => undefined,
): (input: PublishBatchCommandInput) => PublishBatchCommandOutput {
  return (input) => {
    const entries = input.PublishBatchRequestEntries ?? [];
    const Successful: { Id: string; MessageId: string }[] = [];
    const Failed: { Id: string; Code: string; Message: string; SenderFault: boolean }[] = [];
    for (const entry of entries) {
      const id = entry.Id ?? '';
      const failure = refuse(id);
      if (failure) Failed.push({ Id: id, Message: `${failure.Code} for ${id}`, ...failure });
      else Successful.push({ Id: id, MessageId: `msg-${id}` });
    }
    return { Successful, Failed, $metadata: { httpStatusCode: 200 } };
  };
}

const calls = () => sns.commandCalls(PublishBatchCommand).map((call) => call.args[0].input);
const idsPerCall = () => calls().map((input) => (input.PublishBatchRequestEntries ?? []).map((e) => e.Id));

function publisher(options: SnsAlertPublisherOptions = {}) {
  const sleeps: number[] = [];
  const retries: number[] = [];
  const instance = new SnsAlertPublisher(new SNSClient({ region: 'eu-west-1' }), TOPIC, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onRetry: (info) => retries.push(info.entries),
    ...options,
  });
  return { instance, sleeps, retries };
}

async function publishError(promise: Promise<void>): Promise<AlertPublishError> {
  const error = await promise.then(
    () => {
      throw new Error('expected publish to reject');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AlertPublishError);
  return error as AlertPublishError;
}

beforeEach(() => {
  sns.reset();
});

describe('SnsAlertPublisher', () => {
  it('sends one PublishBatch with json structure, subject and String attributes', async () => {
    sns.on(PublishBatchCommand).callsFake(answer());
    const { instance } = publisher();
    const messages = alerts(3);

    await instance.publish(messages);

    expect(calls()).toHaveLength(1);
    const input = calls()[0];
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.PublishBatchRequestEntries).toEqual(
      messages.map((m, i) => ({
        Id: `alert-${i}`,
        Message: m.message,
        Subject: m.subject,
        MessageStructure: 'json',
        MessageAttributes: {
          ruleId: { DataType: 'String', StringValue: '11209' },
          severity: { DataType: 'String', StringValue: 'high' },
          classification: { DataType: 'String', StringValue: 'foreign-public-target' },
          logGroup: { DataType: 'String', StringValue: '/ftp/proftpd' },
        },
      })),
    );
  });

  it('does not call SNS for an empty list', async () => {
    const { instance } = publisher();

    await instance.publish([]);

    expect(calls()).toHaveLength(0);
  });

  it('chunks by count: at most 10 entries per request, ids unique across the call', async () => {
    sns.on(PublishBatchCommand).callsFake(answer());
    const { instance } = publisher();

    await instance.publish(alerts(23));

    expect(idsPerCall().map((ids) => ids.length)).toEqual([10, 10, 3]);
    expect(new Set(idsPerCall().flat()).size).toBe(23);
  });

  it('chunks by size: no request carries more than 256 KiB', async () => {
    sns.on(PublishBatchCommand).callsFake(answer());
    const { instance } = publisher();
    const messages = alerts(5, 100_000);

    await instance.publish(messages);

    expect(idsPerCall()).toEqual([['alert-0', 'alert-1'], ['alert-2', 'alert-3'], ['alert-4']]);
    for (const input of calls()) {
      const bytes = (input.PublishBatchRequestEntries ?? []).reduce(
        (sum, e) => sum + payloadBytes(messages[Number(e.Id?.slice(6))] as SnsAlertMessage),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(SNS_MAX_PAYLOAD_BYTES);
    }
  });

  it('fills a request up to exactly 256 KiB', async () => {
    sns.on(PublishBatchCommand).callsFake(answer());
    const { instance } = publisher();
    const half = alertMessage(0);
    const filler = SNS_MAX_PAYLOAD_BYTES / 2 - payloadBytes(half);
    const messages = [alertMessage(0, filler), alertMessage(1, filler), alertMessage(2)];
    expect(payloadBytes(messages[0] as SnsAlertMessage) * 2).toBe(SNS_MAX_PAYLOAD_BYTES);

    await instance.publish(messages);

    expect(idsPerCall()).toEqual([['alert-0', 'alert-1'], ['alert-2']]);
  });

  it('retries only the entries SNS reported as failed, then resolves', async () => {
    let round = 0;
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      round++;
      return answer((id) =>
        round === 1 && (id === 'alert-1' || id === 'alert-4')
          ? { Code: 'InternalError', SenderFault: false }
          : undefined,
      )(input);
    });
    const { instance, sleeps, retries } = publisher({ baseDelayMs: 100 });

    await instance.publish(alerts(5));

    expect(idsPerCall()).toEqual([
      ['alert-0', 'alert-1', 'alert-2', 'alert-3', 'alert-4'],
      ['alert-1', 'alert-4'],
    ]);
    expect(retries).toEqual([2]);
    expect(sleeps).toEqual([75]);
  });

  it('throws AlertPublishError naming what stayed unpublished after maxAttempts', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake(
        answer((id) => (id === 'alert-2' ? { Code: 'InternalError', SenderFault: false } : undefined)),
      );
    const { instance, sleeps } = publisher({ maxAttempts: 4, baseDelayMs: 100, random: () => 0.999 });
    const messages = alerts(3);

    const error = await publishError(instance.publish(messages));

    expect(idsPerCall()).toEqual([['alert-0', 'alert-1', 'alert-2'], ['alert-2'], ['alert-2'], ['alert-2']]);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(error.name).toBe('AlertPublishError');
    expect(error.total).toBe(3);
    expect(error.failures).toEqual([
      {
        id: 'alert-2',
        subject: messages[2]?.subject,
        code: 'InternalError',
        message: 'InternalError for alert-2',
        senderFault: false,
      },
    ]);
    expect(error.message).toContain('1 of 3 alerts not published');
    expect(error.message).toContain('alert-2');
    expect(error.message).toContain('InternalError');
    expect(error.message).not.toMatch(/\n/);
  });

  it('caps backoff at maxDelayMs', async () => {
    sns.on(PublishBatchCommand).callsFake(answer(() => ({ Code: 'InternalError', SenderFault: false })));
    const { instance, sleeps } = publisher({
      maxAttempts: 6,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => 0,
    });

    await publishError(instance.publish(alerts(1)));

    expect(sleeps).toEqual([50, 100, 150, 150, 150]);
  });

  it('does not retry entries SNS blames on the sender, but still publishes the rest', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake(
        answer((id) => (id === 'alert-0' ? { Code: 'InvalidParameter', SenderFault: true } : undefined)),
      );
    const { instance, sleeps } = publisher();

    const error = await publishError(instance.publish(alerts(2)));

    expect(calls()).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error.failures).toMatchObject([{ id: 'alert-0', code: 'InvalidParameter', senderFault: true }]);
  });

  it('retries an entry whose KMS key was throttled although SNS flags it as a sender fault', async () => {
    let throttled = 2;
    sns.on(PublishBatchCommand).callsFake(
      answer((id) => (id === 'alert-3' && throttled-- > 0 ? { Code: 'KMSThrottling', SenderFault: true } : undefined)),
    );
    const { instance, retries } = publisher();

    await instance.publish(alerts(12));

    expect(idsPerCall()).toEqual([
      ['alert-0', 'alert-1', 'alert-2', 'alert-3', 'alert-4', 'alert-5', 'alert-6', 'alert-7', 'alert-8', 'alert-9'],
      ['alert-10', 'alert-11'],
      ['alert-3'],
      ['alert-3'],
    ]);
    expect(retries).toEqual([1, 1]);
  });

  it('retries a throttled request and then resolves', async () => {
    sns
      .on(PublishBatchCommand)
      .rejectsOnce(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }))
      .callsFake(answer());
    const { instance, retries } = publisher();

    await instance.publish(alerts(12));

    expect(idsPerCall().map((ids) => ids.length)).toEqual([10, 2, 10]);
    expect(retries).toEqual([10]);
  });

  it('retries a network error and then resolves', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    sns.on(PublishBatchCommand).rejectsOnce(reset).callsFake(answer());
    const { instance } = publisher();

    await instance.publish(alerts(2));

    expect(idsPerCall()).toEqual([
      ['alert-0', 'alert-1'],
      ['alert-0', 'alert-1'],
    ]);
  });

  it('reports a persistent network error with its code and keeps it as cause', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    sns.on(PublishBatchCommand).rejects(refused);
    const { instance } = publisher({ maxAttempts: 3 });

    const error = await publishError(instance.publish(alerts(2)));

    expect(calls()).toHaveLength(3);
    expect(error.failures.map((f) => f.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(error.cause).toBe(refused);
  });

  it('does not retry a request SNS refuses as a client fault', async () => {
    sns
      .on(PublishBatchCommand)
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: {} }));
    const { instance } = publisher();

    const error = await publishError(instance.publish(alerts(2)));

    expect(calls()).toHaveLength(1);
    expect(error.failures).toMatchObject([
      { id: 'alert-0', code: 'NotFoundException', senderFault: true },
      { id: 'alert-1', code: 'NotFoundException', senderFault: true },
    ]);
  });

  it('does not retry when no credentials could be found', async () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    sns.on(PublishBatchCommand).rejects(noCredentials);
    const { instance, sleeps } = publisher();

    const error = await publishError(instance.publish(alerts(1)));

    expect(calls()).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error.failures).toMatchObject([{ id: 'alert-0', code: 'CredentialsProviderError', senderFault: true }]);
  });

  it('retries entries the response does not mention', async () => {
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({ Successful: [{ Id: 'alert-0', MessageId: 'm0' }], Failed: [] })
      .callsFake(answer());
    const { instance } = publisher();

    await instance.publish(alerts(2));

    expect(idsPerCall()).toEqual([['alert-0', 'alert-1'], ['alert-1']]);
  });

  it('refuses a message over 256 KiB without sending it, after publishing the others', async () => {
    sns.on(PublishBatchCommand).callsFake(answer());
    const { instance } = publisher();

    const error = await publishError(
      instance.publish([alertMessage(0), alertMessage(1, SNS_MAX_PAYLOAD_BYTES)]),
    );

    expect(idsPerCall()).toEqual([['alert-0']]);
    expect(error.failures).toMatchObject([{ id: 'alert-1', code: 'MessageTooLong', senderFault: true }]);
  });

  it('keeps the error message on one line whatever the subjects and SNS messages hold', async () => {
    sns.on(PublishBatchCommand).resolves({
      Failed: [{ Id: 'alert-0', Code: 'InternalError', Message: 'line one\nline two', SenderFault: true }],
    });
    const { instance } = publisher();

    const error = await publishError(instance.publish([{ ...alertMessage(0), subject: 'evil\r\nsubject' }]));

    expect(error.message).not.toMatch(/[\r\n]/);
    expect(error.message).toContain('"evil subject"');
  });

  it('lists at most five failures in the message and counts the rest', async () => {
    sns.on(PublishBatchCommand).callsFake(answer(() => ({ Code: 'KMSDisabled', SenderFault: true })));
    const { instance } = publisher();

    const error = await publishError(instance.publish(alerts(8)));

    expect(error.failures).toHaveLength(8);
    expect(error.message).toContain('8 of 8 alerts');
    expect(error.message).toContain('and 3 more');
  });

  it('rejects a nonsensical maxAttempts at construction', () => {
    expect(() => publisher({ maxAttempts: 0 })).toThrow(RangeError);
  });
});
