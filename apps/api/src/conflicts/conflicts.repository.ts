import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

export interface ConflictRow {
  domain_id: string;
  domain_name: string;
  a_kind: 'pod' | 'service' | 'reservation';
  a_id: string;
  a_cidr: string;
  a_family: number;
  a_cluster_id: string | null;
  a_cluster_name: string | null;
  a_range_id: string | null;
  a_reservation_id: string | null;
  b_kind: 'pod' | 'service' | 'reservation';
  b_id: string;
  b_cidr: string;
  b_family: number;
  b_cluster_id: string | null;
  b_cluster_name: string | null;
  b_range_id: string | null;
  b_reservation_id: string | null;
  relation: 'identical' | 'contains' | 'within';
}

/** One side of a pair: the cluster CIDR or the reservation with that id. */
const SIDE = (id: string) =>
  `SELECT cc.kind::text AS kind, cc.cidr, cc.family, cc.cluster_id, c.name AS cluster_name, cc.range_id, NULL::uuid AS reservation_id
     FROM cluster_cidr cc JOIN cluster c ON c.id = cc.cluster_id WHERE cc.id = ${id}
   UNION ALL
   SELECT 'reservation', rs.cidr, r.family, NULL, NULL, rs.range_id, rs.id
     FROM reservation rs JOIN range r ON r.id = rs.range_id WHERE rs.id = ${id}`;

/**
 * Overlapping CIDRs in a domain: a page of the pairs that triggers keep in
 * cidr_overlap as CIDRs come and go (prisma/sql/conflicts/), in (a, b) id
 * order from the cursor on, each side's CIDR, cluster and range read by id.
 * The cost is that of the page, whatever the size of the fleet: sweeping
 * every CIDR of the domain took 1.6 s at 100,000 dual-stack clusters.
 */
@Injectable()
export class ConflictsRepository {
  async find(tx: Tx, f: { domainId?: string; clusterId?: string; after?: [string, string]; limit: number }): Promise<ConflictRow[]> {
    return tx.query<ConflictRow>(
      `SELECT o.domain_id, d.name AS domain_name,
              a.kind AS a_kind, o.a_id, a.cidr::text AS a_cidr, a.family AS a_family, a.cluster_id AS a_cluster_id,
              a.cluster_name AS a_cluster_name, a.range_id AS a_range_id, a.reservation_id AS a_reservation_id,
              b.kind AS b_kind, o.b_id, b.cidr::text AS b_cidr, b.family AS b_family, b.cluster_id AS b_cluster_id,
              b.cluster_name AS b_cluster_name, b.range_id AS b_range_id, b.reservation_id AS b_reservation_id,
              CASE WHEN a.cidr = b.cidr THEN 'identical' WHEN a.cidr >> b.cidr THEN 'contains' ELSE 'within' END AS relation
         FROM cidr_overlap o
         JOIN domain d ON d.id = o.domain_id
         CROSS JOIN LATERAL (${SIDE('o.a_id')}) a
         CROSS JOIN LATERAL (${SIDE('o.b_id')}) b
        WHERE ($1::uuid IS NULL OR o.domain_id = $1::uuid)
          AND ($2::uuid IS NULL OR a.cluster_id = $2::uuid OR b.cluster_id = $2::uuid)
          AND ($3::uuid IS NULL OR (o.a_id, o.b_id) > ($3::uuid, $4::uuid))
        ORDER BY o.a_id, o.b_id
        LIMIT $5`,
      [f.domainId ?? null, f.clusterId ?? null, f.after?.[0] ?? null, f.after?.[1] ?? null, f.limit + 1],
    );
  }
}

export interface CollisionRow {
  kind: 'pod' | 'service' | 'pod_pool' | 'node' | 'reservation' | 'range';
  cidr: string;
  cluster_id: string | null;
  cluster_name: string | null;
  range_id: string | null;
  range_name: string | null;
  reservation_id: string | null;
  node_id: string | null;
  node_name: string | null;
}

/** What a CIDR would collide with in a domain, before anyone declares it. */
export async function findCollisions(tx: import('@kipam/persistence').Tx, domainId: string, cidr: string): Promise<CollisionRow[]> {
  return tx.query<CollisionRow>(
    `SELECT cc.kind::text AS kind, cc.cidr::text AS cidr, c.id AS cluster_id, c.name AS cluster_name, cc.range_id, NULL::text AS range_name,
            NULL::uuid AS reservation_id, NULL::uuid AS node_id, NULL::text AS node_name
       FROM cluster_cidr cc JOIN cluster c ON c.id = cc.cluster_id
      WHERE cc.domain_id = $1 AND cc.cidr && $2::inet
     UNION ALL
     SELECT 'node', l.cidr::text, c.id, c.name, NULL, NULL, NULL, n.id, n.name
       FROM cluster_cidr cc JOIN lease_with_pool l ON l.pool_id = cc.pool_id AND l.holder_kind = 'node'
       JOIN node n ON n.id = l.holder_id JOIN cluster c ON c.id = n.cluster_id
      WHERE cc.domain_id = $1 AND cc.kind IN ('pod', 'pod_pool') AND cc.cidr && $2::inet AND l.cidr && $2::inet
     UNION ALL
     SELECT 'reservation', rs.cidr::text, NULL, NULL, r.id, r.name, rs.id, NULL, NULL
       FROM reservation rs JOIN range r ON r.id = rs.range_id
      WHERE r.domain_id = $1 AND rs.cidr && $2::inet
     ORDER BY 2, 1
     LIMIT 1000`,
    [domainId, cidr],
  );
}
