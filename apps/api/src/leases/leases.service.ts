import { Inject, Injectable } from '@nestjs/common';
import { Address, Prefix } from '@kipam/cidr';
import { familyOf } from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { HoldersRepository, toHolderInfo, type HolderInfo } from './holders.repository';
import { LeasesRepository, WHOIS_NODE_LOCAL_LIMIT, type ContainingRow, type LeaseViewRow } from './leases.repository';
import type { LeaseModel, WhoIsModel } from './models/lease.model';

export interface LeaseFilter {
  contains?: string;
  within?: string;
  holderKind?: LeaseModel['holder']['kind'];
  holderId?: string;
  rangeId?: string;
  clusterId?: string;
  limit?: number;
  cursor?: string;
}

@Injectable()
export class LeasesService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(LeasesRepository) private readonly leases: LeasesRepository,
    @Inject(HoldersRepository) private readonly holders: HoldersRepository,
  ) {}

  /** Leases filtered by holder, range, cluster or a containing address, in address order. */
  async list(f: LeaseFilter): Promise<Page<LeaseModel>> {
    const tx = this.db.reader;
    if (f.contains !== undefined) {
      return { items: (await this.leases.containing(tx, Address.parse(f.contains))).map(withHolder), nextCursor: null };
    }
    const limit = pageSize(f.limit);
    const after = decodeCursor(f.cursor, ['cidr', 'uuid']) as [string, string] | undefined;
    const rows = await this.leases.list(tx, {
      within: f.within !== undefined ? Prefix.parse(f.within) : undefined,
      holderKind: f.holderKind,
      holderId: f.holderId,
      rangeId: f.rangeId,
      clusterId: f.clusterId,
      after,
      limit,
    });
    const models = await this.models(tx, rows);
    return toPage(
      rows.map((row, i) => ({ row, model: models[i] })),
      limit,
      (x) => x.model,
      (x) => [x.row.cidr, x.row.id],
    );
  }

  /** Who owns an address: every lease containing it across all clusters and domains, and nodes reporting it. */
  async whoIs(address: string): Promise<WhoIsModel> {
    const tx = this.db.reader;
    const ip = Address.parse(address);
    const { leases, nodes, nodeLocal, clusterCidrs } = await this.leases.whoIs(tx, ip);
    const canonical = ip.toString();
    return {
      address: canonical,
      family: ip.family,
      leases: leases.map(withHolder),
      nodeAddresses: nodes.flatMap((n) =>
        n.addresses
          .filter((a) => a.address === canonical)
          .map((a) => ({
            nodeId: n.node_id,
            nodeName: n.node_name,
            clusterId: n.cluster_id,
            clusterName: n.cluster_name,
            type: a.type,
            address: a.address,
          })),
      ),
      nodeLocal: nodeLocal.slice(0, WHOIS_NODE_LOCAL_LIMIT).map((n) => ({
        clusterId: n.cluster_id,
        clusterName: n.cluster_name,
        domainId: n.domain_id,
        domain: n.domain_name,
        cidr: Prefix.parseAddressOrCidr(n.cidr).toString(),
        description: `node-local egress range of cluster ${n.cluster_name}, on every node`,
      })),
      nodeLocalMore: nodeLocal.length > WHOIS_NODE_LOCAL_LIMIT,
      clusterCidrs: clusterCidrs.map((c) => ({
        clusterId: c.cluster_id,
        clusterName: c.cluster_name,
        domainId: c.domain_id,
        domainName: c.domain_name,
        kind: c.kind,
        family: familyOf(c.family),
        cidr: Prefix.parseAddressOrCidr(c.cidr).toString(),
        rangeId: c.range_id,
        rangeName: c.range_name,
        leaseId: c.lease_id,
      })),
    };
  }

  async models(tx: Tx, rows: LeaseViewRow[]): Promise<LeaseModel[]> {
    const holders = await this.holders.describe(
      tx,
      rows.map((r) => ({ kind: r.holder_kind, id: r.holder_id })),
    );
    return rows.map((r) => toLeaseModel(r, holders.get(`${r.holder_kind}:${r.holder_id}`)));
  }
}

const NO_HOLDER = { name: null, cluster_id: null, cluster_name: null, domain_id: null, namespace: null };

/** A lease row that came with its holder's description (as `HoldersRepository.describe` gives it). */
function withHolder(r: ContainingRow): LeaseModel {
  return toLeaseModel(r, toHolderInfo(r.holder_kind, r.holder_id, r.holder ?? NO_HOLDER));
}

export function toLeaseModel(r: LeaseViewRow, h: HolderInfo | undefined): LeaseModel {
  return {
    id: r.id,
    cidr: Prefix.parseAddressOrCidr(r.cidr).toString(),
    family: familyOf(r.family),
    slot: r.slot,
    holder: {
      kind: r.holder_kind,
      id: r.holder_id,
      name: h?.kind === 'system' ? `${r.slot} address of ${h.name}` : (h?.name ?? r.holder_id),
      clusterId: h?.clusterId ?? null,
      clusterName: h?.clusterName ?? null,
      namespace: h?.namespace ?? null,
    },
    pool: {
      id: r.pool_id,
      kind: r.pool_kind,
      cidr: Prefix.parseAddressOrCidr(r.pool_cidr).toString(),
      rangeId: r.range_id,
      rangeName: r.range_name,
      clusterId: r.pool_cluster_id,
      podPool: r.pod_pool,
      domainId: r.domain_id,
    },
    overlapAllowed: r.overlap_allowed,
    createdAt: r.created_at,
  };
}
