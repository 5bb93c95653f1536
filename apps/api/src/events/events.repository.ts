import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

/** JSON for jsonb columns: bigints (address counts) as strings. */
function json(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export interface ExhaustionRow {
  pool_kind: 'range' | 'cluster_pod' | 'cluster_service';
  owner_id: string | null;
  family: number;
}

/**
 * The event outbox (event_outbox): lease, conflict and capacity events are
 * written by triggers (prisma/sql/events/); the application writes the
 * lifecycle events of audited changes and refusals for lack of space.
 */
@Injectable()
export class EventsRepository {
  /** One event in the caller's transaction, sent with COMMIT (nothing reads it back). */
  async insert(tx: Tx, type: string, subject: string, data: unknown): Promise<void> {
    const sql = 'SELECT kipam_event($1, $2, $3::jsonb)';
    const params = [type, subject, json(data)];
    if (tx.atCommit) tx.atCommit(sql, params);
    else await tx.query(sql, params);
  }

  /**
   * capacity.exhausted for a refused allocation in `poolId`, on its own
   * (the refusing transaction rolls back); returns what the pool belongs to,
   * or undefined when the pool is gone.
   */
  async insertExhausted(
    tx: Tx,
    poolId: string,
    prefixLength: number,
    holder: { kind: string; id: string },
  ): Promise<ExhaustionRow | undefined> {
    const [row] = await tx.query<ExhaustionRow>(
      `WITH p AS (
         SELECT p.id, p.kind, p.family, p.cidr, coalesce(r.id, cc.cluster_id) AS owner_id, cc.kind AS cc_kind
           FROM pool p LEFT JOIN range r ON r.pool_id = p.id LEFT JOIN cluster_cidr cc ON cc.pool_id = p.id
          WHERE p.id = $1::bigint
       ), e AS (
         SELECT kipam_event('capacity.exhausted',
                  CASE p.kind WHEN 'range' THEN 'ranges/' ELSE 'clusters/' END || coalesce(p.owner_id::text, 'unknown'),
                  jsonb_build_object(
                    'scope', jsonb_build_object(
                      'kind', CASE WHEN p.cc_kind = 'pod_pool' THEN 'pod-pool' WHEN p.kind = 'range' THEN 'range' WHEN p.kind = 'cluster_pod' THEN 'pod' ELSE 'service' END,
                      'id', p.owner_id, 'family', CASE p.family WHEN 4 THEN 'IPv4' ELSE 'IPv6' END, 'poolId', p.id::text),
                    'cidr', p.cidr::text, 'prefixLength', $2::int,
                    'holderKind', $3::text, 'holderId', $4::text)) AS done
           FROM p
       )
       SELECT p.kind::text AS pool_kind, p.owner_id::text AS owner_id, p.family FROM p, e`,
      [poolId, prefixLength, holder.kind, holder.id],
    );
    return row;
  }
}
