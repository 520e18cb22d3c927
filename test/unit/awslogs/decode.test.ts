import { types } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  type DecodedBatch,
  type DecodeOptions,
  decodeSubscriptionEvent,
  encodeSubscriptionEvent,
  type LogsBatch,
  MalformedPayloadError,
  type MalformedReason,
} from '../../../lambda/awslogs';

// Fixtures are built the way CloudWatch Logs builds them: JSON, gzip, base64, wrapped in {awslogs:{data}}.
const REFUSAL =
  'May 29 18:49:42 valhalla proftpd[16661]: valhalla.example (85.103.107.214[85.103.107.214]) - '
  + 'Refused PORT 192,168,1,33,4,83 (address mismatch)';
const ORDINARY =
  'Jun  1 11:51:24 valhalla proftpd[7301]: valhalla.example (81.215.6.178[81.215.6.178]) - '
  + 'Maximum login attempts (3) exceeded';
// Planted in payloads whose errors are checked, to prove messages never quote the payload.
const SECRET = 'do-not-echo-7f3a';

function dataBatch(messages: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/ftp/proftpd',
    logStream: 'i-0abc123/var/log/proftpd/proftpd.log',
    subscriptionFilters: ['ftp-bounce-watch'],
    logEvents: messages.map((message, i) => ({
      id: `3795306213450752000000000000000000000000000000000000000${i}`,
      timestamp: 1_717_000_000_000 + i,
      message,
    })),
    ...extra,
  };
}

const eventOfBytes = (bytes: Buffer) => ({ awslogs: { data: bytes.toString('base64') } });
const eventOfText = (text: string) => eventOfBytes(gzipSync(text));
const eventOf = (payload: unknown) => eventOfText(JSON.stringify(payload));

function decodeError(event: unknown, options?: DecodeOptions): MalformedPayloadError {
  try {
    decodeSubscriptionEvent(event, options);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedPayloadError);
    return error as MalformedPayloadError;
  }
  throw new Error('expected decodeSubscriptionEvent to throw');
}

function expectMalformed(
  event: unknown,
  reason: MalformedReason,
  options?: DecodeOptions,
) {
  const error = decodeError(event, options);
  expect(error.name).toBe('MalformedPayloadError');
  expect(error.reason).toBe(reason);
  expect(error.message).toContain(`(${reason})`);
  expect(error.message).not.toMatch(/[\r\n]/);
  expect(error.message).not.toContain(SECRET);
  return error;
}

describe('decodeSubscriptionEvent: data messages', () => {
  it('returns the header and only the events holding a keyword from a batch in CloudWatch\'s layout', () => {
    const payload = dataBatch([ORDINARY, REFUSAL, ORDINARY, REFUSAL, ORDINARY]);

    const decoded = decodeSubscriptionEvent(eventOf(payload)) as Extract<DecodedBatch, { kind: 'data' }>;

    expect(decoded).toMatchObject({ kind: 'data', candidatesOnly: true, eventCount: 5 });
    const events = payload.logEvents as unknown[];
    expect(decoded.batch).toEqual({ ...payload, logEvents: [events[1], events[3]] });
  });

  it('returns every event, validated, from a batch in another layout', () => {
    const payload = dataBatch([ORDINARY, REFUSAL]);

    const decoded = decodeSubscriptionEvent(eventOfText(JSON.stringify(payload, null, 1))) as Extract<DecodedBatch, { kind: 'data' }>;

    expect(decoded).toMatchObject({ kind: 'data', candidatesOnly: false, eventCount: 2 });
    expect(decoded.batch).toEqual(payload);
  });

  it('reports compressed and decompressed sizes', () => {
    const json = JSON.stringify(dataBatch([REFUSAL]));
    const gz = gzipSync(json);

    const decoded = decodeSubscriptionEvent(eventOfBytes(gz));

    expect(decoded.compressedBytes).toBe(gz.length);
    expect(decoded.decompressedBytes).toBe(Buffer.byteLength(json));
  });

  it('keeps policyLevel from account-level subscription policies', () => {
    const decoded = decodeSubscriptionEvent(
      eventOf(dataBatch([REFUSAL], { policyLevel: 'ACCOUNT_LEVEL_POLICY' })),
    );

    expect(decoded.kind === 'data' && decoded.batch.policyLevel).toBe('ACCOUNT_LEVEL_POLICY');
  });

  it('decodes non-ASCII text exactly and finds a keyword only present in lower case', () => {
    const message = 'Jan  1 00:00:00 hôte proftpd[1]: x (1.2.3.4[1.2.3.4]) - refused port 1,2,3,4,0,21 ✓ 日本';

    const decoded = decodeSubscriptionEvent(eventOf(dataBatch([message])));

    expect(decoded.kind === 'data' && decoded.batch.logEvents[0]?.message).toBe(message);
  });

  it('round-trips what encodeSubscriptionEvent packs', () => {
    const payload = dataBatch([REFUSAL]) as unknown as LogsBatch;

    const decoded = decodeSubscriptionEvent(encodeSubscriptionEvent(payload));

    expect(decoded).toMatchObject({ kind: 'data', batch: payload });
  });
});

describe('decodeSubscriptionEvent: control messages and the fast path', () => {
  it('recognises a CONTROL_MESSAGE', () => {
    const control = {
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [
        {
          id: '',
          timestamp: 1_717_000_000_000,
          message: 'CWL CONTROL MESSAGE: Checking health of destination Lambda.',
        },
      ],
    };

    expect(decodeSubscriptionEvent(eventOf(control)).kind).toBe('control');
  });

  it('skips JSON parsing when no event can hold a refusal', () => {
    const json = JSON.stringify(dataBatch([ORDINARY, ORDINARY, 'sshd[1]: Accepted publickey for admin']));

    const decoded = decodeSubscriptionEvent(eventOfText(json));

    expect(decoded).toEqual({
      kind: 'no-candidates',
      compressedBytes: gzipSync(json).length,
      decompressedBytes: Buffer.byteLength(json),
    });
  });

  it('takes the fast path only on a complete gzip stream', () => {
    const gz = gzipSync(JSON.stringify(dataBatch([ORDINARY])));

    expectMalformed(eventOfBytes(gz.subarray(0, gz.length - 4)), 'truncated');
  });

  it('does not wave arbitrary gzipped text through the fast path', () => {
    expectMalformed(eventOfText(`plain text, not a batch ${SECRET}`), 'not-json');
  });

  it('parses when the keyword is only present as JSON escapes', () => {
    // A journald-JSON event whose producer escaped letters: the outer JSON holds the literal \u00XX text.
    const inner =
      '{"MESSAGE":"x (1.2.3.4[1.2.3.4]) - \\u0052efused PORT 1,2,3,4,0,21","SYSLOG_IDENTIFIER":"proftpd"}';

    expect(decodeSubscriptionEvent(eventOf(dataBatch([inner]))).kind).toBe('data');
  });
});

describe('decodeSubscriptionEvent: malformed payloads', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an array', []],
    ['an object without awslogs', { Records: [] }],
    ['awslogs without data', { awslogs: {} }],
    ['a numeric data field', { awslogs: { data: 42 } }],
  ])('rejects %s as not a subscription event', (_label, event) => {
    expectMalformed(event, 'not-subscription-event');
  });

  it.each([
    ['junk characters', 'H4sI!AAAAAAA'],
    ['a length not a multiple of 4', 'H4sIAAA'],
    ['embedded whitespace', 'H4sI AAAAAAA'],
    ['a line break', 'H4sIAAAA\nAAAA'],
    ['the URL-safe alphabet', 'H4sI-AAA_AAA'],
    ['padding in the middle', 'H4==AAAAAAAA'],
    ['too much padding', 'H4sIA==='],
    ['an empty string', ''],
  ])('rejects base64 with %s', (_label, data) => {
    expectMalformed({ awslogs: { data } }, 'not-base64');
  });

  it('rejects valid base64 of something that is not gzip', () => {
    expectMalformed(eventOfBytes(Buffer.from(JSON.stringify(dataBatch([REFUSAL, SECRET])))), 'not-gzip');
  });

  it('rejects a single byte as not gzip', () => {
    expectMalformed(eventOfBytes(Buffer.from([0x1f])), 'not-gzip');
  });

  it.each([
    ['inside the header', 5],
    ['inside the deflate body', 30],
    ['before the trailer', -4],
  ])('rejects a gzip stream cut %s as truncated', (_label, cut) => {
    const gz = gzipSync(JSON.stringify(dataBatch([REFUSAL, REFUSAL, SECRET])));

    const error = expectMalformed(eventOfBytes(gz.subarray(0, cut)), 'truncated');

    // zlib's errors come from Node's realm, not jest's sandbox, so toBeInstanceOf(Error) cannot be used.
    expect(types.isNativeError(error.cause)).toBe(true);
  });

  it('rejects a gzip stream whose checksum does not match as corrupt', () => {
    const gz = Buffer.from(gzipSync(JSON.stringify(dataBatch([REFUSAL, SECRET]))));
    gz[gz.length - 6] = (gz[gz.length - 6] ?? 0) ^ 0xff;

    expectMalformed(eventOfBytes(gz), 'corrupt-gzip');
  });

  it('rejects trailing garbage after the gzip stream as corrupt', () => {
    const gz = gzipSync(JSON.stringify(dataBatch([REFUSAL])));

    expectMalformed(eventOfBytes(Buffer.concat([gz, Buffer.from(SECRET)])), 'corrupt-gzip');
  });

  it('rejects a payload that decompresses beyond the cap, without inflating it all', () => {
    // 16 MiB of zeros compress to about 16 KB: a small bomb against a 1 MiB cap.
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));

    const error = expectMalformed(eventOfBytes(bomb), 'too-large', { maxDecompressedBytes: 1024 * 1024 });

    expect(error.message).toContain(String(1024 * 1024));
    expect((error.cause as Error).name).toBe('RangeError');
  });

  it('rejects a stream whose trailer misstates its size as corrupt, whatever size it claims', () => {
    // The trailer's size only sizes the output buffer; zlib still checks it against what was inflated.
    for (const claimed of [0, 1, 0xffff_ffff]) {
      const gz = gzipSync(JSON.stringify(dataBatch([REFUSAL])));
      gz.writeUInt32LE(claimed, gz.length - 4);

      expectMalformed(eventOfBytes(gz), 'corrupt-gzip');
    }
  });

  it('accepts a payload exactly at the cap', () => {
    const json = JSON.stringify(dataBatch([REFUSAL]));

    const decoded = decodeSubscriptionEvent(eventOfText(json), {
      maxDecompressedBytes: Buffer.byteLength(json),
    });

    expect(decoded.kind).toBe('data');
  });

  it('rejects invalid JSON that holds the keyword, keeping the SyntaxError as cause', () => {
    const error = expectMalformed(
      eventOfText(`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"${REFUSAL}" ${SECRET}}]}`),
      'not-json',
    );

    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  const withRefusal = (extra: Record<string, unknown>) => dataBatch([REFUSAL], extra);
  it.each([
    ['a JSON array', [REFUSAL]],
    ['a JSON string', REFUSAL],
    ['an unknown messageType', withRefusal({ messageType: 'DATA' })],
    ['a missing owner', withRefusal({ owner: undefined })],
    ['an empty logGroup', withRefusal({ logGroup: '' })],
    ['a numeric logStream', withRefusal({ logStream: 7 })],
    ['subscriptionFilters not strings', withRefusal({ subscriptionFilters: [1] })],
    ['a numeric policyLevel', withRefusal({ policyLevel: 1 })],
    ['logEvents not an array', withRefusal({ logEvents: { message: REFUSAL } })],
    ['an event that is not an object', withRefusal({ logEvents: [REFUSAL] })],
    ['an event without id', withRefusal({ logEvents: [{ timestamp: 1, message: REFUSAL }] })],
    [
      'an event with a string timestamp',
      withRefusal({ logEvents: [{ id: '1', timestamp: '1', message: REFUSAL }] }),
    ],
    [
      'an event with a negative timestamp',
      withRefusal({ logEvents: [{ id: '1', timestamp: -1, message: REFUSAL }] }),
    ],
    [
      'an event with a fractional timestamp',
      withRefusal({ logEvents: [{ id: '1', timestamp: 1.5, message: REFUSAL }] }),
    ],
    [
      'an event with a timestamp after year 9999',
      withRefusal({ logEvents: [{ id: '1', timestamp: 253_402_300_800_000, message: REFUSAL }] }),
    ],
    [
      'an event with a null message',
      withRefusal({
        logEvents: [
          { id: '1', timestamp: 1, message: REFUSAL },
          { message: null, id: '2', timestamp: 2 },
        ],
      }),
    ],
  ])('rejects %s as wrong shape', (_label, payload) => {
    // Indented JSON is parsed whole, so every event is validated.
    expectMalformed(eventOfText(JSON.stringify(payload, null, 1)), 'wrong-shape');
  });

  it('names the offending event in a wrong-shape message', () => {
    const payload = dataBatch([REFUSAL, REFUSAL, REFUSAL]);
    (payload.logEvents as Record<string, unknown>[])[2] = { id: '3', timestamp: 3, message: 42 };

    expect(decodeError(eventOfText(JSON.stringify(payload, null, 1))).message).toContain('logEvents[2].message');
  });

  it('rejects on the sparse and fast paths what parsing every event rejects, keyword or not', () => {
    const badCandidate = withRefusal({ logEvents: [{ id: '1', timestamp: 253_402_300_800_000, message: REFUSAL }] });
    const badOther = dataBatch([REFUSAL]);
    (badOther.logEvents as unknown[]).push({ id: '2', timestamp: 2, message: 42 });
    const badWithoutKeyword = dataBatch([ORDINARY]);
    (badWithoutKeyword.logEvents as unknown[]).push({ id: '2', timestamp: -2, message: ORDINARY });

    expectMalformed(eventOf(badCandidate), 'wrong-shape');
    expectMalformed(eventOf(badOther), 'wrong-shape');
    expectMalformed(eventOf(badWithoutKeyword), 'wrong-shape');
    // Not JSON in an event without a keyword: an unterminated string.
    const json = JSON.stringify(dataBatch([REFUSAL, ORDINARY]));
    expectMalformed(eventOfText(json.replace(`${ORDINARY}"}`, `${ORDINARY}}`)), 'not-json');
  });

  it('never reports an event from outside logEvents', () => {
    const json = JSON.stringify({ ...dataBatch([ORDINARY]), policyLevel: undefined });
    const smuggled = `${json.slice(0, -1)},"other":[{"id":"9","timestamp":1,"message":"${REFUSAL}"}]}`;

    const decoded = decodeSubscriptionEvent(eventOfText(smuggled));

    expect(decoded).toMatchObject({ kind: 'data', eventCount: 1 });
    expect((decoded as Extract<DecodedBatch, { kind: 'data' }>).batch.logEvents.map((e) => e.message)).toEqual([ORDINARY]);
  });

  it('refuses a batch in CloudWatch\'s layout with more events than the cap, counted before any is built', () => {
    const batchOf = (n: number) => eventOf(dataBatch(Array.from({ length: n }, () => '')));
    expectMalformed(batchOf(101), 'too-many-events', { maxEvents: 100 });
    expect(decodeSubscriptionEvent(batchOf(100), { maxEvents: 100 }).kind).toBe('no-candidates');
  });

  it.each([
    ['objects in logEvents', `{"messageType":"DATA_MESSAGE","logEvents":[${'{},'.repeat(999)}{}]}`],
    ['a bare array of objects', `[${'{},'.repeat(999)}{}]`],
    ['an array of numbers', `[${'0,'.repeat(999)}0]`],
  ])('refuses %s beyond what the cap\'s events could hold, before parsing', (_label, text) => {
    expectMalformed(eventOfText(text), 'too-many-events', { maxEvents: 100 });
  });

  it('fails an 87 KB bomb of 22 million empty objects with a named error, not an exhausted heap', () => {
    const bomb = gzipSync(`[${'{},'.repeat(22_000_000)}{}]`, { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);

    expectMalformed(eventOfBytes(bomb), 'too-many-events');
  });

  it('treats a nonsensical cap as a programming error, not a malformed payload', () => {
    expect(() => decodeSubscriptionEvent(eventOf(dataBatch([REFUSAL])), { maxDecompressedBytes: 0 })).toThrow(
      RangeError,
    );
  });
});
