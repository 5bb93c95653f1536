import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';
import { isUuid } from '../common/validation';
import type { Role } from '../common/principal';

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

  /** The token of a secret's hash while it is valid (not revoked, not expired), with the milliseconds it has left. */
  async findValidByHash(
    tx: Tx,
    secretHash: string,
  ): Promise<{ id: string; name: string; role: Role; clusters: string[] | null; ms_left: number | null } | undefined> {
    const [row] = await tx.query<{ id: string; name: string; role: Role; clusters: string[] | null; ms_left: number | null }>(
      `SELECT id, name, role, clusters, extract(epoch FROM expires_at - now())::float8 * 1000 AS ms_left FROM api_token
        WHERE secret_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [secretHash],
    );
    return row;
  }

  /** An admin token of this name with this secret, valid again if it was revoked or expired. */
  async upsertAdmin(tx: Tx, name: string, secretHash: string): Promise<void> {
    await tx.query(
      `INSERT INTO api_token (id, name, role, clusters, secret_hash)
       VALUES (gen_random_uuid(), $1, 'admin', '{}', $2)
       ON CONFLICT (name) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, role = 'admin', revoked_at = NULL, expires_at = NULL`,
      [name, secretHash],
    );
  }

  /** An admin token of this name, unless one exists; whether it was inserted. */
  async insertAdminIfMissing(tx: Tx, name: string, secretHash: string): Promise<boolean> {
    const inserted = await tx.query(
      `INSERT INTO api_token (id, name, role, clusters, secret_hash)
       VALUES (gen_random_uuid(), $1, 'admin', '{}', $2) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [name, secretHash],
    );
    return inserted.length > 0;
  }
}
