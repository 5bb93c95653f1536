import fc from 'fast-check';
import {
  RUNS,
  SPACES,
  SPACE_SIZE,
  addressSet,
  alignedBlocks,
  allIn,
  arbLeases,
  arbPrefixIn,
  arbScenario,
  count,
  describeShapeProblems,
  minus,
  referenceFreeBlocks,
  referenceMinimalCount,
  within,
} from './brute-force';
import { CidrError } from '../src/errors';
import { Prefix } from '../src/prefix';
import { carve, coverRange, freeAddressCount, freeBlocks, largestFreeBlock, mergeBuddies, subtract } from './free-space';

const P = (text: string) => Prefix.parse(text);
const Ps = (...texts: string[]) => texts.map(P);
const strings = (prefixes: readonly Prefix[]) => prefixes.map(String);

function thrown(fn: () => unknown): CidrError {
  try {
    fn();
  } catch (e) {
    return e as CidrError;
  }
  throw new Error('expected a throw');
}

describe(freeBlocks.name, () => {
  it.each([
    ['10.0.0.0/24', [], 26, 1, ['10.0.0.0/26']],
    ['10.0.0.0/24', [], 26, 10, ['10.0.0.0/26', '10.0.0.64/26', '10.0.0.128/26', '10.0.0.192/26']],
    ['10.0.0.0/24', ['10.0.0.0/26'], 26, 1, ['10.0.0.64/26']],
    ['10.0.0.0/24', ['10.0.0.5/32'], 26, 2, ['10.0.0.64/26', '10.0.0.128/26']],
    ['10.0.0.0/24', ['10.0.0.0/25', '10.0.0.128/26'], 26, 5, ['10.0.0.192/26']],
    ['10.0.0.0/24', ['10.0.0.0/24'], 32, 5, []],
    ['10.0.0.0/24', ['10.0.0.0/8'], 32, 5, []],
    ['10.0.0.0/24', ['11.0.0.0/8', '::/0'], 24, 5, ['10.0.0.0/24']],
    ['10.0.0.0/24', [], 24, 0, []],
    ['10.0.0.0/31', ['10.0.0.0/32'], 32, 3, ['10.0.0.1/32']],
    ['255.255.255.0/24', ['255.255.255.0/25'], 32, 2, ['255.255.255.128/32', '255.255.255.129/32']],
    ['255.255.255.0/24', ['255.255.255.0/25', '255.255.255.128/26', '255.255.255.192/27'], 27, 9, ['255.255.255.224/27']],
    ['0.0.0.0/0', ['0.0.0.0/1'], 1, 2, ['128.0.0.0/1']],
    ['0.0.0.0/0', ['0.0.0.0/32'], 0, 1, []],
    ['::/0', [], 0, 1, ['::/0']],
    ['::/0', ['::/128'], 128, 2, ['::1/128', '::2/128']],
    ['2001:db8::/64', ['2001:db8::/65'], 65, 4, ['2001:db8:0:0:8000::/65']],
    ['2001:db8::/64', ['2001:db8::/128'], 120, 2, ['2001:db8::100/120', '2001:db8::200/120']],
    ['fd00::/127', ['fd00::1/128'], 128, 2, ['fd00::/128']],
    ['::ffff:0:0/96', ['::ffff:0.0.0.0/97'], 97, 1, ['::ffff:128.0.0.0/97']],
  ])('in %s minus %j: /%i x%i', (parent, leased, length, limit, expected) => {
    expect(strings(freeBlocks(P(parent), Ps(...leased), length, limit))).toEqual(expected);
  });

  it('defaults to one block', () => {
    expect(strings(freeBlocks(P('10.0.0.0/16'), [], 24))).toEqual(['10.0.0.0/24']);
  });

  it('is cheap on a huge space with scattered leases', () => {
    const parent = P('2001:db8::/32');
    const leased = Array.from({ length: 2000 }, (_, i) => Prefix.of('IPv6', parent.network + (BigInt(i) << 70n) + (BigInt(i) << 30n), 100));
    const started = Date.now();
    const blocks = freeBlocks(parent, leased, 64, 1000);
    expect(blocks).toHaveLength(1000);
    expect(blocks[0].toString()).toBe('2001:db8:0:1::/64');
    expect(freeAddressCount(parent, leased)).toBe(parent.size - 2000n * (1n << 28n));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each<[unknown, unknown, string]>([
    [8, 1, 'block length 8 does not fit in 10.0.0.0/16; use an integer between 16 and 32'],
    [33, 1, 'block length 33 does not fit'],
    [24.5, 1, 'block length 24.5 does not fit'],
    ['24', 1, 'block length string "24" does not fit'],
    [24, -1, 'limit must be a non-negative integer, got number -1'],
    [24, Infinity, 'limit must be a non-negative integer, got number Infinity'],
    [24, 1.5, 'limit must be a non-negative integer'],
  ])('rejects length %p, limit %p', (length, limit, message) => {
    expect(thrown(() => freeBlocks(P('10.0.0.0/16'), [], length as number, limit as number))).toMatchObject({
      code: 'out-of-range',
      message: expect.stringContaining(message),
    });
  });

  it('rejects things that are not prefixes', () => {
    expect(thrown(() => freeBlocks('10.0.0.0/8' as unknown as Prefix, [], 8)).code).toBe('invalid-cidr');
    expect(thrown(() => freeBlocks(P('10.0.0.0/8'), ['10.0.0.0/9'] as unknown as Prefix[], 8)).message).toBe(
      'leased[0] must be a Prefix, got string "10.0.0.0/9"',
    );
    expect(thrown(() => freeBlocks(P('10.0.0.0/8'), null as unknown as Prefix[], 8)).message).toBe(
      'leased must be an array of Prefix, got null',
    );
  });
});

describe(subtract.name, () => {
  it.each([
    ['10.0.0.0/24', [], ['10.0.0.0/24']],
    ['10.0.0.0/24', ['10.0.0.0/24'], []],
    ['10.0.0.0/24', ['10.0.0.0/26'], ['10.0.0.64/26', '10.0.0.128/25']],
    [
      '10.0.0.0/24',
      ['10.0.0.1/32'],
      ['10.0.0.0/32', '10.0.0.2/31', '10.0.0.4/30', '10.0.0.8/29', '10.0.0.16/28', '10.0.0.32/27', '10.0.0.64/26', '10.0.0.128/25'],
    ],
    ['10.0.0.0/24', ['10.0.0.64/26', '10.0.0.64/27', '10.0.0.64/26'], ['10.0.0.0/26', '10.0.0.128/25']],
    ['10.0.0.0/24', ['10.0.0.0/16'], []],
    ['10.0.0.0/24', ['10.0.1.0/24', '::/0'], ['10.0.0.0/24']],
    [
      '0.0.0.0/0',
      ['255.255.255.255/32'],
      Array.from({ length: 32 }, (_, i) => Prefix.of('IPv4', ((1n << BigInt(i)) - 1n) << BigInt(32 - i), i + 1).toString()),
    ],
    ['::/0', ['::/1'], ['8000::/1']],
    ['::/0', ['::/128'], Array.from({ length: 128 }, (_, i) => Prefix.of('IPv6', 1n << BigInt(i), 128 - i).toString())],
    [
      '::ffff:0:0/96',
      ['::ffff:10.0.0.0/104'],
      [
        '::ffff:0.0.0.0/101',
        '::ffff:8.0.0.0/103',
        '::ffff:11.0.0.0/104',
        '::ffff:12.0.0.0/102',
        '::ffff:16.0.0.0/100',
        '::ffff:32.0.0.0/99',
        '::ffff:64.0.0.0/98',
        '::ffff:128.0.0.0/97',
      ],
    ],
  ])('%s minus %j', (parent, leased, expected) => {
    expect(strings(subtract(P(parent), Ps(...leased)))).toEqual(expected);
  });
});

describe(coverRange.name, () => {
  it.each([
    ['IPv4', 0n, 0xffffffffn, ['0.0.0.0/0']],
    ['IPv4', 0n, 0n, ['0.0.0.0/32']],
    ['IPv4', 0xffffffffn, 0xffffffffn, ['255.255.255.255/32']],
    ['IPv4', 0x0a000001n, 0x0a000006n, ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']],
    ['IPv4', 0x0a000000n, 0x0a0000ffn, ['10.0.0.0/24']],
    ['IPv6', 0n, (1n << 128n) - 1n, ['::/0']],
    ['IPv6', (1n << 128n) - 2n, (1n << 128n) - 1n, ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127']],
    ['IPv6', 0xffff00000000n, 0xffffffffffffn, ['::ffff:0.0.0.0/96']],
  ] as const)('%s %s..%s', (family, first, last, expected) => {
    expect(strings(coverRange(family, first, last))).toEqual(expected);
  });

  it.each([
    ['IPv4', 1n, 0xfffffffen, 62],
    ['IPv6', 1n, 1n << 64n, 65],
    ['IPv6', 1n, (1n << 128n) - 2n, 254],
  ] as const)('%s %s..%s needs %i CIDRs at the worst alignment', (family, first, last, blocks) => {
    const cover = coverRange(family, first, last);
    expect(cover).toHaveLength(blocks);
    expect(describeShapeProblems(cover)).toEqual([]);
    expect([cover[0].firstValue, cover[cover.length - 1].lastValue]).toEqual([first, last]);
    for (let i = 1; i < cover.length; i++) expect(cover[i].firstValue).toBe(cover[i - 1].lastValue + 1n);
  });

  it.each<[unknown, unknown, unknown, string]>([
    ['IPv4', 5n, 4n, 'invalid-range'],
    ['IPv4', -1n, 4n, 'invalid-range'],
    ['IPv4', 0n, 1n << 32n, 'invalid-range'],
    ['IPv4', 0, 4n, 'invalid-range'],
    ['IPv9', 0n, 4n, 'invalid-family'],
  ])('rejects %s %p..%p', (family, first, last, code) => {
    const error = thrown(() => coverRange(family as 'IPv4', first as bigint, last as bigint));
    expect(error.code).toBe(code);
  });

  it('explains a bad range', () => {
    expect(thrown(() => coverRange('IPv4', 5n, 4n)).message).toBe(
      'invalid IPv4 range 5..4: need bigints with 0 <= first <= last <= 2^32-1',
    );
    expect(thrown(() => coverRange('IPv4', 0 as unknown as bigint, 4n)).message).toContain('range number 0..4');
  });
});

describe(largestFreeBlock.name, () => {
  it.each([
    ['10.0.0.0/24', [], '10.0.0.0/24'],
    ['10.0.0.0/24', ['10.0.0.0/24'], null],
    ['10.0.0.0/24', ['10.0.0.0/8'], null],
    ['10.0.0.0/24', ['10.0.0.0/26'], '10.0.0.128/25'],
    ['10.0.0.0/24', ['10.0.0.128/26'], '10.0.0.0/25'],
    ['10.0.0.0/24', ['10.0.0.0/26', '10.0.0.128/26'], '10.0.0.64/26'],
    ['10.0.0.0/24', ['10.0.0.0/32', '10.0.0.255/32'], '10.0.0.64/26'],
    ['255.255.255.255/32', [], '255.255.255.255/32'],
    ['::/0', ['8000::/1'], '::/1'],
    ['2001:db8::/64', ['2001:db8::/128'], '2001:db8:0:0:8000::/65'],
  ])('%s minus %j: %s', (parent, leased, expected) => {
    expect(largestFreeBlock(P(parent), Ps(...leased))?.toString() ?? null).toBe(expected);
  });
});

describe(freeAddressCount.name, () => {
  it.each([
    ['10.0.0.0/24', [], 256n],
    ['10.0.0.0/24', ['10.0.0.0/26', '10.0.0.0/27', '10.0.0.0/26'], 192n],
    ['10.0.0.0/24', ['10.0.0.0/16'], 0n],
    ['10.0.0.0/24', ['10.0.1.0/24', '::/0'], 256n],
    ['0.0.0.0/0', ['255.255.255.255/32'], (1n << 32n) - 1n],
    ['::/0', [], 1n << 128n],
    ['2001:db8::/64', ['2001:db8::/65', '2001:db8:0:0:8000::/128'], (1n << 63n) - 1n],
  ])('%s minus %j: %s', (parent, leased, expected) => {
    expect(freeAddressCount(P(parent), Ps(...leased))).toBe(expected);
  });
});

describe(carve.name, () => {
  it.each([
    ['10.0.0.0/24', '10.0.0.0/24', []],
    ['10.0.0.0/24', '10.0.0.0/25', ['10.0.0.128/25']],
    ['10.0.0.0/24', '10.0.0.64/26', ['10.0.0.0/26', '10.0.0.128/25']],
    [
      '10.0.0.0/24',
      '10.0.0.255/32',
      [
        '10.0.0.0/25',
        '10.0.0.128/26',
        '10.0.0.192/27',
        '10.0.0.224/28',
        '10.0.0.240/29',
        '10.0.0.248/30',
        '10.0.0.252/31',
        '10.0.0.254/32',
      ],
    ],
    ['0.0.0.0/0', '128.0.0.0/1', ['0.0.0.0/1']],
    ['::/0', '::/1', ['8000::/1']],
    ['fd00::/127', 'fd00::1/128', ['fd00::/128']],
  ])('%s minus %s', (block, target, expected) => {
    expect(strings(carve(P(block), P(target)))).toEqual(expected);
  });

  it('has one block per bit between the two lengths, even for /0 to /128', () => {
    expect(carve(P('::/0'), P('::1/128'))).toHaveLength(128);
  });

  it.each([
    ['10.0.0.0/25', '10.0.0.0/24'],
    ['10.0.0.0/24', '10.0.1.0/24'],
    ['::ffff:0:0/96', '10.0.0.0/8'],
  ])('refuses %s minus %s', (block, target) => {
    const error = thrown(() => carve(P(block), P(target)));
    expect(error).toMatchObject({ code: 'not-contained', message: `cannot carve ${P(target)} out of ${P(block)}: it is not inside it` });
  });
});

describe(mergeBuddies.name, () => {
  it.each([
    [[], []],
    [['10.0.0.0/25', '10.0.0.128/25'], ['10.0.0.0/24']],
    [['10.0.0.128/25', '10.0.0.0/25', '10.0.1.0/24'], ['10.0.0.0/23']],
    [
      ['10.0.0.64/26', '10.0.0.128/26'],
      ['10.0.0.64/26', '10.0.0.128/26'],
    ],
    [['10.0.0.0/24', '10.0.0.0/26', '10.0.0.0/24'], ['10.0.0.0/24']],
    [
      ['10.0.0.1/32', '10.0.0.2/32'],
      ['10.0.0.1/32', '10.0.0.2/32'],
    ],
    [['10.0.0.0/32', '10.0.0.1/32', '10.0.0.2/31'], ['10.0.0.0/30']],
    [
      ['0.0.0.0/1', '128.0.0.0/1', '::/1', '8000::/1'],
      ['0.0.0.0/0', '::/0'],
    ],
    [
      ['::1/128', '10.0.0.0/8', '::/128'],
      ['10.0.0.0/8', '::/127'],
    ],
    [['255.255.255.254/32', '255.255.255.255/32'], ['255.255.255.254/31']],
  ])('%j -> %j', (input, expected) => {
    expect(strings(mergeBuddies(Ps(...input)))).toEqual(expected);
  });

  it('rejects non-prefixes', () => {
    expect(thrown(() => mergeBuddies([P('10.0.0.0/8'), 3 as unknown as Prefix])).message).toBe(
      'prefixes[1] must be a Prefix, got number 3',
    );
  });
});

describe('free-space properties against enumeration', () => {
  const freeSet = ({ space, parent, leases }: { space: Prefix; parent: Prefix; leases: Prefix[] }) =>
    minus(within(space, parent), addressSet(space, leases));

  it(`${subtract.name} covers exactly the free addresses with the fewest CIDRs`, () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const result = subtract(s.parent, s.leases);
        const free = freeSet(s);
        expect(addressSet(s.space, result)).toEqual(free);
        expect(describeShapeProblems(result)).toEqual([]);
        expect(result.length).toBe(referenceMinimalCount(s.space, free));
      }),
      RUNS,
    );
  });

  it(`${freeBlocks.name} returns the lowest free aligned blocks`, () => {
    const arb = arbScenario.chain((s) =>
      fc.tuple(fc.constant(s), fc.integer({ min: s.parent.length, max: s.parent.bits }), fc.integer({ min: 0, max: SPACE_SIZE + 1 })),
    );
    fc.assert(
      fc.property(arb, ([s, length, limit]) => {
        const expected = referenceFreeBlocks(s.space, s.parent, freeSet(s), length).slice(0, limit);
        expect(strings(freeBlocks(s.parent, s.leases, length, limit))).toEqual(strings(expected));
      }),
      RUNS,
    );
  });

  it(`${largestFreeBlock.name} is the first free block of the shortest possible length`, () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const free = freeSet(s);
        let expected: Prefix | null = null;
        for (let length = s.parent.length; length <= s.parent.bits && expected === null; length++) {
          expected = referenceFreeBlocks(s.space, s.parent, free, length)[0] ?? null;
        }
        expect(largestFreeBlock(s.parent, s.leases)?.toString()).toBe(expected?.toString());
      }),
      RUNS,
    );
  });

  it(`${freeAddressCount.name} counts the free addresses`, () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        expect(freeAddressCount(s.parent, s.leases)).toBe(BigInt(count(freeSet(s))));
      }),
      RUNS,
    );
  });

  it(`${coverRange.name} covers exactly the range with the fewest CIDRs`, () => {
    const arb = fc
      .constantFrom(...SPACES)
      .chain((space) =>
        fc.tuple(fc.constant(space), fc.integer({ min: 0, max: SPACE_SIZE - 1 }), fc.integer({ min: 0, max: SPACE_SIZE - 1 })),
      );
    fc.assert(
      fc.property(arb, ([space, a, b]) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const result = coverRange(space.family, space.network + BigInt(lo), space.network + BigInt(hi));
        const expected = Array.from({ length: SPACE_SIZE }, (_, i) => i >= lo && i <= hi);
        expect(addressSet(space, result)).toEqual(expected);
        expect(describeShapeProblems(result)).toEqual([]);
        expect(result.length).toBe(referenceMinimalCount(space, expected));
      }),
      RUNS,
    );
  });

  it(`${carve.name} leaves exactly block minus target, one buddy per level`, () => {
    const arb = fc
      .constantFrom(...SPACES)
      .chain((space) => arbPrefixIn(space).chain((block) => fc.tuple(fc.constant(space), fc.constant(block), arbPrefixIn(block))));
    fc.assert(
      fc.property(arb, ([space, block, target]) => {
        const result = carve(block, target);
        expect(addressSet(space, result)).toEqual(minus(within(space, block), within(space, target)));
        expect(describeShapeProblems(result)).toEqual([]);
        expect(result).toHaveLength(target.length - block.length);
        // Each piece is the sibling of an ancestor of target, i.e. a block a buddy allocator would hold.
        for (const piece of result) expect(piece.sibling()?.contains(target)).toBe(true);
      }),
      RUNS,
    );
  });

  it(`${mergeBuddies.name} keeps the union and leaves no buddies`, () => {
    const arb = fc.constantFrom(...SPACES).chain((space) => fc.tuple(fc.constant(space), arbLeases(space)));
    fc.assert(
      fc.property(arb, ([space, prefixes]) => {
        const result = mergeBuddies(prefixes);
        const union = addressSet(space, prefixes);
        expect(addressSet(space, result)).toEqual(union);
        expect(describeShapeProblems(result)).toEqual([]);
        // A supernet of the space swallows it; otherwise the blocks inside the space must be minimal.
        if (!result.some((p) => p.relation(space) === 'contains')) {
          expect(result.filter((p) => space.contains(p)).length).toBe(referenceMinimalCount(space, union));
        }
        // Anything outside the space is a supernet or the other family's prefix, kept as given.
        for (const p of result) expect(prefixes.some((q) => q.contains(p) || p.contains(q))).toBe(true);
      }),
      RUNS,
    );
  });

  it('freeBlocks of every length only returns blocks subtract also frees', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const free = freeSet(s);
        for (const block of alignedBlocks(s.parent, Math.min(s.parent.length + 3, s.parent.bits))) {
          const isFree = freeBlocks(s.parent, s.leases, block.length, SPACE_SIZE).some((b) => b.equals(block));
          expect(isFree).toBe(allIn(s.space, free, block));
        }
      }),
      { numRuns: 100 },
    );
  });
});
