import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CidrError, Prefix, validateNodeMask, validateServiceCidr, type IPFamily } from '@kipam/cidr';
import { familyOf, LeaseEngine, PoolExhaustedError } from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { AuditService } from '../audit/audit.service';
import {
  AlreadyExistsError,
  CidrConflictError,
  NotFoundError,
  RangeExhaustedError,
  ValidationError,
  type FieldError,
} from '../common/errors';
import { parseLabelSelector } from '../common/labels';
import { decodeCursor, pageSize, toPage, type Page } from '../common/pagination';
import { checkIfMatch, withEtag, withMeta } from '../common/response-meta';
import { DomainsService } from '../domains/domains.service';
import type { DomainRow } from '../domains/domains.repository';
import { RangesRepository, type RangeRow } from '../ranges/ranges.repository';
import { NodesService } from '../nodes/nodes.service';
import { ServiceIpService } from '../services/service-ip.service';
import { clusterConfig } from './cluster-config';
import { isCarveRequest, type CidrEntry } from './dto/cidr-entry';
import type { CreateClusterDto, ListClustersQuery, UpdateClusterDto } from './dto/cluster.dto';
import type { CidrAssignment, ClusterConfigModel, ClusterModel, Stack } from './models/cluster.model';
import { ClustersRepository, type ClusterCidrRow, type ClusterRow } from './clusters.repository';

type Kind = 'pod' | 'service';
const FIELD: Record<Kind, 'podCidrs' | 'serviceCidrs'> = { pod: 'podCidrs', service: 'serviceCidrs' };
const DEFAULT_MASK: Record<IPFamily, number> = { IPv4: 24, IPv6: 64 };

/** An entry of podCidrs/serviceCidrs after its range (if any) is looked up, before anything is leased. */
interface PlannedCidr {
  kind: Kind;
  position: number;
  field: string;
  family: IPFamily;
  /** Declared CIDR, or the prefix length to carve. */
  declared?: Prefix;
  length: number;
  range?: RangeRow;
}

/** A cluster CIDR once leased. */
interface ResolvedCidr extends PlannedCidr {
  cidr: Prefix;
  leaseId: string | null;
  rangeId: string | null;
  overlapAllowed: boolean;
}

export function stackOf(families: readonly IPFamily[]): Stack {
  return families.length === 2 ? 'DualStack' : families[0];
}

export function toClusterModel(row: ClusterRow, cidrs: ClusterCidrRow[]): ClusterModel {
  const assignments = (kind: Kind): CidrAssignment[] =>
    cidrs
      .filter((c) => c.kind === kind)
      .sort((a, b) => a.position - b.position)
      .map((c) => ({
        family: familyOf(c.family),
        cidr: Prefix.parseAddressOrCidr(c.cidr).toString(),
        rangeId: c.range_id,
        rangeName: c.range_name,
      }));
  const pod = assignments('pod');
  const service = assignments('service');
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
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    },
    row.version,
  );
}

@Injectable()
export class ClustersService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(DomainsService) private readonly domains: DomainsService,
    @Inject(ServiceIpService) private readonly services: ServiceIpService,
    @Inject(NodesService) private readonly nodes: NodesService,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async create(dto: CreateClusterDto): Promise<ClusterModel> {
    return this.db.transaction(async (tx) => {
      const domain = await this.domains.resolve(tx, dto.domain);
      const existing = await this.clusters.findByName(tx, domain.id, dto.name);
      if (existing) throw new AlreadyExistsError('cluster', `${dto.name} in domain ${domain.name}`, `/v1/clusters/${existing.id}`);

      const masks = { IPv4: dto.nodeMaskSizeIPv4 ?? DEFAULT_MASK.IPv4, IPv6: dto.nodeMaskSizeIPv6 ?? DEFAULT_MASK.IPv6 };
      const plan = [...(await this.plan(tx, domain, 'pod', dto.podCidrs)), ...(await this.plan(tx, domain, 'service', dto.serviceCidrs))];
      this.validatePlan(plan, masks, dto.kubernetesVersion ?? null);

      const id = randomUUID();
      const allowConflicts = dto.allowConflicts ?? false;
      const resolved = await this.allocate(tx, domain, id, plan, allowConflicts);
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
      });
      const poolIds = new Map<string, string>();
      for (const r of resolved) poolIds.set(`${r.kind}/${r.family}`, await this.provision(tx, domain.id, id, r, masks));

      const primary = resolved.find((r) => r.kind === 'service' && r.position === 0)!;
      await this.services.createKubernetesService(tx, id, primary.cidr, poolIds.get(`service/${primary.family}`)!);

      const model = await this.load(tx, id);
      await this.audit.record(tx, { action: 'create', resource: 'cluster', resourceId: id, clusterId: id, after: model });
      return withMeta(model, { location: `/v1/clusters/${id}` });
    });
  }

  /** Looks up the ranges of carve requests and fixes each entry's family and length. */
  private async plan(tx: Tx, domain: DomainRow, kind: Kind, entries: CidrEntry[], offset = 0): Promise<PlannedCidr[]> {
    const out: PlannedCidr[] = [];
    for (const [i, entry] of entries.entries()) {
      const field = `${FIELD[kind]}[${i + offset}]`;
      if (!isCarveRequest(entry)) {
        const declared = Prefix.parse(entry);
        out.push({ kind, position: i + offset, field, family: declared.family, declared, length: declared.length });
        continue;
      }
      const range = await this.ranges.findByRef(tx, domain.id, entry.range);
      if (!range) throw ValidationError.field(`${field}.range`, `no range ${entry.range} in domain ${domain.name}`);
      if (range.purpose !== 'any' && range.purpose !== kind) {
        throw ValidationError.field(`${field}.range`, `range ${range.name} is for ${range.purpose} CIDRs, not ${kind} CIDRs`);
      }
      const rangeCidr = Prefix.parseAddressOrCidr(range.cidr);
      const length = entry.prefixLength ?? range.default_prefix_length;
      if (length === null || length === undefined) {
        throw ValidationError.field(`${field}.prefixLength`, `is required: range ${range.name} has no defaultPrefixLength`);
      }
      const problems: string[] = [];
      if (length < rangeCidr.length || length > rangeCidr.bits)
        problems.push(`must be between ${rangeCidr.length} and ${rangeCidr.bits} for range ${range.name} (${rangeCidr})`);
      if (range.min_prefix_length !== null && length < range.min_prefix_length)
        problems.push(`range ${range.name} hands out /${range.min_prefix_length} or longer`);
      if (range.max_prefix_length !== null && length > range.max_prefix_length)
        problems.push(`range ${range.name} hands out /${range.max_prefix_length} or shorter`);
      if (problems.length) throw ValidationError.field(`${field}.prefixLength`, problems.join('; '));
      out.push({ kind, position: i + offset, field, family: rangeCidr.family, length, range });
    }
    return out;
  }

  /** The validation kube-apiserver and kube-controller-manager apply to these flags (DESIGN.md, seeds). */
  private validatePlan(plan: PlannedCidr[], masks: Record<IPFamily, number>, kubernetesVersion: string | null): void {
    const problems: FieldError[] = [];
    for (const kind of ['pod', 'service'] as const) {
      const entries = plan.filter((p) => p.kind === kind);
      if (entries.length === 2 && entries[0].family === entries[1].family) {
        problems.push({
          field: FIELD[kind],
          message: `both entries are ${entries[0].family}: a dual-stack cluster has one CIDR per family, of different families`,
        });
      }
    }
    const families = (kind: Kind) => new Set(plan.filter((p) => p.kind === kind).map((p) => p.family));
    const podFamilies = families('pod');
    const serviceFamilies = families('service');
    if (problems.length === 0 && (podFamilies.size !== serviceFamilies.size || [...podFamilies].some((f) => !serviceFamilies.has(f)))) {
      problems.push({
        field: 'serviceCidrs',
        message: `families (${[...serviceFamilies].join(', ')}) must match the pod CIDR families (${[...podFamilies].join(', ')})`,
      });
    }
    for (const p of plan) {
      const probe = p.declared ?? Prefix.of(p.family, Prefix.parseAddressOrCidr(p.range!.cidr).network, p.length);
      try {
        if (p.kind === 'pod') {
          const maskField = p.family === 'IPv4' ? 'nodeMaskSizeIPv4' : 'nodeMaskSizeIPv6';
          try {
            validateNodeMask(probe, masks[p.family]);
          } catch (error) {
            if (error instanceof CidrError) problems.push({ field: maskField, message: `${error.message} (${p.field} is /${p.length})` });
            else throw error;
          }
        } else {
          validateServiceCidr(probe, kubernetesVersion);
        }
      } catch (error) {
        if (error instanceof CidrError) problems.push({ field: p.field, message: error.message });
        else throw error;
      }
    }
    const declared = plan.filter((p) => p.declared);
    for (const a of declared.filter((p) => p.kind === 'pod')) {
      for (const b of declared.filter((p) => p.kind === 'service')) {
        if (a.declared!.overlaps(b.declared!)) {
          problems.push({ field: b.field, message: `service CIDR ${b.declared} overlaps pod CIDR ${a.declared}: they must not overlap` });
        }
      }
    }
    if (problems.length) throw new ValidationError(problems);
  }

  /** Leases every planned CIDR: declared ones first, so carving skips them. */
  private async allocate(
    tx: Tx,
    domain: DomainRow,
    clusterId: string,
    plan: PlannedCidr[],
    allowConflicts: boolean,
  ): Promise<ResolvedCidr[]> {
    const resolved: ResolvedCidr[] = [];
    for (const p of plan.filter((x) => x.declared)) resolved.push(await this.leaseDeclared(tx, domain, clusterId, p, allowConflicts));
    for (const p of plan.filter((x) => !x.declared)) resolved.push(await this.carve(tx, domain, clusterId, p));
    for (const a of resolved) {
      for (const b of resolved) {
        if (a !== b && a.kind === 'pod' && b.kind === 'service' && a.cidr.overlaps(b.cidr)) {
          throw ValidationError.field(b.field, `service CIDR ${b.cidr} overlaps pod CIDR ${a.cidr}: they must not overlap`);
        }
      }
    }
    return resolved.sort((a, b) => (a.kind === b.kind ? a.position - b.position : a.kind === 'pod' ? -1 : 1));
  }

  private async leaseDeclared(
    tx: Tx,
    domain: DomainRow,
    clusterId: string,
    p: PlannedCidr,
    allowConflicts: boolean,
  ): Promise<ResolvedCidr> {
    const cidr = p.declared!;
    const others = await this.clusters.overlapping(tx, domain.id, cidr, clusterId);
    if (others.length && !allowConflicts) {
      const o = others[0];
      throw new CidrConflictError(
        `${p.field} ${cidr} overlaps the ${o.kind} CIDR ${Prefix.parseAddressOrCidr(o.cidr)} of cluster ${o.cluster_name} in domain ${domain.name}; ` +
          'set allowConflicts to import an existing cluster anyway',
        { field: p.field, clusterId: o.cluster_id, clusterName: o.cluster_name },
      );
    }
    // ranges of the domain lying inside the CIDR: it would swallow space they hand out
    const swallowed = await this.ranges.findInside(tx, domain.id, cidr);
    if (swallowed.length && !allowConflicts) {
      throw new CidrConflictError(
        `${p.field} ${cidr} contains range ${swallowed[0].name} (${Prefix.parseAddressOrCidr(swallowed[0].cidr)}), whose space is handed out to others`,
        {
          field: p.field,
          rangeId: swallowed[0].id,
        },
      );
    }
    const range = await this.ranges.findSmallestContaining(tx, domain.id, cidr, true);
    let leaseId: string | null = null;
    let overlapAllowed = others.length > 0 || swallowed.length > 0;
    if (range) {
      const { lease } = await this.engine.leaseExact(
        tx,
        range.pool_id,
        cidr,
        { kind: 'cluster', id: clusterId, slot: `${p.kind}/${p.family}` },
        { allowOverlap: allowConflicts, label: p.field, hint: 'set allowConflicts to import an existing cluster anyway' },
      );
      leaseId = lease.id;
      overlapAllowed = overlapAllowed || (await this.engine.findById(tx, lease.id))!.overlapAllowed;
    }
    return { ...p, cidr, leaseId, rangeId: range?.id ?? null, overlapAllowed };
  }

  private async carve(tx: Tx, domain: DomainRow, clusterId: string, p: PlannedCidr): Promise<ResolvedCidr> {
    const range = p.range!;
    try {
      const { lease } = await this.engine.leaseNext(tx, range.pool_id, p.length, {
        kind: 'cluster',
        id: clusterId,
        slot: `${p.kind}/${p.family}`,
      });
      // A declared CIDR outside every range may still collide (imports): refuse rather than hand it out twice.
      const others = await this.clusters.overlapping(tx, domain.id, lease.cidr, clusterId);
      if (others.length) {
        throw new CidrConflictError(
          `${p.field}: the next free /${p.length} of range ${range.name} (${lease.cidr}) overlaps cluster ${others[0].cluster_name}`,
          {
            field: p.field,
            clusterId: others[0].cluster_id,
          },
        );
      }
      return { ...p, cidr: lease.cidr, leaseId: lease.id, rangeId: range.id, overlapAllowed: false };
    } catch (error) {
      if (error instanceof PoolExhaustedError) {
        throw new RangeExhaustedError(
          `${p.field}: range ${range.name} (${Prefix.parseAddressOrCidr(range.cidr)}) has no free /${p.length} left`,
          {
            field: p.field,
            rangeId: range.id,
          },
        );
      }
      throw error;
    }
  }

  /**
   * The CIDR's own pool and its row: a pod CIDR's pool leases node blocks of the
   * node mask size, a service CIDR's pool single addresses (ClusterIPs).
   */
  private async provision(tx: Tx, domainId: string, clusterId: string, r: ResolvedCidr, masks: Record<IPFamily, number>): Promise<string> {
    const poolId =
      r.kind === 'pod'
        ? await this.engine.createPool(tx, 'cluster_pod', r.cidr, masks[r.family])
        : await this.engine.createPool(tx, 'cluster_service', r.cidr, r.cidr.bits);
    const cidrId = randomUUID();
    await this.clusters.insertCidr(tx, {
      id: cidrId,
      clusterId,
      domainId,
      kind: r.kind,
      position: r.position,
      cidr: r.cidr,
      rangeId: r.rangeId,
      leaseId: r.leaseId,
      poolId,
      overlapAllowed: r.overlapAllowed,
    });
    if (r.kind === 'service') await this.reserveUnusableAddresses(tx, poolId, cidrId, r.cidr);
    return poolId;
  }

  /**
   * IPv4 network and broadcast addresses and the IPv6 subnet-router anycast
   * address are never ClusterIPs (Kubernetes service IP allocator): leased to
   * the system so nothing else can take them.
   */
  private async reserveUnusableAddresses(tx: Tx, poolId: string, cidrId: string, cidr: Prefix): Promise<void> {
    const bits = cidr.bits;
    const reserve = async (value: bigint, slot: string) =>
      this.engine.leaseExact(tx, poolId, Prefix.of(cidr.family, value, bits), { kind: 'system', id: cidrId, slot });
    if (cidr.family === 'IPv4') {
      if (cidr.length <= 30) {
        await reserve(cidr.firstValue, 'network');
        await reserve(cidr.lastValue, 'broadcast');
      }
    } else if (cidr.length < 128) {
      await reserve(cidr.firstValue, 'subnet-router-anycast');
    }
  }

  async get(id: string): Promise<ClusterModel> {
    return this.load(this.db.reader, id);
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
      if (immutable.length) throw new ValidationError(immutable);

      const cidrs = await this.clusters.cidrs(tx, [row.id]);
      const domain = await this.domains.resolve(tx, row.domain_id);
      const additions = [
        ...(await this.additions(tx, domain, row, cidrs, 'pod', dto.podCidrs)),
        ...(await this.additions(tx, domain, row, cidrs, 'service', dto.serviceCidrs)),
      ];
      const version = dto.kubernetesVersion ?? row.kubernetes_version;
      if (dto.kubernetesVersion !== undefined) {
        // a version change must keep the existing service CIDRs valid
        for (const c of cidrs.filter((x) => x.kind === 'service')) {
          try {
            validateServiceCidr(Prefix.parseAddressOrCidr(c.cidr), version);
          } catch (error) {
            if (error instanceof CidrError) throw ValidationError.field('kubernetesVersion', `${error.message} (existing service CIDR)`);
            throw error;
          }
        }
      }

      let nodesBackfilled: number | undefined;
      let ipFamilies: IPFamily[] | undefined;
      if (additions.length) {
        const family = additions[0].family;
        if (additions.length !== 2 || additions.some((a) => a.family !== family)) {
          throw ValidationError.field('podCidrs', 'adding a family takes one pod CIDR and one service CIDR of the same new family');
        }
        const masks = { IPv4: row.node_mask_size_ipv4, IPv6: row.node_mask_size_ipv6 };
        const existingPlan: PlannedCidr[] = cidrs.map((c) => {
          const cidr = Prefix.parseAddressOrCidr(c.cidr);
          return {
            kind: c.kind,
            position: c.position,
            field: `${FIELD[c.kind]}[${c.position}]`,
            family: cidr.family,
            declared: cidr,
            length: cidr.length,
          };
        });
        this.validatePlan([...existingPlan, ...additions], masks, version);
        const resolved = await this.allocate(tx, domain, row.id, additions, dto.allowConflicts ?? row.allow_conflicts);
        let podPool = '';
        for (const r of resolved) {
          const pool = await this.provision(tx, domain.id, row.id, r, masks);
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
      if (labelsChanged || versionChanged || allowChanged || ipFamilies) {
        await this.clusters.update(tx, row.id, {
          labels: labelsChanged ? labels : undefined,
          kubernetesVersion: versionChanged ? dto.kubernetesVersion : undefined,
          allowConflicts: allowChanged ? dto.allowConflicts : undefined,
          ipFamilies,
        });
      }
      const model = await this.load(tx, row.id);
      if (labelsChanged || versionChanged || allowChanged || ipFamilies) {
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

  /**
   * The entries a patch adds. Existing entries must come back unchanged (as
   * their CIDR, or as the carve request they came from); removing or changing
   * one is refused.
   */
  private async additions(
    tx: Tx,
    domain: DomainRow,
    row: ClusterRow,
    cidrs: ClusterCidrRow[],
    kind: Kind,
    entries: CidrEntry[] | undefined,
  ): Promise<PlannedCidr[]> {
    if (entries === undefined) return [];
    const current = cidrs.filter((c) => c.kind === kind).sort((a, b) => a.position - b.position);
    const field = FIELD[kind];
    if (entries.length < current.length) {
      throw ValidationError.field(
        field,
        `removing a family is not supported (the cluster has ${current.length} ${kind} CIDRs); delete and recreate the cluster`,
      );
    }
    for (const [i, c] of current.entries()) {
      const entry = entries[i];
      const cidr = Prefix.parseAddressOrCidr(c.cidr);
      const unchanged = isCarveRequest(entry)
        ? c.range_id !== null &&
          (entry.range === c.range_id || entry.range === c.range_name) &&
          (entry.prefixLength === undefined || entry.prefixLength === cidr.length)
        : Prefix.tryParse(entry)?.equals(cidr) === true;
      if (!unchanged) {
        throw ValidationError.field(
          `${field}[${i}]`,
          `existing ${kind} CIDR ${cidr} cannot be changed; only a missing family can be added`,
        );
      }
    }
    return this.plan(tx, domain, kind, entries.slice(current.length), current.length);
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
    await this.engine.release(
      tx,
      cidrs.map((c) => c.lease_id).filter((l): l is string => l !== null),
    );
    await this.clusters.delete(tx, row.id); // cascades to cluster_cidr, node and service rows
    await this.engine.deletePools(
      tx,
      cidrs.map((c) => c.pool_id),
    );
  }

  /** The component flags and kubeadm networking block (cluster-config.ts). */
  async config(id: string): Promise<ClusterConfigModel> {
    return clusterConfig(await this.get(id));
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
