import { Injectable } from '@nestjs/common';
import type { Address, Prefix } from '@kipam/cidr';
import type { HolderKind } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';
import { holderLookup, toHolderInfo, type HolderColumns, type HolderInfo } from './holders.repository';

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
  domain_id: string | null;
}

const VIEW = `SELECT l.id, l.cidr::text AS cidr, l.family, l.slot, l.holder_kind, l.holder_id, l.overlap_allowed, l.created_at,
       p.id::text AS pool_id, p.kind::text AS pool_kind, p.cidr::text AS pool_cidr, r.id AS range_id, r.name AS range_name,
       cc.cluster_id AS pool_cluster_id, coalesce(r.domain_id, cc.domain_id) AS domain_id
  FROM lease l JOIN pool p ON p.id = l.pool_id
  LEFT JOIN range r ON r.pool_id = p.id
  LEFT JOIN cluster_cidr cc ON cc.pool_id = p.id`;

/** A lease with its pool, and its holder described. */
export interface DescribedLeaseRow {
  row: LeaseViewRow;
  holder: HolderInfo;
}

/** A node reporting an address, with all its addresses. */
export interface NodeWithAddressRow {
  node_id: string;
  node_name: string;
  cluster_id: string;
  cluster_name: string;
  addresses: { type: string; address: string }[];
}

type ContainingRow = LeaseViewRow & { [K in keyof HolderColumns as `holder_${K}`]: HolderColumns[K] };

/** The leases containing the address $1, each with its holder's description (one lookup by id per lease). */
const CONTAINING = `SELECT v.*, x.name AS holder_name, x.cluster_id AS holder_cluster_id, x.cluster_name AS holder_cluster_name,
       x.domain_id AS holder_domain_id, x.namespace AS holder_namespace
  FROM (${VIEW} WHERE l.cidr >>= $1::inet) v
  LEFT JOIN LATERAL ${holderLookup('v.holder_kind', 'v.holder_id')} x ON true`;

function described(r: ContainingRow): DescribedLeaseRow {
  return {
    row: r,
    holder: toHolderInfo(r.holder_kind, r.holder_id, {
      name: r.holder_name,
      cluster_id: r.holder_cluster_id,
      cluster_name: r.holder_cluster_name,
      domain_id: r.holder_domain_id,
      namespace: r.holder_namespace,
    }),
  };
}

/** Read side of leases: with their pool, for who-owns answers and lists. */
@Injectable()
export class LeasesRepository {
  /** Every lease containing the address (GiST index on lease.cidr), with its holder described, in one statement. */
  async containing(tx: Tx, address: Address): Promise<DescribedLeaseRow[]> {
    const rows = await tx.query<ContainingRow>(`${CONTAINING} ORDER BY masklen(v.cidr::inet), v.created_at, v.id`, [address.toString()]);
    return rows.map(described);
  }

  /**
   * Who owns an address, in one statement: the leases containing it (as
   * `containing`) and the nodes reporting it among their addresses (GIN index).
   */
  async whoIs(tx: Tx, address: Address): Promise<{ leases: DescribedLeaseRow[]; nodes: NodeWithAddressRow[] }> {
    const rows = await tx.query<Partial<ContainingRow> & { nodes: NodeWithAddressRow[] }>(
      `SELECT c.*,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('node_id', n.id, 'node_name', n.name, 'cluster_id', nc.id,
                                                            'cluster_name', nc.name, 'addresses', n.addresses)
                                         ORDER BY nc.name, n.name), '[]')
                 FROM node n JOIN cluster nc ON nc.id = n.cluster_id
                WHERE n.addresses @> jsonb_build_array(jsonb_build_object('address', $2::text))) AS nodes
         FROM (SELECT) one
         LEFT JOIN (${CONTAINING}) c ON true
        ORDER BY masklen(c.cidr::inet), c.created_at, c.id`,
      [address.toString(), address.toString()],
    );
    return {
      leases: rows.filter((r): r is ContainingRow & { nodes: NodeWithAddressRow[] } => r.id != null).map(described),
      nodes: rows[0].nodes,
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
