import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';
import type { LabelSelector } from './label-selector';

/** An extra pod pool with its CIDR (its cluster_cidr row, kind pod_pool). */
export interface PodPoolRow {
  id: string;
  cluster_id: string;
  cidr_id: string;
  name: string;
  family: number;
  pool_order: number;
  node_mask_size: number;
  node_selector: LabelSelector | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  cidr: string;
  pool_id: string;
  lease_id: string | null;
  range_id: string | null;
  range_name: string | null;
  /** Its capacity scope (capacity_scope), defaults when it has none. */
  warn_at: number;
  critical_at: number;
  capacity_level: 'ok' | 'warning' | 'critical';
}

const COLUMNS = `pp.id, pp.cluster_id, pp.cidr_id, pp.name, pp.family, pp.pool_order, pp.node_mask_size, pp.node_selector, pp.version,
  pp.created_at, pp.updated_at, cc.cidr::text AS cidr, cc.pool_id::text AS pool_id, cc.lease_id, cc.range_id, r.name AS range_name,
  coalesce(cs.warn_at, 0.8) AS warn_at, coalesce(cs.critical_at, 0.95) AS critical_at, coalesce(cs.level, 'ok') AS capacity_level`;
const FROM =
  'pod_pool pp JOIN cluster_cidr cc ON cc.id = pp.cidr_id LEFT JOIN range r ON r.id = cc.range_id LEFT JOIN capacity_scope cs ON cs.pool_id = cc.pool_id';

/** The extra pod pools of clusters (pod_pool); their CIDRs are cluster_cidr rows of kind pod_pool. */
@Injectable()
export class PodPoolsRepository {
  async insert(
    tx: Tx,
    p: {
      id: string;
      clusterId: string;
      cidrId: string;
      name: string;
      family: number;
      order: number;
      mask: number;
      selector: LabelSelector | null;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO pod_pool (id, cluster_id, cidr_id, name, family, pool_order, node_mask_size, node_selector)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [p.id, p.clusterId, p.cidrId, p.name, p.family, p.order, p.mask, p.selector ? JSON.stringify(p.selector) : null],
    );
  }

  /** The extra pools of these clusters, by cluster, family, order and name. */
  async ofClusters(tx: Tx, clusterIds: readonly string[]): Promise<PodPoolRow[]> {
    if (!clusterIds.length) return [];
    return tx.query<PodPoolRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE pp.cluster_id = ANY($1::uuid[]) ORDER BY pp.cluster_id, pp.family, pp.pool_order, pp.name`,
      [clusterIds],
    );
  }

  async findByName(tx: Tx, clusterId: string, name: string, lock = false): Promise<PodPoolRow | undefined> {
    const [row] = await tx.query<PodPoolRow>(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE pp.cluster_id = $1 AND pp.name = $2 ${lock ? 'FOR UPDATE OF pp' : ''}`,
      [clusterId, name],
    );
    return row;
  }

  async update(tx: Tx, id: string, patch: { selector?: LabelSelector | null; order?: number }): Promise<void> {
    await tx.query(
      `UPDATE pod_pool SET node_selector = CASE WHEN $2 THEN $3::jsonb ELSE node_selector END, pool_order = coalesce($4, pool_order),
              version = version + 1, updated_at = now()
        WHERE id = $1`,
      [id, patch.selector !== undefined, patch.selector ? JSON.stringify(patch.selector) : null, patch.order ?? null],
    );
  }

  /** Deletes the pool's CIDR row (the pool row goes with it: ON DELETE CASCADE). */
  async delete(tx: Tx, cidrId: string): Promise<void> {
    await tx.query('DELETE FROM cluster_cidr WHERE id = $1', [cidrId]);
  }

  /** The first `limit` nodes (by name) holding a block in the pool, and how many do. */
  async nodesHolding(tx: Tx, poolId: string, limit: number): Promise<{ names: string[]; count: number }> {
    const rows = await tx.query<{ name: string; total: string }>(
      `SELECT n.name, count(*) OVER ()::text AS total
         FROM lease_with_pool l JOIN node n ON n.id = l.holder_id
        WHERE l.pool_id = $1::bigint AND l.holder_kind = 'node'
        ORDER BY n.name LIMIT $2`,
      [poolId, limit],
    );
    return { names: rows.map((r) => r.name), count: rows.length ? Number(rows[0].total) : 0 };
  }
}
