import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

/** Who a pool belongs to, for the usage gauges: a range, or one of a cluster's CIDRs. */
export interface PoolOwnerRow {
  pool_id: string;
  range_id: string | null;
  range_name: string | null;
  cluster_id: string | null;
  cluster_name: string | null;
  domain_name: string;
}

/** The names the /metrics gauges carry. */
@Injectable()
export class MetricsRepository {
  async poolOwners(tx: Tx): Promise<PoolOwnerRow[]> {
    return tx.query<PoolOwnerRow>(
      `SELECT r.pool_id::text AS pool_id, r.id::text AS range_id, r.name AS range_name, NULL AS cluster_id, NULL AS cluster_name,
              d.name AS domain_name
         FROM range r JOIN domain d ON d.id = r.domain_id
       UNION ALL
       SELECT cc.pool_id::text, NULL, NULL, cc.cluster_id::text, c.name, d.name
         FROM cluster_cidr cc JOIN cluster c ON c.id = cc.cluster_id JOIN domain d ON d.id = c.domain_id`,
    );
  }

  /**
   * Cluster CIDRs that overlap another cluster's CIDR in their domain, per
   * domain: a GiST probe per CIDR (cluster_cidr_cidr_idx), not the pairing
   * of GET /v1/conflicts.
   */
  async openConflicts(tx: Tx): Promise<{ domain_name: string; n: number }[]> {
    return tx.query<{ domain_name: string; n: number }>(
      `SELECT d.name AS domain_name, count(*)::int AS n
         FROM cluster_cidr cc JOIN domain d ON d.id = cc.domain_id
        WHERE EXISTS (SELECT 1 FROM cluster_cidr o
                       WHERE o.cidr && cc.cidr AND o.domain_id = cc.domain_id AND o.cluster_id <> cc.cluster_id)
        GROUP BY d.name`,
    );
  }
}
