import { CidrError, InvalidAddressError, InvalidCidrError, describeValue, quote } from './errors';

describe(CidrError.name, () => {
  it.each([
    [new CidrError('out-of-range', 'm', 1), CidrError, 'out-of-range'],
    [new InvalidAddressError('m', 'x'), InvalidAddressError, 'invalid-address'],
    [new InvalidCidrError('m', 'x'), InvalidCidrError, 'invalid-cidr'],
    [new InvalidCidrError('m', 'x', 'host-bits-set', '10.0.0.0/8'), InvalidCidrError, 'host-bits-set'],
  ])('%# is a CidrError and an Error with its own name and code', (error, type, code) => {
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CidrError);
    expect(error).toBeInstanceOf(type);
    expect(error.name).toBe(type.name);
    expect(error.code).toBe(code);
    expect(error.message).toBe('m');
  });

  it('keeps the offending input as given', () => {
    const input = { odd: true };
    expect(new CidrError('invalid-range', 'm', input).input).toBe(input);
  });

  it('carries a suggestion only when given one', () => {
    expect(new InvalidCidrError('m', 'x', 'host-bits-set', '10.0.0.0/8').suggestion).toBe('10.0.0.0/8');
    expect(new InvalidCidrError('m', 'x').suggestion).toBeUndefined();
  });
});

describe(quote.name, () => {
  it.each([
    ['10.0.0.1', '"10.0.0.1"'],
    [' 10.0.0.1\n', '" 10.0.0.1\\n"'],
    ['x'.repeat(100), `"${'x'.repeat(48)}"… (100 characters)`],
  ])('%j -> %s', (text, expected) => expect(quote(text)).toBe(expected));
});

describe(describeValue.name, () => {
  const revoked = Proxy.revocable([], {});
  revoked.revoke();
  it.each<[unknown, string]>([
    [null, 'null'],
    [undefined, 'undefined'],
    [42, 'number 42'],
    [NaN, 'number NaN'],
    [true, 'boolean true'],
    [10n, 'bigint 10n'],
    ['s', 'string "s"'],
    [Symbol('s'), 'a symbol'],
    [() => 1, 'a function'],
    [[1], 'an array'],
    [
      {
        toString: () => {
          throw new Error('boom');
        },
      },
      'an object',
    ],
    [Object.create(null), 'an object'],
    [revoked.proxy, 'an object'],
  ])('%#: describes without converting', (value, expected) => expect(describeValue(value)).toBe(expected));
});
