import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';
import { isUuid } from '../common/validation';

export interface DomainRow {
  id: string;
  name: string;
  description: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, description, version, created_at, updated_at';

@Injectable()
export class DomainsRepository {
  async insert(tx: Tx, name: string, description: string): Promise<DomainRow> {
    const [row] = await tx.query<DomainRow>(
      `INSERT INTO domain (id, name, description) VALUES (gen_random_uuid(), $1, $2) RETURNING ${COLUMNS}`,
      [name, description],
    );
    return row;
  }

  async findById(tx: Tx, id: string): Promise<DomainRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<DomainRow>(`SELECT ${COLUMNS} FROM domain WHERE id = $1`, [id]);
    return row;
  }

  async findByIds(tx: Tx, ids: readonly string[]): Promise<DomainRow[]> {
    return tx.query<DomainRow>(`SELECT ${COLUMNS} FROM domain WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async findByName(tx: Tx, name: string): Promise<DomainRow | undefined> {
    const [row] = await tx.query<DomainRow>(`SELECT ${COLUMNS} FROM domain WHERE name = $1`, [name]);
    return row;
  }

  /** A domain named by id or by name. */
  async findByRef(tx: Tx, ref: string): Promise<DomainRow | undefined> {
    return (await this.findById(tx, ref)) ?? (await this.findByName(tx, ref));
  }

  /**
   * The domain's row, locked. `update` (a delete) also holds off the foreign
   * key checks of new clusters and ranges in it; `writers` (FOR NO KEY
   * UPDATE) only other writers of the domain, so that a range's creation
   * never waits for a cluster carving from a range at the same time, nor that
   * cluster's insert for the range's creation: the two orders (domain, then
   * free blocks; free blocks, then the domain's key) deadlocked.
   */
  async lockById(tx: Tx, id: string, mode: 'update' | 'writers' = 'update'): Promise<DomainRow | undefined> {
    const lock = mode === 'update' ? 'FOR UPDATE' : 'FOR NO KEY UPDATE';
    const [row] = await tx.query<DomainRow>(`SELECT ${COLUMNS} FROM domain WHERE id = $1 ${lock}`, [id]);
    return row;
  }

  async list(tx: Tx, opts: { name?: string; after?: [string, string]; limit: number }): Promise<DomainRow[]> {
    return tx.query<DomainRow>(
      `SELECT ${COLUMNS} FROM domain
        WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR (name, id) > ($2, $3::uuid))
        ORDER BY name, id LIMIT $4`,
      [opts.name ?? null, opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit + 1],
    );
  }

  async updateDescription(tx: Tx, id: string, description: string): Promise<DomainRow> {
    const [row] = await tx.query<DomainRow>(
      `UPDATE domain SET description = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, description],
    );
    return row;
  }

  async countDependents(tx: Tx, id: string): Promise<{ ranges: number; clusters: number }> {
    const [row] = await tx.query<{ ranges: number; clusters: number }>(
      `SELECT (SELECT count(*)::int FROM range WHERE domain_id = $1) AS ranges,
              (SELECT count(*)::int FROM cluster WHERE domain_id = $1) AS clusters`,
      [id],
    );
    return row;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM domain WHERE id = $1', [id]);
  }
}
