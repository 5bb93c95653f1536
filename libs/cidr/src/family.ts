import { CidrError, describeValue } from './errors';

export type IPFamily = 'IPv4' | 'IPv6';

export function isIPFamily(value: unknown): value is IPFamily {
  return value === 'IPv4' || value === 'IPv6';
}

/** Throws instead of defaulting, so a typo from untyped code cannot silently become IPv6. */
export function assertFamily(value: unknown): asserts value is IPFamily {
  if (!isIPFamily(value)) {
    throw new CidrError('invalid-family', `invalid IP family ${describeValue(value)}; expected "IPv4" or "IPv6"`, value);
  }
}

export const familyBits = (f: IPFamily): 32 | 128 => {
  assertFamily(f);
  return f === 'IPv4' ? 32 : 128;
};

/** Largest address value of the family: 2^32-1 or 2^128-1. */
export function maxValue(f: IPFamily): bigint {
  return (1n << BigInt(familyBits(f))) - 1n;
}
