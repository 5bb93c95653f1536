import { Injectable } from '@nestjs/common';
import type { Prefix } from '@kipam/cidr';
import type { Tx } from '@kipam/persistence';
import { labelSql, type LabelRequirement } from '../common/labels';
import { isUuid } from '../common/validation';

export interface ClusterRow {
  id: string;
  domain_id: string;
  domain_name: string;
  name: string;
  ip_families: ('IPv4' | 'IPv6')[];
  node_mask_size_ipv4: number;
  node_mask_size_ipv6: number;
  kubernetes_version: string | null;
  labels: Record<string, string>;
  allow_conflicts: boolean;
  profile: 'eks-ipv6' | null;
  /** Node-local ranges in their order. */
  node_local_cidrs: string[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface ClusterCidrRow {
  id: string;
  cluster_id: string;
  /** pod_pool: the CIDR of an extra pod pool (pod_pool table), not one of podCidrs. */
  kind: 'pod' | 'service' | 'pod_pool';
  family: number;
  position: number;
  cidr: string;
  range_id: string | null;
  range_name: string | null;
  lease_id: string | null;
  pool_id: string;
  overlap_allowed: boolean;
  /** A generated CIDR's RFC 4193 global ID (decimal text of a 40-bit number). */
  ula_global_id: string | null;
  /** The CIDR's capacity scope (capacity_scope), defaults when it has none. */
  warn_at: number;
  critical_at: number;
  capacity_level: 'ok' | 'warning' | 'critical';
  /** The extra ServiceCIDR it belongs to; '' for the cluster's own podCidrs/serviceCidrs. */
  service_cidr_name: string;
}

export interface NewClusterCidr {
  id: string;
  clusterId: string;
  domainId: string;
  kind: 'pod' | 'service' | 'pod_pool';
  position: number;
  cidr: Prefix;
  rangeId: string | null;
  leaseId: string | null;
  poolId: string;
  overlapAllowed: boolean;
  ulaGlobalId?: bigint;
  /** The extra ServiceCIDR it belongs to (none: one of the cluster's own CIDRs). */
  serviceCidrName?: string;
}

/** A service CIDR of an extra ServiceCIDR, as Service allocation reads it. */
export interface ExtraServiceCidr {
  name: string;
  cidr: string;
  pool: string;
}

/** The few cluster columns a Service change needs. */
export interface ServiceClusterRow {
  id: string;
  name: string;
  ip_families: ('IPv4' | 'IPv6')[];
  service_cidrs: string[];
  service_pools: string[];
  /** The CIDRs of the cluster's extra ServiceCIDRs (oldest first), each row held FOR SHARE. */
  extra_cidrs: ExtraServiceCidr[];
}

const CLUSTER_COLUMNS = `c.id, c.domain_id, d.name AS domain_name, c.name, c.ip_families, c.node_mask_size_ipv4, c.node_mask_size_ipv6,
  c.kubernetes_version, c.labels, c.allow_conflicts, c.profile,
  ARRAY(SELECT n.cidr::text FROM cluster_node_local_cidr n WHERE n.cluster_id = c.id ORDER BY n.position) AS node_local_cidrs,
  c.version, c.created_at, c.updated_at`;
const FROM_CLUSTER = 'cluster c JOIN domain d ON d.id = c.domain_id';
const CIDR_COLUMNS = `cc.id, cc.cluster_id, cc.kind::text AS kind, cc.family, cc.position, cc.cidr::text AS cidr, cc.range_id, r.name AS range_name,
  cc.lease_id, cc.pool_id::text AS pool_id, cc.overlap_allowed, cc.ula_global_id::text AS ula_global_id, cc.service_cidr_name,
  coalesce(cs.warn_at, 0.8) AS warn_at, coalesce(cs.critical_at, 0.95) AS critical_at, coalesce(cs.level, 'ok') AS capacity_level`;

@Injectable()
export class ClustersRepository {
  async insert(
    tx: Tx,
    c: {
      id: string;
      domainId: string;
      name: string;
      ipFamilies: string[];
      maskV4: number;
      maskV6: number;
      kubernetesVersion: string | null;
      labels: Record<string, string>;
      allowConflicts: boolean;
      profile: string | null;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO cluster (id, domain_id, name, ip_families, node_mask_size_ipv4, node_mask_size_ipv6, kubernetes_version, labels, allow_conflicts,
                            profile)
       VALUES ($1, $2, $3, $4::text[], $5, $6, $7, $8::jsonb, $9, $10)`,
      [
        c.id,
        c.domainId,
        c.name,
        c.ipFamilies,
        c.maskV4,
        c.maskV6,
        c.kubernetesVersion,
        JSON.stringify(c.labels),
        c.allowConflicts,
        c.profile,
      ],
    );
  }

  /** Replaces the cluster's node-local ranges with these, in this order. */
  async setNodeLocalCidrs(tx: Tx, clusterId: string, cidrs: Prefix[]): Promise<void> {
    await tx.query('DELETE FROM cluster_node_local_cidr WHERE cluster_id = $1', [clusterId]);
    if (!cidrs.length) return;
    await tx.query(
      `INSERT INTO cluster_node_local_cidr (cluster_id, position, cidr, family, cluster_name)
       SELECT $1, u.ord - 1, u.cidr, family(u.cidr), (SELECT name FROM cluster WHERE id = $1)
         FROM unnest($2::inet[]) WITH ORDINALITY AS u(cidr, ord)`,
      [clusterId, cidrs.map((c) => c.toString())],
    );
  }

  /**
   * Claims an RFC 4193 global ID and its /48 for a cluster, fleet-wide; false
   * when another cluster (now or ever) has it. ON CONFLICT keeps the
   * transaction usable for the next try; a concurrent claim of the same ID
   * waits for the other transaction and then reports it taken.
   */
  async claimUlaGlobalId(tx: Tx, globalId: bigint, prefix: Prefix, clusterId: string): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO ula_global_id (global_id, prefix, cluster_id) VALUES ($1::bigint, $2::inet, $3)
       ON CONFLICT DO NOTHING RETURNING global_id`,
      [globalId.toString(), prefix.toString(), clusterId],
    );
    return rows.length === 1;
  }

  async insertCidr(tx: Tx, c: NewClusterCidr): Promise<void> {
    await tx.query(
      `INSERT INTO cluster_cidr (id, cluster_id, domain_id, kind, family, position, cidr, range_id, lease_id, pool_id, overlap_allowed,
                                 ula_global_id, service_cidr_name)
       VALUES ($1, $2, $3, $4::cidr_kind, $5, $6, $7::inet, $8, $9, $10::bigint, $11, $12::bigint, $13)`,
      [
        c.id,
        c.clusterId,
        c.domainId,
        c.kind,
        c.cidr.family === 'IPv4' ? 4 : 6,
        c.position,
        c.cidr.toString(),
        c.rangeId,
        c.leaseId,
        c.poolId,
        c.overlapAllowed,
        c.ulaGlobalId?.toString() ?? null,
        c.serviceCidrName ?? '',
      ],
    );
  }

  async findById(tx: Tx, id: string, lock = false): Promise<ClusterRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<ClusterRow>(
      `SELECT ${CLUSTER_COLUMNS} FROM ${FROM_CLUSTER} WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
      [id],
    );
    return row;
  }

  async findByName(tx: Tx, domainId: string, name: string): Promise<ClusterRow | undefined> {
    const [row] = await tx.query<ClusterRow>(`SELECT ${CLUSTER_COLUMNS} FROM ${FROM_CLUSTER} WHERE c.domain_id = $1 AND c.name = $2`, [
      domainId,
      name,
    ]);
    return row;
  }

  /** Which of these cluster ids exist. */
  async existingIds(tx: Tx, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await tx.query<{ id: string }>('SELECT id::text AS id FROM cluster WHERE id = ANY($1::uuid[])', [ids]);
    return new Set(rows.map((r) => r.id));
  }

  async findByIds(tx: Tx, ids: string[]): Promise<ClusterRow[]> {
    if (!ids.length) return [];
    return tx.query<ClusterRow>(`SELECT ${CLUSTER_COLUMNS} FROM ${FROM_CLUSTER} WHERE c.id = ANY($1::uuid[])`, [ids]);
  }

  async cidrs(tx: Tx, clusterIds: string[]): Promise<ClusterCidrRow[]> {
    if (!clusterIds.length) return [];
    return tx.query<ClusterCidrRow>(
      `SELECT ${CIDR_COLUMNS} FROM cluster_cidr cc LEFT JOIN range r ON r.id = cc.range_id
         LEFT JOIN capacity_scope cs ON cs.pool_id = cc.pool_id
        WHERE cc.cluster_id = ANY($1::uuid[]) ORDER BY cc.cluster_id, cc.kind, cc.position`,
      [clusterIds],
    );
  }

  /**
   * One page (limit + 1 rows) in (domain name, cluster name, id) order. The
   * domains are walked in name order, and each one's clusters through its
   * (domain_id, name) index from the cursor on, `limit + 1` at most: a page
   * costs the same in a fleet of a hundred clusters and of a hundred
   * thousand (a sort over the join of every cluster with its domain did not).
   */
  async list(
    tx: Tx,
    f: { domainId?: string; name?: string; stack?: string; labels: LabelRequirement[]; after?: [string, string, string]; limit: number },
  ): Promise<ClusterRow[]> {
    const params: unknown[] = [];
    const outer: string[] = [];
    const inner: string[] = ['c.domain_id = d.id'];
    const add = (where: string[], cond: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(cond(params.length));
    };
    if (f.domainId) add(outer, (n) => `d.id = $${n}`, f.domainId);
    if (f.name) add(inner, (n) => `c.name = $${n}`, f.name);
    if (f.stack === 'DualStack') inner.push('cardinality(c.ip_families) = 2');
    else if (f.stack) add(inner, (n) => `c.ip_families = ARRAY[$${n}]::text[]`, f.stack);
    inner.push(...labelSql('c.labels', f.labels, params));
    if (f.after) {
      params.push(f.after[0], f.after[1], f.after[2]);
      const [dn, cn, id] = [params.length - 2, params.length - 1, params.length];
      outer.push(`d.name >= $${dn}`);
      // in the cursor's domain the index is entered at the cursor's name; the row comparison settles ties
      inner.push(`c.name >= CASE WHEN d.name = $${dn} THEN $${cn} ELSE '' END`, `(d.name, c.name, c.id) > ($${dn}, $${cn}, $${id}::uuid)`);
    }
    params.push(f.limit + 1);
    const limit = `$${params.length}`;
    return tx.query<ClusterRow>(
      `SELECT ${CLUSTER_COLUMNS}
         FROM domain d
        CROSS JOIN LATERAL (SELECT c.* FROM cluster c WHERE ${inner.join(' AND ')} ORDER BY c.name, c.id LIMIT ${limit}) c
        ${outer.length ? `WHERE ${outer.join(' AND ')}` : ''}
        ORDER BY d.name, c.name, c.id LIMIT ${limit}`,
      params,
    );
  }

  async update(
    tx: Tx,
    id: string,
    patch: { labels?: Record<string, string>; ipFamilies?: string[]; kubernetesVersion?: string; allowConflicts?: boolean },
  ): Promise<void> {
    await tx.query(
      `UPDATE cluster SET labels = coalesce($2::jsonb, labels), ip_families = coalesce($3::text[], ip_families),
              kubernetes_version = coalesce($4, kubernetes_version), allow_conflicts = coalesce($5, allow_conflicts),
              version = version + 1, updated_at = now()
        WHERE id = $1`,
      [
        id,
        patch.labels ? JSON.stringify(patch.labels) : null,
        patch.ipFamilies ?? null,
        patch.kubernetesVersion ?? null,
        patch.allowConflicts ?? null,
      ],
    );
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM cluster WHERE id = $1', [id]);
  }

  /** CIDRs of other clusters in the domain that overlap `cidr` (GiST `&&`). */
  async overlapping(tx: Tx, domainId: string, cidr: Prefix, exceptClusterId?: string) {
    const rows = await tx.query<{ cluster_id: string; cluster_name: string; kind: string; cidr: string }>(
      `SELECT cc.cluster_id, c.name AS cluster_name, cc.kind::text AS kind, cc.cidr::text AS cidr
         FROM cluster_cidr cc JOIN cluster c ON c.id = cc.cluster_id
        WHERE cc.domain_id = $1 AND cc.cidr && $2::inet AND ($3::uuid IS NULL OR cc.cluster_id <> $3::uuid)
        ORDER BY c.name, cc.kind`,
      [domainId, cidr.toString(), exceptClusterId ?? null],
    );
    return rows;
  }

  /** The cluster CIDR of the domain strictly containing `cidr`, if any (a range there would be inside a cluster). */
  async cidrContaining(tx: Tx, domainId: string, cidr: Prefix) {
    const [row] = await tx.query<{ cluster_id: string; cluster_name: string; kind: string; cidr: string }>(
      `SELECT cc.cluster_id, c.name AS cluster_name, cc.kind::text AS kind, cc.cidr::text AS cidr
         FROM cluster_cidr cc JOIN cluster c ON c.id = cc.cluster_id
        WHERE cc.domain_id = $1 AND cc.cidr >> $2::inet LIMIT 1`,
      [domainId, cidr.toString()],
    );
    return row;
  }

  /** Cluster CIDRs of the domain inside `cidr` declared outside any range: a new range there adopts them. */
  async declaredInside(tx: Tx, domainId: string, cidr: Prefix) {
    return tx.query<{ id: string; cluster_id: string; kind: string; family: number; cidr: string; overlap_allowed: boolean }>(
      `SELECT id, cluster_id, kind::text AS kind, family, cidr::text AS cidr, overlap_allowed FROM cluster_cidr
        WHERE domain_id = $1 AND range_id IS NULL AND cidr <<= $2::inet ORDER BY cidr`,
      [domainId, cidr.toString()],
    );
  }

  /** A declared cluster CIDR now leased from a range. */
  async adoptCidr(tx: Tx, cidrId: string, rangeId: string, leaseId: string): Promise<void> {
    await tx.query('UPDATE cluster_cidr SET range_id = $2, lease_id = $3 WHERE id = $1', [cidrId, rangeId, leaseId]);
  }

  /**
   * Holds the cluster row with FOR KEY SHARE until the transaction ends, and
   * tells whether it exists. Node writers share it with each other, but a
   * cluster change (FOR UPDATE: adding a family, delete) waits for them, and
   * they for it, so a node never misses a family the cluster is being given.
   */
  async lockForNodeChange(tx: Tx, clusterId: string): Promise<boolean> {
    if (!isUuid(clusterId)) return false;
    const rows = await tx.query('SELECT 1 FROM cluster WHERE id = $1 FOR KEY SHARE', [clusterId]);
    return rows.length > 0;
  }

  /**
   * Locks the cluster (FOR SHARE: concurrent Service changes proceed together,
   * while deleting the cluster or adding a family to it waits for them) and
   * reads it with its service CIDRs, in one statement. When the lock had to
   * wait for a cluster change, the CIDR lists come from before that change: the
   * caller reads them again (`serviceCidrs`) if a family lacks its CIDR.
   */
  /** The cluster a Service change works in, held FOR SHARE with its extra ServiceCIDRs (kipam_service_cluster). */
  async lockForServiceChange(tx: Tx, clusterId: string): Promise<ServiceClusterRow | undefined> {
    if (!isUuid(clusterId)) return undefined;
    const [row] = await tx.query<ServiceClusterRow>(
      'SELECT id, name, ip_families, service_cidrs, service_pools, extra_cidrs FROM kipam_service_cluster($1::uuid)',
      [clusterId],
    );
    return row;
  }

  /** The cluster's service CIDRs and their pools, read afresh. */
  async serviceCidrs(tx: Tx, clusterId: string): Promise<Pick<ServiceClusterRow, 'service_cidrs' | 'service_pools'>> {
    const [row] = await tx.query<Pick<ServiceClusterRow, 'service_cidrs' | 'service_pools'>>(
      'SELECT service_cidrs, service_pools FROM kipam_service_cluster($1::uuid)',
      [clusterId],
    );
    return row;
  }

  async exists(tx: Tx, clusterId: string): Promise<boolean> {
    if (!isUuid(clusterId)) return false;
    const rows = await tx.query('SELECT 1 FROM cluster WHERE id = $1', [clusterId]);
    return rows.length > 0;
  }
}
