import fc from 'fast-check';
import { decodeBase64Strict } from '../../../lambda/awslogs';

// The reference: RFC 4648 padded base64 over the standard alphabet, checked character by character.
const STRICT_BASE64 =
  /^(?:[A-Za-z0-9+/]{4})+(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$|^[A-Za-z0-9+/]{2}==$|^[A-Za-z0-9+/]{3}=$/;

describe('decodeBase64Strict', () => {
  it('decodes every well-formed encoding back to its bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        const decoded = decodeBase64Strict(Buffer.from(bytes).toString('base64'));

        expect(decoded).not.toBeNull();
        expect(decoded?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it('accepts exactly the strings the strict grammar accepts', () => {
    const base64ish = fc.string({
      unit: fc.constantFrom(...'ABCDEFabcdef0189+/=-_ \n!.é'.split('')),
      minLength: 0,
      maxLength: 16,
    });

    fc.assert(
      fc.property(base64ish, (text) => {
        expect(decodeBase64Strict(text) !== null).toBe(STRICT_BASE64.test(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts damage anywhere in a long real encoding only if the grammar does', () => {
    const valid = Buffer.from('proftpd refused PORT '.repeat(20)).toString('base64');
    const damage = fc.record({
      at: fc.nat({ max: valid.length - 1 }),
      char: fc.constantFrom('=', '-', '_', ' ', '\n', '!', '\u00e9', '*'),
    });

    fc.assert(
      fc.property(damage, ({ at, char }) => {
        const text = valid.slice(0, at) + char + valid.slice(at + 1);

        expect(decodeBase64Strict(text) !== null).toBe(STRICT_BASE64.test(text));
      }),
    );
  });
});
