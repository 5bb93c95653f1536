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

@Injectable()
export class HoldersRepository {
  /**
   * Describes many holders in one statement. After a lease function failed, call
   * it outside the failed transaction (e.g. `db.reader`): that one is aborted.
   */
  async describe(tx: Tx, holders: { kind: HolderKind; id: string; slot?: string }[]): Promise<Map<string, HolderInfo>> {
    const out = new Map<string, HolderInfo>();
    if (!holders.length) return out;
    const rows = await tx.query<{
      kind: HolderKind;
      id: string;
      name: string | null;
      cluster_id: string | null;
      cluster_name: string | null;
      domain_id: string | null;
      namespace: string | null;
    }>(
      `WITH h(kind, id) AS (SELECT DISTINCT k::holder_kind, i::uuid FROM unnest($1::text[], $2::text[]) AS u(k, i))
       SELECT h.kind, h.id,
              coalesce(c.name, n.name, s.namespace || '/' || s.name, r.name, rs.cidr::text, cc.kind::text || ' CIDR ' || cc.cidr::text) AS name,
              coalesce(c.id, n.cluster_id, s.cluster_id, cc.cluster_id) AS cluster_id,
              coalesce(c.name, nc.name, sc.name, ccc.name) AS cluster_name,
              coalesce(c.domain_id, nc.domain_id, sc.domain_id, r.domain_id, rr.domain_id, ccc.domain_id) AS domain_id,
              s.namespace
         FROM h
         LEFT JOIN cluster c ON h.kind = 'cluster' AND c.id = h.id
         LEFT JOIN node n ON h.kind = 'node' AND n.id = h.id
         LEFT JOIN cluster nc ON nc.id = n.cluster_id
         LEFT JOIN service s ON h.kind = 'service' AND s.id = h.id
         LEFT JOIN cluster sc ON sc.id = s.cluster_id
         LEFT JOIN range r ON h.kind = 'range' AND r.id = h.id
         LEFT JOIN reservation rs ON h.kind = 'reservation' AND rs.id = h.id
         LEFT JOIN range rr ON rr.id = rs.range_id
         LEFT JOIN cluster_cidr cc ON h.kind = 'system' AND cc.id = h.id
         LEFT JOIN cluster ccc ON ccc.id = cc.cluster_id`,
      [holders.map((h) => h.kind), holders.map((h) => h.id)],
    );
    for (const r of rows) {
      out.set(`${r.kind}:${r.id}`, {
        kind: r.kind,
        id: r.id,
        name: r.name ?? r.id,
        clusterId: r.cluster_id,
        clusterName: r.cluster_name,
        domainId: r.domain_id,
        namespace: r.namespace,
      });
    }
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
