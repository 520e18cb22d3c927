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

function failingOn(published: string[][], failOwner: string): PipelineDeps {
  const base = deps(published);
  return {
    ...base,
    publisher: {
      publish: async (messages) => {
        if (messages.some((m) => m.message.includes(failOwner))) throw new Error('SNS is down for this one (scripted)');
        await base.publisher.publish(messages);
      },
    },
  };
}

describe('processKinesisEvent', () => {
  it.each([
    // [label, records ('!' poison, 'x' its alerts cannot be published, else good), with a keeper, reported, kept]
    ['every record good', ['a', 'b', 'c'], false, [], []],
    ['the first poisoned, no failure store', ['!', 'b', 'c'], false, ['1'], []],
    ['a poisoned one in the middle, no failure store', ['a', '!', 'c'], false, ['2'], []],
    ['a poisoned one in the middle, kept in the failure store', ['a', '!', 'c'], true, [], ['2']],
    ['two publish failures and a poisoned one', ['x', 'b', '!', 'x', 'e'], true, ['1', '4'], ['3']],
    ['the last poisoned', ['a', 'b', '!'], false, ['3'], []],
  ])('%s: processes every good record and reports or keeps exactly the bad ones', async (_, shape, keeper, reported, keptSeqs) => {
    const published: string[][] = [];
    const owner = (i: number): string => `11111111111${i}`;
    const records = shape.map((s, i) => record(String(i + 1), s === '!' ? 'bm90IGd6aXA=' : payload(s === 'x' ? '999999999999' : owner(i))));
    const kept: string[] = [];
    const base = failingOn(published, '999999999999');
    const keep = async (r: { sequenceNumber: string }): Promise<void> => void kept.push(r.sequenceNumber);
    const withKeeper = keeper ? { ...base, keepPoisonRecord: keep } : base;

    const outcome = await processKinesisEvent({ Records: records }, withKeeper);

    expect(outcome.response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(reported);
    expect(outcome.kept.map((k) => k.sequenceNumber)).toEqual(keptSeqs);
    expect(kept).toEqual(keptSeqs);
    const good = shape.flatMap((s, i) => (s === '!' || s === 'x' ? [] : [owner(i)]));
    expect(published.flat().map((a) => (JSON.parse(a) as { account: string }).account)).toEqual(good);
  });

  it('reports a poisoned record the failure store could not take', async () => {
    const published: string[][] = [];
    const outcome = await processKinesisEvent(
      { Records: [record('1', 'bm90IGd6aXA='), record('2', payload('111111111112'))] },
      { ...deps(published), keepPoisonRecord: async () => Promise.reject(new Error('AccessDenied (scripted)')) },
    );

    expect(outcome.response.batchItemFailures).toEqual([{ itemIdentifier: '1' }]);
    expect(outcome.failures[0]?.error).toEqual(new Error('AccessDenied (scripted)'));
    expect(published).toHaveLength(1);
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
