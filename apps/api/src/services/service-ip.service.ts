import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Address, Prefix, serviceIpRange, type IPFamily } from '@kipam/cidr';
import {
  LeaseEngine,
  leaseAllParams,
  PoolExhaustedError,
  type HolderKind,
  type Lease,
  type LeaseEngineError,
  type LeaseRequest,
  type LeaseResult,
} from '@kipam/allocation';
import { Database, isPgError, PgCode, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import { NameLocksRepository } from '../common/name-locks.repository';
import { AlreadyExistsError, ConflictError, NotFoundError, RangeExhaustedError, ValidationError, type FieldError } from '../common/errors';
import { parseLabelSelector, type Labels } from '../common/labels';
import { isUuid } from '../common/validation';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { checkIfMatch, etagAttached, withMeta } from '../common/response-meta';
import type { CreateServiceDto, ListServicesQuery, UpdateServiceDto } from './dto/service.dto';
import type { ServiceModel } from './models/service.model';
import { isKubernetesService, slotOf, stateOf, toServiceModel } from './service-model';
import {
  clusterIpProblem,
  dynamicStarts,
  randomBelow,
  planCreate,
  planUpdate,
  type Allocation,
  type FieldName,
  type ServicePlan,
  type ServiceSpecInput,
  type ServiceState,
} from './service-ip-rules';
import { parseServiceManifest, renderServiceManifest } from './service-manifest';
import { ClustersRepository, type ExtraServiceCidr, type ServiceClusterRow } from '../clusters/clusters.repository';
import { DEFAULT_SERVICE_CIDR } from '../clusters/service-cidr-rules';
import { rowOf, ServicesRepository, type NewService, type ServiceRow } from './services.repository';

/** One service CIDR a ClusterIP can come from: of the default ServiceCIDR (`kubernetes`) or of an extra one. */
interface ServiceRange {
  cidr: Prefix;
  poolId: string;
  serviceCidr: string;
}

/** A cluster as Service allocation sees it: its families (primary first) and the service CIDRs of each (the default one first). */
interface ClusterView {
  id: string;
  name: string;
  families: IPFamily[];
  ranges: Map<IPFamily, ServiceRange[]>;
}

function serviceRanges(row: Pick<ServiceClusterRow, 'service_cidrs' | 'service_pools'>, extra: ExtraServiceCidr[]): ClusterView['ranges'] {
  const ranges: ClusterView['ranges'] = new Map();
  const add = (text: string, poolId: string, serviceCidr: string) => {
    const cidr = Prefix.parseAddressOrCidr(text);
    ranges.set(cidr.family, [...(ranges.get(cidr.family) ?? []), { cidr, poolId, serviceCidr }]);
  };
  row.service_cidrs.forEach((text, i) => add(text, row.service_pools[i], DEFAULT_SERVICE_CIDR));
  for (const e of extra) add(e.cidr, e.pool, e.name);
  return ranges;
}

/** The range of `family` holding `address`, if any (a cluster's service CIDRs never overlap). */
function rangeHolding(cluster: ClusterView, family: IPFamily, address: Address): ServiceRange | undefined {
  return cluster.ranges.get(family)?.find((r) => r.cidr.contains(address));
}

/** In random order, as kube-apiserver's MetaAllocator ranges over its map of allocators. */
function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Number(randomBelow(BigInt(i + 1)));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The result of manifest mode. */
export interface AppliedManifest {
  manifest: Record<string, unknown>;
  created: boolean;
  location: string;
  etag: string;
}

/** Raised inside a transaction, turned into a problem once it is over (its connection is aborted). */
class NameTaken extends Error {
  constructor(
    readonly clusterId: string,
    readonly namespace: string,
    readonly serviceName: string,
  ) {
    super(`${namespace}/${serviceName} exists`);
  }
}

/** The row a planned Service is written as. */
function newServiceOf(
  id: string,
  cluster: Pick<ClusterView, 'id'>,
  s: { namespace: string; name: string; labels?: Labels | null },
  plan: ServicePlan,
): NewService {
  return {
    id,
    clusterId: cluster.id,
    namespace: s.namespace,
    name: s.name,
    type: plan.type,
    selector: plan.selector,
    ipFamilyPolicy: plan.policy ?? '',
    ipFamilies: plan.families,
    headless: plan.headless,
    labels: s.labels ?? {},
  };
}

const locationOf = (row: Pick<ServiceRow, 'cluster_id' | 'id'>) => `/v1/clusters/${row.cluster_id}/services/${row.id}`;
const fieldNames =
  (prefix: string): FieldName =>
  (name) =>
    `${prefix}${name}`;

/**
 * Kubernetes Services and their ClusterIPs, with kube-apiserver's dual-stack
 * semantics (service-ip-rules.ts). Every change is one transaction: the
 * Service row and its leases move together, or not at all.
 */
@Injectable()
export class ServiceIpService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ServicesRepository) private readonly services: ServicesRepository,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(NameLocksRepository) private readonly names: NameLocksRepository,
  ) {}

  async create(clusterId: string, dto: CreateServiceDto): Promise<ServiceModel> {
    const { namespace, name, labels, ...spec } = dto;
    const model = await this.run(() =>
      this.db.transaction(async (tx) => this.createIn(tx, await this.lockCluster(tx, clusterId), { namespace, name, labels, spec }, '')),
    );
    return withMeta(model, { location: locationOf({ cluster_id: model.clusterId, id: model.id }) });
  }

  /**
   * default/kubernetes, the API server's Service, with the first address of the
   * primary service CIDR: kube-apiserver makes it when it starts (seed:
   * dual-stack Services section). Part of the cluster's creation, in its
   * transaction.
   */
  async createKubernetesService(tx: Tx, clusterId: string, primaryCidr: Prefix, poolId: string): Promise<void> {
    const id = randomUUID();
    await this.services.insert(tx, {
      id,
      clusterId,
      namespace: 'default',
      name: 'kubernetes',
      type: 'ClusterIP',
      selector: null,
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: [primaryCidr.family],
      headless: false,
      labels: { component: 'apiserver', provider: 'kubernetes' },
    });
    const first = Address.fromBigInt(primaryCidr.family, serviceIpRange(primaryCidr).first);
    await this.engine.leaseExact(tx, poolId, Prefix.containing(first, primaryCidr.bits), {
      kind: 'service',
      id,
      slot: slotOf(primaryCidr.family),
    });
  }

  async get(clusterId: string, serviceId: string): Promise<ServiceModel> {
    const tx = this.db.reader;
    const row = await this.requireRow(tx, clusterId, serviceId);
    return toServiceModel(row, await this.engine.findByHolder(tx, 'service', row.id));
  }

  async list(clusterId: string, query: ListServicesQuery): Promise<Page<ServiceModel>> {
    const tx = this.db.reader;
    if (!(await this.clusters.exists(tx, clusterId))) throw new NotFoundError('cluster', clusterId);
    const limit = pageSize(query.limit);
    const rows = await this.services.list(tx, {
      clusterId,
      namespace: query.namespace,
      name: query.name,
      labels: parseLabelSelector(query.label),
      after: decodeCursor(query.cursor, 3) as [string, string, string] | undefined,
      limit,
    });
    // one lease query for the whole page
    const leases = await this.engine.findByHolders(
      tx,
      'service',
      rows.slice(0, limit).map((r) => r.id),
    );
    const byHolder = new Map<string, Lease[]>();
    for (const l of leases) byHolder.set(l.holderId, [...(byHolder.get(l.holderId) ?? []), l]);
    return toPage(
      rows,
      limit,
      (r) => toServiceModel(r, byHolder.get(r.id) ?? []),
      (r) => [r.namespace, r.name, r.id],
    );
  }

  /**
   * The first `limit` Services of each cluster (optionally one namespace) after
   * a (namespace, name, id) cursor, for all of them in one statement (GraphQL's
   * Cluster.services), and whether more follow.
   */
  async firstOfClusters(
    clusterIds: readonly string[],
    namespace: string | undefined,
    after: [string, string, string] | undefined,
    limit: number,
  ): Promise<Map<string, { services: ServiceModel[]; more: boolean }>> {
    const tx = this.db.reader;
    const rows = await this.services.firstOfClusters(tx, clusterIds, namespace, after, limit);
    const leases = await this.engine.findByHolders(
      tx,
      'service',
      rows.map((r) => r.id),
    );
    return new Map(
      clusterIds.map((id) => {
        const mine = rows.filter((r) => r.cluster_id === id);
        const services = mine.slice(0, limit).map((r) =>
          toServiceModel(
            r,
            leases.filter((l) => l.holderId === r.id),
          ),
        );
        return [id, { services, more: mine.length > limit }];
      }),
    );
  }

  async update(clusterId: string, serviceId: string, dto: UpdateServiceDto, ifMatch?: string): Promise<ServiceModel> {
    const { namespace, name, labels, ...spec } = dto;
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const cluster = await this.lockCluster(tx, clusterId);
        const row = await this.requireRow(tx, clusterId, serviceId, true);
        checkIfMatch(ifMatch, row.version, `Service ${row.namespace}/${row.name}`);
        const immutable: FieldError[] = [];
        if (namespace !== undefined && namespace !== row.namespace) immutable.push({ field: 'namespace', message: 'is immutable' });
        if (name !== undefined && name !== row.name) immutable.push({ field: 'name', message: 'is immutable' });
        if (immutable.length) throw new ValidationError(immutable);
        return this.updateIn(tx, cluster, row, { labels, spec }, '');
      }),
    );
  }

  async delete(clusterId: string, serviceId: string, ifMatch?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.lockCluster(tx, clusterId);
      const row = await this.requireRow(tx, clusterId, serviceId, true);
      checkIfMatch(ifMatch, row.version, `Service ${row.namespace}/${row.name}`);
      if (isKubernetesService(row)) {
        throw new ConflictError(
          'default/kubernetes is the API server Service kube-apiserver creates and keeps; it cannot be deleted (delete the cluster instead)',
        );
      }
      const before = toServiceModel(row, await this.engine.findByHolder(tx, 'service', row.id));
      await this.engine.releaseHolder(tx, 'service', row.id);
      await this.services.delete(tx, row.id);
      await this.audit.record(tx, { action: 'delete', resource: 'service', resourceId: row.id, clusterId: row.cluster_id, before });
    });
  }

  /** Manifest mode: creates or updates the Service a whole manifest describes. */
  async apply(clusterId: string, body: unknown): Promise<AppliedManifest> {
    const manifest = parseServiceManifest(body);
    return this.run(() =>
      this.db.transaction(async (tx) => {
        const cluster = await this.lockCluster(tx, clusterId);
        // concurrent applies of one manifest run one after another: one creates (201), the rest update (200)
        await this.names.lock(tx, 'service', cluster.id, manifest.namespace, manifest.name);
        const existing = await this.services.findByName(tx, cluster.id, manifest.namespace, manifest.name, true);
        const model = existing
          ? await this.updateIn(tx, cluster, existing, { labels: manifest.labels, spec: manifest.spec }, 'spec.')
          : await this.createIn(
              tx,
              cluster,
              { namespace: manifest.namespace, name: manifest.name, labels: manifest.labels, spec: manifest.spec },
              'spec.',
            );
        return {
          manifest: renderServiceManifest(manifest, model),
          created: !existing,
          location: locationOf({ cluster_id: model.clusterId, id: model.id }),
          // the version the change left (a creation has ended the transaction: nothing more is read in it)
          etag: etagAttached(model)!,
        };
      }),
    );
  }

  /**
   * Creates the Service and ends the transaction. With one service CIDR per
   * family (or requested ClusterIPs), the whole creation is one call sent
   * with COMMIT (createAtOnce); with several ServiceCIDRs of a family a full
   * one must be skipped for the next, which takes a savepoint per try.
   */
  private async createIn(
    tx: Tx,
    cluster: ClusterView,
    s: { namespace: string; name: string; labels?: Labels | null; spec: ServiceSpecInput },
    prefix: string,
  ): Promise<ServiceModel> {
    const plan = planCreate(s.spec, cluster.families, fieldNames(prefix));
    this.checkRequested(cluster, plan.allocations);
    if (!plan.allocations.some((a) => !a.requested && cluster.ranges.get(a.family)!.length > 1))
      return this.createAtOnce(tx, cluster, s, plan);
    return this.createStepwise(tx, cluster, s, plan);
  }

  /** One round trip: kipam_service_create locks the name, looks it up, writes the row, leases, audits and announces. */
  private async createAtOnce(
    tx: Tx,
    cluster: ClusterView,
    s: { namespace: string; name: string; labels?: Labels | null },
    plan: ServicePlan,
  ): Promise<ServiceModel> {
    const id = randomUUID();
    const service = newServiceOf(id, cluster, s, plan);
    const requests = this.requestsFor(
      id,
      plan.allocations,
      plan.allocations.map(() => 0),
      this.candidatesFor(cluster, plan.allocations),
    );
    // the model as it will be, less what the database assigns (ClusterIPs, times): the function fills those in
    const draft = toServiceModel(rowOf(service, { version: 1, created_at: new Date(0), updated_at: new Date(0) }), []);
    let created: Awaited<ReturnType<ServicesRepository['create']>>;
    try {
      created = await this.engine.leaseWithin(
        requests,
        () => this.services.create(tx, service, leaseAllParams(requests), this.audit.attribution('service', 'create', id), draft),
        (answer) => ('row' in answer ? answer.leases : []),
      );
    } catch (error) {
      // a concurrent create of the same name won the race
      if (isPgError(error, PgCode.uniqueViolation)) throw new NameTaken(cluster.id, s.namespace, s.name);
      throw this.exhausted(cluster, plan.allocations, error);
    }
    if ('existingId' in created) {
      throw new AlreadyExistsError('Service', `${s.namespace}/${s.name}`, locationOf({ cluster_id: cluster.id, id: created.existingId }));
    }
    return toServiceModel(created.row, this.leasesOf(requests, plan.allocations, id, created.leases));
  }

  private async createStepwise(
    tx: Tx,
    cluster: ClusterView,
    s: { namespace: string; name: string; labels?: Labels | null },
    plan: ServicePlan,
  ): Promise<ServiceModel> {
    await this.names.lock(tx, 'service', cluster.id, s.namespace, s.name);
    const existing = await this.services.findByName(tx, cluster.id, s.namespace, s.name);
    if (existing) throw new AlreadyExistsError('Service', `${s.namespace}/${s.name}`, locationOf(existing));
    // a name taken all the same (a writer that skipped the lock) fails the insert below (NameTaken: 409 with its location)
    const id = randomUUID();
    let row: ServiceRow;
    try {
      row = await this.services.insert(tx, newServiceOf(id, cluster, s, plan));
    } catch (error) {
      // a concurrent create of the same name won the race
      if (isPgError(error, PgCode.uniqueViolation)) throw new NameTaken(cluster.id, s.namespace, s.name);
      throw error;
    }
    const leases = await this.allocate(tx, cluster, id, plan.allocations);
    const model = toServiceModel(row, leases);
    await this.audit.record(tx, { action: 'create', resource: 'service', resourceId: id, clusterId: cluster.id, after: model });
    return model;
  }

  private async updateIn(
    tx: Tx,
    cluster: ClusterView,
    row: ServiceRow,
    change: { labels?: Labels | null; spec: ServiceSpecInput },
    prefix: string,
  ): Promise<ServiceModel> {
    const f = fieldNames(prefix);
    let leases = await this.engine.findByHolder(tx, 'service', row.id);
    const before = toServiceModel(row, leases);
    const current = stateOf(row, leases);
    const plan = planUpdate(current, change.spec, cluster.families, f);
    const labels = change.labels === undefined ? row.labels : (change.labels ?? {});
    if (isKubernetesService(row)) this.guardKubernetesService(current, plan, f);
    this.checkRequested(cluster, plan.allocations);

    const released = leases.filter((l) => plan.release.some((fam) => l.slot === slotOf(fam)));
    await this.engine.release(
      tx,
      released.map((l) => l.id),
    );
    const added = await this.allocate(tx, cluster, row.id, plan.allocations);
    leases = [...leases.filter((l) => !released.includes(l)), ...added];

    const changed =
      plan.type !== current.type ||
      JSON.stringify(plan.selector) !== JSON.stringify(current.selector) ||
      plan.policy !== current.policy ||
      plan.families.join() !== current.families.join() ||
      plan.headless !== current.headless ||
      JSON.stringify(labels) !== JSON.stringify(row.labels);
    if (!changed && !released.length && !added.length) return toServiceModel(row, leases);
    const updated = await this.services.update(tx, row.id, {
      type: plan.type,
      selector: plan.selector,
      ipFamilyPolicy: plan.policy ?? '',
      ipFamilies: plan.families,
      headless: plan.headless,
      labels,
    });
    const model = toServiceModel(updated, leases);
    await this.audit.record(tx, { action: 'update', resource: 'service', resourceId: row.id, clusterId: cluster.id, before, after: model });
    return model;
  }

  /** default/kubernetes is kube-apiserver's: only its labels may change here. */
  private guardKubernetesService(current: ServiceState, plan: ServicePlan, f: FieldName): void {
    const refuse = (field: string) => {
      throw ValidationError.field(f(field), 'default/kubernetes is managed by kube-apiserver: only its labels can change');
    };
    if (plan.type !== current.type) refuse('type');
    if (JSON.stringify(plan.selector) !== JSON.stringify(current.selector)) refuse('selector');
    if (plan.policy !== current.policy) refuse('ipFamilyPolicy');
    if (plan.families.join() !== current.families.join()) refuse('ipFamilies');
    if (plan.allocations.length || plan.release.length) refuse('clusterIPs');
  }

  /**
   * Requested addresses must be usable ClusterIPs of one of the cluster's
   * ServiceCIDRs of their family (422): any of them, as kube-apiserver's
   * MetaAllocator takes a static ClusterIP from whichever allocator contains it
   * (getAllocator, pkg/registry/core/service/ipallocator/cidrallocator.go).
   * The network, broadcast and anycast rules hold per ServiceCIDR.
   */
  private checkRequested(cluster: ClusterView, allocations: Allocation[]): void {
    const errors: FieldError[] = [];
    for (const a of allocations) {
      if (!a.requested) continue;
      const ranges = cluster.ranges.get(a.family)!;
      const holding = rangeHolding(cluster, a.family, a.requested.address);
      const problem =
        holding || ranges.length === 1
          ? clusterIpProblem((holding ?? ranges[0]).cidr, a.requested.address)
          : `${a.requested.address.toString()} is outside every ${a.family} ServiceCIDR of the cluster (${ranges
              .map((r) => `${r.serviceCidr} ${r.cidr.toString()}`)
              .join(', ')})`;
      if (problem) errors.push({ field: a.requested.field, message: problem });
    }
    if (errors.length) throw new ValidationError(errors);
  }

  /**
   * Leases the ClusterIPs. Dynamic ones come from the upper band first, leaving
   * the lower (static) band to explicit requests until the upper one is full
   * (KEP-3070), from a random start in each band (dynamicStarts).
   *
   * With several ServiceCIDRs of a family, a dynamic ClusterIP comes from them
   * in random order, the next one tried only when one is full: kube-apiserver's
   * MetaAllocator.AllocateNextService ranges over its map of per-CIDR
   * allocators (Go map order is random) and moves on only on ErrFull
   * (pkg/registry/core/service/ipallocator/cidrallocator.go). Each one's upper
   * band, then its lower band, is used before the next ServiceCIDR's.
   */
  private async allocate(tx: Tx, cluster: ClusterView, serviceId: string, allocations: Allocation[]): Promise<Lease[]> {
    const candidates = this.candidatesFor(cluster, allocations);
    const tried = allocations.map(() => 0);
    const retryable = candidates.some((c) => c.length > 1);
    for (;;) {
      const requests = this.requestsFor(serviceId, allocations, tried, candidates);
      let results;
      // a full ServiceCIDR must not abort the transaction while another one may have room
      if (retryable) await this.services.savepoint(tx);
      try {
        // every ClusterIP of the Service in one statement
        results = await this.engine.leaseAll(tx, requests);
      } catch (error) {
        const index = (error as LeaseEngineError).request ?? 0;
        if (error instanceof PoolExhaustedError && allocations[index] && tried[index] + 1 < candidates[index].length) {
          await this.services.rollbackToSavepoint(tx);
          tried[index]++;
          continue;
        }
        throw this.exhausted(cluster, allocations, error);
      }
      return this.leasesOf(requests, allocations, serviceId, results);
    }
  }

  /** Per allocation, the ranges to try in order (one for a requested address). */
  private candidatesFor(cluster: ClusterView, allocations: Allocation[]): ServiceRange[][] {
    return allocations.map((a) =>
      a.requested ? [rangeHolding(cluster, a.family, a.requested.address)!] : shuffled(cluster.ranges.get(a.family)!),
    );
  }

  /** The lease engine's requests for the allocations, each from its `tried`-th candidate range. */
  private requestsFor(serviceId: string, allocations: Allocation[], tried: number[], candidates: ServiceRange[][]): LeaseRequest[] {
    return allocations.map((a, i) => {
      const range = candidates[i][tried[i]];
      const holder = { kind: 'service' as HolderKind, id: serviceId, slot: slotOf(a.family) };
      return a.requested
        ? {
            poolId: range.poolId,
            holder,
            block: Prefix.containing(a.requested.address, a.requested.address.bits),
            label: a.requested.field,
          }
        : { poolId: range.poolId, holder, length: range.cidr.bits, from: dynamicStarts(range.cidr) };
    });
  }

  /** A full service CIDR as the problem the client sees (every ServiceCIDR of the family named); other errors as they are. */
  private exhausted(cluster: ClusterView, allocations: Allocation[], error: unknown): unknown {
    const a = allocations[(error as LeaseEngineError).request ?? 0];
    if (!(error instanceof PoolExhaustedError) || !a) return error;
    const ranges = cluster.ranges.get(a.family)!;
    const cidrs = ranges.map((r) => r.cidr.toString());
    return new RangeExhaustedError(
      ranges.length === 1
        ? `the ${a.family} service CIDR ${cidrs[0]} of cluster ${cluster.name} has no free ClusterIP left`
        : `every ${a.family} ServiceCIDR of cluster ${cluster.name} is full (${ranges
            .map((r) => `${r.serviceCidr} ${r.cidr.toString()}`)
            .join(', ')}): add a ServiceCIDR`,
      { family: a.family, cidr: cidrs[0], ...(ranges.length > 1 ? { cidrs } : {}) },
    );
  }

  private leasesOf(requests: LeaseRequest[], allocations: Allocation[], serviceId: string, results: LeaseResult[]): Lease[] {
    return results.map((result, i) => ({
      id: result.lease.id,
      poolId: requests[i].poolId,
      cidr: result.lease.cidr,
      family: allocations[i].family,
      holderKind: 'service',
      holderId: serviceId,
      slot: requests[i].holder.slot,
      overlapAllowed: false,
      createdAt: new Date(),
    }));
  }

  /** Turns a name taken by a concurrent create into 409 with the winner's location, read outside the failed transaction. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof NameTaken) {
        const existing = await this.services.findByName(this.db.reader, error.clusterId, error.namespace, error.serviceName);
        throw new AlreadyExistsError('Service', `${error.namespace}/${error.serviceName}`, existing ? locationOf(existing) : undefined);
      }
      throw error;
    }
  }

  private async lockCluster(tx: Tx, clusterId: string): Promise<ClusterView> {
    const row = await this.clusters.lockForServiceChange(tx, clusterId);
    if (!row) throw new NotFoundError('cluster', clusterId);
    let ranges = serviceRanges(row, row.extra_cidrs);
    // the lock waited for a cluster change that added a family: read its CIDRs again
    if (row.ip_families.some((f) => !ranges.has(f))) ranges = serviceRanges(await this.clusters.serviceCidrs(tx, row.id), row.extra_cidrs);
    return { id: row.id, name: row.name, families: row.ip_families, ranges };
  }

  private async requireRow(tx: Tx, clusterId: string, serviceId: string, lock = false): Promise<ServiceRow> {
    const row = isUuid(clusterId) ? await this.services.findById(tx, clusterId, serviceId, lock) : undefined;
    if (row) return row;
    if (!(await this.clusters.exists(tx, clusterId))) throw new NotFoundError('cluster', clusterId);
    throw new NotFoundError('Service', serviceId);
  }
}
