import { Prefix } from '@kipam/cidr';
import { isPgError, PgCode, type PgError } from '@kipam/persistence';
import type { LeaseRequest, RequestLabel } from './lease-types';

/**
 * What the lease engine refuses, as errors the caller can act on, made from
 * the SQLSTATE and the JSON DETAIL the lease functions raise
 * (prisma/sql/lease-engine/): never from the text of a message.
 */

export class LeaseEngineError extends Error implements RequestLabel {
  /** In `leaseAll`, the position of the request that failed. */
  request?: number;
  label?: string;
  hint?: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No free aligned block of the wanted length is left. */
export class PoolExhaustedError extends LeaseEngineError {
  constructor(
    readonly poolId: string,
    readonly prefixLength: number,
    message: string,
  ) {
    super(message);
  }
}

/** Some part of a requested block is already leased. */
export class BlockTakenError extends LeaseEngineError {
  constructor(
    readonly block: Prefix,
    readonly holder: { kind: string; id: string; cidr: string } | null,
    message: string,
  ) {
    super(message);
  }
}

/** A requested block is not inside the pool. */
export class OutsidePoolError extends LeaseEngineError {}

/** A block of another length than the one a fixed-length pool leases. */
export class LeaseLengthError extends LeaseEngineError {}

/**
 * What the lease functions raise in an error's DETAIL, as JSON
 * (prisma/sql/lease-engine/kipam_lease_next.sql, kipam_lease_exact.sql).
 */
interface RefusalDetail {
  pool?: string;
  /** The exact block asked for. */
  block?: string;
  /** The length asked for (next free). */
  length?: number;
  /** A fixed-length pool's one length. */
  leaseLength?: number;
  /** The lease in the way (KP002), null while it is being allocated by another transaction. */
  holder?: { kind: string; id: string; cidr: string } | null;
}

/** The lease table's overlap guards: a violation names no request, the functions' own checks come first. */
const OVERLAP_CONSTRAINTS = new Set(['lease_no_overlap', 'lease_no_duplicate']);

function refusalOf(error: PgError): RefusalDetail {
  if (!error.code.startsWith('KP') || !error.detail) return {};
  try {
    return JSON.parse(error.detail) as RefusalDetail;
  } catch {
    return {};
  }
}

/** The request of a batch an error is about: the functions name its pool and its block or length. */
export function refusedRequest(error: PgError, requests: LeaseRequest[]): number {
  if (error.code === PgCode.exclusionViolation) return requests.findIndex((r) => r.block !== undefined);
  const d = refusalOf(error);
  const block = d.block !== undefined ? Prefix.parseAddressOrCidr(d.block) : undefined;
  const exact = requests.findIndex(
    (r) => r.poolId === d.pool && (block ? r.block?.equals(block) === true : r.block === undefined && r.length === d.length),
  );
  return exact >= 0 ? exact : requests.findIndex((r) => r.poolId === d.pool);
}

/** The engine's error for a failed lease function call, carrying the caller's label. */
export function refusalError(error: unknown, poolId: string, length: number, block: Prefix | undefined, labels: RequestLabel): unknown {
  const translated = domainError(error, poolId, length, block);
  if (translated instanceof LeaseEngineError) {
    translated.label = labels.label;
    translated.hint = labels.hint;
  }
  return translated;
}

function domainError(error: unknown, poolId: string, length: number, block?: Prefix): unknown {
  if (!isPgError(error)) return error;
  const d = refusalOf(error);
  const what = block?.toString() ?? 'the block';
  switch (error.code) {
    case PgCode.rangeExhausted:
      return new PoolExhaustedError(poolId, length, `no free /${length} block is left`);
    case PgCode.blockTaken: {
      const holder = d.holder ? { kind: d.holder.kind, id: d.holder.id, cidr: d.holder.cidr } : null;
      return new BlockTakenError(block!, holder, `${what} is already leased${holder ? ` (overlaps ${holder.cidr})` : ''}`);
    }
    case PgCode.exclusionViolation:
      if (!OVERLAP_CONSTRAINTS.has(error.constraint ?? '')) return error;
      return new BlockTakenError(block!, null, `${what} overlaps an existing lease`);
    case PgCode.outsidePool:
      return new OutsidePoolError(`${what} is not inside the pool`);
    case PgCode.leaseLength:
      return new LeaseLengthError(
        `${block?.toString() ?? `a /${length} block`}: the pool leases /${d.leaseLength} blocks only, not ${block?.toString() ?? `/${length}`}`,
      );
    default:
      return error;
  }
}
