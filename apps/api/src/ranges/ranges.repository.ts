import { Injectable } from '@nestjs/common';
import type { Prefix } from '@kipam/cidr';
import type { Tx } from '@kipam/persistence';
import { labelSql, type LabelRequirement } from '../common/labels';
import { isUuid } from '../common/validation';
import type { RangePurpose } from './dto/range.dto';

export interface RangeRow {
  id: string;
  domain_id: string;
  domain_name: string;
  name: string;
  cidr: string;
  family: number;
  parent_id: string | null;
  purpose: RangePurpose;
  min_prefix_length: number | null;
  max_prefix_length: number | null;
  default_prefix_length: number | null;
  labels: Record<string, string>;
  description: string;
  pool_id: string;
  parent_lease_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  /** The range's capacity scope (capacity_scope), defaults when it has none. */
  warn_at: number;
  critical_at: number;
  capacity_level: 'ok' | 'warning' | 'critical';
}

export interface ReservationRow {
  id: string;
  range_id: string;
  cidr: string;
  reason: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const RANGE_COLUMNS = `r.id, r.domain_id, d.name AS domain_name, r.name, r.cidr::text AS cidr, r.family, r.parent_id, r.purpose,
  r.min_prefix_length, r.max_prefix_length, r.default_prefix_length, r.labels, r.description, r.pool_id::text AS pool_id,
  r.parent_lease_id, r.version, r.created_at, r.updated_at,
  coalesce(cs.warn_at, 0.8) AS warn_at, coalesce(cs.critical_at, 0.95) AS critical_at, coalesce(cs.level, 'ok') AS capacity_level`;
const FROM_RANGE = 'range r JOIN domain d ON d.id = r.domain_id LEFT JOIN capacity_scope cs ON cs.pool_id = r.pool_id';
/** How a read locks a range row: not at all, FOR UPDATE (true), or FOR KEY SHARE ('share'). */
export type RangeLock = boolean | 'share';
const lockClause = (lock: RangeLock) => (lock === 'share' ? 'FOR KEY SHARE OF r' : lock ? 'FOR UPDATE OF r' : '');
const RESERVATION_COLUMNS = 'id, range_id, cidr::text AS cidr, reason, version, created_at, updated_at';

export interface NewRange {
  id: string;
  domainId: string;
  name: string;
  cidr: Prefix;
  parentId: string | null;
  purpose: RangePurpose;
  minPrefixLength: number | null;
  maxPrefixLength: number | null;
  defaultPrefixLength: number | null;
  labels: Record<string, string>;
  description: string;
  poolId: string;
  parentLeaseId: string | null;
}

@Injectable()
export class RangesRepository {
  async insert(tx: Tx, r: NewRange): Promise<void> {
    await tx.query(
      `INSERT INTO range (id, domain_id, name, cidr, family, parent_id, purpose, min_prefix_length, max_prefix_length,
                          default_prefix_length, labels, description, pool_id, parent_lease_id)
       VALUES ($1, $2, $3, $4::inet, $5, $6, $7::range_purpose, $8, $9, $10, $11::jsonb, $12, $13::bigint, $14)`,
      [
        r.id,
        r.domainId,
        r.name,
        r.cidr.toString(),
        r.cidr.family === 'IPv4' ? 4 : 6,
        r.parentId,
        r.purpose,
        r.minPrefixLength,
        r.maxPrefixLength,
        r.defaultPrefixLength,
        JSON.stringify(r.labels),
        r.description,
        r.poolId,
        r.parentLeaseId,
      ],
    );
  }

  /**
   * `lock`: true (FOR UPDATE) to change or delete the range; 'share' (FOR KEY
   * SHARE) to carve from it. Every transaction that touches a range's free
   * blocks takes the range row first, in one of these two modes, so a delete
   * and a carve wait for each other at the row instead of deadlocking on the
   * free blocks (see kipam_lease_next).
   */
  async findById(tx: Tx, id: string, lock: RangeLock = false): Promise<RangeRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<RangeRow>(`SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.id = $1 ${lockClause(lock)}`, [id]);
    return row;
  }

  async findByIds(tx: Tx, ids: readonly string[]): Promise<RangeRow[]> {
    return tx.query<RangeRow>(`SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.id = ANY($1::uuid[])`, [ids]);
  }

  /** The children of many ranges, in address order. */
  async findChildren(tx: Tx, parentIds: readonly string[]): Promise<RangeRow[]> {
    return tx.query<RangeRow>(`SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.parent_id = ANY($1::uuid[]) ORDER BY r.cidr`, [
      parentIds,
    ]);
  }

  async findByName(tx: Tx, domainId: string, name: string, lock: RangeLock = false): Promise<RangeRow | undefined> {
    const [row] = await tx.query<RangeRow>(
      `SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.domain_id = $1 AND r.name = $2 ${lockClause(lock)}`,
      [domainId, name],
    );
    return row;
  }

  /** A range of the domain named by id or name (`lock` as for findById). */
  async findByRef(tx: Tx, domainId: string, ref: string, lock: RangeLock = false): Promise<RangeRow | undefined> {
    const byId = await this.findById(tx, ref, lock);
    if (byId && byId.domain_id === domainId) return byId;
    return this.findByName(tx, domainId, ref, lock);
  }

  /** The smallest range of the domain containing `cidr` (or equal to it when `orEqual`); `lock` as for findById. */
  async findSmallestContaining(
    tx: Tx,
    domainId: string,
    cidr: Prefix,
    orEqual: boolean,
    lock: RangeLock = false,
  ): Promise<RangeRow | undefined> {
    const sql = `SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.domain_id = $1 AND r.cidr ${orEqual ? '>>=' : '>>'} $2::inet
        ORDER BY masklen(r.cidr) DESC LIMIT 1`;
    for (let attempt = 1; ; attempt++) {
      const [row] = await tx.query<RangeRow>(`${sql} ${lockClause(lock)}`, [domainId, cidr.toString()]);
      // a locked row deleted while this waited for it is skipped, not replaced: look again for the next smallest
      if (row || !lock || attempt === 3) return row;
      const [any] = await tx.query<RangeRow>(sql, [domainId, cidr.toString()]);
      if (!any) return undefined;
    }
  }

  async findIdentical(tx: Tx, domainId: string, cidr: Prefix): Promise<RangeRow | undefined> {
    const [row] = await tx.query<RangeRow>(`SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.domain_id = $1 AND r.cidr = $2::inet`, [
      domainId,
      cidr.toString(),
    ]);
    return row;
  }

  /** Ranges of the domain lying inside `cidr`. */
  async findInside(tx: Tx, domainId: string, cidr: Prefix): Promise<RangeRow[]> {
    return tx.query<RangeRow>(`SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} WHERE r.domain_id = $1 AND r.cidr << $2::inet ORDER BY r.cidr`, [
      domainId,
      cidr.toString(),
    ]);
  }

  async list(
    tx: Tx,
    f: {
      domainId?: string;
      name?: string;
      family?: number;
      purpose?: string;
      parentId?: string;
      labels: LabelRequirement[];
      after?: [string, string, string];
      limit: number;
    },
  ): Promise<RangeRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (cond: (n: number) => string, value: unknown) => {
      params.push(value);
      where.push(cond(params.length));
    };
    if (f.domainId) add((n) => `r.domain_id = $${n}`, f.domainId);
    if (f.name) add((n) => `r.name = $${n}`, f.name);
    if (f.family) add((n) => `r.family = $${n}`, f.family);
    if (f.purpose) add((n) => `r.purpose = $${n}::range_purpose`, f.purpose);
    if (f.parentId) add((n) => `r.parent_id = $${n}`, f.parentId);
    where.push(...labelSql('r.labels', f.labels, params));
    if (f.after) {
      params.push(f.after[0], f.after[1], f.after[2]);
      where.push(`(d.name, r.name, r.id) > ($${params.length - 2}, $${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(f.limit + 1);
    return tx.query<RangeRow>(
      `SELECT ${RANGE_COLUMNS} FROM ${FROM_RANGE} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY d.name, r.name, r.id LIMIT $${params.length}`,
      params,
    );
  }

  async update(tx: Tx, id: string, patch: { labels?: Record<string, string>; description?: string }): Promise<void> {
    await tx.query(
      `UPDATE range SET labels = coalesce($2::jsonb, labels), description = coalesce($3, description), version = version + 1, updated_at = now()
        WHERE id = $1`,
      [id, patch.labels ? JSON.stringify(patch.labels) : null, patch.description ?? null],
    );
  }

  async countChildren(tx: Tx, id: string): Promise<number> {
    const [row] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM range WHERE parent_id = $1', [id]);
    return row.n;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM range WHERE id = $1', [id]);
  }

  // Reservations

  async insertReservation(tx: Tx, id: string, rangeId: string, cidr: Prefix, reason: string): Promise<ReservationRow> {
    const [row] = await tx.query<ReservationRow>(
      `INSERT INTO reservation (id, range_id, cidr, reason) VALUES ($1, $2, $3::inet, $4) RETURNING ${RESERVATION_COLUMNS}`,
      [id, rangeId, cidr.toString(), reason],
    );
    return row;
  }

  async findReservation(tx: Tx, rangeId: string, id: string, lock = false): Promise<ReservationRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM reservation WHERE range_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [rangeId, id],
    );
    return row;
  }

  async findReservationByCidr(tx: Tx, rangeId: string, cidr: Prefix): Promise<{ id: string } | undefined> {
    const [row] = await tx.query<{ id: string }>('SELECT id FROM reservation WHERE range_id = $1 AND cidr = $2::inet', [
      rangeId,
      cidr.toString(),
    ]);
    return row;
  }

  async listReservations(tx: Tx, rangeId: string, after: [string, string] | undefined, limit: number): Promise<ReservationRow[]> {
    return tx.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM reservation WHERE range_id = $1 AND ($2::inet IS NULL OR (cidr, id) > ($2::inet, $3::uuid))
        ORDER BY cidr, id LIMIT $4`,
      [rangeId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
  }

  async reservationIds(tx: Tx, rangeId: string): Promise<string[]> {
    const rows = await tx.query<{ id: string }>('SELECT id FROM reservation WHERE range_id = $1', [rangeId]);
    return rows.map((r) => r.id);
  }

  async updateReservation(tx: Tx, id: string, reason: string): Promise<ReservationRow> {
    const [row] = await tx.query<ReservationRow>(
      `UPDATE reservation SET reason = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${RESERVATION_COLUMNS}`,
      [id, reason],
    );
    return row;
  }

  async deleteReservations(tx: Tx, ids: string[]): Promise<void> {
    await tx.query('DELETE FROM reservation WHERE id = ANY($1::uuid[])', [ids]);
  }
}
