import fc from 'fast-check';
import { walkEventBytes, walkEventText } from '../../../lambda/awslogs/event-walk';

/**
 * The WebAssembly walker must accept exactly what the regular-expression walker accepts, with the same count (its
 * bytes are checked against its source in test/unit/wasm-modules.test.ts).
 */

const event = (id: string, timestamp: string, message: string) => `{"id":"${id}","timestamp":${timestamp},"message":"${message}"}`;
const array = (...events: string[]) => `[${events.join(',')}]`;

/** Both walkers over `text`, which holds an array from its first `[` to its last `]`. */
function walks(text: string, maxEvents = 1_000_000): { wasm: number; regex: number } {
  const start = text.indexOf('[') + 1;
  const end = text.lastIndexOf(']');
  return { wasm: walkEventBytes(Buffer.from(text, 'latin1'), start, end, maxEvents), regex: walkEventText(text, start, end, maxEvents) };
}

describe('the WebAssembly event walker', () => {
  it.each([
    ['one event', array(event('1', '1', 'a')), 1],
    ['typical events', array(event('37953062134507520000', '1717000000000', 'May 29 18:49:42 h proftpd[1]: x'), event('2', '0', '')), 2],
    ['every escape', array(event('1', '1', String.raw`\" \\ \/ \b \f \n \r \t \u00e9 \uABCD`)), 1],
    ['14-digit timestamp', array(event('1', '12345678901234', 'a')), 1],
    ['15-digit timestamp', array(event('1', '123456789012345', 'a')), -1],
    ['leading zero', array(event('1', '01', 'a')), -1],
    ['negative timestamp', array(event('1', '-1', 'a')), -1],
    ['short unicode escape', array(event('1', '1', String.raw`\u00e`)), -1],
    ['non-hex unicode escape', array(event('1', '1', String.raw`\u00zz`)), -1],
    ['unknown escape', array(event('1', '1', String.raw`\x41`)), -1],
    ['raw tab', array(event('1', '1', 'a\tb')), -1],
    ['raw NUL', array(event('1', '1', 'a\0b')), -1],
    ['raw DEL (allowed)', array(event('1', '1', 'a\x7fb')), 1],
    ['array closed between events', `[${event('1', '1', 'a')}]${event('2', '1', 'b')}]`, -1],
    ['trailing comma', `[${event('1', '1', 'a')},]`, -1],
    ['missing comma', `[${event('1', '1', 'a')}${event('2', '1', 'b')}]`, -1],
    ['space after comma', `[${event('1', '1', 'a')}, ${event('2', '1', 'b')}]`, -1],
    ['another member', array('{"id":"1","timestamp":1,"message":"a","x":1}'), -1],
    ['members in another order', array('{"timestamp":1,"id":"1","message":"a"}'), -1],
    ['unterminated message at the end', '[{"id":"1","timestamp":1,"message":"abc]', -1],
  ])('%s', (_label, text, expected) => {
    expect(walks(text)).toEqual({ wasm: expected, regex: expected });
  });

  it('reads strings across every 16-byte boundary', () => {
    for (let length = 0; length < 70; length++) {
      for (const fill of ['x', '\\"', '\\u0041']) {
        const text = array(event('1', '1', fill.repeat(length)), event('22', '3', 'y'.repeat(length % 17)));
        expect(walks(text)).toEqual({ wasm: 2, regex: 2 });
        const broken = text.replace('"y', '"\u0001');
        if (broken !== text) expect(walks(broken)).toEqual({ wasm: -1, regex: -1 });
      }
    }
  });

  it('stops where the regular expression stops on the events cap', () => {
    const text = array(...Array.from({ length: 5 }, (_, i) => event(String(i), '1', 'm')));
    for (let max = 0; max <= 6; max++) {
      const expected = Math.min(5, max + 1);
      expect(walks(text, max)).toEqual({ wasm: expected, regex: expected });
    }
  });

  it('agrees with the regular expression on fuzzed event arrays', () => {
    // Mostly valid string content, sometimes not: both outcomes must be common.
    const valid = fc.constantFrom('a', ' ', '\\"', '\\\\', '\\n', '\\u0041', '{', '}', ',', ']', '[', ':', '0', 'x'.repeat(20));
    const invalid = fc.constantFrom('"', '\\', '\\u00', '\\uZZZZ', '\t', '\0', '\x1f', '{"id":"', '","timestamp":', ',"message":"', '"}', '"},');
    const piece = fc.oneof({ weight: 30, arbitrary: valid }, { weight: 1, arbitrary: invalid });
    const text = fc.array(fc.string({ unit: piece, maxLength: 12 }), { maxLength: 6 }).chain((messages) =>
      fc.record({
        events: fc.constant(messages.map((m, i) => event(String(i), String(1_717_000_000_000 + i), m))),
        edit: fc.option(
          fc.record({ at: fc.nat(), remove: fc.nat({ max: 3 }), insert: fc.string({ unit: piece, maxLength: 2 }) }),
        ),
      })).map(({ events, edit }) => {
      const body = events.join(',');
      if (edit === null) return `[${body}]`;
      const at = edit.at % (body.length + 1);
      return `[${body.slice(0, at)}${edit.insert}${body.slice(at + edit.remove)}]`;
    });
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 8 }), (t, max) => {
        const { wasm, regex } = walks(t, max);
        expect(wasm).toBe(regex);
        if (wasm > 0) accepted++;
        else if (wasm < 0) rejected++;
      }),
      { numRuns: 5000 },
    );
    // Both outcomes must be common for the agreement to mean anything.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(1000);
  });
});
