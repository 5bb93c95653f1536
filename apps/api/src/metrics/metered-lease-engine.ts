import { Inject, Injectable } from '@nestjs/common';
import type { Address, Prefix } from '@kipam/cidr';
import { LeaseEngine, type Holder, type HolderKind, type LeaseRequest, type LeaseResult, type RequestLabel } from '@kipam/allocation';
import type { Tx } from '@kipam/persistence';
import { MetricsService } from './metrics.service';

/**
 * The lease engine, counting allocations and releases by holder kind. Counts
 * are held until the request succeeds (its transaction committed).
 */
@Injectable()
export class MeteredLeaseEngine extends LeaseEngine {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {
    super();
  }

  override async leaseNext(
    tx: Tx,
    poolId: string,
    length: number,
    holder: Holder,
    opts: { from?: Address | Address[] } & RequestLabel = {},
  ): Promise<LeaseResult> {
    const result = await super.leaseNext(tx, poolId, length, holder, opts);
    if (!result.existed) this.metrics.countAllocation(holder.kind);
    return result;
  }

  override async leaseExact(
    tx: Tx,
    poolId: string,
    block: Prefix,
    holder: Holder,
    opts: { allowOverlap?: boolean } & RequestLabel = {},
  ): Promise<LeaseResult> {
    const result = await super.leaseExact(tx, poolId, block, holder, opts);
    if (!result.existed) this.metrics.countAllocation(holder.kind);
    return result;
  }

  override async leaseAll(tx: Tx, requests: LeaseRequest[]): Promise<LeaseResult[]> {
    const results = await super.leaseAll(tx, requests);
    results.forEach((result, i) => {
      if (!result.existed) this.metrics.countAllocation(requests[i].holder.kind);
    });
    return results;
  }

  override async release(tx: Tx, leaseIds: string[]): Promise<number> {
    if (!leaseIds.length) return 0;
    const kinds = await this.countByHolderKind(tx, { leaseIds });
    const n = await super.release(tx, leaseIds);
    for (const k of kinds) this.metrics.countRelease(k.kind, k.n);
    return n;
  }

  override async releaseHolder(tx: Tx, kind: HolderKind, holderId: string): Promise<number> {
    const n = await super.releaseHolder(tx, kind, holderId);
    this.metrics.countRelease(kind, n);
    return n;
  }

  /** Deleting a pool (a cluster's CIDR) releases every lease still in it (its nodes' blocks, its ClusterIPs). */
  override async deletePools(tx: Tx, poolIds: string[]): Promise<void> {
    if (!poolIds.length) return;
    const kinds = await this.countByHolderKind(tx, { poolIds });
    await super.deletePools(tx, poolIds);
    for (const k of kinds) this.metrics.countRelease(k.kind, k.n);
  }
}
