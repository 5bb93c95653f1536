import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prefix, type IPFamily } from '@kipam/cidr';
import { familyOf } from '@kipam/allocation';
import { Database, isPgError, PgCode, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { DEFAULT_CRITICAL_AT, DEFAULT_WARN_AT, thresholdProblems } from '../capacity/capacity-rules';
import { CapacityRepository } from '../capacity/capacity.repository';
import { AlreadyExistsError, NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { parseLabelSelector } from '../common/labels';
import { NameLocksRepository } from '../common/name-locks.repository';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import { DomainsService } from '../domains/domains.service';
import { NodesService } from '../nodes/nodes.service';
import { ServiceIpService } from '../services/service-ip.service';
import { clusterConfig } from './cluster-config';
import { withPools } from './cni-config';
import { PodPoolsRepository } from '../pod-pools/pod-pools.repository';
import { toModels as toPoolModels } from '../pod-pools/pod-pools.service';
import {
  addedEntries,
  DEFAULT_NODE_MASK,
  familyAdditionProblem,
  planProblems,
  plannedFromStored,
  stackOf,
  versionProblem,
  type CidrKind,
  type LeasedCidr,
  type PlannedCidr,
} from './cluster-cidr-rules';
import { ClusterCidrs } from './cluster-cidrs';
import {
  clusterProfileProblems,
  formatGlobalId,
  profileDefaults,
  ulaPrefix,
  type ClusterProfile,
  type ProfiledCidr,
} from './cluster-profile';
import { serviceCidrVersionProblem } from './service-cidr-rules';
import { ServiceCidrsService } from './service-cidrs.service';
import type { CidrEntry } from './dto/cidr-entry';
import type { CapacityThresholdDto, CreateClusterDto, ListClustersQuery, UpdateClusterDto } from './dto/cluster.dto';
import type { CidrAssignment, ClusterConfigModel, ClusterModel } from './models/cluster.model';
import { ClustersRepository, type ClusterCidrRow, type ClusterRow } from './clusters.repository';

export function toClusterModel(row: ClusterRow, cidrs: ClusterCidrRow[]): ClusterModel {
  const assignments = (kind: CidrKind): CidrAssignment[] =>
    cidrs
      // an extra ServiceCIDR's CIDRs are not the cluster's serviceCidrs (service-cidrs.service.ts)
      .filter((c) => c.kind === kind && !c.service_cidr_name)
      .sort((a, b) => a.position - b.position)
      .map((c) => ({
        family: familyOf(c.family),
        cidr: Prefix.parseAddressOrCidr(c.cidr).toString(),
        rangeId: c.range_id,
        rangeName: c.range_name,
      }));
  const pod = assignments('pod');
  const service = assignments('service');
  const ula = cidrs.find((c) => c.ula_global_id !== null);
  const ulaId = ula ? BigInt(ula.ula_global_id!) : undefined;
  return withEtag(
    {
      id: row.id,
      name: row.name,
      domain: row.domain_name,
      domainId: row.domain_id,
      stack: stackOf(row.ip_families),
      ipFamilies: row.ip_families,
      podCidrs: pod.map((a) => a.cidr),
      serviceCidrs: service.map((a) => a.cidr),
      podCidrAssignments: pod,
      serviceCidrAssignments: service,
      nodeMaskSizeIPv4: row.node_mask_size_ipv4,
      nodeMaskSizeIPv6: row.node_mask_size_ipv6,
      kubernetesVersion: row.kubernetes_version,
      labels: row.labels,
      allowConflicts: row.allow_conflicts,
      profile: row.profile,
      nodeLocalCidrs: row.node_local_cidrs.map((c) => Prefix.parseAddressOrCidr(c).toString()),
      ulaGlobalId: ulaId === undefined ? null : formatGlobalId(ulaId),
      ulaPrefix: ulaId === undefined ? null : ulaPrefix(ulaId).toString(),
      capacityThresholds: cidrs
        .filter((c): c is ClusterCidrRow & { kind: CidrKind } => c.kind !== 'pod_pool')
        .sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === 'pod' ? -1 : 1))
        .map((c) => ({
          kind: c.kind,
          family: familyOf(c.family),
          cidr: Prefix.parseAddressOrCidr(c.cidr).toString(),
          warnAt: c.warn_at,
          criticalAt: c.critical_at,
          level: c.capacity_level,
        })),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}

/** The concrete CIDRs of a plan (declared ones) or of leased CIDRs, for the profile rules. */
function profiled(cidrs: (PlannedCidr | LeasedCidr)[]): ProfiledCidr[] {
  return cidrs.flatMap((c) => {
    const cidr = 'cidr' in c ? c.cidr : c.declared;
    return cidr ? [{ kind: c.kind, field: c.field, cidr }] : [];
  });
}

function familiesOf(cidrs: (PlannedCidr | LeasedCidr)[], kind: CidrKind): IPFamily[] {
  return cidrs
    .filter((c) => c.kind === kind)
    .sort((a, b) => a.position - b.position)
    .map((c) => c.family);
}

/**
 * The profile rules over a cluster's CIDRs (cluster-profile.ts), concrete ones
 * only: before leasing the declared, after it all. `existing` CIDRs (a patch's
 * stored ones) count for the families and the node-local ranges only.
 */
function profileProblems(
  profile: ClusterProfile | null,
  cidrs: (PlannedCidr | LeasedCidr)[],
  nodeMaskSizeIPv6: number,
  nodeLocalCidrs: Prefix[],
  existing: PlannedCidr[] = [],
): FieldError[] {
  return clusterProfileProblems({
    profile,
    podFamilies: familiesOf([...existing, ...cidrs], 'pod'),
    serviceFamilies: familiesOf([...existing, ...cidrs], 'service'),
    nodeMaskSizeIPv6,
    cidrs: profiled(cidrs),
    existing: profiled(existing),
    pending: cidrs.filter((c) => !('cidr' in c) && c.range).map((c) => ({ kind: c.kind, field: c.field, length: c.length })),
    nodeLocalCidrs,
  });
}

/** Throws the 422 of these problems, if any. */
function refuse(problems: (FieldError | undefined)[]): void {
  const found = problems.filter((p): p is FieldError => p !== undefined);
  if (found.length) throw new ValidationError(found);
}

/**
 * A cluster's life: create (its CIDRs leased and provisioned, default/kubernetes
 * made), add a family (the nodes backfilled), labels and version, delete (every
 * lease released), in one transaction each. The CIDR rules are
 * cluster-cidr-rules.ts, their leases cluster-cidrs.ts.
 */
/**
 * Runs `transaction` (a cluster's whole creation) again when overlaps are
 * accepted and a CIDR overlapping one committed meanwhile (two imports of the
 * same cluster at once) failed the domain's exclusion constraint: neither saw
 * the other, so neither flagged its CIDR. The next run sees the committed one
 * and flags its own; without `accepted` the refusal stands (409).
 */
export async function againOnAcceptedOverlap<T>(accepted: boolean, transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (!accepted || attempt >= 3 || !isPgError(error, PgCode.exclusionViolation)) throw error;
    }
  }
}

@Injectable()
export class ClustersService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(PodPoolsRepository) private readonly podPools: PodPoolsRepository,
    @Inject(ClusterCidrs) private readonly cidrs: ClusterCidrs,
    @Inject(DomainsService) private readonly domains: DomainsService,
    @Inject(ServiceIpService) private readonly services: ServiceIpService,
    @Inject(NodesService) private readonly nodes: NodesService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(NameLocksRepository) private readonly names: NameLocksRepository,
    @Inject(CapacityRepository) private readonly capacity: CapacityRepository,
    @Inject(ServiceCidrsService) private readonly serviceCidrs: ServiceCidrsService,
  ) {}

  async create(dto: CreateClusterDto): Promise<ClusterModel> {
    return againOnAcceptedOverlap(Boolean(dto.allowConflicts), () => this.db.transaction((tx) => this.createIn(tx, dto)));
  }

  /** A cluster's creation in the caller's transaction (an import adds its nodes and Services in the same one). */
  async createIn(tx: Tx, dto: CreateClusterDto): Promise<ClusterModel> {
    const domain = await this.domains.resolve(tx, dto.domain);
    await this.names.lock(tx, 'cluster', domain.id, dto.name);
    const existing = await this.clusters.findByName(tx, domain.id, dto.name);
    if (existing) throw new AlreadyExistsError('cluster', `${dto.name} in domain ${domain.name}`, `/v1/clusters/${existing.id}`);

    const profile = dto.profile ?? null;
    const defaults = profileDefaults(profile);
    const masks = {
      IPv4: dto.nodeMaskSizeIPv4 ?? DEFAULT_NODE_MASK.IPv4,
      IPv6: dto.nodeMaskSizeIPv6 ?? defaults.nodeMaskSizeIPv6 ?? DEFAULT_NODE_MASK.IPv6,
    };
    const nodeLocal = (dto.nodeLocalCidrs ?? defaults.nodeLocalCidrs).map((c) => Prefix.parse(c));
    const plan = [
      ...(await this.cidrs.plan(tx, domain, 'pod', dto.podCidrs)),
      ...(await this.cidrs.plan(tx, domain, 'service', dto.serviceCidrs ?? defaults.serviceCidrs!)),
    ];
    refuse([...planProblems(plan, masks, dto.kubernetesVersion ?? null), ...profileProblems(profile, plan, masks.IPv6, nodeLocal)]);

    const id = randomUUID();
    const allowConflicts = dto.allowConflicts ?? false;
    const resolved = await this.cidrs.lease(tx, domain, id, plan, allowConflicts);
    refuse(profileProblems(profile, resolved, masks.IPv6, nodeLocal));
    const ipFamilies = resolved.filter((r) => r.kind === 'service').map((r) => r.family);
    await this.clusters.insert(tx, {
      id,
      domainId: domain.id,
      name: dto.name,
      ipFamilies,
      maskV4: masks.IPv4,
      maskV6: masks.IPv6,
      kubernetesVersion: dto.kubernetesVersion ?? null,
      labels: dto.labels ?? {},
      allowConflicts,
      profile,
    });
    await this.clusters.setNodeLocalCidrs(tx, id, nodeLocal);
    const poolIds = new Map<string, string>();
    for (const r of resolved) poolIds.set(`${r.kind}/${r.family}`, await this.cidrs.provision(tx, domain.id, id, r, masks));

    const primary = resolved.find((r) => r.kind === 'service' && r.position === 0)!;
    await this.services.createKubernetesService(tx, id, primary.cidr, poolIds.get(`service/${primary.family}`)!);
    await this.setThresholds(tx, id, dto.capacityThresholds, await this.clusters.cidrs(tx, [id]));

    const model = await this.load(tx, id);
    await this.audit.record(tx, { action: 'create', resource: 'cluster', resourceId: id, clusterId: id, after: model });
    return withMeta(model, { location: `/v1/clusters/${id}` });
  }

  async get(id: string): Promise<ClusterModel> {
    return this.load(this.db.reader, id);
  }

  /** A cluster by name in a domain (the default one when not given); 404 naming the cluster when there is none. */
  async getByName(name: string, domainRef?: string): Promise<ClusterModel> {
    const tx = this.db.reader;
    const domain = await this.domains.resolve(tx, domainRef);
    const row = await this.clusters.findByName(tx, domain.id, name);
    return this.load(tx, row?.id ?? name);
  }

  /** Clusters by id (GraphQL's batch loader): two statements for any number. */
  async byIds(ids: readonly string[]): Promise<Map<string, ClusterModel>> {
    const tx = this.db.reader;
    const rows = await this.clusters.findByIds(tx, [...ids]);
    const cidrs = await this.clusters.cidrs(tx, [...ids]);
    return new Map(
      rows.map((r) => [
        r.id,
        toClusterModel(
          r,
          cidrs.filter((c) => c.cluster_id === r.id),
        ),
      ]),
    );
  }

  async list(query: ListClustersQuery): Promise<Page<ClusterModel>> {
    const tx = this.db.reader;
    const limit = pageSize(query.limit);
    const after = decodeCursor(query.cursor, 3) as [string, string, string] | undefined;
    const domain = query.domain !== undefined ? await this.domains.resolve(tx, query.domain) : undefined;
    const rows = await this.clusters.list(tx, {
      domainId: domain?.id,
      name: query.name,
      stack: query.stack,
      labels: parseLabelSelector(query.label),
      after,
      limit,
    });
    const shown = rows.slice(0, limit);
    const cidrs = await this.clusters.cidrs(
      tx,
      shown.map((r) => r.id),
    );
    return toPage(
      rows,
      limit,
      (r) =>
        toClusterModel(
          r,
          cidrs.filter((c) => c.cluster_id === r.id),
        ),
      (r) => [r.domain_name, r.name, r.id],
    );
  }

  async update(id: string, dto: UpdateClusterDto, ifMatch?: string): Promise<ClusterModel> {
    return this.db.transaction(async (tx) => {
      const row = await this.requireRow(tx, id, true);
      checkIfMatch(ifMatch, row.version, `cluster ${row.name}`);
      const immutable: FieldError[] = [];
      const same = (field: string, now: unknown, wanted: unknown) => {
        if (wanted !== undefined && wanted !== now)
          immutable.push({ field, message: 'is immutable: delete and recreate the cluster to change it' });
      };
      same('name', row.name, dto.name);
      if (dto.domain !== undefined && dto.domain !== row.domain_name && dto.domain !== row.domain_id)
        same('domain', row.domain_name, dto.domain);
      same('nodeMaskSizeIPv4', row.node_mask_size_ipv4, dto.nodeMaskSizeIPv4);
      same('nodeMaskSizeIPv6', row.node_mask_size_ipv6, dto.nodeMaskSizeIPv6);
      same('profile', row.profile, dto.profile);
      if (immutable.length) throw new ValidationError(immutable);

      const all = await this.clusters.cidrs(tx, [row.id]);
      // the cluster's own CIDRs; the extra ServiceCIDRs' are checked against the version only
      const cidrs = all.filter((c) => !c.service_cidr_name);
      // podCidrs and serviceCidrs (pod pools' CIDRs are the pod-pools resource's)
      const own = cidrs.filter((c): c is ClusterCidrRow & { kind: CidrKind } => c.kind !== 'pod_pool');
      const domain = await this.domains.resolve(tx, row.domain_id);
      const added = (kind: CidrKind, entries: CidrEntry[] | undefined) => {
        const fresh = addedEntries(kind, own, entries);
        return this.cidrs.plan(tx, domain, kind, fresh, cidrs.filter((c) => c.kind === kind).length);
      };
      const additions = [...(await added('pod', dto.podCidrs)), ...(await added('service', dto.serviceCidrs))];
      const version = dto.kubernetesVersion ?? row.kubernetes_version;
      if (dto.kubernetesVersion !== undefined) {
        const serviceCidrs = all.filter((c) => c.kind === 'service').map((c) => Prefix.parseAddressOrCidr(c.cidr));
        refuse([versionProblem(serviceCidrs, version), serviceCidrVersionProblem(all, version)]);
      }

      // null resets the node-local ranges to the profile's default
      const nodeLocalText =
        dto.nodeLocalCidrs === undefined
          ? row.node_local_cidrs
          : (dto.nodeLocalCidrs ?? profileDefaults(row.profile).nodeLocalCidrs).map((c) => Prefix.parse(c).toString());
      const nodeLocal = nodeLocalText.map((c) => Prefix.parseAddressOrCidr(c));
      const nodeLocalChanged =
        nodeLocal.map(String).join() !== row.node_local_cidrs.map((c) => Prefix.parseAddressOrCidr(c).toString()).join();
      const stored = plannedFromStored(own);
      if (nodeLocalChanged && !additions.length) refuse(profileProblems(row.profile, [], row.node_mask_size_ipv6, nodeLocal, stored));

      let nodesBackfilled: number | undefined;
      let ipFamilies: IPFamily[] | undefined;
      if (additions.length) {
        refuse([familyAdditionProblem(additions)]);
        const family = additions[0].family;
        const masks = { IPv4: row.node_mask_size_ipv4, IPv6: row.node_mask_size_ipv6 };
        refuse([
          ...planProblems([...stored, ...additions], masks, version),
          ...profileProblems(row.profile, additions, masks.IPv6, nodeLocal, stored),
        ]);
        const resolved = await this.cidrs.lease(tx, domain, row.id, additions, dto.allowConflicts ?? row.allow_conflicts);
        refuse(profileProblems(row.profile, resolved, masks.IPv6, nodeLocal, stored));
        let podPool = '';
        for (const r of resolved) {
          const pool = await this.cidrs.provision(tx, domain.id, row.id, r, masks);
          if (r.kind === 'pod') podPool = pool;
        }
        nodesBackfilled = await this.nodes.backfill(tx, row.id, family, podPool, masks[family]);
        ipFamilies = [...row.ip_families, family];
      }

      // JSON merge patch: null resets the labels
      const labels = dto.labels === null ? {} : dto.labels;
      const labelsChanged = labels !== undefined && JSON.stringify(labels) !== JSON.stringify(row.labels);
      const versionChanged = dto.kubernetesVersion !== undefined && dto.kubernetesVersion !== row.kubernetes_version;
      const allowChanged = dto.allowConflicts !== undefined && dto.allowConflicts !== row.allow_conflicts;
      if (nodeLocalChanged) await this.clusters.setNodeLocalCidrs(tx, row.id, nodeLocal);
      const thresholdsChanged = await this.setThresholds(tx, row.id, dto.capacityThresholds, await this.clusters.cidrs(tx, [row.id]));
      const changed = labelsChanged || versionChanged || allowChanged || nodeLocalChanged || ipFamilies !== undefined || thresholdsChanged;
      if (changed) {
        await this.clusters.update(tx, row.id, {
          labels: labelsChanged ? labels : undefined,
          kubernetesVersion: versionChanged ? dto.kubernetesVersion : undefined,
          allowConflicts: allowChanged ? dto.allowConflicts : undefined,
          ipFamilies,
        });
      }
      const model = await this.load(tx, row.id);
      if (changed) {
        await this.audit.record(tx, {
          action: 'update',
          resource: 'cluster',
          resourceId: row.id,
          clusterId: row.id,
          before: toClusterModel(row, cidrs),
          after: nodesBackfilled === undefined ? model : { ...model, nodesBackfilled },
        });
      }
      return nodesBackfilled === undefined ? model : withEtag({ ...model, nodesBackfilled }, (await this.requireRow(tx, row.id)).version);
    });
  }

  async delete(id: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.requireRow(tx, id, true);
      checkIfMatch(ifMatch, row.version, `cluster ${row.name}`);
      await this.deleteLocked(tx, row);
    });
  }

  /** Releases every lease of the cluster (its CIDRs, nodes, Services) and deletes it, in the caller's transaction. */
  async deleteLocked(tx: Tx, row: ClusterRow): Promise<void> {
    const cidrs = await this.clusters.cidrs(tx, [row.id]);
    await this.audit.record(tx, {
      action: 'delete',
      resource: 'cluster',
      resourceId: row.id,
      clusterId: row.id,
      before: toClusterModel(row, cidrs),
    });
    await this.cidrs.deleteWithCluster(tx, row.id, cidrs);
  }

  /**
   * Applies capacity thresholds to the cluster's CIDRs (one scope per pod or
   * service CIDR of a family); 422 for a kind and family the cluster has no
   * CIDR of, or bad ratios. Returns whether any changed.
   */
  private async setThresholds(
    tx: Tx,
    clusterId: string,
    given: CapacityThresholdDto[] | undefined,
    cidrs: ClusterCidrRow[],
  ): Promise<boolean> {
    if (!given?.length) return false;
    const problems: FieldError[] = [];
    const seen = new Set<string>();
    const changes: { cidr: ClusterCidrRow; warnAt: number; criticalAt: number }[] = [];
    given.forEach((t, i) => {
      const field = `capacityThresholds[${i}].`;
      const key = `${t.kind}/${t.family}`;
      if (seen.has(key)) problems.push({ field: `${field}family`, message: `${t.kind} ${t.family} is given twice` });
      seen.add(key);
      // the cluster's own CIDR of that kind and family (not an extra ServiceCIDR's)
      const cidr = cidrs.find((c) => c.kind === t.kind && familyOf(c.family) === t.family && !c.service_cidr_name);
      if (!cidr) {
        problems.push({ field: `${field}family`, message: `the cluster has no ${t.family} ${t.kind} CIDR` });
        return;
      }
      // absent keeps the current value, null restores the default
      const warnAt = t.warnAt === null ? DEFAULT_WARN_AT : (t.warnAt ?? cidr.warn_at);
      const criticalAt = t.criticalAt === null ? DEFAULT_CRITICAL_AT : (t.criticalAt ?? cidr.critical_at);
      problems.push(...thresholdProblems(field, warnAt, criticalAt));
      if (warnAt !== cidr.warn_at || criticalAt !== cidr.critical_at) changes.push({ cidr, warnAt, criticalAt });
    });
    refuse(problems);
    for (const c of changes) {
      await this.capacity.setThresholds(tx, {
        poolId: c.cidr.pool_id,
        kind: c.cidr.kind === 'pod' ? 'cluster_pod' : 'cluster_service',
        ownerId: clusterId,
        family: c.cidr.family,
        warnAt: c.warnAt,
        criticalAt: c.criticalAt,
      });
    }
    return changes.length > 0;
  }

  /**
   * The component flags, the kubeadm networking block and the extra ServiceCIDR manifests (cluster-config.ts),
   * with the pod pools as each CNI takes them (cni-config.ts).
   */
  async config(id: string): Promise<ClusterConfigModel> {
    const tx = this.db.reader;
    const row = await this.requireRow(tx, id);
    const cidrs = await this.clusters.cidrs(tx, [row.id]);
    const model = toClusterModel(row, cidrs);
    const pools = toPoolModels(row, cidrs, await this.podPools.ofClusters(tx, [row.id]));
    return withPools(clusterConfig(model, await this.serviceCidrs.manifests(model.id)), model, pools);
  }

  async load(tx: Tx, id: string): Promise<ClusterModel> {
    const row = await this.requireRow(tx, id);
    return toClusterModel(row, await this.clusters.cidrs(tx, [row.id]));
  }

  async requireRow(tx: Tx, id: string, lock = false): Promise<ClusterRow> {
    const row = await this.clusters.findById(tx, id, lock);
    if (!row) throw new NotFoundError('cluster', id);
    return row;
  }
}
