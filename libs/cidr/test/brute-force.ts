/*
 * Brute-force references for property tests: small spaces of 256 addresses (an IPv4 /24 or an
 * IPv6 /120), where every address can be listed. Everything here is computed from raw numbers
 * and address-by-address loops, independent of the interval code under test.
 */
import fc from 'fast-check';
import { Prefix } from '../src/prefix';

export const SPACE_SIZE = 256;

/** Spaces at the bottom, middle and top of both families, plus the IPv4-mapped range. */
export const SPACES: readonly Prefix[] = [
  '0.0.0.0/24',
  '10.244.7.0/24',
  '255.255.255.0/24',
  '::/120',
  '2001:db8::/120',
  '::ffff:10.1.2.0/120',
  'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120',
].map((text) => Prefix.parse(text));

const firstOf = (p: Prefix): bigint => p.network;
const lastOf = (p: Prefix): bigint => p.network + (1n << BigInt(p.bits - p.length)) - 1n;

/** Address offsets 0..255 of `space` covered by any of `prefixes` (other families ignored). */
export function addressSet(space: Prefix, prefixes: readonly Prefix[]): boolean[] {
  const set = new Array<boolean>(SPACE_SIZE).fill(false);
  for (const p of prefixes) {
    if (p.family !== space.family) continue;
    for (let offset = 0; offset < SPACE_SIZE; offset++) {
      const v = space.network + BigInt(offset);
      if (firstOf(p) <= v && v <= lastOf(p)) set[offset] = true;
    }
  }
  return set;
}

/** The offsets of `space` inside `p`, as a set. */
export const within = (space: Prefix, p: Prefix): boolean[] => addressSet(space, [p]);

export const count = (set: boolean[]): number => set.filter(Boolean).length;
export const and = (a: boolean[], b: boolean[]): boolean[] => a.map((x, i) => x && b[i]);
export const minus = (a: boolean[], b: boolean[]): boolean[] => a.map((x, i) => x && !b[i]);

/** Aligned blocks of `length` inside `outer`, in address order. */
export function alignedBlocks(outer: Prefix, length: number): Prefix[] {
  const step = 1n << BigInt(outer.bits - length);
  const blocks: Prefix[] = [];
  for (let v = firstOf(outer); v <= lastOf(outer); v += step) blocks.push(Prefix.of(outer.family, v, length));
  return blocks;
}

/** Whether every address of p (which must lie inside space) is in set. */
export function allIn(space: Prefix, set: boolean[], p: Prefix): boolean {
  if (!space.contains(p)) throw new Error(`${p} is not inside ${space}`);
  const lo = Number(p.network - space.network);
  return set.slice(lo, lo + 2 ** (p.bits - p.length)).every(Boolean);
}

/** Free aligned blocks of `length` in parent, lowest first, by checking every address against `free`. */
export function referenceFreeBlocks(space: Prefix, parent: Prefix, free: boolean[], length: number): Prefix[] {
  return alignedBlocks(parent, length).filter((b) => allIn(space, free, b));
}

/** Fewest aligned blocks that partition `set`: greedy largest block at each uncovered address. */
export function referenceMinimalCount(space: Prefix, set: boolean[]): number {
  let blocks = 0;
  for (let offset = 0; offset < SPACE_SIZE;) {
    if (!set[offset]) {
      offset++;
      continue;
    }
    let size = 1;
    while (offset % (size * 2) === 0 && offset + size * 2 <= SPACE_SIZE && set.slice(offset, offset + size * 2).every(Boolean)) size *= 2;
    blocks++;
    offset += size;
  }
  return blocks;
}

/** Checks shared by every "set of CIDRs" result: sorted, pairwise disjoint, no buddy pairs. */
export function describeShapeProblems(prefixes: readonly Prefix[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < prefixes.length; i++) {
    if (prefixes[i - 1].compare(prefixes[i]) >= 0) problems.push(`not sorted at ${i}`);
  }
  for (const [i, a] of prefixes.entries()) {
    for (const b of prefixes.slice(i + 1)) {
      if (a.family === b.family && firstOf(a) <= lastOf(b) && firstOf(b) <= lastOf(a)) problems.push(`${a} overlaps ${b}`);
      if (a.length === b.length && a.length > 0 && a.family === b.family && (a.network ^ b.network) === 1n << BigInt(a.bits - a.length)) {
        problems.push(`${a} and ${b} are buddies`);
      }
    }
  }
  return problems;
}

/** Any prefix inside `outer`. */
export function arbPrefixIn(outer: Prefix): fc.Arbitrary<Prefix> {
  return fc
    .integer({ min: outer.length, max: outer.bits })
    .chain((length) =>
      fc
        .bigInt({ min: 0n, max: (1n << BigInt(length - outer.length)) - 1n })
        .map((i) => Prefix.of(outer.family, outer.network + (i << BigInt(outer.bits - length)), length)),
    );
}

/** A prefix of the other family, which every function must ignore. */
const otherFamily = (space: Prefix): Prefix => Prefix.parse(space.family === 'IPv4' ? '2001:db8::/120' : '10.0.0.0/24');

/** Leases: mostly inside the space, sometimes a supernet of it or of the other family. */
export function arbLeases(space: Prefix): fc.Arbitrary<Prefix[]> {
  return fc.array(
    fc.oneof(
      { weight: 12, arbitrary: arbPrefixIn(space) },
      { weight: 1, arbitrary: fc.constant(space.parent() ?? space) },
      { weight: 1, arbitrary: fc.constant(otherFamily(space)) },
    ),
    { maxLength: 10 },
  );
}

export interface Scenario {
  space: Prefix;
  parent: Prefix;
  leases: Prefix[];
}

/** A space, a parent somewhere in it (biased towards larger parents), and leases. */
export const arbScenario: fc.Arbitrary<Scenario> = fc.constantFrom(...SPACES).chain((space) =>
  fc.record({
    space: fc.constant(space),
    parent: fc.oneof({ weight: 2, arbitrary: fc.constant(space) }, { weight: 3, arbitrary: arbPrefixIn(space) }),
    leases: arbLeases(space),
  }),
);

export const RUNS = { numRuns: 300 };
