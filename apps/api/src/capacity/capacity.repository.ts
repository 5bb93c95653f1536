import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

/** What a capacity scope measures: a range's pool, or a cluster's pod or service CIDR pool (pod pools later). */
export type ScopeKind = 'range' | 'cluster_pod' | 'cluster_service' | 'pod_pool';

export interface ScopeThresholds {
  poolId: string;
  kind: ScopeKind;
  ownerId: string;
  family: number;
  warnAt: number;
  criticalAt: number;
}

export interface AuditSampleRow {
  at: Date;
  resource: string;
  action: string;
  cluster_id: string | null;
  before: unknown;
  after: unknown;
}

const SAMPLE_COLUMNS = 'at, resource, action, cluster_id::text AS cluster_id, before, after';

/** Thresholds and levels of capacity scopes (capacity_scope), keyed by the engine pool they measure; the audit history forecasts read. */
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

  /** Audited changes since `since` that may have allocated from or released to the range (forecast-rules.ts reads them). */
  async rangeHistory(tx: Tx, rangeId: string, since: Date): Promise<AuditSampleRow[]> {
    return tx.query<AuditSampleRow>(
      `SELECT ${SAMPLE_COLUMNS} FROM audit_record
        WHERE resource IN ('cluster', 'range', 'reservation') AND at >= $2
          AND (   (resource = 'cluster'
                   AND (   jsonb_path_exists(coalesce(before, '{}'), '$.*[*] ? (@.rangeId == $r)', jsonb_build_object('r', $1::text))
                        OR jsonb_path_exists(coalesce(after, '{}'), '$.*[*] ? (@.rangeId == $r)', jsonb_build_object('r', $1::text))))
               OR (resource = 'range' AND (before->>'parent' = $1 OR after->>'parent' = $1))
               OR (resource = 'reservation' AND (before->>'rangeId' = $1 OR after->>'rangeId' = $1)))
        ORDER BY at`,
      [rangeId, since],
    );
  }

  /** Audited changes since `since` of the cluster's nodes and Services. */
  async clusterHistory(tx: Tx, clusterId: string, since: Date): Promise<AuditSampleRow[]> {
    return tx.query<AuditSampleRow>(
      `SELECT ${SAMPLE_COLUMNS} FROM audit_record
        WHERE cluster_id = $1::uuid AND at >= $2 AND resource IN ('node', 'service') ORDER BY at`,
      [clusterId, since],
    );
  }

  /** Every audited change since `since` that forecasts read (the days-left gauge). */
  async history(tx: Tx, since: Date): Promise<AuditSampleRow[]> {
    return tx.query<AuditSampleRow>(
      `SELECT ${SAMPLE_COLUMNS} FROM audit_record
        WHERE resource IN ('cluster', 'range', 'reservation', 'node', 'service') AND at >= $1 ORDER BY at`,
      [since],
    );
  }
}
