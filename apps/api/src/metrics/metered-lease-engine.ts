import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Prefix } from '@kipam/cidr';
import {
  LeaseEngine,
  PoolExhaustedError,
  type Holder,
  type HolderKind,
  type LeaseEngineError,
  type LeaseRequest,
  type LeaseResult,
  type RequestLabel,
  type Starts,
} from '@kipam/allocation';
import { Database, type Tx } from '@kipam/persistence';
import { EventsRepository } from '../events/events.repository';
import { MetricsService } from './metrics.service';

/**
 * The lease engine, counting allocations and releases by holder kind. Counts
 * are held until the request succeeds (its transaction committed). A refusal
 * for lack of space is counted and announced (capacity.exhausted) at once.
 */
@Injectable()
export class MeteredLeaseEngine extends LeaseEngine {
  private readonly logger = new Logger('LeaseEngine');

  constructor(
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(Database) private readonly db: Database,
    @Inject(EventsRepository) private readonly events: EventsRepository,
  ) {
    super();
  }

  /**
   * The refusing transaction rolls back, taking anything written in it along:
   * capacity.exhausted is written in a transaction of its own, started here
   * and not awaited (the refusing transaction holds a connection and must not
   * wait for another). So the event exists though the allocation did not
   * happen, and it may commit before or after the refusal's rollback.
   */
  private refused(error: unknown, holderOf: (e: LeaseEngineError) => Holder | undefined): void {
    if (!(error instanceof PoolExhaustedError)) return;
    const holder = holderOf(error);
    this.events
      .insertExhausted(this.db.reader, error.poolId, error.prefixLength, holder ?? { kind: 'system', id: '' })
      .then((scope) => {
        if (scope) this.metrics.countExhaustion(scope.pool_kind, scope.owner_id ?? '', scope.family === 4 ? 'IPv4' : 'IPv6');
      })
      .catch((e: Error) => this.logger.warn(`could not record a refusal for lack of space: ${e.message}`));
  }

  override async leaseNext(
    tx: Tx,
    poolId: string,
    length: number,
    holder: Holder,
    opts: { from?: Starts } & RequestLabel = {},
  ): Promise<LeaseResult> {
    try {
      const result = await super.leaseNext(tx, poolId, length, holder, opts);
      if (!result.existed) this.metrics.countAllocation(holder.kind);
      return result;
    } catch (error) {
      this.refused(error, () => holder);
      throw error;
    }
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

  // leaseAll runs through leaseWithin
  override async leaseWithin<T>(requests: LeaseRequest[], run: () => Promise<T>, leases: (answer: T) => LeaseResult[]): Promise<T> {
    let answer: T;
    try {
      answer = await super.leaseWithin(requests, run, leases);
    } catch (error) {
      this.refused(error, (e) => requests[e.request ?? 0]?.holder);
      throw error;
    }
    leases(answer).forEach((result, i) => {
      if (!result.existed) this.metrics.countAllocation(requests[i].holder.kind);
    });
    return answer;
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
