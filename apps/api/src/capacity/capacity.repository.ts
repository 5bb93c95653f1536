import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

/** What a capacity scope measures: a range's pool, or a cluster's pod or service CIDR pool (pod pools later). */
export type ScopeKind = 'range' | 'cluster_pod' | 'cluster_service';

export interface ScopeThresholds {
  poolId: string;
  kind: ScopeKind;
  ownerId: string;
  family: number;
  warnAt: number;
  criticalAt: number;
}

/** Thresholds and levels of capacity scopes (capacity_scope), keyed by the engine pool they measure. */
@Injectable()
export class CapacityRepository {
  /**
   * Sets a scope's thresholds and re-evaluates its level at once, in the
   * caller's transaction: lowering warnAt under the current utilisation is a
   * crossing like any other. Returns the level.
   */
  async setThresholds(tx: Tx, s: ScopeThresholds): Promise<string> {
    await tx.query(
      `INSERT INTO capacity_scope (pool_id, kind, owner_id, family, warn_at, critical_at)
       VALUES ($1::bigint, $2, $3::uuid, $4, $5, $6)
       ON CONFLICT (pool_id) DO UPDATE SET warn_at = EXCLUDED.warn_at, critical_at = EXCLUDED.critical_at`,
      [s.poolId, s.kind, s.ownerId, s.family, s.warnAt, s.criticalAt],
    );
    // a statement of its own: the check must see the row written above
    const [row] = await tx.query<{ level: string | null }>('SELECT kipam_capacity_check($1::bigint) AS level', [s.poolId]);
    return row.level ?? 'ok';
  }
}
