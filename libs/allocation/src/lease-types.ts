import type { Address, IPFamily, Prefix } from '@kipam/cidr';

/** The lease engine's vocabulary (lease-engine.ts). */

export type PoolKind = 'range' | 'cluster_pod' | 'cluster_service';
export type HolderKind = 'range' | 'cluster' | 'node' | 'service' | 'reservation' | 'system';

export interface Holder {
  kind: HolderKind;
  id: string;
  /** Which of the holder's leases: leasing again for the same slot returns the existing lease. */
  slot: string;
}

export interface Lease {
  id: string;
  poolId: string;
  cidr: Prefix;
  family: IPFamily;
  holderKind: HolderKind;
  holderId: string;
  slot: string;
  overlapAllowed: boolean;
  createdAt: Date;
}

export interface LeaseResult {
  lease: { id: string; cidr: Prefix };
  /** True when the holder already had this lease (nothing was allocated). */
  existed: boolean;
}

export interface PoolUsage {
  cidr: Prefix;
  total: bigint;
  leased: bigint;
  free: bigint;
  largestFree: Prefix | null;
}

/** A pool's free addresses (LeaseEngine.freeAddressesByPool). */
export interface PoolFree {
  poolId: string;
  kind: PoolKind;
  family: 4 | 6;
  /** The pool CIDR's prefix length. */
  length: number;
  free: number;
}

/**
 * How the caller names a request. A refusal carries it, so that the caller
 * need not catch the error to say which of its requests was refused.
 */
export interface RequestLabel {
  /** E.g. the API field the request came from (`podCidrs[0]`). */
  label?: string;
  /** What the caller can do about a refusal (e.g. a flag that accepts an overlap). */
  hint?: string;
}

/**
 * Where a next-free lease looks, in order: one start, several (each "the
 * first free block at or after it"), or tiers of starts. A later tier is
 * looked at only once nothing at or after an earlier tier's starts is free:
 * blocks a concurrent allocator holds there are waited for, not passed over
 * (a Service CIDR's lower band only once its upper one is full).
 */
export type Starts = Address | Address[] | Address[][];

/** One lease of a `leaseAll` batch: the next free block of `length`, or exactly `block`. */
export type LeaseRequest = { poolId: string; holder: Holder } & RequestLabel &
  ({ length: number; from?: Starts; block?: undefined } | { block: Prefix; length?: undefined; from?: undefined });

export function familyNumber(family: IPFamily): 4 | 6 {
  return family === 'IPv4' ? 4 : 6;
}

export function familyOf(n: number): IPFamily {
  return n === 4 ? 'IPv4' : 'IPv6';
}
