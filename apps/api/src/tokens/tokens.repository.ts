import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';
import { isUuid } from '../common/validation';
import type { Role } from './token.service';

export interface TokenRow {
  id: string;
  name: string;
  role: Role;
  clusters: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, name, role, clusters::text[] AS clusters, expires_at, revoked_at, created_at';

@Injectable()
export class TokensRepository {
  /** The bootstrap admin token gets this secret (and its admin rights back), whatever it was. */
  async setBootstrapAdmin(tx: Tx, name: string, secretHash: string): Promise<void> {
    await tx.query(
      `INSERT INTO api_token (id, name, role, clusters, secret_hash)
       VALUES (gen_random_uuid(), $1, 'admin', '{}', $2)
       ON CONFLICT (name) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, role = 'admin', revoked_at = NULL, expires_at = NULL`,
      [name, secretHash],
    );
  }

  /** Creates the bootstrap admin token unless one exists; true when it was created. */
  async createBootstrapAdmin(tx: Tx, name: string, secretHash: string): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO api_token (id, name, role, clusters, secret_hash)
       VALUES (gen_random_uuid(), $1, 'admin', '{}', $2) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [name, secretHash],
    );
    return inserted.length > 0;
  }

  async insert(
    tx: Tx,
    t: { id: string; name: string; role: Role; clusters: string[]; expiresAt: Date | null; secretHash: string },
  ): Promise<TokenRow> {
    const [row] = await tx.query<TokenRow>(
      `INSERT INTO api_token (id, name, role, clusters, expires_at, secret_hash)
       VALUES ($1, $2, $3, $4::uuid[], $5, $6) RETURNING ${COLUMNS}`,
      [t.id, t.name, t.role, t.clusters, t.expiresAt, t.secretHash],
    );
    return row;
  }

  async findById(tx: Tx, id: string, lock = false): Promise<TokenRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await tx.query<TokenRow>(`SELECT ${COLUMNS} FROM api_token WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return row;
  }

  async findByName(tx: Tx, name: string): Promise<TokenRow | undefined> {
    const [row] = await tx.query<TokenRow>(`SELECT ${COLUMNS} FROM api_token WHERE name = $1`, [name]);
    return row;
  }

  /** By (name, id). */
  async list(tx: Tx, opts: { after?: [string, string]; limit: number }): Promise<TokenRow[]> {
    return tx.query<TokenRow>(
      `SELECT ${COLUMNS} FROM api_token
        WHERE ($1::text IS NULL OR (name, id) > ($1, $2::uuid))
        ORDER BY name, id LIMIT $3`,
      [opts.after?.[0] ?? null, opts.after?.[1] ?? null, opts.limit + 1],
    );
  }

  async revoke(tx: Tx, id: string): Promise<TokenRow> {
    const [row] = await tx.query<TokenRow>(`UPDATE api_token SET revoked_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
    return row;
  }

  /** Which of these cluster ids exist. */
  async existingClusters(tx: Tx, ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await tx.query<{ id: string }>('SELECT id::text AS id FROM cluster WHERE id = ANY($1::uuid[])', [ids]);
    return new Set(rows.map((r) => r.id));
  }
}
