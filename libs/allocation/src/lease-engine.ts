import { Address, Prefix } from '@kipam/cidr';
import { isPgError, type Tx } from '@kipam/persistence';
import { LeaseEngineError, refusalError, refusedRequest } from './lease-errors';
import {
  familyNumber,
  familyOf,
  type Holder,
  type HolderKind,
  type Lease,
  type LeaseRequest,
  type LeaseResult,
  type PoolFree,
  type PoolKind,
  type PoolUsage,
  type RequestLabel,
  type Starts,
} from './lease-types';

/**
 * The lease engine: "lease an aligned block of prefix length L inside pool P,
 * overlapping no other lease of P". One engine serves every kind of holder (a
 * cluster CIDR carved from a range, a node's pod CIDR, a Service's ClusterIP).
 *
 * The work is done by SQL functions whose current text is in
 * prisma/sql/lease-engine/ (kipam_lease_next.sql, kipam_lease_exact.sql,
 * kipam_release.sql, ...; migrations apply them, `npm run db:check` holds the
 * database to them): one round trip per allocation, row locks with SKIP LOCKED
 * on a buddy index of free blocks, and an exclusion constraint that makes
 * overlapping leases impossible whatever the code does.
 *
 * The lease, pool and free_block tables belong to the engine: other code reads
 * leases through its methods, or, to join them with their holders in one
 * statement, through the view lease_with_pool (prisma/sql/lease-engine/). Every method takes the caller's
 * transaction, so a feature composes several leases atomically.
 */

interface LeaseRowSql {
  id: string;
  pool_id: string;
  cidr: string;
  family: number;
  holder_kind: HolderKind;
  holder_id: string;
  slot: string;
  overlap_allowed: boolean;
  created_at: Date;
}

const LEASE_COLUMNS = 'id, pool_id::text AS pool_id, cidr::text AS cidr, family, holder_kind, holder_id, slot, overlap_allowed, created_at';

/** A row of kipam_lease_next / kipam_lease_exact / kipam_lease / kipam_lease_all. */
export interface LeaseResultRow {
  lease_id: string;
  lease_cidr: string;
  existed: boolean;
}

export function toLeaseResult(row: LeaseResultRow): LeaseResult {
  return { lease: { id: row.lease_id, cidr: Prefix.parseAddressOrCidr(row.lease_cidr) }, existed: row.existed };
}

/**
 * A request list as the seven parallel arrays kipam_lease_all takes (pools,
 * lengths, starts, exact blocks, holder kinds, holder ids, slots), for a SQL
 * function that leases inside a larger write (see `leaseWithin`).
 */
export function leaseAllParams(requests: LeaseRequest[]): unknown[] {
  return [
    requests.map((r) => r.poolId),
    requests.map((r) => r.length ?? r.block.length),
    // each request's starts as an array literal: unnest would flatten an inet[][]
    requests.map((r) => {
      const starts = startsOf(r.from);
      return starts ? `{${starts.map((a) => a ?? 'NULL').join(',')}}` : null;
    }),
    requests.map((r) => r.block?.toString() ?? null),
    requests.map((r) => r.holder.kind),
    requests.map((r) => r.holder.id),
    requests.map((r) => r.holder.slot),
  ];
}

function isTiers(from: Address[] | Address[][]): from is Address[][] {
  return from.some((t) => Array.isArray(t));
}

/** The starts of a next-free lease as kipam_lease_next takes them: tiers ended by NULL. */
function startsOf(from: Starts | undefined): (string | null)[] | null {
  if (from === undefined) return null;
  const tiers: Address[][] = !Array.isArray(from) ? [[from]] : isTiers(from) ? from : [from];
  return tiers.flatMap((tier, i) => [...(i ? [null] : []), ...tier.map((a) => a.toString())]);
}

function toLease(row: LeaseRowSql): Lease {
  return {
    id: row.id,
    poolId: row.pool_id,
    cidr: Prefix.parseAddressOrCidr(row.cidr),
    family: familyOf(row.family),
    holderKind: row.holder_kind,
    holderId: row.holder_id,
    slot: row.slot,
    overlapAllowed: row.overlap_allowed,
    createdAt: row.created_at,
  };
}

export class LeaseEngine {
  /**
   * A new pool whose whole CIDR is free. With `leaseLength` every lease of the
   * pool has that length (a cluster's ClusterIP or pod CIDR pool), and its
   * overlap guard is a B-tree uniqueness check instead of a GiST exclusion.
   */
  async createPool(tx: Tx, kind: PoolKind, cidr: Prefix, leaseLength?: number): Promise<string> {
    const [row] = await tx.query<{ id: string }>(
      `WITH p AS (INSERT INTO pool (kind, cidr, family, lease_length) VALUES ($1, $2::inet, $3, $4) RETURNING id)
       SELECT id::text AS id, kipam_pool_init(id) FROM p`,
      [kind, cidr.toString(), familyNumber(cidr.family), leaseLength ?? 0],
    );
    return row.id;
  }

  /** Deletes a pool with every lease and free block in it (the caller removed its holders). */
  async deletePools(tx: Tx, poolIds: string[]): Promise<void> {
    if (!poolIds.length) return;
    await tx.query('DELETE FROM lease WHERE pool_id = ANY($1::bigint[])', [poolIds]);
    await tx.query('DELETE FROM free_block WHERE pool_id = ANY($1::bigint[])', [poolIds]);
    await tx.query('DELETE FROM pool WHERE id = ANY($1::bigint[])', [poolIds]);
  }

  /**
   * Leases the lowest free aligned block of `length` (at or after `from` when
   * given, falling back to the rest of the pool). Several starts are tried in
   * order, each "the first free block at or after it", before the fallback:
   * `[random, bandStart]` is a scan from a random offset with wrap-around.
   */
  async leaseNext(
    tx: Tx,
    poolId: string,
    length: number,
    holder: Holder,
    opts: { from?: Starts } & RequestLabel = {},
  ): Promise<LeaseResult> {
    try {
      const [row] = await tx.query<LeaseResultRow>(
        'SELECT lease_id, lease_cidr::text AS lease_cidr, existed FROM kipam_lease_next($1::bigint, $2, $3::inet[], $4::holder_kind, $5::uuid, $6)',
        [poolId, length, startsOf(opts.from), holder.kind, holder.id, holder.slot],
      );
      return toLeaseResult(row);
    } catch (error) {
      throw refusalError(error, poolId, length, undefined, opts);
    }
  }

  /**
   * Leases exactly `block`. With `allowOverlap` (brownfield imports) a block
   * that overlaps other leases is accepted and flagged instead of refused.
   */
  async leaseExact(
    tx: Tx,
    poolId: string,
    block: Prefix,
    holder: Holder,
    opts: { allowOverlap?: boolean } & RequestLabel = {},
  ): Promise<LeaseResult> {
    try {
      const [row] = await tx.query<LeaseResultRow>(
        'SELECT lease_id, lease_cidr::text AS lease_cidr, existed FROM kipam_lease_exact($1::bigint, $2::inet, $3, $4::holder_kind, $5::uuid, $6)',
        [poolId, block.toString(), Boolean(opts.allowOverlap), holder.kind, holder.id, holder.slot],
      );
      return toLeaseResult(row);
    } catch (error) {
      throw refusalError(error, poolId, block.length, block, opts);
    }
  }

  /**
   * Several leases in one statement (one round trip), in order; all or none
   * with the caller's transaction. A refusal is the error `leaseNext` or
   * `leaseExact` would raise, its `request` the position of the request.
   */
  async leaseAll(tx: Tx, requests: LeaseRequest[]): Promise<LeaseResult[]> {
    if (!requests.length) return [];
    return this.leaseWithin(
      requests,
      async () =>
        (
          await tx.query<LeaseResultRow>(
            `SELECT lease_id, lease_cidr::text AS lease_cidr, existed
               FROM kipam_lease_all($1::bigint[], $2::int[], $3::text[], $4::inet[], $5::holder_kind[], $6::uuid[], $7::text[])`,
            leaseAllParams(requests),
          )
        ).map(toLeaseResult),
      (results) => results,
    );
  }

  /**
   * Leases `requests` inside a larger statement of the caller's (a SQL
   * function that also writes what holds them, in one round trip): `run`
   * sends it, passing `leaseAllParams(requests)` on to kipam_lease_all;
   * `leases` picks the results out of its answer (for the engine's own
   * accounting: see the metered engine). A refusal is translated as in
   * `leaseAll`.
   */
  async leaseWithin<T>(requests: LeaseRequest[], run: () => Promise<T>, _leases: (answer: T) => LeaseResult[]): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!isPgError(error)) throw error;
      const index = Math.max(0, refusedRequest(error, requests));
      const r = requests[index];
      const translated = refusalError(error, r.poolId, r.length ?? r.block.length, r.block, r);
      if (translated instanceof LeaseEngineError) translated.request = index;
      throw translated;
    }
  }

  /** Releases leases; their space is free for the next allocation once the transaction commits. */
  async release(tx: Tx, leaseIds: string[]): Promise<number> {
    if (!leaseIds.length) return 0;
    const [row] = await tx.query<{ n: number }>('SELECT kipam_release($1::uuid[]) AS n', [leaseIds]);
    return row.n;
  }

  /** Releases every lease a holder has (in any pool). */
  async releaseHolder(tx: Tx, kind: HolderKind, holderId: string): Promise<number> {
    const [row] = await tx.query<{ n: number }>(
      `SELECT kipam_release(coalesce(array_agg(id), '{}')) AS n FROM lease WHERE holder_kind = $1::holder_kind AND holder_id = $2::uuid`,
      [kind, holderId],
    );
    return row.n;
  }

  async findByHolder(tx: Tx, kind: HolderKind, holderId: string): Promise<Lease[]> {
    const rows = await tx.query<LeaseRowSql>(
      `SELECT ${LEASE_COLUMNS} FROM lease WHERE holder_kind = $1::holder_kind AND holder_id = $2::uuid ORDER BY family, slot`,
      [kind, holderId],
    );
    return rows.map(toLease);
  }

  async findByHolders(tx: Tx, kind: HolderKind, holderIds: string[]): Promise<Lease[]> {
    if (!holderIds.length) return [];
    const rows = await tx.query<LeaseRowSql>(
      `SELECT ${LEASE_COLUMNS} FROM lease WHERE holder_kind = $1::holder_kind AND holder_id = ANY($2::uuid[]) ORDER BY holder_id, family, slot`,
      [kind, holderIds],
    );
    return rows.map(toLease);
  }

  async findById(tx: Tx, leaseId: string): Promise<Lease | undefined> {
    const [row] = await tx.query<LeaseRowSql>(`SELECT ${LEASE_COLUMNS} FROM lease WHERE id = $1::uuid`, [leaseId]);
    return row ? toLease(row) : undefined;
  }

  /** Leases of a pool in address order, after `after` (a CIDR) when given. */
  async findByPool(tx: Tx, poolId: string, opts: { limit?: number; after?: Prefix } = {}): Promise<Lease[]> {
    const rows = await tx.query<LeaseRowSql>(
      `SELECT ${LEASE_COLUMNS} FROM lease WHERE pool_id = $1::bigint AND ($2::inet IS NULL OR cidr > $2::inet) ORDER BY cidr LIMIT $3`,
      [poolId, opts.after ? opts.after.toString() : null, opts.limit ?? 1000],
    );
    return rows.map(toLease);
  }

  /**
   * Leases of exactly these blocks, each in its fixed-length pool (a cluster's
   * node-block or ClusterIP pool, where every lease has the pool's length, so
   * a lease overlaps a block of that length only by being it): one statement,
   * on the (pool_id, cidr) index, for a whole observation.
   */
  async findAtBlocks(tx: Tx, probes: { poolId: string; block: Prefix }[]): Promise<Lease[]> {
    if (!probes.length) return [];
    const rows = await tx.query<LeaseRowSql>(
      `SELECT DISTINCT l.id, l.pool_id::text AS pool_id, l.cidr::text AS cidr, l.family, l.holder_kind, l.holder_id, l.slot,
              l.overlap_allowed, l.created_at
         FROM unnest($1::bigint[], $2::inet[]) AS p(pool, block)
         JOIN lease l ON l.pool_id = p.pool AND l.cidr = p.block`,
      [probes.map((p) => p.poolId), probes.map((p) => p.block.toString())],
    );
    return rows.map(toLease);
  }

  /** Every lease containing the address, in any pool (GiST index on the CIDR). */
  async findContaining(tx: Tx, address: Address): Promise<Lease[]> {
    const rows = await tx.query<LeaseRowSql>(
      `SELECT ${LEASE_COLUMNS} FROM lease WHERE cidr >>= $1::inet ORDER BY masklen(cidr), created_at`,
      [address.toString()],
    );
    return rows.map(toLease);
  }

  /** Leases in a pool: all of them, those of one holder kind, or those of every other kind. */
  async countLeases(tx: Tx, poolId: string, f: { holderKind?: HolderKind; exceptHolderKind?: HolderKind } = {}): Promise<number> {
    const [row] = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM lease WHERE pool_id = $1::bigint
          AND ($2::holder_kind IS NULL OR holder_kind = $2::holder_kind) AND ($3::holder_kind IS NULL OR holder_kind <> $3::holder_kind)`,
      [poolId, f.holderKind ?? null, f.exceptHolderKind ?? null],
    );
    return row.n;
  }

  /** Leases of one holder kind in each pool, by pool id (0 for a pool without any). */
  async countLeasesByPool(tx: Tx, poolIds: string[], holderKind: HolderKind): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>(poolIds.map((id) => [id, 0n]));
    if (!poolIds.length) return out;
    const rows = await tx.query<{ pool_id: string; n: string }>(
      `SELECT pool_id::text AS pool_id, count(*)::text AS n FROM lease
        WHERE pool_id = ANY($1::bigint[]) AND holder_kind = $2::holder_kind GROUP BY pool_id`,
      [poolIds, holderKind],
    );
    for (const r of rows) out.set(r.pool_id, BigInt(r.n));
    return out;
  }

  /** Addresses leased to one holder kind in a pool (a range's reservations). */
  async leasedAddresses(tx: Tx, poolId: string, holderKind: HolderKind): Promise<bigint> {
    const [row] = await tx.query<{ n: string }>(
      `SELECT coalesce(sum(power(2::numeric, (CASE family WHEN 4 THEN 32 ELSE 128 END) - masklen(cidr))), 0)::text AS n
         FROM lease WHERE pool_id = $1::bigint AND holder_kind = $2::holder_kind`,
      [poolId, holderKind],
    );
    return BigInt(row.n.split('.')[0]);
  }

  /** Whether a lease of the pool overlaps the block. */
  async isLeased(tx: Tx, poolId: string, block: Prefix): Promise<boolean> {
    const [row] = await tx.query<{ taken: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM lease WHERE pool_id = $1::bigint AND cidr && $2::inet) AS taken',
      [poolId, block.toString()],
    );
    return row.taken;
  }

  /** How many of these leases, or of the leases in these pools, each holder kind has (for counters, before a release). */
  async countByHolderKind(tx: Tx, of: { leaseIds: string[] } | { poolIds: string[] }): Promise<{ kind: HolderKind; n: number }[]> {
    return 'leaseIds' in of
      ? tx.query<{ kind: HolderKind; n: number }>(
          'SELECT holder_kind::text AS kind, count(*)::int AS n FROM lease WHERE id = ANY($1::uuid[]) GROUP BY 1',
          [of.leaseIds],
        )
      : tx.query<{ kind: HolderKind; n: number }>(
          'SELECT holder_kind::text AS kind, count(*)::int AS n FROM lease WHERE pool_id = ANY($1::bigint[]) GROUP BY 1',
          [of.poolIds],
        );
  }

  /** Every pool with its free addresses (read from the free index, as a float: a gauge's value). */
  async freeAddressesByPool(tx: Tx): Promise<PoolFree[]> {
    return tx.query<PoolFree>(
      `SELECT p.id::text AS "poolId", p.kind::text AS kind, p.family, masklen(p.cidr) AS length, coalesce(fb.free, 0)::float8 AS free
         FROM pool p
         LEFT JOIN LATERAL (
           SELECT sum(power(2::numeric, (CASE p.family WHEN 4 THEN 32 ELSE 128 END) - f.prefix_len)) AS free
             FROM free_block f WHERE f.pool_id = p.id
         ) fb ON true`,
    );
  }

  /** Total, leased and free addresses of a pool, and its largest free block. Reads the free index, never enumerates. */
  async usage(tx: Tx, poolId: string): Promise<PoolUsage> {
    const [row] = await tx.query<{ cidr: string; free: string; largest: string | null; leased: string }>(
      `SELECT p.cidr::text AS cidr,
              (SELECT coalesce(sum(power(2::numeric, (CASE p.family WHEN 4 THEN 32 ELSE 128 END) - f.prefix_len)), 0)::text
                 FROM free_block f WHERE f.pool_id = p.id) AS free,
              (SELECT f.cidr::text FROM free_block f WHERE f.pool_id = p.id ORDER BY f.prefix_len, f.cidr LIMIT 1) AS largest,
              (SELECT coalesce(sum(power(2::numeric, (CASE p.family WHEN 4 THEN 32 ELSE 128 END) - masklen(l.cidr))), 0)::text
                 FROM lease l WHERE l.pool_id = p.id AND NOT l.overlap_allowed) AS leased
         FROM pool p WHERE p.id = $1::bigint`,
      [poolId],
    );
    const cidr = Prefix.parseAddressOrCidr(row.cidr);
    return {
      cidr,
      total: cidr.size,
      free: BigInt(row.free.split('.')[0]),
      leased: BigInt(row.leased.split('.')[0]),
      largestFree: row.largest ? Prefix.parseAddressOrCidr(row.largest) : null,
    };
  }

  /** Free aligned blocks of `length` left in a pool (counted from the free index). */
  async freeBlockCount(tx: Tx, poolId: string, length: number): Promise<bigint> {
    const [row] = await tx.query<{ n: string }>(
      `SELECT coalesce(sum(power(2::numeric, $2 - prefix_len)), 0)::text AS n
         FROM free_block WHERE pool_id = $1::bigint AND prefix_len <= $2`,
      [poolId, length],
    );
    return BigInt(row.n.split('.')[0]);
  }
}
