import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prefix } from '@kipam/cidr';
import { LeaseEngine } from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { DEFAULT_CRITICAL_AT, DEFAULT_WARN_AT, thresholdProblems } from '../capacity/capacity-rules';
import { CapacityRepository } from '../capacity/capacity.repository';
import { AlreadyExistsError, CidrConflictError, ConflictError, NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import { ClusterCidrs } from '../clusters/cluster-cidrs';
import { ClustersRepository, type ClusterCidrRow, type ClusterRow } from '../clusters/clusters.repository';
import { isCarveRequest } from '../clusters/dto/cidr-entry';
import { DomainsService } from '../domains/domains.service';
import type { CreatePodPoolDto, UpdatePodPoolDto } from './dto/pod-pool.dto';
import { normalizeSelector } from './label-selector';
import type { PodPoolModel } from './models/pod-pool.model';
import { checkNodeMaskForProfile, checkNotLinkLocal, checkPodCidrForProfile } from '../clusters/cluster-profile';
import { DEFAULT_POOL_NAMES, newPoolProblems, nextOrder, nodePoolsOf, type NodePool } from './pod-pool-rules';
import { PodPoolsRepository, type PodPoolRow } from './pod-pools.repository';

const poolPath = (clusterId: string, name: string) => `/v1/clusters/${clusterId}/pod-pools/${name}`;
/** Nodes named in a refused deletion. */
const NODES_NAMED = 20;

const KIND_WORDS: Record<string, string> = { pod: 'pod CIDR', service: 'service CIDR', pod_pool: 'pod pool CIDR' };

/**
 * A cluster's pod pools (pod-pool-rules.ts): its own pod CIDRs as the virtual
 * pools default-ipv4/default-ipv6, and extra pools, each a cluster CIDR of kind
 * pod_pool leased like the cluster's own (declared, or carved from a range)
 * with its own lease-engine pool of node blocks. Every change locks the
 * cluster (FOR UPDATE): node registrations (FOR KEY SHARE) wait for it, so a
 * node never takes a block in a pool being deleted.
 */
@Injectable()
export class PodPoolsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(PodPoolsRepository) private readonly pools: PodPoolsRepository,
    @Inject(ClusterCidrs) private readonly cidrs: ClusterCidrs,
    @Inject(CapacityRepository) private readonly capacity: CapacityRepository,
    @Inject(DomainsService) private readonly domains: DomainsService,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async list(clusterId: string): Promise<PodPoolModel[]> {
    const tx = this.db.reader;
    const cluster = await this.requireCluster(tx, clusterId);
    return this.models(tx, cluster);
  }

  /** The pools of many clusters (GraphQL's Cluster.podPools): three statements for any number. */
  async ofClusters(clusterIds: readonly string[]): Promise<Map<string, PodPoolModel[]>> {
    const tx = this.db.reader;
    const ids = [...clusterIds];
    const [rows, cidrs, extra] = [
      await this.clusters.findByIds(tx, ids),
      await this.clusters.cidrs(tx, ids),
      await this.pools.ofClusters(tx, ids),
    ];
    return new Map(
      rows.map((c) => [
        c.id,
        toModels(
          c,
          cidrs.filter((x) => x.cluster_id === c.id),
          extra.filter((x) => x.cluster_id === c.id),
        ),
      ]),
    );
  }

  async get(clusterId: string, name: string): Promise<PodPoolModel> {
    const tx = this.db.reader;
    const cluster = await this.requireCluster(tx, clusterId);
    const found = (await this.models(tx, cluster)).find((p) => p.name === name);
    if (!found) throw new NotFoundError('pod pool', `${name} in cluster ${cluster.name}`);
    return found;
  }

  async create(clusterId: string, dto: CreatePodPoolDto): Promise<PodPoolModel> {
    return this.db.transaction(async (tx) => {
      const cluster = await this.requireCluster(tx, clusterId, true);
      const cidrs = await this.clusters.cidrs(tx, [cluster.id]);
      const existing = await this.pools.ofClusters(tx, [cluster.id]);
      const all = nodePoolsOf(cluster, cidrs, existing);
      if (DEFAULT_POOL_NAMES.includes(dto.name) || all.some((p) => p.name === dto.name)) {
        throw new AlreadyExistsError('pod pool', `${dto.name} in cluster ${cluster.name}`, poolPath(cluster.id, dto.name));
      }
      const domain = await this.domains.resolve(tx, cluster.domain_id);
      const [planned] = await this.cidrs.plan(tx, domain, 'pod', [dto.cidr], 0, { field: 'cidr' });
      planned.slot = `pod-pool/${dto.name}`;
      const families = all.filter((p) => p.isDefault).map((p) => p.family);
      const mask = dto.nodeMaskSize ?? (planned.family === 'IPv4' ? cluster.node_mask_size_ipv4 : cluster.node_mask_size_ipv6);
      // a carve request is checked as the first block of its length in its range
      const probe = planned.declared ?? Prefix.of(planned.family, Prefix.parseAddressOrCidr(planned.range!.cidr).network, planned.length);
      const problems = [
        ...newPoolProblems(probe, mask, families, cluster.name),
        ...thresholdProblems('', dto.warnAt ?? DEFAULT_WARN_AT, dto.criticalAt ?? DEFAULT_CRITICAL_AT),
      ];
      if (problems.length) throw new ValidationError(problems);

      const [leased] = await this.cidrs.lease(tx, domain, cluster.id, [planned], false);
      // the link-local guard and the cluster's profile, on the CIDR it got (a carved one is known only now; a refusal rolls the lease back)
      const got = leased.cidr;
      const guarded = [
        checkNotLinkLocal(got, 'cidr'),
        checkPodCidrForProfile(cluster.profile, got, 'cidr'),
        got.family === 'IPv6' ? checkNodeMaskForProfile(cluster.profile, mask) : undefined,
      ].filter((p): p is FieldError => p !== undefined);
      if (guarded.length)
        throw new ValidationError(guarded.map((p) => (p.field === 'nodeMaskSizeIPv6' ? { ...p, field: 'nodeMaskSize' } : p)));
      // the cluster's own CIDRs (other clusters' were checked by the lease)
      const own = (await this.clusters.overlapping(tx, domain.id, leased.cidr)).find((o) => o.cluster_id === cluster.id);
      if (own) {
        throw new CidrConflictError(
          `cidr ${leased.cidr} overlaps the ${KIND_WORDS[own.kind] ?? own.kind} ${Prefix.parseAddressOrCidr(own.cidr)} of cluster ${cluster.name}`,
          { field: 'cidr', clusterId: cluster.id, clusterName: cluster.name },
        );
      }
      const poolId = await this.engine.createPool(tx, 'cluster_pod', leased.cidr, mask);
      const cidrId = randomUUID();
      await this.clusters.insertCidr(tx, {
        id: cidrId,
        clusterId: cluster.id,
        domainId: domain.id,
        kind: 'pod_pool',
        position: 0,
        cidr: leased.cidr,
        rangeId: leased.rangeId,
        leaseId: leased.leaseId,
        poolId,
        overlapAllowed: false,
      });
      await this.pools.insert(tx, {
        id: randomUUID(),
        clusterId: cluster.id,
        cidrId,
        name: dto.name,
        family: leased.family === 'IPv4' ? 4 : 6,
        order: dto.order ?? nextOrder(all, leased.family),
        mask,
        selector: normalizeSelector(dto.nodeSelector),
      });
      if (dto.warnAt !== undefined || dto.criticalAt !== undefined) {
        await this.capacity.setThresholds(tx, {
          poolId,
          kind: 'pod_pool',
          ownerId: cluster.id,
          family: leased.family === 'IPv4' ? 4 : 6,
          warnAt: dto.warnAt ?? DEFAULT_WARN_AT,
          criticalAt: dto.criticalAt ?? DEFAULT_CRITICAL_AT,
        });
      }
      const model = await this.load(tx, cluster, dto.name);
      await this.audit.record(tx, {
        action: 'create',
        resource: 'pod-pool',
        resourceId: cidrId,
        clusterId: cluster.id,
        after: model,
      });
      return withMeta(model, { location: poolPath(cluster.id, dto.name) });
    });
  }

  /** JSON merge patch: nodeSelector (null: every node) and order change; name, cidr and nodeMaskSize may only be repeated. */
  async update(clusterId: string, name: string, dto: UpdatePodPoolDto, ifMatch?: string): Promise<PodPoolModel> {
    return this.db.transaction(async (tx) => {
      const cluster = await this.requireCluster(tx, clusterId, true);
      const row = await this.requireExtra(tx, cluster, name, 'update');
      checkIfMatch(ifMatch, row.version, `pod pool ${row.name}`);
      const before = await this.load(tx, cluster, name);
      const immutable: FieldError[] = [];
      if (dto.name !== undefined && dto.name !== row.name) immutable.push({ field: 'name', message: `is immutable (${row.name})` });
      if (dto.cidr !== undefined && !sameCidr(dto.cidr, row)) {
        immutable.push({
          field: 'cidr',
          message: `is immutable (${before.cidr}): create another pool to grow the cluster, delete this one once no node holds a block in it`,
        });
      }
      if (dto.nodeMaskSize !== undefined && dto.nodeMaskSize !== row.node_mask_size) {
        immutable.push({ field: 'nodeMaskSize', message: `is immutable (${row.node_mask_size}): the pool's node blocks have that size` });
      }
      if (immutable.length) throw new ValidationError(immutable);

      const selector = dto.nodeSelector === undefined ? undefined : normalizeSelector(dto.nodeSelector);
      const selectorChanged = selector !== undefined && JSON.stringify(selector) !== JSON.stringify(row.node_selector);
      const orderChanged = dto.order !== undefined && dto.order !== row.pool_order;
      // absent keeps the current value, null restores the default
      const warnAt = dto.warnAt === null ? DEFAULT_WARN_AT : (dto.warnAt ?? row.warn_at);
      const criticalAt = dto.criticalAt === null ? DEFAULT_CRITICAL_AT : (dto.criticalAt ?? row.critical_at);
      const thresholdsChanged = warnAt !== row.warn_at || criticalAt !== row.critical_at;
      if (thresholdsChanged) {
        const problems = thresholdProblems('', warnAt, criticalAt);
        if (problems.length) throw new ValidationError(problems);
      }
      if (!selectorChanged && !orderChanged && !thresholdsChanged) return before;
      await this.pools.update(tx, row.id, {
        selector: selectorChanged ? selector : undefined,
        order: orderChanged ? dto.order : undefined,
      });
      if (thresholdsChanged) {
        await this.capacity.setThresholds(tx, {
          poolId: row.pool_id,
          kind: 'pod_pool',
          ownerId: cluster.id,
          family: row.family,
          warnAt,
          criticalAt,
        });
      }
      const after = await this.load(tx, cluster, name);
      await this.audit.record(tx, {
        action: 'update',
        resource: 'pod-pool',
        resourceId: row.cidr_id,
        clusterId: cluster.id,
        before,
        after,
      });
      return after;
    });
  }

  /** Deletes an extra pool and releases its CIDR; refused (409, naming them) while nodes hold blocks in it. */
  async delete(clusterId: string, name: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const cluster = await this.requireCluster(tx, clusterId, true);
      const row = await this.requireExtra(tx, cluster, name, 'delete');
      checkIfMatch(ifMatch, row.version, `pod pool ${row.name}`);
      const holding = await this.pools.nodesHolding(tx, row.pool_id, NODES_NAMED);
      if (holding.count) {
        const more = holding.count > holding.names.length ? ` and ${holding.count - holding.names.length} more` : '';
        throw new ConflictError(
          `pod pool ${row.name} of cluster ${cluster.name} still holds the blocks of ${holding.count} node(s): ${holding.names.join(', ')}${more}; delete those nodes first`,
          { nodes: holding.names, nodeCount: holding.count },
        );
      }
      const before = await this.load(tx, cluster, name);
      if (row.lease_id) await this.engine.release(tx, [row.lease_id]);
      await this.pools.delete(tx, row.cidr_id);
      await this.engine.deletePools(tx, [row.pool_id]);
      await this.audit.record(tx, { action: 'delete', resource: 'pod-pool', resourceId: row.cidr_id, clusterId: cluster.id, before });
    });
  }

  /** Every pool of the cluster, as nodes take blocks from them (nodes.service.ts, capacity, config). */
  async nodePools(tx: Tx, cluster: ClusterRow, cidrs?: ClusterCidrRow[]): Promise<NodePool[]> {
    return nodePoolsOf(cluster, cidrs ?? (await this.clusters.cidrs(tx, [cluster.id])), await this.pools.ofClusters(tx, [cluster.id]));
  }

  private async models(tx: Tx, cluster: ClusterRow): Promise<PodPoolModel[]> {
    return toModels(cluster, await this.clusters.cidrs(tx, [cluster.id]), await this.pools.ofClusters(tx, [cluster.id]));
  }

  private async load(tx: Tx, cluster: ClusterRow, name: string): Promise<PodPoolModel> {
    const found = (await this.models(tx, cluster)).find((p) => p.name === name);
    if (!found) throw new NotFoundError('pod pool', `${name} in cluster ${cluster.name}`);
    return found;
  }

  private async requireExtra(tx: Tx, cluster: ClusterRow, name: string, what: 'update' | 'delete'): Promise<PodPoolRow> {
    const row = await this.pools.findByName(tx, cluster.id, name, true);
    if (row) return row;
    const cidrs = await this.clusters.cidrs(tx, [cluster.id]);
    const own = nodePoolsOf(cluster, cidrs, []).find((p) => p.name === name);
    if (!own) throw new NotFoundError('pod pool', `${name} in cluster ${cluster.name}`);
    const message = `is the cluster's own ${own.family} pod CIDR ${own.cidr} (podCidrs): it selects every node at order 0 and goes with the cluster`;
    if (what === 'update') throw ValidationError.field('name', `${name} ${message}; give other pools a negative order to try them first`);
    throw new ConflictError(`pod pool ${name} ${message}; it cannot be deleted on its own`, { pool: name });
  }

  private async requireCluster(tx: Tx, clusterId: string, lock = false): Promise<ClusterRow> {
    const row = await this.clusters.findById(tx, clusterId, lock);
    if (!row) throw new NotFoundError('cluster', clusterId);
    return row;
  }
}

/** Whether a patch's `cidr` repeats the pool's: its CIDR, or the carve request it came from. */
function sameCidr(entry: NonNullable<UpdatePodPoolDto['cidr']>, row: PodPoolRow): boolean {
  const cidr = Prefix.parseAddressOrCidr(row.cidr);
  if (isCarveRequest(entry)) {
    return (
      row.range_id !== null &&
      (entry.range === row.range_id || entry.range === row.range_name) &&
      (entry.prefixLength === undefined || entry.prefixLength === cidr.length)
    );
  }
  return Prefix.tryParse(entry)?.equals(cidr) === true;
}

/** The pools of a cluster as the API shows them; the virtual ones carry the cluster's version and times. */
export function toModels(cluster: ClusterRow, cidrs: readonly ClusterCidrRow[], extra: readonly PodPoolRow[]): PodPoolModel[] {
  const byName = new Map(extra.map((r) => [r.name, r]));
  const ownByFamily = new Map(cidrs.filter((c) => c.kind === 'pod').map((c) => [Prefix.parseAddressOrCidr(c.cidr).family, c]));
  return nodePoolsOf(cluster, cidrs, extra).map((p) => {
    const row = byName.get(p.name);
    const own = p.isDefault ? ownByFamily.get(p.family) : undefined;
    return withEtag(
      {
        name: p.name,
        clusterId: cluster.id,
        family: p.family,
        cidr: p.cidr.toString(),
        rangeId: row?.range_id ?? own?.range_id ?? null,
        rangeName: row?.range_name ?? own?.range_name ?? null,
        nodeMaskSize: p.mask,
        nodeSelector: p.selector,
        order: p.order,
        isDefault: p.isDefault,
        nodeBlocksTotal: p.cidr.subnetCount(p.mask).toString(),
        warnAt: row?.warn_at ?? own?.warn_at ?? DEFAULT_WARN_AT,
        criticalAt: row?.critical_at ?? own?.critical_at ?? DEFAULT_CRITICAL_AT,
        capacityLevel: row?.capacity_level ?? own?.capacity_level ?? 'ok',
        createdAt: row?.created_at ?? cluster.created_at,
        updatedAt: row?.updated_at ?? cluster.updated_at,
      },
      row?.version ?? cluster.version,
    );
  });
}
