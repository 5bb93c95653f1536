import { checkNotLinkLocal, checkServiceCidrForProfile } from './cluster-profile';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prefix } from '@kipam/cidr';
import { familyOf, LeaseEngine } from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { AlreadyExistsError, ConflictError, NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { withEtag, withMeta } from '../common/response-meta';
import { DomainsService } from '../domains/domains.service';
import { ServicesRepository } from '../services/services.repository';
import { ClusterCidrs } from './cluster-cidrs';
import { ClustersRepository, type ClusterCidrRow } from './clusters.repository';
import type { CreateServiceCidrDto } from './dto/service-cidr.dto';
import type { ServiceCidrManifest } from './models/cluster.model';
import type { ServiceCidrModel } from './models/service-cidr.model';
import { DEFAULT_SERVICE_CIDR, serviceCidrPlanProblems, serviceCidrVersionGate } from './service-cidr-rules';
import { ServiceCidrsRepository, type ServiceCidrClusterRow } from './service-cidrs.repository';

/** How many of the Services in the way a refused deletion names. */
const HOLDERS_SHOWN = 20;

const locationOf = (clusterId: string, name: string) => `/v1/clusters/${clusterId}/service-cidrs/${encodeURIComponent(name)}`;

function toModel(clusterId: string, name: string, createdAt: Date, cidrs: ClusterCidrRow[]): ServiceCidrModel {
  const own = cidrs.filter((c) => c.kind === 'service' && c.service_cidr_name === (name === DEFAULT_SERVICE_CIDR ? '' : name));
  own.sort((a, b) => a.position - b.position);
  const assignments = own.map((c) => ({
    family: familyOf(c.family),
    cidr: Prefix.parseAddressOrCidr(c.cidr).toString(),
    rangeId: c.range_id,
    rangeName: c.range_name,
  }));
  return {
    name,
    clusterId,
    default: name === DEFAULT_SERVICE_CIDR,
    cidrs: assignments.map((a) => a.cidr),
    cidrAssignments: assignments,
    createdAt,
  };
}

/**
 * A cluster's ServiceCIDRs (networking.k8s.io/v1, Kubernetes >= 1.33): the
 * default one, `kubernetes`, is the cluster's serviceCidrs (kube-apiserver
 * makes it from --service-cluster-ip-range); extra ones add ClusterIP space to
 * a live cluster. Their CIDRs are leased like cluster CIDRs (cluster-cidrs.ts),
 * so overlap rules, conflicts and who-owns see them; each gets its own pool of
 * ClusterIPs, which Service allocation draws from (service-ip.service.ts).
 */
@Injectable()
export class ServiceCidrsService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ServiceCidrsRepository) private readonly repo: ServiceCidrsRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(ServicesRepository) private readonly services: ServicesRepository,
    @Inject(ClusterCidrs) private readonly cidrs: ClusterCidrs,
    @Inject(DomainsService) private readonly domains: DomainsService,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async list(clusterId: string): Promise<ServiceCidrModel[]> {
    const tx = this.db.reader;
    const cluster = this.gate(await this.repo.findCluster(tx, clusterId), clusterId);
    return this.load(tx, cluster);
  }

  /** One ServiceCIDR; an extra one's ETag is its row id (it never changes: a ServiceCIDR's cidrs are immutable). */
  async get(clusterId: string, name: string): Promise<ServiceCidrModel> {
    const found = (await this.list(clusterId)).find((s) => s.name === name);
    if (!found) throw new NotFoundError('ServiceCIDR', name);
    if (found.default) return found;
    const row = await this.repo.findByName(this.db.reader, found.clusterId, name);
    return row ? withEtag(found, row.id) : found;
  }

  /**
   * The ServiceCIDRs of many clusters (GraphQL's Cluster.serviceCidrResources),
   * in two statements; a cluster below Kubernetes 1.33 has none.
   */
  async ofClusters(clusterIds: readonly string[]): Promise<Map<string, ServiceCidrModel[]>> {
    const tx = this.db.reader;
    const rows = await this.clusters.findByIds(tx, [...clusterIds]);
    const eligible = rows.filter((r) => serviceCidrVersionGate(r.kubernetes_version) === null);
    const ids = eligible.map((r) => r.id);
    const [cidrs, extra] = await Promise.all([this.clusters.cidrs(tx, ids), this.repo.list(tx, ids)]);
    const out = new Map<string, ServiceCidrModel[]>(clusterIds.map((id) => [id, []]));
    for (const r of eligible) {
      const mine = cidrs.filter((c) => c.cluster_id === r.id);
      out.set(r.id, [
        toModel(r.id, DEFAULT_SERVICE_CIDR, r.created_at, mine),
        ...extra.filter((e) => e.cluster_id === r.id).map((e) => toModel(r.id, e.name, e.created_at, mine)),
      ]);
    }
    return out;
  }

  async create(clusterId: string, dto: CreateServiceCidrDto): Promise<ServiceCidrModel> {
    const model = await this.db.transaction(async (tx) => {
      const cluster = this.gate(await this.repo.lockCluster(tx, clusterId), clusterId);
      if (dto.name === DEFAULT_SERVICE_CIDR) {
        throw new AlreadyExistsError(
          'ServiceCIDR',
          `${DEFAULT_SERVICE_CIDR} (the cluster's serviceCidrs)`,
          locationOf(cluster.id, dto.name),
        );
      }
      const domain = await this.domains.resolve(tx, cluster.domain_id);
      const plan = await this.cidrs.plan(tx, domain, 'service', dto.cidrs, 0, { serviceCidr: dto.name });
      const problems = serviceCidrPlanProblems(plan, cluster.ip_families, cluster.kubernetes_version);
      if (problems.length) throw new ValidationError(problems);

      const existing = await this.clusters.cidrs(tx, [cluster.id]);
      // declared CIDRs before anything is leased (a 422 rather than the range's address-taken), carved ones once leased
      this.refuseOwnOverlap(
        existing,
        plan.filter((p) => p.declared).map((p) => ({ field: p.field, cidr: p.declared! })),
      );
      const row = await this.repo.insert(tx, { id: randomUUID(), clusterId: cluster.id, name: dto.name });
      if (!row) throw new AlreadyExistsError('ServiceCIDR', dto.name, locationOf(cluster.id, dto.name));
      const leased = await this.cidrs.lease(tx, domain, cluster.id, plan, false);
      // the link-local guard and the cluster's profile, on the CIDRs they got (a refusal rolls the leases back)
      const guarded = leased
        .flatMap((l) => [checkNotLinkLocal(l.cidr, l.field), checkServiceCidrForProfile(cluster.profile, l.cidr, l.field)])
        .filter((p): p is FieldError => p !== undefined);
      if (guarded.length) throw new ValidationError(guarded);
      this.refuseOwnOverlap(
        existing,
        leased.map((l) => ({ field: l.field, cidr: l.cidr })),
      );
      for (const r of leased) {
        // masks are for pod pools only
        await this.cidrs.provision(tx, cluster.domain_id, cluster.id, r, { IPv4: 0, IPv6: 0 });
      }
      const model = toModel(cluster.id, row.name, row.created_at, await this.clusters.cidrs(tx, [cluster.id]));
      await this.audit.record(tx, { action: 'create', resource: 'service-cidr', resourceId: row.id, clusterId: cluster.id, after: model });
      return withEtag(model, row.id);
    });
    return withMeta(model, { location: locationOf(model.clusterId, model.name) });
  }

  /**
   * Deletes an extra ServiceCIDR, releasing its CIDRs' leases and its pool.
   * Refused (409) while Services hold ClusterIPs of it, naming them, as the
   * servicecidrs controller's finalizer holds a ServiceCIDR in Kubernetes
   * (pkg/controller/servicecidrs). Kipam's ServiceCIDRs never overlap, so no
   * other ServiceCIDR can cover those addresses. The row lock (FOR UPDATE)
   * waits for Service changes in flight, which hold it FOR SHARE
   * (clusters.repository.ts lockForServiceChange), and keeps new ones out.
   */
  async delete(clusterId: string, name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const cluster = this.gate(await this.repo.lockCluster(tx, clusterId), clusterId);
      if (name === DEFAULT_SERVICE_CIDR) {
        throw new ConflictError(
          `${DEFAULT_SERVICE_CIDR} is the default ServiceCIDR kube-apiserver makes from --service-cluster-ip-range (the cluster's serviceCidrs); it cannot be deleted`,
          { serviceCidr: name },
        );
      }
      const row = await this.repo.findByName(tx, cluster.id, name, true);
      if (!row) throw new NotFoundError('ServiceCIDR', name);
      const cidrs = (await this.clusters.cidrs(tx, [cluster.id])).filter((c) => c.kind === 'service' && c.service_cidr_name === name);
      const holders = await this.services.holdingIn(
        tx,
        cidrs.map((c) => c.pool_id),
        HOLDERS_SHOWN + 1,
      );
      if (holders.length) {
        const shown = holders.slice(0, HOLDERS_SHOWN).map((h) => `${h.namespace}/${h.name} (${h.address})`);
        throw new ConflictError(
          `ServiceCIDR ${name} still has ClusterIPs held by Services ${shown.join(', ')}${holders.length > HOLDERS_SHOWN ? ' and more' : ''}: ` +
            'delete those Services (or recreate them in another ServiceCIDR) first',
          {
            serviceCidr: name,
            services: holders.slice(0, HOLDERS_SHOWN).map((h) => ({ namespace: h.namespace, name: h.name, clusterIP: h.address })),
          },
        );
      }
      const before = toModel(cluster.id, name, row.created_at, cidrs);
      await this.engine.release(
        tx,
        cidrs.map((c) => c.lease_id).filter((l): l is string => l !== null),
      );
      await this.repo.delete(tx, row.id, cluster.id, name);
      await this.engine.deletePools(
        tx,
        cidrs.map((c) => c.pool_id),
      );
      await this.audit.record(tx, { action: 'delete', resource: 'service-cidr', resourceId: row.id, clusterId: cluster.id, before });
    });
  }

  /** Extra ServiceCIDRs as manifests (config output): kube-apiserver makes the default one itself. */
  async manifests(clusterId: string): Promise<ServiceCidrManifest[]> {
    const cluster = await this.repo.findCluster(this.db.reader, clusterId);
    if (!cluster || serviceCidrVersionGate(cluster.kubernetes_version) !== null) return [];
    return (await this.load(this.db.reader, cluster))
      .filter((s) => !s.default)
      .map((s) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDR', metadata: { name: s.name }, spec: { cidrs: s.cidrs } }));
  }

  private async load(tx: Tx, cluster: ServiceCidrClusterRow): Promise<ServiceCidrModel[]> {
    const [cidrs, extra] = await Promise.all([this.clusters.cidrs(tx, [cluster.id]), this.repo.list(tx, [cluster.id])]);
    return [
      toModel(cluster.id, DEFAULT_SERVICE_CIDR, cluster.created_at, cidrs),
      ...extra.map((e) => toModel(cluster.id, e.name, e.created_at, cidrs)),
    ];
  }

  /** 404 without the cluster; 422 when its Kubernetes version has no ServiceCIDR API. */
  private gate(cluster: ServiceCidrClusterRow | undefined, clusterId: string): ServiceCidrClusterRow {
    if (!cluster) throw new NotFoundError('cluster', clusterId);
    const problem = serviceCidrVersionGate(cluster.kubernetes_version);
    if (problem) throw ValidationError.field('kubernetesVersion', problem);
    return cluster;
  }

  /** A ServiceCIDR overlaps none of the cluster's own CIDRs: pods, the default service CIDRs, other ServiceCIDRs. */
  private refuseOwnOverlap(existing: ClusterCidrRow[], added: { field: string; cidr: Prefix }[]): void {
    for (const a of added) {
      for (const c of existing) {
        const cidr = Prefix.parseAddressOrCidr(c.cidr);
        if (!cidr.overlaps(a.cidr)) continue;
        const what =
          c.kind === 'pod'
            ? `the cluster's pod CIDR ${cidr}`
            : `${c.service_cidr_name ? `ServiceCIDR ${c.service_cidr_name}` : `the default ServiceCIDR ${DEFAULT_SERVICE_CIDR}`} (${cidr})`;
        throw new ValidationError([
          {
            field: a.field,
            message:
              `${a.cidr} overlaps ${what}: Kipam keeps a cluster's ServiceCIDRs disjoint (each has its own pool of ClusterIPs, ` +
              'so an address is never handed out twice)',
          },
        ]);
      }
    }
  }
}
