import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Prefix } from '@kipam/cidr';
import { LeaseEngine, PoolExhaustedError } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';
import { CidrConflictError, ConflictError, RangeExhaustedError, ValidationError } from '../common/errors';
import type { DomainRow } from '../domains/domains.repository';
import { RangesRepository } from '../ranges/ranges.repository';
import {
  byKindAndPosition,
  cidrField,
  leasedOverlapProblem,
  planCarve,
  planDeclared,
  planGenerate,
  reservedServiceAddresses,
  type CidrKind,
  type LeasedCidr,
  type NodeMasks,
  type PlannedCidr,
} from './cluster-cidr-rules';
import { ulaPrefix, ulaServiceCidr } from './cluster-profile';
import { ClustersRepository, type ClusterCidrRow } from './clusters.repository';
import { isCarveRequest, isGenerateRequest, type CidrEntry } from './dto/cidr-entry';
import { UlaGlobalIdSource } from './ula-global-id-source';

/** Draws of a fresh global ID before giving up (2^40 IDs: a second draw is already a rarity). */
export const ULA_ATTEMPTS = 8;

const IMPORT_HINT = 'set allowConflicts to import an existing cluster anyway';

/** The slot of a cluster CIDR's lease in its range: `service/IPv4`, or `servicecidr/<name>/IPv4` for an extra ServiceCIDR's. */
function slotOf(p: PlannedCidr): string {
  if (p.slot) return p.slot;
  return p.serviceCidrName === undefined ? `${p.kind}/${p.family}` : `servicecidr/${p.serviceCidrName}/${p.family}`;
}

/**
 * A cluster's pod and service CIDRs against the database: the ranges of carve
 * requests, the leases of every CIDR in the domain's ranges (declared ones
 * leased exactly, carved ones the next free block), and each CIDR's own pool
 * for node blocks or ClusterIPs. The rules are cluster-cidr-rules.ts.
 */
@Injectable()
export class ClusterCidrs {
  constructor(
    @Inject(ClustersRepository) private readonly clusters: ClustersRepository,
    @Inject(RangesRepository) private readonly ranges: RangesRepository,
    @Inject(LeaseEngine) private readonly engine: LeaseEngine,
    @Inject(UlaGlobalIdSource) private readonly ulaIds: UlaGlobalIdSource,
  ) {}

  /**
   * Each entry's plan, the ranges of carve requests looked up in the domain;
   * `offset` is the first entry's position; `field` names a single entry in
   * messages (a pod pool's `cidr`) instead of `podCidrs[i]`; with
   * `serviceCidr`, the entries are the `cidrs` of that extra ServiceCIDR.
   */
  async plan(
    tx: Tx,
    domain: DomainRow,
    kind: CidrKind,
    entries: CidrEntry[],
    offset = 0,
    opts: { field?: string; serviceCidr?: string } = {},
  ): Promise<PlannedCidr[]> {
    const out: PlannedCidr[] = [];
    for (const [i, entry] of entries.entries()) {
      const name = opts.field ?? (opts.serviceCidr === undefined ? cidrField(kind, i + offset) : `cidrs[${i}]`);
      const planned = isGenerateRequest(entry)
        ? planGenerate(kind, i + offset, entry)
        : isCarveRequest(entry)
          ? // the range row first (FOR KEY SHARE): a concurrent delete of the range waits, or has already happened
            planCarve(kind, i + offset, entry, await this.ranges.findByRef(tx, domain.id, entry.range, 'share'), domain.name, name)
          : planDeclared(kind, i + offset, entry, name);
      out.push(opts.serviceCidr === undefined ? planned : { ...planned, serviceCidrName: opts.serviceCidr });
    }
    return out;
  }

  /** Leases every planned CIDR, declared ones first so that carving skips them; pod CIDRs first in the result. */
  async lease(tx: Tx, domain: DomainRow, clusterId: string, plan: PlannedCidr[], allowConflicts: boolean): Promise<LeasedCidr[]> {
    const leased: LeasedCidr[] = [];
    for (const p of plan.filter((x) => x.declared)) leased.push(await this.leaseDeclared(tx, domain, clusterId, p, allowConflicts));
    for (const p of plan.filter((x) => x.range)) leased.push(await this.carve(tx, domain, clusterId, p));
    for (const p of plan.filter((x) => x.generate)) leased.push(await this.generate(tx, domain, clusterId, p));
    const overlap = leasedOverlapProblem(leased);
    if (overlap) throw new ValidationError([overlap]);
    return leased.sort(byKindAndPosition);
  }

  /**
   * The CIDR's own pool and its row: a pod CIDR's pool leases node blocks of the
   * node mask size, a service CIDR's pool single addresses (ClusterIPs), less
   * the addresses that are never ClusterIPs (leased to the system).
   */
  async provision(tx: Tx, domainId: string, clusterId: string, r: LeasedCidr, masks: NodeMasks): Promise<string> {
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
      ulaGlobalId: r.ulaGlobalId,
      serviceCidrName: r.serviceCidrName,
    });
    if (r.kind === 'service') {
      for (const { address, slot } of reservedServiceAddresses(r.cidr)) {
        await this.engine.leaseExact(tx, poolId, address, { kind: 'system', id: cidrId, slot });
      }
    }
    return poolId;
  }

  /**
   * Deletes the cluster with every lease it holds: its CIDRs' leases in their
   * ranges, then the row (which cascades to its CIDR, node and Service rows),
   * then its CIDRs' pools with the node blocks and ClusterIPs in them.
   */
  async deleteWithCluster(tx: Tx, clusterId: string, cidrs: ClusterCidrRow[]): Promise<void> {
    await this.engine.release(
      tx,
      cidrs.map((c) => c.lease_id).filter((l): l is string => l !== null),
    );
    await this.clusters.delete(tx, clusterId);
    await this.engine.deletePools(
      tx,
      cidrs.map((c) => c.pool_id),
    );
  }

  private async leaseDeclared(tx: Tx, domain: DomainRow, clusterId: string, p: PlannedCidr, allowConflicts: boolean): Promise<LeasedCidr> {
    const cidr = p.declared!;
    const others = await this.clusters.overlapping(tx, domain.id, cidr, clusterId);
    if (others.length && !allowConflicts) {
      const o = others[0];
      throw new CidrConflictError(
        `${p.field} ${cidr} overlaps the ${o.kind} CIDR ${Prefix.parseAddressOrCidr(o.cidr)} of cluster ${o.cluster_name} in domain ${domain.name}; ${IMPORT_HINT}`,
        { field: p.field, clusterId: o.cluster_id, clusterName: o.cluster_name },
      );
    }
    // ranges of the domain lying inside the CIDR: it would swallow space they hand out
    const swallowed = await this.ranges.findInside(tx, domain.id, cidr);
    if (swallowed.length && !allowConflicts) {
      throw new CidrConflictError(
        `${p.field} ${cidr} contains range ${swallowed[0].name} (${Prefix.parseAddressOrCidr(swallowed[0].cidr)}), whose space is handed out to others`,
        { field: p.field, rangeId: swallowed[0].id },
      );
    }
    const range = await this.ranges.findSmallestContaining(tx, domain.id, cidr, true, 'share');
    let leaseId: string | null = null;
    let overlapAllowed = others.length > 0 || swallowed.length > 0;
    if (range) {
      const { lease } = await this.engine.leaseExact(
        tx,
        range.pool_id,
        cidr,
        { kind: 'cluster', id: clusterId, slot: slotOf(p) },
        { allowOverlap: allowConflicts, label: p.field, hint: IMPORT_HINT },
      );
      leaseId = lease.id;
      overlapAllowed = overlapAllowed || (await this.engine.findById(tx, lease.id))!.overlapAllowed;
    }
    return { ...p, cidr, leaseId, rangeId: range?.id ?? null, overlapAllowed };
  }

  /**
   * A generated ULA CIDR: a random global ID claimed fleet-wide (a unique key
   * on it and on its /48), its /48 free of the domain's cluster CIDRs and
   * ranges, then the first block of the length in it (`ulaServiceCidr`),
   * leased as a declared CIDR would be. A collision draws again.
   */
  private async generate(tx: Tx, domain: DomainRow, clusterId: string, p: PlannedCidr): Promise<LeasedCidr> {
    for (let attempt = 1; attempt <= ULA_ATTEMPTS; attempt++) {
      const globalId = this.ulaIds.next();
      const prefix = ulaPrefix(globalId);
      if ((await this.clusters.overlapping(tx, domain.id, prefix, clusterId)).length) continue;
      if ((await this.ranges.findInside(tx, domain.id, prefix)).length) continue;
      if (!(await this.clusters.claimUlaGlobalId(tx, globalId, prefix, clusterId))) continue;
      const leased = await this.leaseDeclared(tx, domain, clusterId, { ...p, declared: ulaServiceCidr(globalId, p.length) }, false);
      return { ...leased, ulaGlobalId: globalId };
    }
    throw new ConflictError(
      `${p.field}: no unused ULA global ID after ${ULA_ATTEMPTS} random draws; retry the request`,
      { field: p.field, attempts: ULA_ATTEMPTS },
      'conflict',
      'Conflict',
      { 'Retry-After': '1' },
    );
  }

  private async carve(tx: Tx, domain: DomainRow, clusterId: string, p: PlannedCidr): Promise<LeasedCidr> {
    const range = p.range!;
    try {
      const { lease } = await this.engine.leaseNext(tx, range.pool_id, p.length, { kind: 'cluster', id: clusterId, slot: slotOf(p) });
      // A declared CIDR outside every range may still collide (imports): refuse rather than hand it out twice.
      const others = await this.clusters.overlapping(tx, domain.id, lease.cidr, clusterId);
      if (others.length) {
        throw new CidrConflictError(
          `${p.field}: the next free /${p.length} of range ${range.name} (${lease.cidr}) overlaps cluster ${others[0].cluster_name}`,
          { field: p.field, clusterId: others[0].cluster_id },
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
}
