import { compareFullness, exactCount, formatPercent, percent, shortCount } from './counts';

describe('console counts', () => {
  it.each([
    ['0', '0'],
    ['9999', '9,999'],
    ['65536', '65.5k'],
    ['16777216', '16.7M'],
    ['4294967296', '4.2G'],
    [(2n ** 64n).toString(), '2^64'],
    [(2n ** 72n - 3n * 2n ** 64n).toString(), '≈2^72.0'],
    [(2n ** 128n).toString(), '2^128'],
  ])('shortens %s to %s', (value, short) => {
    expect(shortCount(value)).toBe(short);
  });

  it('keeps counts beyond 2^53 exact', () => {
    expect(exactCount('18446744073709551617')).toBe('18,446,744,073,709,551,617');
    expect(exactCount((2n ** 128n).toString())).toBe('340,282,366,920,938,463,463,374,607,431,768,211,456');
    // as a JS number the last digits would be lost
    expect(exactCount('9007199254740993')).toBe('9,007,199,254,740,993');
  });

  it('computes percentages and orders by fullness in bigints', () => {
    expect(percent('1', (2n ** 64n).toString())).toBe(0);
    expect(percent((2n ** 63n).toString(), (2n ** 64n).toString())).toBe(50);
    expect(formatPercent(0.001)).toBe('<0.01%');
    expect(formatPercent(62.5)).toBe('62.5%');
    const big = { free: (2n ** 64n - 1n).toString(), total: (2n ** 64n).toString() };
    const full = { free: '0', total: '256' };
    expect([big, full].sort(compareFullness)).toEqual([full, big]);
  });
});
