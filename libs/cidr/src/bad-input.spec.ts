import fc from 'fast-check';
import { Address } from './address';
import { BAD_INPUTS, BAD_INPUT_CORPUS, NON_STRING_INPUTS } from '../test/bad-input.corpus';
import { CidrError, InvalidAddressError, InvalidCidrError } from './errors';
import { Prefix } from './prefix';

/** Run fn and return what it threw; a parser that returns counts as a failure. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return new Error('accepted');
}

const PARSERS = [
  ['Address.parse', (x: unknown) => Address.parse(x), InvalidAddressError],
  ['Prefix.parse', (x: unknown) => Prefix.parse(x), InvalidCidrError],
  ['Prefix.parseAddressOrCidr', (x: unknown) => Prefix.parseAddressOrCidr(x), InvalidCidrError],
] as const;

describe('bad input corpus', () => {
  it('holds at least 200 distinct malformed strings', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(200);
    expect(new Set(BAD_INPUTS).size).toBe(BAD_INPUTS.length);
  });

  describe.each(PARSERS)('%s', (_name, parse, errorType) => {
    describe.each(Object.entries(BAD_INPUT_CORPUS))('%s', (_category, inputs) => {
      it.each(inputs.map((input) => [JSON.stringify(input).slice(0, 60), input]))('rejects %s', (_label, input) => {
        const error = thrown(() => parse(input));
        expect(error).toBeInstanceOf(errorType);
        expect(error).toBeInstanceOf(CidrError);
        const { message, input: echoed } = error as CidrError;
        expect(echoed).toBe(input);
        expect(message).toMatch(
          /^(invalid (IP address|CIDR|address or CIDR) ".*"(… \(\d+ characters\))?: \S|\S+ has host bits set; did you mean \S+\?$)/s,
        );
        expect(message).not.toContain('[object');
        expect(message.length).toBeLessThan(300);
      });
    });

    it.each(NON_STRING_INPUTS.map((input, i) => [i, input]))('rejects non-string #%i', (_i, input) => {
      const error = thrown(() => parse(input));
      expect(error).toBeInstanceOf(errorType);
      expect((error as CidrError).input).toBe(input);
      expect((error as CidrError).message).toMatch(
        /: expected a string, got (null|undefined|number|bigint|boolean|a symbol|a function|an array|an object)/,
      );
    });

    it('throws nothing but its CidrError for arbitrary strings and values', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 70 }),
            fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:./%[] x-+'), maxLength: 50 }),
            fc.anything({ maxDepth: 1 }),
          ),
          (input) => {
            const error = thrown(() => parse(input));
            if (!(error instanceof Error && error.message === 'accepted')) expect(error).toBeInstanceOf(errorType);
          },
        ),
        { numRuns: 250 },
      );
    });
  });
});
