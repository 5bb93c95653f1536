import { Injectable } from '@nestjs/common';
import type { HolderKind, PoolKind } from '@kipam/allocation';
import type { Prefix } from '@kipam/cidr';
import type { Tx } from '@kipam/persistence';
import { holderBranches, type HolderColumns } from '../leases/holders.repository';

export interface MapPoolRow {
  id: string;
  kind: PoolKind;
  cidr: string;
  lease_length: number;
}

export interface CellAggregateRow {
  cell: string;
  len: number;
  reserved: boolean;
  overlap_allowed: boolean;
  n: number;
}

/** A lease shown in a cell, with its holder described and the pool it is carved into (if any). */
export interface MapLeaseRow {
  cell: string;
  id: string;
  cidr: string;
  slot: string;
  holder_kind: HolderKind;
  holder_id: string;
  overlap_allowed: boolean;
  holder: HolderColumns | null;
  inner_range_id: string | null;
  inner_cluster_id: string | null;
  inner_kind: 'pod' | 'service' | null;
  inner_family: number | null;
}

/** Holder kinds whose leases are space kept out of use rather than used. */
const RESERVED_KINDS = `ARRAY['reservation', 'system']::holder_kind[]`;

const LEASE_WITH_HOLDER = `l.id, l.cidr::text AS cidr, l.slot, l.holder_kind, l.holder_id, l.overlap_allowed,
       to_jsonb(x) AS holder, ir.id AS inner_range_id, icc.cluster_id AS inner_cluster_id,
       icc.kind::text AS inner_kind, icc.family AS inner_family`;

const LEASE_JOINS = (alias: string) => `
  LEFT JOIN LATERAL (${holderBranches(`${alias}.holder_kind`, `${alias}.holder_id`)}) x ON true
  LEFT JOIN range ir ON ir.parent_lease_id = ${alias}.id
  LEFT JOIN cluster_cidr icc ON icc.lease_id = ${alias}.id`;

/**
 * `cidr <<= $2` with its B-tree bounds (from the view's first and last address) spelled out. PostgreSQL derives them itself only
 * from a constant; statements here are prepared, and a generic plan would
 * read every lease of the pool instead of those inside the view.
 */
const insideView = (last: string) => `cidr >= $2::inet AND cidr <= ${last}::inet AND cidr <<= $2::inet`;

/**
 * The SQL of the address map. Every statement reads the leases inside one
 * prefix of one pool through the (pool_id, cidr) B-tree, so its cost grows
 * with the leases in the prefix shown, never with the addresses it spans.
 */
@Injectable()
export class AddressMapRepository {
  async pool(tx: Tx, poolId: string): Promise<MapPoolRow | undefined> {
    const [row] = await tx.query<MapPoolRow>(
      'SELECT id::text AS id, kind, cidr::text AS cidr, lease_length FROM pool WHERE id = $1::bigint',
      [poolId],
    );
    return row;
  }

  /**
   * Leases inside `view`, counted per cell of `cellLength` and per lease length.
   * A lease larger than a cell is its own group (`cell` is the lease).
   */
  async cellAggregates(tx: Tx, poolId: string, view: Prefix, cellLength: number): Promise<CellAggregateRow[]> {
    return tx.query<CellAggregateRow>(
      `SELECT CASE WHEN masklen(cidr) >= $3 THEN network(set_masklen(cidr, $3)) ELSE cidr END::text AS cell,
              masklen(cidr) AS len, holder_kind = ANY(${RESERVED_KINDS}) AS reserved, overlap_allowed, count(*)::int AS n
         FROM lease
        WHERE pool_id = $1::bigint AND ${insideView('$4')}
        GROUP BY 1, 2, 3, 4`,
      [poolId, view.toString(), cellLength, view.last.toString()],
    );
  }

  /**
   * The first `perCell` leases of each cell in address order (`cells` are the
   * `cell` keys `cellAggregates` gave), with their holders: one index range
   * scan per cell that stops after `perCell` rows, however many the cell holds.
   */
  async cellLeases(tx: Tx, poolId: string, cells: readonly string[], perCell: number): Promise<MapLeaseRow[]> {
    if (!cells.length) return [];
    return tx.query<MapLeaseRow>(
      `SELECT c.cell::text AS cell, ${LEASE_WITH_HOLDER}
         FROM unnest($2::inet[]) AS c(cell)
        CROSS JOIN LATERAL (
          SELECT id, cidr, slot, holder_kind, holder_id, overlap_allowed FROM lease
           WHERE pool_id = $1::bigint AND cidr >= c.cell AND cidr <= host(broadcast(c.cell))::inet AND cidr <<= c.cell
           ORDER BY cidr LIMIT $3) l
        ${LEASE_JOINS('l')}
        ORDER BY c.cell, l.cidr`,
      [poolId, cells, perCell],
    );
  }

  /** A lease of the pool that is exactly one of `blocks` (the supernets of a view): the view lies inside it. */
  async leaseAmong(tx: Tx, poolId: string, blocks: readonly Prefix[]): Promise<(MapLeaseRow & { reserved: boolean }) | undefined> {
    if (!blocks.length) return undefined;
    const [row] = await tx.query<MapLeaseRow & { reserved: boolean }>(
      `SELECT l.cidr::text AS cell, ${LEASE_WITH_HOLDER}, l.holder_kind = ANY(${RESERVED_KINDS}) AS reserved
         FROM lease l ${LEASE_JOINS('l')}
        WHERE l.pool_id = $1::bigint AND l.cidr = ANY($2::inet[])
        ORDER BY l.overlap_allowed, masklen(l.cidr) DESC
        LIMIT 1`,
      [poolId, blocks.map((b) => b.toString())],
    );
    return row;
  }
}
