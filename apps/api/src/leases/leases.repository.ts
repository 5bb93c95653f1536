import { Injectable } from '@nestjs/common';
import type { Address, Prefix } from '@kipam/cidr';
import type { HolderKind } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';
import { holderBranches, type HolderColumns } from './holders.repository';

export interface LeaseViewRow {
  id: string;
  cidr: string;
  family: number;
  slot: string;
  holder_kind: HolderKind;
  holder_id: string;
  overlap_allowed: boolean;
  created_at: Date;
  pool_id: string;
  pool_kind: 'range' | 'cluster_pod' | 'cluster_service';
  pool_cidr: string;
  range_id: string | null;
  range_name: string | null;
  pool_cluster_id: string | null;
  /** The pod pool a cluster pod pool belongs to: default-ipv4/-ipv6 for the cluster's own pod CIDRs. */
  pod_pool: string | null;
  domain_id: string | null;
}

/** Leases (the engine's lease_with_pool view) with the range or cluster CIDR their pool belongs to. */
const VIEW = `SELECT l.id, l.cidr::text AS cidr, l.family, l.slot, l.holder_kind, l.holder_id, l.overlap_allowed, l.created_at,
       l.pool_id::text AS pool_id, l.pool_kind::text AS pool_kind, l.pool_cidr::text AS pool_cidr, r.id AS range_id, r.name AS range_name,
       cc.cluster_id AS pool_cluster_id, coalesce(r.domain_id, cc.domain_id) AS domain_id,
       CASE cc.kind WHEN 'pod' THEN 'default-ipv' || cc.family::text WHEN 'pod_pool' THEN pp.name END AS pod_pool
  FROM lease_with_pool l
  LEFT JOIN range r ON r.pool_id = l.pool_id
  LEFT JOIN cluster_cidr cc ON cc.pool_id = l.pool_id
  LEFT JOIN pod_pool pp ON pp.cidr_id = cc.id`;

export type ContainingRow = LeaseViewRow & { holder: HolderColumns | null };

/** A node reporting an address, with all its addresses. */
export interface NodeAddressRow {
  node_id: string;
  node_name: string;
  cluster_id: string;
  cluster_name: string;
  addresses: { type: string; address: string }[];
}

/** A cluster whose node-local range holds an address: every node of it reuses that range. */
export interface NodeLocalRow {
  cluster_id: string;
  cluster_name: string;
  domain_id: string;
  domain_name: string;
  cidr: string;
}

/** At most this many clusters' node-local ranges in a who-owns answer (one more tells that there are more). */
export const WHOIS_NODE_LOCAL_LIMIT = 100;

/** A cluster CIDR containing the address, with its cluster, domain and range. */
export interface ClusterCidrOwnerRow {
  cluster_id: string;
  cluster_name: string;
  domain_id: string;
  domain_name: string;
  kind: 'pod' | 'service' | 'pod_pool';
  family: number;
  cidr: string;
  range_id: string | null;
  range_name: string | null;
  lease_id: string | null;
}

/** The leases containing $1, each with its holder (`holder`, null when it is gone). */
const CONTAINING = `SELECT v.*, to_jsonb(x) AS holder
  FROM (${VIEW} WHERE l.id IN (SELECT kipam_leases_containing($1::inet))) v
  LEFT JOIN LATERAL (${holderBranches('v.holder_kind', 'v.holder_id')}) x ON true`;

/** Read side of leases: with their pool, for who-owns answers and lists. */
@Injectable()
export class LeasesRepository {
  /**
   * Every lease containing the address (GiST index on lease.cidr), each with
   * its holder described, in one statement. The lookup is the function
   * `kipam_leases_containing`, whose row count the planner takes as given, so
   * this statement keeps one plan whatever the address instead of being
   * planned again on every execution.
   */
  async containing(tx: Tx, address: Address): Promise<ContainingRow[]> {
    return tx.query<ContainingRow>(`${CONTAINING} ORDER BY masklen(v.cidr::inet), v.created_at, v.id`, [address.toString()]);
  }

  /**
   * Who owns an address, in one statement: the leases containing it (as
   * `containing`) and, in the `nodes` column of every row, the nodes that
   * report it (the function `kipam_nodes_reporting`, so that this statement
   * too keeps one plan), and in `node_local` the clusters whose node-local
   * ranges hold it, in cluster name order, at most WHOIS_NODE_LOCAL_LIMIT + 1:
   * each of the 33 (IPv4) or 129 (IPv6) prefixes containing the address is
   * looked up by equality in the (cidr, cluster_name, cluster_id) index, so
   * the cost stays flat however many clusters share one range (every EKS
   * IPv6 cluster has 169.254.172.0/22). There is always one row; without a
   * lease its lease columns are null.
   *
   * No estimate in the statement depends on the address (the prefix lengths
   * are 0–128, those beyond an IPv4 address's 32 filtered out at the series
   * itself, before any lookup): the prepared statement's generic plan costs
   * what a custom one does, so PostgreSQL keeps it instead of planning the
   * statement again on every request (3.9 ms of planning against 0.5 ms of
   * execution over a 10,000-cluster fleet).
   
   */
  async whoIs(
    tx: Tx,
    address: Address,
  ): Promise<{ leases: ContainingRow[]; nodes: NodeAddressRow[]; nodeLocal: NodeLocalRow[]; clusterCidrs: ClusterCidrOwnerRow[] }> {
    const rows = await tx.query<
      ContainingRow & { nodes: NodeAddressRow[]; node_local: NodeLocalRow[]; cluster_cidrs: ClusterCidrOwnerRow[] }
    >(
      `SELECT w.*, (SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY n.cluster_name, n.node_name), '[]')
                      FROM (SELECT n.id AS node_id, n.name AS node_name, c.id AS cluster_id, c.name AS cluster_name, n.addresses
                              FROM node n JOIN cluster c ON c.id = n.cluster_id
                             WHERE n.id IN (SELECT kipam_nodes_reporting($2::text))) n) AS nodes,
                   (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.cluster_name, x.cluster_id, x.cidr), '[]')
                      FROM (SELECT nl.cluster_id, nl.cluster_name, d.id AS domain_id, d.name AS domain_name, nl.cidr::text AS cidr
                              FROM (SELECT nl.* FROM generate_series(0, 128) len
                                    CROSS JOIN LATERAL (
                                      SELECT nl.cluster_id, nl.cluster_name, nl.cidr FROM cluster_node_local_cidr nl
                                       WHERE nl.cidr = network(set_masklen($1::inet, len))::inet
                                       ORDER BY nl.cluster_name, nl.cluster_id LIMIT ${WHOIS_NODE_LOCAL_LIMIT + 1}) nl
                                    WHERE len <= CASE family($1::inet) WHEN 4 THEN 32 ELSE 128 END
                                    ORDER BY nl.cluster_name, nl.cluster_id, nl.cidr LIMIT ${WHOIS_NODE_LOCAL_LIMIT + 1}) nl
                              JOIN cluster c ON c.id = nl.cluster_id JOIN domain d ON d.id = c.domain_id) x) AS node_local,
                   (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY masklen(x.cidr::inet), x.domain_name, x.cluster_name, x.kind), '[]')
                      FROM (SELECT cc.cluster_id, c.name AS cluster_name, c.domain_id, d.name AS domain_name, cc.kind, cc.family,
                                   cc.cidr::text AS cidr, cc.range_id, r.name AS range_name, cc.lease_id
                              FROM cluster_cidr cc JOIN cluster c ON c.id = cc.cluster_id JOIN domain d ON d.id = c.domain_id
                              LEFT JOIN range r ON r.id = cc.range_id
                             WHERE cc.id IN (SELECT kipam_cluster_cidrs_containing($1::inet))) x) AS cluster_cidrs
         FROM (SELECT 1) one
         LEFT JOIN (${CONTAINING}) w ON true
        ORDER BY masklen(w.cidr::inet), w.created_at, w.id`,
      [address.toString(), address.toString()],
    );
    return {
      leases: rows.filter((r) => r.id !== null),
      nodes: rows[0]?.nodes ?? [],
      nodeLocal: rows[0]?.node_local ?? [],
      clusterCidrs: rows[0]?.cluster_cidrs ?? [],
    };
  }

  async list(
    tx: Tx,
    f: {
      within?: Prefix;
      holderKind?: HolderKind;
      holderId?: string;
      rangeId?: string;
      clusterId?: string;
      after?: [string, string];
      limit: number;
    },
  ): Promise<LeaseViewRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (cond: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(cond(params.length));
    };
    if (f.within) add((n) => `l.cidr <<= $${n}::inet`, f.within.toString());
    if (f.holderKind) add((n) => `l.holder_kind = $${n}::holder_kind`, f.holderKind);
    if (f.holderId) add((n) => `l.holder_id = $${n}::uuid`, f.holderId);
    if (f.rangeId) add((n) => `r.id = $${n}::uuid`, f.rangeId);
    if (f.clusterId) add((n) => `(cc.cluster_id = $${n}::uuid OR (l.holder_kind = 'cluster' AND l.holder_id = $${n}::uuid))`, f.clusterId);
    if (f.after) {
      params.push(f.after[0], f.after[1]);
      where.push(`(l.cidr, l.id) > ($${params.length - 1}::inet, $${params.length}::uuid)`);
    }
    params.push(f.limit + 1);
    return tx.query<LeaseViewRow>(
      `${VIEW} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY l.cidr, l.id LIMIT $${params.length}`,
      params,
    );
  }
}
