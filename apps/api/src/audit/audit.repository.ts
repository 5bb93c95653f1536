import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  resource: string;
  resource_id: string;
  cluster_id: string | null;
  request_id: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface NewAuditRecord {
  actor: string;
  action: string;
  resource: string;
  resourceId: string;
  clusterId: string | null;
  requestId: string | null;
  before: unknown;
  after: unknown;
  reason?: string | null;
}

export interface AuditFilter {
  resource?: string;
  resourceId?: string;
  clusterId?: string;
  actor?: string;
  action?: string;
  since?: Date;
  until?: Date;
  /** (at, id) of the last record of the previous page. */
  before?: [Date, string];
  limit: number;
}

/** JSON for jsonb columns: bigints (address counts) as strings. */
function json(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The audit trail: append-only (a trigger refuses UPDATE and DELETE). */
@Injectable()
export class AuditRepository {
  async insert(tx: Tx, r: NewAuditRecord): Promise<void> {
    const sql = `INSERT INTO audit_record (actor, action, resource, resource_id, cluster_id, request_id, before, after, reason)
       VALUES ($1, $2, $3, $4, $5::uuid, $6, $7::jsonb, $8::jsonb, $9)`;
    const params = [r.actor, r.action, r.resource, r.resourceId, r.clusterId, r.requestId, json(r.before), json(r.after), r.reason ?? null];
    // nothing reads the record back in the transaction: it travels with COMMIT
    if (tx.atCommit) tx.atCommit(sql, params);
    else await tx.query(sql, params);
  }

  /** Many records in one statement (a reconciliation's changes), in order. */
  async insertMany(tx: Tx, rs: NewAuditRecord[]): Promise<void> {
    if (!rs.length) return;
    await tx.query(
      `INSERT INTO audit_record (actor, action, resource, resource_id, cluster_id, request_id, before, after, reason)
       SELECT actor, action, resource, resource_id, cluster_id, request_id, before, after, reason
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[])
              WITH ORDINALITY AS r(actor, action, resource, resource_id, cluster_id, request_id, before, after, reason, position)
        ORDER BY position`,
      [
        rs.map((r) => r.actor),
        rs.map((r) => r.action),
        rs.map((r) => r.resource),
        rs.map((r) => r.resourceId),
        rs.map((r) => r.clusterId),
        rs.map((r) => r.requestId),
        rs.map((r) => json(r.before)),
        rs.map((r) => json(r.after)),
        rs.map((r) => r.reason ?? null),
      ],
    );
  }

  /** Newest first: (at, id) descending. */
  async list(tx: Tx, f: AuditFilter): Promise<AuditRow[]> {
    return tx.query<AuditRow>(
      `SELECT id::text AS id, at, actor, action, resource, resource_id, cluster_id, request_id, before, after, reason
         FROM audit_record
        WHERE ($1::text IS NULL OR resource = $1)
          AND ($2::text IS NULL OR resource_id = $2)
          AND ($3::uuid IS NULL OR cluster_id = $3::uuid)
          AND ($4::text IS NULL OR actor = $4)
          AND ($5::text IS NULL OR action = $5)
          AND ($6::timestamptz IS NULL OR at >= $6)
          AND ($7::timestamptz IS NULL OR at < $7)
          AND ($8::timestamptz IS NULL OR (at, id) < ($8::timestamptz, $9::bigint))
        ORDER BY at DESC, id DESC
        LIMIT $10`,
      [
        f.resource ?? null,
        f.resourceId ?? null,
        f.clusterId ?? null,
        f.actor ?? null,
        f.action ?? null,
        f.since ?? null,
        f.until ?? null,
        f.before?.[0] ?? null,
        f.before?.[1] ?? null,
        f.limit + 1,
      ],
    );
  }
}
