import { encodeSubscriptionEvent } from '../../lambda/awslogs';
import { KinesisEventError, processKinesisEvent } from '../../lambda/kinesis';
import type { PipelineDeps } from '../../lambda/pipeline';

const REFUSAL =
  'Jun  3 02:14:07 ftp1 proftpd[20311]: ftp.example.com (scan.example.net[198.51.100.23]) - '
  + 'Refused PORT 203,0,113,7,0,25 (port 25 below 1024, possible bounce attack)';

function record(sequenceNumber: string, data: string) {
  return { kinesis: { sequenceNumber, data, partitionKey: 'p' } };
}
function payload(owner: string): string {
  return encodeSubscriptionEvent({
    messageType: 'DATA_MESSAGE',
    owner,
    logGroup: '/ftp',
    logStream: 's',
    subscriptionFilters: ['f'],
    logEvents: [{ id: '1', timestamp: Date.UTC(2025, 5, 3), message: REFUSAL }],
  }).awslogs.data;
}

function deps(published: string[][]): PipelineDeps {
  return {
    publisher: {
      publish: async (messages) => {
        published.push(messages.map((m) => (JSON.parse(m.message) as { default: string }).default));
      },
    },
    region: 'eu-west-1',
    maxDecompressedBytes: 1 << 20,
    logger: { debug: () => undefined },
    metrics: { count: () => undefined },
  };
}

describe('processKinesisEvent', () => {
  it.each([
    ['every record good', ['a', 'b', 'c'], [], 3],
    ['the first bad', ['!', 'b', 'c'], ['1'], 0],
    ['a bad one in the middle', ['a', '!', 'c'], ['2'], 1],
    ['the last bad', ['a', 'b', '!'], ['3'], 2],
  ])('%s: reports the first failed record only and processes the ones before it', async (_, shape, failed, processed) => {
    const published: string[][] = [];
    const records = shape.map((s, i) => record(String(i + 1), s === '!' ? 'bm90IGd6aXA=' : payload(`11111111111${i}`)));
    const outcome = await processKinesisEvent({ Records: records }, deps(published));
    expect(outcome.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(failed);
    expect(outcome.summaries).toHaveLength(processed);
    expect(published).toHaveLength(processed);
    expect(outcome.deferred).toBe(failed.length === 0 ? 0 : shape.length - Number(failed[0]));
  });

  it('gives each alert the account of its own payload', async () => {
    const published: string[][] = [];
    await processKinesisEvent({ Records: [record('1', payload('111111111111')), record('2', payload('222222222222'))] }, deps(published));
    expect(published.flat().map((a) => (JSON.parse(a) as { account: string }).account)).toEqual(['111111111111', '222222222222']);
  });

  it.each([
    ['no Records', {}],
    ['a record without data', { Records: [{ kinesis: { sequenceNumber: '1' } }] }],
    ['a record without sequence number', { Records: [{ kinesis: { data: 'x' } }] }],
    ['null', null],
  ])('rejects %s as not a Kinesis event', async (_, event) => {
    await expect(processKinesisEvent(event, deps([]))).rejects.toThrow(KinesisEventError);
  });
});
