import { Inject, Injectable } from '@nestjs/common';
import { familyOf } from '@kipam/allocation';
import { Prefix } from '@kipam/cidr';
import { Database } from '@kipam/persistence';
import { NotFoundError, ValidationError } from '../common/errors';
import { ClustersRepository } from '../clusters/clusters.repository';
import { toHolderInfo } from '../leases/holders.repository';
import { RangesRepository } from '../ranges/ranges.repository';
import { buildGrid, cellIndex, cellLengthOf, DEFAULT_MAP_DEPTH, supernetsWithin } from './address-map-rules';
import { AddressMapRepository, type MapLeaseRow } from './address-map.repository';
import type { AddressMapQuery, ClusterAddressMapQuery } from './dto/address-map.dto';
import type { AddressMapLeaseModel, AddressMapModel, AddressMapPoolModel } from './models/address-map.model';

/** Leases named per cell (the first ones in address order): enough to say who holds a cell at a glance. */
const LEASES_PER_CELL = 3;

function toMapLease(r: MapLeaseRow): AddressMapLeaseModel {
  const h = toHolderInfo(
    r.holder_kind,
    r.holder_id,
    r.holder ?? { name: null, cluster_id: null, cluster_name: null, domain_id: null, namespace: null },
  );
  return {
    id: r.id,
    cidr: Prefix.parseAddressOrCidr(r.cidr).toString(),
    slot: r.slot,
    holder: {
      kind: r.holder_kind,
      id: r.holder_id,
      name: r.holder_kind === 'system' ? `${r.slot} address of ${h.name}` : h.name,
      clusterId: h.clusterId,
      clusterName: h.clusterName,
      namespace: h.namespace,
    },
    overlapAllowed: r.overlap_allowed,
    innerPool: r.inner_range_id
      ? { kind: 'range', rangeId: r.inner_range_id, clusterId: null, family: null }
      : r.inner_cluster_id
        ? {
            kind: r.inner_kind === 'service' ? 'cluster_service' : 'cluster_pod',
            rangeId: null,
            clusterId: r.inner_cluster_id,
            family: familyOf(r.inner_family ?? 4),
          }
        : null,
  };
}

/**
 * The address map of a range or of a cluster's pod or service CIDR: a
 * prefix cut into cells with counts and holders, from aggregates over the
 * leases inside the prefix (never from its addresses).
 */
@Injectable()
export class AddressMapService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(AddressMapRepository) private readonly maps: AddressMapRepository,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
  ) {}

  async rangeMap(rangeId: string, query: AddressMapQuery): Promise<AddressMapModel> {
    const range = await this.ranges.findById(this.db.reader, rangeId);
    if (!range) throw new NotFoundError('range', rangeId);
    const cidr = Prefix.parseAddressOrCidr(range.cidr);
    return this.draw(
      range.pool_id,
      {
        kind: 'range',
        cidr: cidr.toString(),
        family: cidr.family,
        rangeId: range.id,
        rangeName: range.name,
        clusterId: null,
        clusterName: null,
      },
      query,
    );
  }

  async clusterMap(clusterId: string, query: ClusterAddressMapQuery): Promise<AddressMapModel> {
    const tx = this.db.reader;
    const cluster = await this.clusters.findById(tx, clusterId);
    if (!cluster) throw new NotFoundError('cluster', clusterId);
    const kind = query.kind ?? 'pod';
    const ofKind = (await this.clusters.cidrs(tx, [cluster.id])).filter((c) => c.kind === kind).sort((a, b) => a.position - b.position);
    const row = query.family ? ofKind.find((c) => familyOf(c.family) === query.family) : ofKind[0];
    if (!row) {
      throw query.family
        ? ValidationError.field('family', `cluster ${cluster.name} has no ${query.family} ${kind} CIDR`)
        : ValidationError.field('kind', `cluster ${cluster.name} has no ${kind} CIDR`);
    }
    const cidr = Prefix.parseAddressOrCidr(row.cidr);
    return this.draw(
      row.pool_id,
      {
        kind: kind === 'pod' ? 'cluster_pod' : 'cluster_service',
        cidr: cidr.toString(),
        family: cidr.family,
        rangeId: row.range_id,
        rangeName: row.range_name,
        clusterId: cluster.id,
        clusterName: cluster.name,
      },
      query,
    );
  }

  private async draw(poolId: string, pool: Omit<AddressMapPoolModel, 'leaseLength'>, query: AddressMapQuery): Promise<AddressMapModel> {
    const tx = this.db.reader;
    const poolCidr = Prefix.parse(pool.cidr);
    const view = query.prefix === undefined ? poolCidr : Prefix.parse(query.prefix);
    if (!poolCidr.contains(view)) throw ValidationError.field('prefix', `${view} is not inside ${poolCidr}, the CIDR drawn`);
    const cellLength = cellLengthOf(view, query.depth ?? DEFAULT_MAP_DEPTH);

    const [poolRow, outer] = await Promise.all([
      this.maps.pool(tx, poolId),
      this.maps.leaseAmong(tx, poolId, supernetsWithin(view, poolCidr)),
    ]);
    // zoomed inside one lease: every cell is wholly its (a brownfield overlap does not count as the owner)
    const covering = outer && !outer.overlap_allowed ? outer : undefined;
    const aggregates = covering ? [] : await this.maps.cellAggregates(tx, poolId, view, cellLength);
    const leases = await this.maps.cellLeases(tx, poolId, [...new Set(aggregates.map((a) => a.cell))], LEASES_PER_CELL);

    const grid = buildGrid(
      view,
      cellLength,
      aggregates.map((a) => ({
        cell: Prefix.parseAddressOrCidr(a.cell),
        length: a.len,
        reserved: a.reserved,
        overlapAllowed: a.overlap_allowed,
        count: a.n,
      })),
      covering ? { reserved: covering.reserved } : undefined,
    );

    // the leases of each cell; one larger than a cell is named in every cell it fills
    const byCell = new Map<number, AddressMapLeaseModel[]>();
    for (const r of leases) {
      const block = Prefix.parseAddressOrCidr(r.cidr);
      const first = cellIndex(view, cellLength, Prefix.parseAddressOrCidr(r.cell));
      const spans = block.length >= cellLength ? 1 : 1 << (cellLength - block.length);
      const lease = toMapLease(r);
      for (let i = first; i < first + spans; i++) {
        const list = byCell.get(i) ?? [];
        list.push(lease);
        byCell.set(i, list);
      }
    }
    const coveredBy = covering ? toMapLease(covering) : null;
    return {
      pool: { ...pool, leaseLength: poolRow && poolRow.lease_length > 0 ? poolRow.lease_length : null },
      prefix: view.toString(),
      depth: grid.depth,
      cellPrefixLength: grid.cellLength,
      total: grid.total.toString(),
      leased: grid.leased.toString(),
      reserved: grid.reserved.toString(),
      free: grid.free.toString(),
      leaseCount: grid.leaseCount,
      coveredBy,
      cells: grid.cells.map((c) => ({
        index: c.index,
        prefix: c.prefix.toString(),
        leased: c.leased.toString(),
        reserved: c.reserved.toString(),
        free: c.free.toString(),
        leaseCount: c.leaseCount,
        leases: coveredBy ? [coveredBy] : (byCell.get(c.index) ?? []).slice(0, LEASES_PER_CELL),
      })),
    };
  }
}
