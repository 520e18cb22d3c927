import { isAscii } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { type DecodedBatch, type DecodeOptions, decodeSubscriptionEvent, MalformedPayloadError } from '../../../lambda/awslogs';
import { detectLine } from '../../../lambda/detector';

/**
 * The sparse path parses only the events a keyword occurs in. Whatever the messages hold (quotes,
 * backslashes, control characters, braces, the event layout itself, keywords in JSON-wrapped lines), it
 * must find exactly the findings that parsing every event finds, and count every event.
 */
const REFUSAL = 'May 29 18:49:42 h proftpd[1]: srv (c[85.103.107.214]) - Refused PORT 192,168,1,33,4,83 (address mismatch)';
const PIECES = [
  REFUSAL,
  'Refused EPRT |1|10.0.0.1|4000| ',
  'refused port ',
  '{"id":"1","timestamp":2,"message":"',
  '"},{"id":"',
  '"logEvents":[',
  ']}',
  '"',
  '\\',
  '\\"',
  '\n',
  '\u0000',
  '\u001b[0m',
  '{',
  '}',
  'é',
  '\u2028',
];
const message = fc.oneof(
  fc.constant(REFUSAL),
  fc.constant(JSON.stringify({ SYSLOG_IDENTIFIER: 'proftpd', MESSAGE: 'srv (c[1.2.3.4]) - Refused PORT 1,2,3,4,5,6' })),
  fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string()), { maxLength: 8 }).map((parts) => parts.join('')),
);
const batch = fc.record({
  logGroup: fc.constantFrom('/ftp/proftpd', '/refused port /x', 'a"b'),
  messages: fc.array(message, { minLength: 1, maxLength: 40 }),
  policyLevel: fc.constantFrom(undefined, 'ACCOUNT_LEVEL_POLICY'),
});

function payloadOf({ logGroup, messages, policyLevel }: { logGroup: string; messages: string[]; policyLevel?: string }) {
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: 'i-0abc',
    subscriptionFilters: ['ftp-bounce-watch'],
    logEvents: messages.map((text, i) => ({ id: `3795306213450752${String(i).padStart(40, '0')}`, timestamp: 1_717_000_000_000 + i, message: text })),
    ...(policyLevel !== undefined && { policyLevel }),
  };
}

const findingsOf = (events: readonly { id: string; message: string }[]) =>
  events.flatMap((event) => {
    const finding = detectLine(event.message);
    return finding === null ? [] : [{ id: event.id, finding }];
  });

describe('decodeSubscriptionEvent: the sparse path', () => {
  it('finds what parsing every event finds, and counts every event', () => {
    fc.assert(
      fc.property(batch, (generated) => {
        const payload = payloadOf(generated);
        const decoded = decodeSubscriptionEvent({ awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } });
        if (decoded.kind !== 'data') {
          expect(findingsOf(payload.logEvents)).toEqual([]);
          return;
        }
        const { batch: decodedBatch, eventCount } = decoded;
        expect(eventCount).toBe(payload.logEvents.length);
        expect(findingsOf(decodedBatch.logEvents)).toEqual(findingsOf(payload.logEvents));
        expect({ ...decodedBatch, logEvents: [] }).toEqual({ ...payload, logEvents: [] });
      }),
      { numRuns: 1500 },
    );
  });

  it.each([
    ['a trailing backslash', `${REFUSAL} \\`],
    ['quotes and an escaped backslash before a quote', `${REFUSAL} "a\\"b"`],
    ['the event layout itself', `${REFUSAL} "},{"id":"9","timestamp":1,"message":"x`],
    ['control characters', `${REFUSAL}\u0000\u001b[0m\n`],
    ['a JSON-wrapped line', JSON.stringify({ MESSAGE: REFUSAL })],
  ])('parses a candidate message holding %s exactly, on the sparse path', (_name, tricky) => {
    const ordinary = 'May 29 18:49:42 h sshd[1]: Accepted publickey for ec2-user \\';
    const payload = payloadOf({ logGroup: '/ftp', messages: [ordinary, tricky, ordinary, tricky, ordinary] });

    const decoded = decodeSubscriptionEvent({ awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } });

    expect(decoded).toMatchObject({ kind: 'data', candidatesOnly: true, eventCount: 5 });
    const events = (decoded as Extract<DecodedBatch, { kind: 'data' }>).batch.logEvents;
    expect(events).toEqual([payload.logEvents[1], payload.logEvents[3]]);
  });

  it('takes the sparse path on a typical batch, and parses everything when a keyword could hide in an escape', () => {
    const ordinary = 'May 29 18:49:42 h sshd[1]: Accepted publickey for ec2-user';
    const payload = payloadOf({ logGroup: '/ftp', messages: [ordinary, REFUSAL, ordinary] });
    const event = (text: string) => ({ awslogs: { data: gzipSync(text).toString('base64') } });
    const data = (decoded: DecodedBatch) => decoded as Extract<DecodedBatch, { kind: 'data' }>;

    const sparse = data(decodeSubscriptionEvent(event(JSON.stringify(payload))));
    const escaped = data(decodeSubscriptionEvent(event(JSON.stringify(payload).replace('Refused', '\\u0052efused'))));

    expect(sparse).toMatchObject({ candidatesOnly: true, eventCount: 3 });
    expect(sparse.batch.logEvents.map((e) => e.message)).toEqual([REFUSAL]);
    expect(escaped).toMatchObject({ candidatesOnly: false, eventCount: 3 });
    expect(escaped.batch.logEvents[1]?.message).toBe(REFUSAL);
  });

  it('parses everything when the keywords are too many for the sparse path to pay', () => {
    const payload = payloadOf({ logGroup: '/ftp', messages: Array.from({ length: 200 }, () => REFUSAL) });

    const decoded = decodeSubscriptionEvent({ awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } });

    expect(decoded).toMatchObject({ kind: 'data', candidatesOnly: false, eventCount: 200 });
  });
});

/** One edit of the payload text: what a corrupted, truncated or hostile payload looks like. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...PIECES, '0', '-', ' ', ',', ']', '\\u00'), fc.string({ maxLength: 3 })),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

interface Edit {
  readonly kind: 'delete' | 'insert' | 'truncate';
  readonly at: number;
  readonly length?: number;
  readonly text?: string;
}

function applyEdit(text: string, e: Edit): string {
  const at = e.at % (text.length + 1);
  if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + (e.length ?? 1));
  if (e.kind === 'insert') return text.slice(0, at) + (e.text ?? '') + text.slice(at);
  return text.slice(0, at);
}

type Outcome = { verdict: 'accepted'; findings: unknown[] } | { verdict: 'control' } | { verdict: 'rejected'; reason: string };

function outcome(text: string, options: DecodeOptions): Outcome {
  try {
    const decoded = decodeSubscriptionEvent({ awslogs: { data: gzipSync(text).toString('base64') } }, options);
    if (decoded.kind === 'control') return { verdict: 'control' };
    return { verdict: 'accepted', findings: decoded.kind === 'data' ? findingsOf(decoded.batch.logEvents) : [] };
  } catch (error) {
    if (error instanceof MalformedPayloadError) return { verdict: 'rejected', reason: error.reason };
    throw error;
  }
}

describe('decodeSubscriptionEvent: the fast and sparse paths agree with parsing every event', () => {
  it('accepts and rejects exactly what the full parse does, with the same findings, for fuzzed payloads', () => {
    let rejected = 0;
    fc.assert(
      fc.property(batch, fc.array(edit, { minLength: 1, maxLength: 3 }), (generated, edits) => {
        const text = edits.reduce((t, e) => applyEdit(t, e), JSON.stringify(payloadOf(generated)));
        const fast = outcome(text, {});
        const full = outcome(text, { fullParse: true });
        if (full.verdict === 'rejected') rejected++;
        expect(fast.verdict).toBe(full.verdict);
        if (fast.verdict === 'accepted' && full.verdict === 'accepted') expect(fast.findings).toEqual(full.findings);
      }),
      { numRuns: 3000 },
    );
    // The edits must actually break payloads for this to test anything.
    expect(rejected).toBeGreaterThan(1000);
  });

  it('reads a dense batch (every event) exactly as the full parse does, or rejects what it rejects', () => {
    let dense = 0;
    fc.assert(
      fc.property(batch, fc.array(edit, { maxLength: 3 }), (generated, edits) => {
        // Enough refusals that the keywords are too many to pick candidates.
        const messages = [...Array.from({ length: 70 }, () => REFUSAL), ...generated.messages];
        const text = edits.reduce((t, e) => applyEdit(t, e), JSON.stringify(payloadOf({ ...generated, messages })));
        const fast = outcome(text, {});
        const full = outcome(text, { fullParse: true });
        expect(fast.verdict).toBe(full.verdict);
        if (fast.verdict === 'accepted' && full.verdict === 'accepted') {
          expect(fast.findings).toEqual(full.findings);
          const decoded = decodeSubscriptionEvent({ awslogs: { data: gzipSync(text).toString('base64') } });
          if (decoded.kind === 'data' && !decoded.candidatesOnly) {
            dense++;
            expect(decoded.batch).toEqual(JSON.parse(text));
          }
        }
      }),
      { numRuns: 1000 },
    );
    expect(dense).toBeGreaterThan(300);
  });

  it('builds a dense batch of escape-free ASCII events exactly as the full parse does, or rejects what it rejects', () => {
    // ASCII and no backslash: the events are built from the bytes (the dense path), whatever the edits leave.
    // Printable ASCII but `"` and `\`, which JSON.stringify would escape; the edits insert them raw.
    const printable = fc
      .integer({ min: 0x20, max: 0x7e })
      .filter((c) => c !== 0x22 && c !== 0x5c)
      .map((c) => String.fromCharCode(c));
    const asciiMessage = fc.array(fc.oneof(fc.constantFrom(REFUSAL, '{', '}', ']', ',', ':'), fc.string({ unit: printable })), { maxLength: 6 })
      .map((parts) => parts.join(''));
    let built = 0;
    fc.assert(
      fc.property(fc.array(asciiMessage, { maxLength: 30 }), fc.array(edit, { maxLength: 2 }), (extra, edits) => {
        const messages = [...Array.from({ length: 70 }, () => REFUSAL), ...extra];
        const text = edits.reduce((t, e) => applyEdit(t, e), JSON.stringify(payloadOf({ logGroup: '/ftp', messages })));
        if (!isAscii(Buffer.from(text)) || text.slice(text.indexOf('"logEvents":[')).includes('\\')) return;
        const fast = outcome(text, {});
        expect(fast).toEqual(outcome(text, { fullParse: true }));
        if (fast.verdict === 'accepted') {
          built++;
          expect(decodeSubscriptionEvent({ awslogs: { data: gzipSync(text).toString('base64') } })).toMatchObject({ batch: JSON.parse(text) });
        }
      }),
      { numRuns: 1000 },
    );
    expect(built).toBeGreaterThan(300);
  });

  it.each([
    // Members after the events array, and a duplicate messageType: only a parse of the whole text sees them.
    ['fields after the events', (events: string) => `{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[${events}],"owner":"123","x":[]}`],
    ['a second messageType after the events', (events: string) => `{"messageType":"CONTROL_MESSAGE","owner":"1","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[${events}],"messageType":"DATA_MESSAGE","x":[]}`],
  ])('never trusts the header alone of a dense batch it does not walk (%s)', (_label, layout) => {
    // An escaped letter makes the batch dense; the filler takes it past the size searched for a control message.
    const event = JSON.stringify({ id: '1', timestamp: 1, message: `A ${'x'.repeat(20_000)}` }).replace('"A ', '"\\u0041 ');
    const text = layout(event);

    expect(outcome(text, {})).toEqual(outcome(text, { fullParse: true }));
    expect(outcome(text, {}).verdict).toBe('accepted');
  });

  it.each([
    ['an array closed between two events', '}]{"id":"2"'],
    ['an array closed twice', '}]]'],
  ])('rejects what the full parse rejects: %s', (_label, fault) => {
    const events = [REFUSAL, 'x', 'y'].map((m, i) => JSON.stringify({ id: String(i + 1), timestamp: 1, message: m }));
    const valid = JSON.stringify({ ...payloadOf({ logGroup: 'g', messages: [] }), logEvents: [] }).replace('[]', `[${events.join(',')}]`);
    const text = fault === '}]]' ? valid.replace(/\]\}$/, ']]}') : valid.replace('},{"id":"2"', fault);

    expect(text).not.toBe(valid);
    expect(outcome(text, { fullParse: true }).verdict).toBe('rejected');
    expect(outcome(text, {})).toEqual(outcome(text, { fullParse: true }));
  });

  it('agrees on the events cap, whichever event it falls on, on a sparse or a dense batch', () => {
    let capped = 0;
    fc.assert(
      fc.property(batch, fc.integer({ min: 1, max: 45 }), fc.array(edit, { maxLength: 1 }), (generated, maxEvents, edits) => {
        const text = edits.reduce((t, e) => applyEdit(t, e), JSON.stringify(payloadOf(generated)));
        const fast = outcome(text, { maxEvents });
        const full = outcome(text, { maxEvents, fullParse: true });
        if (full.verdict === 'rejected' && full.reason === 'too-many-events') capped++;
        // Both reject a payload with two faults, not necessarily naming the same one first.
        expect(fast.verdict).toBe(full.verdict);
        if (fast.verdict === 'accepted' && full.verdict === 'accepted') expect(fast.findings).toEqual(full.findings);
      }),
      { numRuns: 1500 },
    );
    expect(capped).toBeGreaterThan(100);
  });
});
