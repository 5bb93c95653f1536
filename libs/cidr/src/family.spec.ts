import { CidrError } from './errors';
import { assertFamily, familyBits, isIPFamily, maxValue } from './family';

describe(familyBits.name, () => {
  it.each([
    ['IPv4', 32],
    ['IPv6', 128],
  ] as const)('%s has %i bits', (family, bits) => expect(familyBits(family)).toBe(bits));

  it.each<unknown>(['ipv4', 'IPV6', '', 4, null, undefined])('rejects %p with a CidrError', (family) => {
    expect(() => familyBits(family as 'IPv4')).toThrow(CidrError);
    expect(() => assertFamily(family)).toThrow(expect.objectContaining({ code: 'invalid-family' }));
  });
});

describe(isIPFamily.name, () => {
  it.each<[unknown, boolean]>([
    ['IPv4', true],
    ['IPv6', true],
    ['v4', false],
    [6, false],
  ])('%p -> %p', (value, expected) => expect(isIPFamily(value)).toBe(expected));
});

describe(maxValue.name, () => {
  it.each([
    ['IPv4', 0xffffffffn],
    ['IPv6', (1n << 128n) - 1n],
  ] as const)('%s', (family, max) => expect(maxValue(family)).toBe(max));
});
