import { CidrError, describeValue } from '../src/errors';
import { IPFamily, assertFamily, familyBits, maxValue } from '../src/family';
import { Prefix, assertPrefix } from '../src/prefix';

/*
 * Everything here works on sorted, merged intervals of address values, never on addresses:
 * cost depends on the number of leases and on the bit width, not on how many addresses exist,
 * so an IPv6 /64 costs the same as an IPv4 /30.
 */

interface Interval {
  first: bigint;
  last: bigint;
}

const byFirst = (a: Interval, b: Interval): number => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0);

/** Sort and merge overlapping or adjacent intervals. */
function mergeIntervals(intervals: Interval[]): Interval[] {
  intervals.sort(byFirst);
  const merged: Interval[] = [];
  for (const next of intervals) {
    const top = merged[merged.length - 1];
    if (top && next.first <= top.last + 1n) {
      if (next.last > top.last) top.last = next.last;
    } else {
      merged.push({ ...next });
    }
  }
  return merged;
}

function checkPrefixes(list: readonly Prefix[], name: string): void {
  if (!Array.isArray(list)) {
    throw new CidrError('invalid-cidr', `${name} must be an array of Prefix, got ${describeValue(list)}`, list);
  }
  list.forEach((p, i) => assertPrefix(p, `${name}[${i}]`));
}

/**
 * Leases clipped to the parent, merged. Leases of the other family or outside the parent are
 * ignored; a lease that contains the parent covers all of it.
 */
function usedIntervals(parent: Prefix, leased: readonly Prefix[]): Interval[] {
  assertPrefix(parent, 'parent');
  checkPrefixes(leased, 'leased');
  const clipped: Interval[] = [];
  for (const p of leased) {
    if (!parent.overlaps(p)) continue;
    clipped.push({
      first: p.firstValue > parent.firstValue ? p.firstValue : parent.firstValue,
      last: p.lastValue < parent.lastValue ? p.lastValue : parent.lastValue,
    });
  }
  return mergeIntervals(clipped);
}

/** The gaps of the parent not covered by any lease, ascending. */
function freeIntervals(parent: Prefix, leased: readonly Prefix[]): Interval[] {
  const free: Interval[] = [];
  let cursor = parent.firstValue;
  for (const used of usedIntervals(parent, leased)) {
    if (used.first > cursor) free.push({ first: cursor, last: used.first - 1n });
    cursor = used.last + 1n;
  }
  if (cursor <= parent.lastValue) free.push({ first: cursor, last: parent.lastValue });
  return free;
}

/** Number of binary digits of a positive bigint. */
const bitLength = (x: bigint): number => x.toString(2).length;

/** Largest-aligned-block-first greedy cover; yields the unique minimal CIDR set of [first, last]. */
function coverInterval(family: IPFamily, first: bigint, last: bigint, out: Prefix[]): void {
  const bits = familyBits(family);
  let cur = first;
  while (cur <= last) {
    // The block may be no larger than cur's alignment (trailing zero bits) nor than what is left.
    const alignment = cur === 0n ? bits : bitLength(cur & -cur) - 1;
    const host = Math.min(alignment, bitLength(last - cur + 1n) - 1);
    out.push(Prefix.of(family, cur, bits - host));
    cur += 1n << BigInt(host);
  }
}

function checkBlockLength(parent: Prefix, length: number): void {
  if (typeof length !== 'number' || !Number.isInteger(length) || length < parent.length || length > parent.bits) {
    const shown = typeof length === 'number' ? String(length) : describeValue(length);
    throw new CidrError(
      'out-of-range',
      `block length ${shown} does not fit in ${parent.toString()}; use an integer between ${parent.length} and ${parent.bits}`,
      length,
    );
  }
}

/** Aligned free blocks of `length` inside parent, lowest first, at most `limit`. */
export function freeBlocks(parent: Prefix, leased: readonly Prefix[], length: number, limit = 1): Prefix[] {
  assertPrefix(parent, 'parent');
  checkBlockLength(parent, length);
  // A bounded limit is what keeps this from enumerating 2^64 blocks, so no Infinity.
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new CidrError('out-of-range', `limit must be a non-negative integer, got ${describeValue(limit)}`, limit);
  }
  const blockSize = 1n << BigInt(parent.bits - length);
  const out: Prefix[] = [];
  for (const gap of freeIntervals(parent, leased)) {
    let start = ((gap.first + blockSize - 1n) / blockSize) * blockSize;
    while (out.length < limit && start + blockSize - 1n <= gap.last) {
      out.push(Prefix.of(parent.family, start, length));
      start += blockSize;
    }
    if (out.length >= limit) break;
  }
  return out;
}

/** Minimal sorted set of CIDRs covering parent minus the leases. */
export function subtract(parent: Prefix, leased: readonly Prefix[]): Prefix[] {
  const out: Prefix[] = [];
  for (const gap of freeIntervals(parent, leased)) coverInterval(parent.family, gap.first, gap.last, out);
  return out;
}

/** Minimal CIDR cover of the inclusive range first..last. */
export function coverRange(family: IPFamily, first: bigint, last: bigint): Prefix[] {
  assertFamily(family);
  const max = maxValue(family);
  if (typeof first !== 'bigint' || typeof last !== 'bigint' || first < 0n || last > max || first > last) {
    const show = (v: unknown) => (typeof v === 'bigint' ? v.toString() : describeValue(v));
    throw new CidrError(
      'invalid-range',
      `invalid ${family} range ${show(first)}..${show(last)}: need bigints with 0 <= first <= last <= 2^${familyBits(family)}-1`,
      { family, first, last },
    );
  }
  const out: Prefix[] = [];
  coverInterval(family, first, last, out);
  return out;
}

/** The largest aligned free block (lowest on a tie), or null when the parent is full. */
export function largestFreeBlock(parent: Prefix, leased: readonly Prefix[]): Prefix | null {
  let best: Prefix | null = null;
  for (const block of subtract(parent, leased)) {
    if (best === null || block.length < best.length) best = block;
  }
  return best;
}

export function freeAddressCount(parent: Prefix, leased: readonly Prefix[]): bigint {
  let used = 0n;
  for (const u of usedIntervals(parent, leased)) used += u.last - u.first + 1n;
  return parent.size - used;
}

/**
 * What stays free in `block` once `target` is taken: the sibling of every prefix on the path
 * from target up to block, sorted by address. [] when they are identical.
 */
export function carve(block: Prefix, target: Prefix): Prefix[] {
  assertPrefix(block, 'block');
  assertPrefix(target, 'target');
  if (!block.contains(target)) {
    throw new CidrError('not-contained', `cannot carve ${target.toString()} out of ${block.toString()}: it is not inside it`, target);
  }
  const out: Prefix[] = [];
  for (let cur = target; cur.length > block.length; cur = cur.parent() as Prefix) out.push(cur.sibling() as Prefix);
  return out.sort((a, b) => a.compare(b));
}

/**
 * Coalesce buddies until none are left. Repeated buddy merging ends in the maximal aligned
 * blocks of the union, which is exactly the minimal CIDR cover of each merged interval, so
 * compute that directly (duplicates and nested prefixes fall out of the interval merge).
 */
export function mergeBuddies(prefixes: readonly Prefix[]): Prefix[] {
  checkPrefixes(prefixes, 'prefixes');
  const out: Prefix[] = [];
  for (const family of ['IPv4', 'IPv6'] as const) {
    const intervals = prefixes.filter((p) => p.family === family).map((p) => ({ first: p.firstValue, last: p.lastValue }));
    for (const i of mergeIntervals(intervals)) coverInterval(family, i.first, i.last, out);
  }
  return out;
}
