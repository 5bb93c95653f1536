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
   * domain: from the kept pairs (cidr_overlap), as GET /v1/conflicts reads
   * them, so a scrape costs the pairs, not a probe per CIDR of the fleet.
   */
  async openConflicts(tx: Tx): Promise<{ domain_name: string; n: number }[]> {
    return tx.query<{ domain_name: string; n: number }>(
      `SELECT d.name AS domain_name, count(DISTINCT x.id)::int AS n
         FROM cidr_overlap o
         JOIN cluster_cidr ca ON ca.id = o.a_id
         JOIN cluster_cidr cb ON cb.id = o.b_id
         CROSS JOIN LATERAL (VALUES (ca.id), (cb.id)) x(id)
         JOIN domain d ON d.id = o.domain_id
        WHERE ca.cluster_id <> cb.cluster_id
        GROUP BY d.name`,
    );
  }
}
