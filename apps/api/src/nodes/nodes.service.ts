import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prefix, type IPFamily } from '@kipam/cidr';
import { LeaseEngine, PoolExhaustedError, type Lease } from '@kipam/allocation';
import { Database, isPgError, PgCode, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { NameLocksRepository } from '../common/name-locks.repository';
import { AlreadyExistsError, NotFoundError, RangeExhaustedError, ValidationError, type FieldError } from '../common/errors';
import { parseLabelSelector } from '../common/labels';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import { ClustersRepository, type ClusterRow } from '../clusters/clusters.repository';
import { serviceCidrCapacity } from '../clusters/service-cidr-capacity';
import type { CreateNodeDto, ListNodesQuery, UpdateNodeDto } from './dto/node.dto';
import type { ClusterCapacityModel, NodeModel } from './models/node.model';
import { normalizeAddresses, requestedBlocks, type PodFamily } from './node-rules';
import { NodesRepository, type NodeRow } from './nodes.repository';
import { maxPodsPerNode } from '../clusters/cluster-profile';
import { PodPoolsRepository } from '../pod-pools/pod-pools.repository';
import { candidatePools, exhaustedMessage, nodePoolsOf, type NodePool } from '../pod-pools/pod-pool-rules';

/** The lease slot of a node's block, one per pod family. */
export const podSlot = (family: IPFamily) => `pod/${family}`;

const nodePath = (clusterId: string, id: string) => `/v1/clusters/${clusterId}/nodes/${id}`;

export function toNodeModel(row: NodeRow, families: readonly IPFamily[], leases: readonly Lease[]): NodeModel {
  const podCidrs = families
    .map((f) => leases.find((l) => l.holderId === row.id && l.slot === podSlot(f))?.cidr.toString())
    .filter((c): c is string => c !== undefined);
  return withEtag(
    {
      id: row.id,
      clusterId: row.cluster_id,
      name: row.name,
      podCidr: podCidrs[0] ?? null,
      podCidrs,
      labels: row.labels,
      addresses: row.addresses,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}

@Injectable()
export class NodesService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(PodPoolsRepository) private readonly podPools: PodPoolsRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(NameLocksRepository) private readonly names: NameLocksRepository,
  ) {}

  /**
   * A node with one block per cluster pod family, in the cluster's pod-family
   * order, as kube-controller-manager's range allocator gives them
   * (`spec.podCIDRs`; seed: dual-stack page, "Configure IPv4/IPv6 dual-stack").
   */
  async create(clusterId: string, dto: CreateNodeDto): Promise<NodeModel> {
    const addresses = normalizeAddresses(dto.addresses ?? []);
    const requested = (dto.podCidrs ?? []).map((c) => Prefix.parse(c));
    return this.db.transaction(async (tx) => {
      const cluster = await this.lockCluster(tx, clusterId);
      await this.names.lock(tx, 'node', cluster.id, dto.name);
      const families = await this.podFamilies(tx, cluster);
      const labels = dto.labels ?? {};
      const wanted = requestedBlocks(cluster.name, families, requested, labels);
      const existing = await this.nodes.findByName(tx, cluster.id, dto.name);
      if (existing) throw this.alreadyExists(cluster, existing);

      const id = randomUUID();
      try {
        await this.nodes.insert(tx, { id, clusterId: cluster.id, name: dto.name, labels: dto.labels ?? {}, addresses });
      } catch (error) {
        // a concurrent create of the same name committed first (this transaction is aborted: read outside it)
        if (isPgError(error, PgCode.uniqueViolation)) {
          const winner = await this.nodes.findByName(this.db.reader, cluster.id, dto.name);
          if (winner) throw this.alreadyExists(cluster, winner);
        }
        throw error;
      }
      for (const f of families) await this.leaseBlock(tx, cluster, f, id, labels, wanted.get(f.family));

      const model = await this.load(tx, cluster, id, families);
      await this.audit.record(tx, { action: 'create', resource: 'node', resourceId: id, clusterId: cluster.id, after: model });
      return withMeta(model, { location: nodePath(cluster.id, id) });
    });
  }

  /**
   * The node's block of one family: the requested one (in the pool it lies
   * in), or the lowest free one of the first pool, in pool order, whose node
   * selector matches the node's labels and that has room. A pool found full is
   * rolled back to a savepoint and the next one tried; the last one is tried
   * without (one pool, the common case, costs no extra round trip).
   */
  private async leaseBlock(
    tx: Tx,
    cluster: ClusterRow,
    f: PodFamily,
    nodeId: string,
    labels: Record<string, string>,
    requested: { block: Prefix; pool: NodePool } | undefined,
  ): Promise<void> {
    const holder = { kind: 'node' as const, id: nodeId, slot: podSlot(f.family) };
    if (requested) {
      await this.engine.leaseExact(tx, requested.pool.poolId, requested.block, holder, { label: 'podCidrs' });
      return;
    }
    const candidates = candidatePools(f.pools ?? [], f.family, labels);
    for (const [i, pool] of candidates.entries()) {
      const last = i === candidates.length - 1;
      if (!last) await tx.query('SAVEPOINT kipam_pod_pool');
      try {
        await this.engine.leaseNext(tx, pool.poolId, pool.mask, holder);
        if (!last) await tx.query('RELEASE SAVEPOINT kipam_pod_pool');
        return;
      } catch (error) {
        if (!(error instanceof PoolExhaustedError)) throw error;
        if (!last) await tx.query('ROLLBACK TO SAVEPOINT kipam_pod_pool');
      }
    }
    const single = candidates.length === 1 && candidates[0].isDefault;
    throw new RangeExhaustedError(exhaustedMessage(cluster.name, f.family, candidates), {
      family: f.family,
      ...(single ? { podCidr: f.cidr.toString(), nodeMaskSize: f.mask } : {}),
      pools: candidates.map((p) => p.name),
    });
  }

  /**
   * Every node of the cluster gets a block of the family the cluster was just
   * given, in the transaction of that change (its pod CIDR's pool, the node
   * mask size); returns how many nodes.
   */
  async backfill(tx: Tx, clusterId: string, family: IPFamily, poolId: string, mask: number): Promise<number> {
    const nodeIds = await this.nodes.idsOfCluster(tx, clusterId);
    for (const nodeId of nodeIds) {
      try {
        await this.engine.leaseNext(tx, poolId, mask, { kind: 'node', id: nodeId, slot: podSlot(family) });
      } catch (error) {
        if (error instanceof PoolExhaustedError) {
          throw new RangeExhaustedError(
            `the new ${family} pod CIDR has room for fewer /${mask} blocks than the cluster's ${nodeIds.length} nodes`,
          );
        }
        throw error;
      }
    }
    // their pod CIDRs changed: a stale If-Match on a node must now fail
    if (nodeIds.length) await this.nodes.touchAll(tx, clusterId);
    return nodeIds.length;
  }

  async get(clusterId: string, nodeId: string): Promise<NodeModel> {
    const tx = this.db.reader;
    const cluster = await this.requireCluster(tx, clusterId);
    return this.load(tx, cluster, nodeId);
  }

  async list(clusterId: string, query: ListNodesQuery): Promise<Page<NodeModel>> {
    const tx = this.db.reader;
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    const labels = parseLabelSelector(query.label);
    const cluster = await this.requireCluster(tx, clusterId);
    const families = (await this.podFamilies(tx, cluster)).map((f) => f.family);
    const rows = await this.nodes.list(tx, { clusterId: cluster.id, name: query.name, labels, after, limit });
    const leases = await this.engine.findByHolders(
      tx,
      'node',
      rows.slice(0, limit).map((r) => r.id),
    );
    return toPage(
      rows,
      limit,
      (r) => toNodeModel(r, families, leases),
      (r) => [r.name, r.id],
    );
  }

  /**
   * The first `limit` nodes of each cluster after a (name, id) cursor, for all
   * of them in one statement (GraphQL's Cluster.nodes), and whether more follow.
   */
  async firstOfClusters(
    clusters: { id: string; podFamilies: IPFamily[] }[],
    after: [string, string] | undefined,
    limit: number,
  ): Promise<Map<string, { nodes: NodeModel[]; more: boolean }>> {
    const tx = this.db.reader;
    const rows = await this.nodes.firstOfClusters(
      tx,
      clusters.map((c) => c.id),
      after,
      limit,
    );
    const leases = await this.engine.findByHolders(
      tx,
      'node',
      rows.map((r) => r.id),
    );
    return new Map(
      clusters.map((c) => {
        const mine = rows.filter((r) => r.cluster_id === c.id);
        return [c.id, { nodes: mine.slice(0, limit).map((r) => toNodeModel(r, c.podFamilies, leases)), more: mine.length > limit }];
      }),
    );
  }

  /** JSON merge patch: labels and addresses change; name and podCidrs may only be repeated as they are. */
  async update(clusterId: string, nodeId: string, dto: UpdateNodeDto, ifMatch?: string): Promise<NodeModel> {
    const addresses = dto.addresses === undefined ? undefined : normalizeAddresses(dto.addresses ?? []);
    return this.db.transaction(async (tx) => {
      const cluster = await this.lockCluster(tx, clusterId);
      const row = await this.requireNode(tx, cluster, nodeId, true);
      checkIfMatch(ifMatch, row.version, `node ${row.name}`);
      const families = (await this.podFamilies(tx, cluster)).map((f) => f.family);
      const current = toNodeModel(row, families, await this.engine.findByHolder(tx, 'node', row.id));

      const immutable: FieldError[] = [];
      if (dto.name !== undefined && dto.name !== row.name) {
        immutable.push({ field: 'name', message: `is immutable (${row.name}): delete and recreate the node to rename it` });
      }
      if (dto.podCidrs !== undefined) {
        const given = dto.podCidrs.map((c) => Prefix.parse(c).toString());
        if (given.join() !== current.podCidrs.join()) {
          immutable.push({
            field: 'podCidrs',
            message: `is immutable (${current.podCidrs.join(', ')}): delete and recreate the node to change its blocks`,
          });
        }
      }
      if (immutable.length) throw new ValidationError(immutable);

      const labels = dto.labels === undefined ? undefined : (dto.labels ?? {});
      const labelsChanged = labels !== undefined && JSON.stringify(labels) !== JSON.stringify(row.labels);
      const addressesChanged = addresses !== undefined && JSON.stringify(addresses) !== JSON.stringify(row.addresses);
      if (!labelsChanged && !addressesChanged) return current;
      const updated = await this.nodes.update(tx, row.id, {
        labels: labelsChanged ? labels : undefined,
        addresses: addressesChanged ? addresses : undefined,
      });
      const model = toNodeModel(updated, families, await this.engine.findByHolder(tx, 'node', row.id));
      await this.audit.record(tx, {
        action: 'update',
        resource: 'node',
        resourceId: row.id,
        clusterId: cluster.id,
        before: current,
        after: model,
      });
      return model;
    });
  }

  /** Deletes the node and releases its blocks in the same transaction. */
  async delete(clusterId: string, nodeId: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const cluster = await this.lockCluster(tx, clusterId);
      const row = await this.requireNode(tx, cluster, nodeId, true);
      checkIfMatch(ifMatch, row.version, `node ${row.name}`);
      const families = (await this.podFamilies(tx, cluster)).map((f) => f.family);
      const before = toNodeModel(row, families, await this.engine.findByHolder(tx, 'node', row.id));
      await this.engine.releaseHolder(tx, 'node', row.id);
      await this.nodes.delete(tx, row.id);
      await this.audit.record(tx, { action: 'delete', resource: 'node', resourceId: row.id, clusterId: cluster.id, before });
    });
  }

  /**
   * Node blocks per pod family and per pod pool, read from the free index
   * (never enumerated), how many more nodes fit, and the ClusterIPs of each
   * ServiceCIDR. A family's counts sum its pools; `maxNodes` is for a node every
   * pool selects. Given an instance type's ENIs, also its max pods per node
   * (VPC CNI prefix mode, cluster-profile.ts).
   */
  async capacity(clusterId: string, eni?: { enis: number; ipsPerEni: number }): Promise<ClusterCapacityModel> {
    const tx = this.db.reader;
    const cluster = await this.requireCluster(tx, clusterId);
    const families = await this.podFamilies(tx, cluster);
    const all = families.flatMap((f) => f.pools ?? []);
    const used = await this.engine.countLeasesByPool(
      tx,
      all.map((p) => p.poolId),
      'node',
    );
    const pools = await Promise.all(
      all.map(async (p) => {
        const free = await this.engine.freeBlockCount(tx, p.poolId, p.mask);
        return { pool: p, total: p.cidr.subnetCount(p.mask), used: used.get(p.poolId) ?? 0n, free };
      }),
    );
    const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
    const rows = families.map((f) => {
      const mine = pools.filter((x) => x.pool.family === f.family);
      return {
        family: f.family,
        podCidr: f.cidr.toString(),
        nodeMaskSize: f.mask,
        nodeBlocksTotal: sum(mine.map((x) => x.total)).toString(),
        nodeBlocksUsed: sum(mine.map((x) => x.used)).toString(),
        nodeBlocksFree: sum(mine.map((x) => x.free)).toString(),
        podAddressesPerNode: (1n << BigInt(f.cidr.bits - f.mask)).toString(),
        free: sum(mine.map((x) => x.free)),
      };
    });
    const maxNodes = rows.reduce<bigint | undefined>((min, r) => (min === undefined || r.free < min ? r.free : min), undefined) ?? 0n;
    return {
      clusterId: cluster.id,
      families: rows.map(({ free: _free, ...r }) => r),
      pools: pools.map(({ pool: p, total, used: u, free }) => ({
        name: p.name,
        family: p.family,
        cidr: p.cidr.toString(),
        nodeMaskSize: p.mask,
        nodeBlocksTotal: total.toString(),
        nodeBlocksUsed: u.toString(),
        nodeBlocksFree: free.toString(),
        podAddressesPerNode: (1n << BigInt(p.cidr.bits - p.mask)).toString(),
      })),
      maxNodes: maxNodes.toString(),
      serviceCidrs: await serviceCidrCapacity(tx, this.clusters, this.engine, cluster.id),
      ...(eni && { maxPodsPerNode: maxPodsPerNode(eni.enis, eni.ipsPerEni) }),
    };
  }

  private async load(tx: Tx, cluster: ClusterRow, nodeId: string, families?: PodFamily[]): Promise<NodeModel> {
    const row = await this.requireNode(tx, cluster, nodeId);
    const order = (families ?? (await this.podFamilies(tx, cluster))).map((f) => f.family);
    return toNodeModel(row, order, await this.engine.findByHolder(tx, 'node', row.id));
  }

  /**
   * The cluster's pod CIDRs in pod-family order (cluster_cidr position), each
   * with every pool of its family (the pod CIDR itself and the pod pools).
   */
  private async podFamilies(tx: Tx, cluster: ClusterRow): Promise<PodFamily[]> {
    const pools = nodePoolsOf(cluster, await this.clusters.cidrs(tx, [cluster.id]), await this.podPools.ofClusters(tx, [cluster.id]));
    return pools
      .filter((p) => p.isDefault)
      .map((p) => ({ family: p.family, cidr: p.cidr, poolId: p.poolId, mask: p.mask, pools: pools.filter((x) => x.family === p.family) }));
  }

  /** The cluster, held (FOR KEY SHARE) for a node write; 404 when it does not exist. */
  private async lockCluster(tx: Tx, clusterId: string): Promise<ClusterRow> {
    if (!(await this.clusters.lockForNodeChange(tx, clusterId))) throw new NotFoundError('cluster', clusterId);
    return this.requireCluster(tx, clusterId);
  }

  private async requireCluster(tx: Tx, clusterId: string): Promise<ClusterRow> {
    const row = await this.clusters.findById(tx, clusterId);
    if (!row) throw new NotFoundError('cluster', clusterId);
    return row;
  }

  private async requireNode(tx: Tx, cluster: ClusterRow, nodeId: string, lock = false): Promise<NodeRow> {
    const row = await this.nodes.findById(tx, cluster.id, nodeId, lock);
    if (!row) throw new NotFoundError('node', nodeId);
    return row;
  }

  private alreadyExists(cluster: ClusterRow, node: NodeRow): AlreadyExistsError {
    return new AlreadyExistsError('node', `${node.name} in cluster ${cluster.name}`, nodePath(cluster.id, node.id));
  }
}
