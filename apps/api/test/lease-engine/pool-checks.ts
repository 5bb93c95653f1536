import type { Tx } from '@kipam/persistence';

/**
 * SQL checks of a pool's state that must hold whatever happened to it: no two
 * leases overlap, and free blocks plus leases tile the pool exactly.
 */
export interface PoolAudit {
  /** Pairs of leases of the pool that overlap (self-join with &&). */
  overlappingLeases: number;
  /** Pairs of neighbours (leases and free blocks, in address order) that overlap. */
  overlappingBlocks: number;
  /** Leases or free blocks not inside the pool. */
  outside: number;
  /** Addresses covered by leases plus free blocks. */
  covered: bigint;
  /** Addresses of the pool. */
  size: bigint;
  /** Pairs of free blocks that are buddies (should have been merged). */
  unmergedBuddies: number;
  leases: number;
  freeBlocks: number;
}

export async function auditPool(tx: Tx, poolId: string): Promise<PoolAudit> {
  const [{ n: overlappingLeases }] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM lease a JOIN lease b
        ON b.pool_id = a.pool_id AND a.id < b.id AND a.cidr && b.cidr
      WHERE a.pool_id = $1::bigint`,
    [poolId],
  );
  const [row] = await tx.query<{
    overlapping: number;
    outside: number;
    covered: string;
    size: string;
    leases: number;
    free_blocks: number;
  }>(
    `WITH p AS (SELECT cidr, CASE family WHEN 4 THEN 32 ELSE 128 END AS w FROM pool WHERE id = $1::bigint),
     blocks AS (
       SELECT cidr, 1 AS is_lease FROM lease WHERE pool_id = $1::bigint AND NOT overlap_allowed
       UNION ALL
       SELECT cidr, 0 FROM free_block WHERE pool_id = $1::bigint
     ),
     ordered AS (SELECT cidr, is_lease, lead(cidr) OVER (ORDER BY cidr) AS next FROM blocks)
     SELECT count(*) FILTER (WHERE o.next IS NOT NULL AND set_masklen(broadcast(o.cidr), p.w) >= set_masklen(o.next, p.w))::int AS overlapping,
            count(*) FILTER (WHERE NOT (p.cidr >>= o.cidr) OR family(o.cidr) <> family(p.cidr))::int AS outside,
            coalesce(sum(power(2::numeric, p.w - masklen(o.cidr))), 0)::text AS covered,
            power(2::numeric, p.w - masklen(p.cidr))::text AS size,
            coalesce(sum(o.is_lease), 0)::int AS leases,
            (count(o.cidr) - coalesce(sum(o.is_lease), 0))::int AS free_blocks
       FROM p LEFT JOIN ordered o ON true
      GROUP BY p.cidr, p.w`,
    [poolId],
  );
  const [{ n: unmergedBuddies }] = await tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM free_block a JOIN free_block b ON b.pool_id = a.pool_id AND b.cidr = kipam_buddy(a.cidr)
      WHERE a.pool_id = $1::bigint AND a.cidr < b.cidr AND masklen(a.cidr) > (SELECT masklen(cidr) FROM pool WHERE id = $1::bigint)`,
    [poolId],
  );
  return {
    overlappingLeases,
    overlappingBlocks: row.overlapping,
    outside: row.outside,
    covered: BigInt(row.covered.split('.')[0]),
    size: BigInt(row.size.split('.')[0]),
    unmergedBuddies,
    leases: row.leases,
    freeBlocks: row.free_blocks,
  };
}

/** The state a healthy pool is in: expect(await auditPool(...)).toEqual(healthy(audit)). */
export function expectedHealthy(audit: PoolAudit): PoolAudit {
  return { ...audit, overlappingLeases: 0, overlappingBlocks: 0, outside: 0, covered: audit.size, unmergedBuddies: 0 };
}

/** Free blocks of a pool in address order, as text. */
export async function freeBlocksOf(tx: Tx, poolId: string): Promise<string[]> {
  const rows = await tx.query<{ cidr: string }>(
    'SELECT text(f.cidr) AS cidr FROM free_block f WHERE f.pool_id = $1::bigint ORDER BY f.cidr',
    [poolId],
  );
  return rows.map((r) => r.cidr);
}
