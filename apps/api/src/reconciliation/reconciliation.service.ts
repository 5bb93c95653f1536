import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Address, Prefix, type IPFamily } from '@kipam/cidr';
import { LeaseEngine, type LeaseRequest } from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { AuditService, type AuditEntry } from '../audit/audit.service';
import { NotFoundError, ValidationError, type FieldError } from '../common/errors';
import { isUuid } from '../common/validation';
import { withMeta } from '../common/response-meta';
import { ClustersRepository, type ClusterRow } from '../clusters/clusters.repository';
import { againOnAcceptedOverlap, ClustersService } from '../clusters/clusters.service';
import { DEFAULT_NODE_MASK } from '../clusters/cluster-cidr-rules';
import { isCarveRequest, type CidrEntry } from '../clusters/dto/cidr-entry';
import { DomainsService } from '../domains/domains.service';
import { NodesRepository } from '../nodes/nodes.repository';
import { PodPoolsRepository } from '../pod-pools/pod-pools.repository';
import { podSlot } from '../nodes/nodes.service';
import { RangesRepository } from '../ranges/ranges.repository';
import { HEADLESS } from '../services/service-ip-rules';
import { slotOf, toServiceModel } from '../services/service-model';
import { ServicesRepository, type NewService, type ServiceRow } from '../services/services.repository';
import {
  computeDrift,
  observationProblems,
  podPoolOf,
  servicePoolOf,
  type ClusterSpace,
  type Drift,
  type NodeRecord,
  type ServiceRecord,
} from './drift';
import type { ApplyMode, ImportClusterDto } from './dto/observation.dto';
import type { DriftItemModel, DriftReportModel, ImportResultModel } from './models/drift-report.model';
import { parseObservation, type Observation, type ObservedNode, type ObservedService } from './observation';

/** The cluster's records as the differ and the adoption need them. */
interface ClusterState {
  row: ClusterRow;
  space: ClusterSpace;
  serviceRows: Map<string, ServiceRow>;
  drift: Drift;
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?/;

/** The newest of some Kubernetes versions (kubelets are never newer than their API server). */
function newest(versions: string[]): string | null {
  const key = (v: string) => {
    const m = VERSION.exec(v);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [0, 0, 0];
  };
  let best: string | null = null;
  for (const v of versions) {
    if (best === null) best = v;
    else {
      const [a, b] = [key(v), key(best)];
      if (a[0] > b[0] || (a[0] === b[0] && (a[1] > b[1] || (a[1] === b[1] && a[2] > b[2])))) best = v;
    }
  }
  return best;
}

/**
 * Reconciliation: the drift between Kipam's records of a cluster and an
 * observation of it (drift.ts), `adopt` and `release` in one transaction with
 * audit records naming the observation, and the import of a cluster from an
 * observation alone. Bulk work goes through the lease engine in batches (one
 * leaseAll, one insert per kind), so its exclusion and uniqueness guards hold.
 */
@Injectable()
export class ReconciliationService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(ClustersService) private readonly clusterService: ClustersService,
    @Inject(DomainsService) private readonly domains: DomainsService,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(PodPoolsRepository) private readonly podPools: PodPoolsRepository,
    @Inject(ServicesRepository) private readonly services: ServicesRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  /** The drift report; with `apply`, adopts or releases in the same transaction as it is computed. */
  async observe(clusterId: string, body: unknown, apply?: ApplyMode): Promise<DriftReportModel> {
    const observation = parseObservation(body);
    if (!apply) {
      const tx = this.db.reader;
      const state = await this.state(tx, await this.requireCluster(tx, clusterId), observation);
      return this.report(state, observation, null, new Map());
    }
    return this.db.transaction(async (tx) => {
      // held FOR UPDATE: no node or Service of the cluster changes between the comparison and the change
      const row = await this.requireCluster(tx, clusterId, true);
      const state = await this.state(tx, row, observation);
      const actions =
        apply === 'adopt'
          ? await this.adopt(tx, state, `adopted from observation ${observation.digest}`)
          : await this.release(tx, state, `released from observation ${observation.digest}`);
      return this.report(state, observation, apply, actions);
    });
  }

  /**
   * A cluster created from an observation, its nodes and Services adopted, in
   * one transaction. Its CIDRs, node mask sizes and version come from the body,
   * else from the kubeadm ConfigMap, the ServiceCIDR named kubernetes and the
   * nodes; a cluster colliding with another lands with allowConflicts.
   */
  async importCluster(dto: ImportClusterDto): Promise<ImportResultModel> {
    const observation = parseObservation(dto.observation);
    const settings = importSettings(dto, observation);
    // unless refused outright, a twin imported at the same time is seen on the second run
    return againOnAcceptedOverlap(dto.allowConflicts !== false, () => this.importIn(dto, observation, settings));
  }

  private importIn(
    dto: ImportClusterDto,
    observation: Observation,
    settings: ReturnType<typeof importSettings>,
  ): Promise<ImportResultModel> {
    return this.db.transaction(async (tx) => {
      const domain = await this.domains.resolve(tx, dto.domain);
      let allowConflicts = dto.allowConflicts;
      if (allowConflicts === undefined) {
        allowConflicts = false;
        for (const entry of [...settings.podCidrs, ...settings.serviceCidrs]) {
          if (isCarveRequest(entry)) continue;
          const cidr = Prefix.parse(entry);
          if ((await this.clusters.overlapping(tx, domain.id, cidr)).length || (await this.ranges.findInside(tx, domain.id, cidr)).length) {
            allowConflicts = true;
            break;
          }
        }
      }
      const cluster = await this.clusterService.createIn(tx, {
        name: dto.name,
        domain: dto.domain,
        labels: dto.labels,
        ...settings,
        allowConflicts,
      });
      const row = (await this.clusters.findById(tx, cluster.id, true))!;
      const state = await this.state(tx, row, observation);
      const actions = await this.adopt(tx, state, `imported from observation ${observation.digest}`);
      const report = this.report(state, observation, 'adopt', actions);
      return withMeta({ cluster, report }, { location: `/v1/clusters/${cluster.id}` });
    });
  }

  private async requireCluster(tx: Tx, id: string, lock = false): Promise<ClusterRow> {
    const row = isUuid(id) ? await this.clusters.findById(tx, id, lock) : undefined;
    if (!row) throw new NotFoundError('cluster', id);
    return row;
  }

  /** Kipam's side, read in a few statements whatever the cluster's size, and the drift against the observation. */
  private async state(tx: Tx, row: ClusterRow, observation: Observation): Promise<ClusterState> {
    const cidrs = (await this.clusters.cidrs(tx, [row.id])).sort((a, b) => a.position - b.position);
    const of = (kind: 'pod' | 'service', serviceCidrName = '') =>
      cidrs
        .filter((c) => c.kind === kind && c.service_cidr_name === serviceCidrName)
        .map((c) => ({ cidr: Prefix.parseAddressOrCidr(c.cidr), poolId: c.pool_id }));
    const extraNames = [
      ...new Set(cidrs.filter((c) => c.kind === 'service' && c.service_cidr_name !== '').map((c) => c.service_cidr_name)),
    ];
    const space: ClusterSpace = {
      name: row.name,
      podCidrs: of('pod'),
      serviceCidrs: of('service'),
      nodeMask: { IPv4: row.node_mask_size_ipv4, IPv6: row.node_mask_size_ipv6 },
      podPools: (await this.podPools.ofClusters(tx, [row.id])).map((p) => ({
        name: p.name,
        cidr: Prefix.parseAddressOrCidr(p.cidr),
        poolId: p.pool_id,
        mask: p.node_mask_size,
      })),
      extraServiceCidrs: extraNames.sort().map((name) => ({ name, cidrs: of('service', name) })),
    };
    const problems = observationProblems(space, observation);
    if (problems.length) throw new ValidationError(problems);

    const nodeRows = await this.nodes.allOfCluster(tx, row.id);
    const nodeLeases = await this.engine.findByHolders(
      tx,
      'node',
      nodeRows.map((n) => n.id),
    );
    const order = space.podCidrs.map((p) => p.cidr.family);
    const nodeRecords: NodeRecord[] = nodeRows.map((n) => {
      const mine = nodeLeases.filter((l) => l.holderId === n.id);
      const ordered = order.map((f) => mine.find((l) => l.slot === podSlot(f))).filter((l) => l !== undefined);
      return { id: n.id, name: n.name, podCidrs: ordered.map((l) => l.cidr), leaseIds: mine.map((l) => l.id) };
    });

    const serviceRows = await this.services.allOfCluster(tx, row.id);
    const serviceLeases = await this.engine.findByHolders(
      tx,
      'service',
      serviceRows.map((s) => s.id),
    );
    const leasesOf = new Map<string, typeof serviceLeases>();
    for (const l of serviceLeases) leasesOf.set(l.holderId, [...(leasesOf.get(l.holderId) ?? []), l]);
    const serviceRecords: ServiceRecord[] = serviceRows.map((s) => {
      const leases = leasesOf.get(s.id) ?? [];
      const m = toServiceModel(s, leases);
      return {
        id: s.id,
        namespace: s.namespace,
        name: s.name,
        type: m.type,
        clusterIPs: m.clusterIPs,
        ipFamilies: m.ipFamilies,
        ipFamilyPolicy: m.ipFamilyPolicy,
        leases: leases.map((l) => ({ family: l.family, id: l.id })),
      };
    });

    // who holds the space the observation uses: one statement for every block and ClusterIP
    const probes: { poolId: string; block: Prefix }[] = [];
    for (const n of observation.nodes) for (const b of n.podCidrs) probes.push({ poolId: podPoolOf(space, b)!, block: b });
    for (const s of observation.services) {
      for (const ip of s.clusterIPs) {
        if (ip === HEADLESS) continue;
        const address = Address.parse(ip);
        probes.push({ poolId: servicePoolOf(space, address)!, block: Prefix.containing(address, address.bits) });
      }
    }
    const occupants = (await this.engine.findAtBlocks(tx, probes)).map((l) => ({
      cidr: l.cidr,
      holderKind: l.holderKind,
      holderId: l.holderId,
    }));
    const drift = computeDrift(space, observation, { nodes: nodeRecords, services: serviceRecords }, occupants);
    return { row, space, serviceRows: new Map(serviceRows.map((s) => [s.id, s])), drift };
  }

  /**
   * Kipam's records made to match the cluster for the plan's unmanaged and
   * mismatched objects: new rows in one insert per kind, replaced leases
   * released first, then every block and ClusterIP in one leaseAll.
   */
  private async adopt(tx: Tx, state: ClusterState, reason: string): Promise<Map<string, 'adopted' | 'released'>> {
    const { plan } = state.drift;
    const clusterId = state.row.id;
    const actions = new Map<string, 'adopted' | 'released'>();
    const requests: LeaseRequest[] = [];
    const released: string[] = [];
    const audit: AuditEntry[] = [];

    const newNodes: { id: string; observed: ObservedNode }[] = [];
    const touched: string[] = [];
    for (const { observed, record } of plan.adoptNodes) {
      const id = record?.id ?? randomUUID();
      if (record) {
        released.push(...record.leaseIds);
        touched.push(id);
        audit.push({
          action: 'update',
          resource: 'node',
          resourceId: id,
          clusterId,
          before: { id, name: record.name, podCidrs: record.podCidrs.map(String) },
          after: { id, name: observed.name, podCidrs: observed.podCidrs.map(String) },
          reason,
        });
      } else {
        newNodes.push({ id, observed });
        audit.push({
          action: 'create',
          resource: 'node',
          resourceId: id,
          clusterId,
          after: {
            id,
            clusterId,
            name: observed.name,
            podCidrs: observed.podCidrs.map(String),
            labels: observed.labels,
            addresses: observed.addresses,
          },
          reason,
        });
      }
      for (const block of observed.podCidrs) {
        requests.push({
          poolId: podPoolOf(state.space, block)!,
          holder: { kind: 'node', id, slot: podSlot(block.family) },
          block,
          label: `Node ${observed.name}`,
        });
      }
      actions.set(`Node//${observed.name}`, 'adopted');
    }

    const newServices: NewService[] = [];
    for (const { observed, record } of plan.adoptServices) {
      const id = record?.id ?? randomUUID();
      const change = serviceChange(observed);
      const shown = { id, clusterId, namespace: observed.namespace, name: observed.name, ...observedService(observed) };
      if (record) {
        released.push(...record.leases.map((l) => l.id));
        const row = state.serviceRows.get(id)!;
        await this.services.update(tx, id, { ...change, labels: row.labels });
        audit.push({
          action: 'update',
          resource: 'service',
          resourceId: id,
          clusterId,
          before: {
            id,
            clusterId,
            namespace: record.namespace,
            name: record.name,
            type: record.type,
            clusterIPs: record.clusterIPs,
            ipFamilies: record.ipFamilies,
            ipFamilyPolicy: record.ipFamilyPolicy,
          },
          after: shown,
          reason,
        });
      } else {
        newServices.push({ id, clusterId, namespace: observed.namespace, name: observed.name, ...change, labels: observed.labels });
        audit.push({
          action: 'create',
          resource: 'service',
          resourceId: id,
          clusterId,
          after: { ...shown, labels: observed.labels },
          reason,
        });
      }
      for (const ip of observed.clusterIPs) {
        if (ip === HEADLESS) continue;
        const address = Address.parse(ip);
        requests.push({
          poolId: servicePoolOf(state.space, address)!,
          holder: { kind: 'service', id, slot: slotOf(address.family) },
          block: Prefix.containing(address, address.bits),
          label: `Service ${observed.namespace}/${observed.name}`,
        });
      }
      actions.set(`Service/${observed.namespace}/${observed.name}`, 'adopted');
    }

    await this.engine.release(tx, released);
    await this.nodes.insertMany(
      tx,
      clusterId,
      newNodes.map((n) => ({ id: n.id, name: n.observed.name, labels: n.observed.labels, addresses: n.observed.addresses })),
    );
    await this.nodes.touch(tx, touched);
    await this.services.insertMany(tx, newServices);
    // every block and ClusterIP in one statement, through the engine's functions and constraints
    await this.engine.leaseAll(tx, requests);
    await this.audit.recordMany(tx, audit);
    return actions;
  }

  /** Frees the leases of leaked records and deletes the records (their objects are gone from the cluster). */
  private async release(tx: Tx, state: ClusterState, reason: string): Promise<Map<string, 'adopted' | 'released'>> {
    const { plan } = state.drift;
    const clusterId = state.row.id;
    const actions = new Map<string, 'adopted' | 'released'>();
    const audit: AuditEntry[] = [];
    for (const r of plan.releaseNodes) {
      audit.push({
        action: 'delete',
        resource: 'node',
        resourceId: r.id,
        clusterId,
        before: { id: r.id, name: r.name, podCidrs: r.podCidrs.map(String) },
        reason,
      });
      actions.set(`Node//${r.name}`, 'released');
    }
    for (const r of plan.releaseServices) {
      audit.push({
        action: 'delete',
        resource: 'service',
        resourceId: r.id,
        clusterId,
        before: {
          id: r.id,
          namespace: r.namespace,
          name: r.name,
          type: r.type,
          clusterIPs: r.clusterIPs,
          ipFamilies: r.ipFamilies,
          ipFamilyPolicy: r.ipFamilyPolicy,
        },
        reason,
      });
      actions.set(`Service/${r.namespace}/${r.name}`, 'released');
    }
    await this.engine.release(tx, [
      ...plan.releaseNodes.flatMap((r) => r.leaseIds),
      ...plan.releaseServices.flatMap((r) => r.leases.map((l) => l.id)),
    ]);
    await this.nodes.deleteMany(
      tx,
      plan.releaseNodes.map((r) => r.id),
    );
    await this.services.deleteMany(
      tx,
      plan.releaseServices.map((r) => r.id),
    );
    await this.audit.recordMany(tx, audit);
    return actions;
  }

  private report(
    state: ClusterState,
    o: Observation,
    applied: ApplyMode | null,
    actions: Map<string, 'adopted' | 'released'>,
  ): DriftReportModel {
    const items: DriftItemModel[] = state.drift.items.map((i) => ({
      ...i,
      action: (i.actionable && actions.get(`${i.kind}/${i.namespace ?? ''}/${i.name}`)) || null,
    }));
    return {
      clusterId: state.row.id,
      observation: o.digest,
      applied,
      counts: state.drift.counts,
      adopted: items.filter((i) => i.action === 'adopted').length,
      released: items.filter((i) => i.action === 'released').length,
      items,
      ignored: o.ignored,
    };
  }
}

/** The Service row's columns from what the cluster runs. */
function serviceChange(s: ObservedService): Omit<NewService, 'id' | 'clusterId' | 'namespace' | 'name' | 'labels'> {
  return {
    type: s.type,
    selector: s.selector,
    ipFamilyPolicy: s.ipFamilyPolicy ?? '',
    ipFamilies: s.ipFamilies,
    headless: s.clusterIPs[0] === HEADLESS,
  };
}

function observedService(s: ObservedService) {
  return { type: s.type, clusterIPs: s.clusterIPs, ipFamilies: s.ipFamilies, ipFamilyPolicy: s.ipFamilyPolicy };
}

/** An import's cluster settings: the body's, else the observation's; 422 naming what is missing. */
export function importSettings(
  dto: ImportClusterDto,
  o: Observation,
): { podCidrs: CidrEntry[]; serviceCidrs: CidrEntry[]; nodeMaskSizeIPv4: number; nodeMaskSizeIPv6: number; kubernetesVersion?: string } {
  const k = o.kubeadm;
  const problems: FieldError[] = [];
  const podCidrs = dto.podCidrs ?? (k?.podSubnets.length ? k.podSubnets.map(String) : undefined);
  const defaultServiceCidr = o.serviceCidrs.find((c) => c.name === 'kubernetes');
  const serviceCidrs =
    dto.serviceCidrs ??
    (k?.serviceSubnets.length ? k.serviceSubnets.map(String) : defaultServiceCidr ? defaultServiceCidr.cidrs.map(String) : undefined);
  if (!podCidrs) {
    problems.push({
      field: 'podCidrs',
      message: 'give podCidrs, or the kubeadm-config ConfigMap (networking.podSubnet) in the observation',
    });
  }
  if (!serviceCidrs) {
    problems.push({
      field: 'serviceCidrs',
      message:
        'give serviceCidrs, or the kubeadm-config ConfigMap (networking.serviceSubnet) or the ServiceCIDR named kubernetes in the observation',
    });
  }
  if (problems.length) throw new ValidationError(problems);
  // the nodes' blocks tell the mask size when nothing else does (they all have it: the node IPAM controller's rule)
  const fromNodes = (family: IPFamily) => o.nodes.flatMap((n) => n.podCidrs).find((b) => b.family === family)?.length;
  const version =
    dto.kubernetesVersion ?? newest(o.nodes.map((n) => n.kubeletVersion).filter((v): v is string => v !== null)) ?? k?.kubernetesVersion;
  return {
    podCidrs: podCidrs!,
    serviceCidrs: serviceCidrs!,
    nodeMaskSizeIPv4: dto.nodeMaskSizeIPv4 ?? k?.nodeMaskSizeIPv4 ?? fromNodes('IPv4') ?? DEFAULT_NODE_MASK.IPv4,
    nodeMaskSizeIPv6: dto.nodeMaskSizeIPv6 ?? k?.nodeMaskSizeIPv6 ?? fromNodes('IPv6') ?? DEFAULT_NODE_MASK.IPv6,
    ...(version ? { kubernetesVersion: version } : {}),
  };
}
