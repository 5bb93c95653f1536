import { Injectable } from '@nestjs/common';
import type { HolderKind } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';

/** Who holds a lease, in words a person can act on. */
export interface HolderInfo {
  kind: HolderKind;
  id: string;
  /** Cluster, node, range or Service name (`namespace/name`), or what a system lease stands for. */
  name: string;
  clusterId: string | null;
  clusterName: string | null;
  domainId: string | null;
  namespace: string | null;
}

/** The columns `holderBranches` yields. */
export interface HolderColumns {
  name: string | null;
  cluster_id: string | null;
  cluster_name: string | null;
  domain_id: string | null;
  namespace: string | null;
}

/**
 * The description of the holder `(kind, id)` (SQL expressions of the outer
 * query) as `HolderColumns`, for a `LEFT JOIN LATERAL (...) x ON true`: one
 * branch per holder kind, each an index lookup by the holder's id (joins over
 * whole tables would grow with the fleet).
 */
export function holderBranches(kind: string, id: string): string {
  return `
    SELECT c.name, c.id AS cluster_id, c.name AS cluster_name, c.domain_id, NULL::text AS namespace
      FROM cluster c WHERE ${kind} = 'cluster' AND c.id = ${id}
    UNION ALL
    SELECT n.name, n.cluster_id, nc.name, nc.domain_id, NULL
      FROM node n JOIN cluster nc ON nc.id = n.cluster_id WHERE ${kind} = 'node' AND n.id = ${id}
    UNION ALL
    SELECT s.namespace || '/' || s.name, s.cluster_id, sc.name, sc.domain_id, s.namespace
      FROM service s JOIN cluster sc ON sc.id = s.cluster_id WHERE ${kind} = 'service' AND s.id = ${id}
    UNION ALL
    SELECT r.name, NULL, NULL, r.domain_id, NULL
      FROM range r WHERE ${kind} = 'range' AND r.id = ${id}
    UNION ALL
    SELECT rs.cidr::text, NULL, NULL, rr.domain_id, NULL
      FROM reservation rs JOIN range rr ON rr.id = rs.range_id WHERE ${kind} = 'reservation' AND rs.id = ${id}
    UNION ALL
    SELECT CASE WHEN cc.service_cidr_name <> '' THEN 'ServiceCIDR ' || cc.service_cidr_name || ' ' ELSE '' END
             || cc.kind::text || ' CIDR ' || cc.cidr::text, cc.cluster_id, ccc.name, ccc.domain_id, NULL
      FROM cluster_cidr cc JOIN cluster ccc ON ccc.id = cc.cluster_id WHERE ${kind} = 'system' AND cc.id = ${id}`;
}

export function toHolderInfo(kind: HolderKind, id: string, x: HolderColumns): HolderInfo {
  return {
    kind,
    id,
    name: x.name ?? id,
    clusterId: x.cluster_id,
    clusterName: x.cluster_name,
    domainId: x.domain_id,
    namespace: x.namespace,
  };
}

@Injectable()
export class HoldersRepository {
  /**
   * Describes many holders in one statement. After a lease function failed, call
   * it outside the failed transaction (e.g. `db.reader`): that one is aborted.
   */
  async describe(tx: Tx, holders: { kind: HolderKind; id: string; slot?: string }[]): Promise<Map<string, HolderInfo>> {
    const out = new Map<string, HolderInfo>();
    if (!holders.length) return out;
    const rows = await tx.query<HolderColumns & { kind: HolderKind; id: string }>(
      `SELECT h.kind, h.id, x.name, x.cluster_id, x.cluster_name, x.domain_id, x.namespace
         FROM (SELECT DISTINCT k::holder_kind AS kind, i::uuid AS id FROM unnest($1::text[], $2::text[]) AS u(k, i)) h
         LEFT JOIN LATERAL (${holderBranches('h.kind', 'h.id')}) x ON true`,
      [holders.map((h) => h.kind), holders.map((h) => h.id)],
    );
    for (const r of rows) out.set(`${r.kind}:${r.id}`, toHolderInfo(r.kind, r.id, r));
    return out;
  }

  async describeOne(tx: Tx, kind: HolderKind, id: string): Promise<HolderInfo | undefined> {
    return (await this.describe(tx, [{ kind, id }])).get(`${kind}:${id}`);
  }
}

export function holderPhrase(h: HolderInfo | undefined): string {
  if (!h) return 'another holder';
  switch (h.kind) {
    case 'cluster':
      return `cluster ${h.name}`;
    case 'node':
      return `node ${h.name} of cluster ${h.clusterName ?? h.clusterId}`;
    case 'service':
      return `Service ${h.name} of cluster ${h.clusterName ?? h.clusterId}`;
    case 'range':
      return `range ${h.name}`;
    case 'reservation':
      return `reservation ${h.name}`;
    case 'system':
      return `a reserved address of ${h.name}`;
  }
}
