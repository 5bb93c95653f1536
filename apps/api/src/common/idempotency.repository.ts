import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

/** An `Idempotency-Key` record as the interceptor reads it back (idempotency.ts). */
export interface IdempotencyRecordRow {
  fingerprint: string;
  status: number | null;
  headers: Record<string, string> | null;
  body: unknown;
  created_at: Date;
  claim_instance: string | null;
  claim_nonce: string | null;
  claim_age_ms: number;
}

/** Who holds a claim: the process (`instance`) and this claim of it (`nonce`). */
export interface ClaimOwner {
  instance: string;
  nonce: string;
}

/** A running request's claim, kept in `body` until the response replaces it. */
const CLAIM_BODY = `jsonb_build_object('claim', jsonb_build_object('instance', $1::text, 'nonce', $2::text, 'at', CURRENT_TIMESTAMP))`;

/** The idempotency_record table: claims and stored responses of `Idempotency-Key` requests. */
@Injectable()
export class IdempotencyRepository {
  /** Claims the key, or takes over a record past retention; the claim's time, or undefined when the key is held. */
  async claim(
    tx: Tx,
    owner: ClaimOwner,
    r: { key: string; path: string; fingerprint: string; retentionHours: number },
  ): Promise<Date | undefined> {
    const [claimed] = await tx.query<{ created_at: Date }>(
      `INSERT INTO idempotency_record (key, method, path, fingerprint, body)
       VALUES ($3, 'POST', $4, $5, ${CLAIM_BODY})
       ON CONFLICT (key) DO UPDATE
          SET method = EXCLUDED.method, path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint, status = NULL,
              headers = NULL, body = EXCLUDED.body, created_at = CURRENT_TIMESTAMP, completed_at = NULL
        WHERE idempotency_record.created_at < CURRENT_TIMESTAMP - make_interval(hours => $6)
       RETURNING created_at`,
      [owner.instance, owner.nonce, r.key, r.path, r.fingerprint, r.retentionHours],
    );
    return claimed?.created_at;
  }

  async find(tx: Tx, key: string): Promise<IdempotencyRecordRow | undefined> {
    const [row] = await tx.query<IdempotencyRecordRow>(
      `SELECT fingerprint, status, headers, body, created_at,
              body->'claim'->>'instance' AS claim_instance, body->'claim'->>'nonce' AS claim_nonce,
              (EXTRACT(EPOCH FROM CURRENT_TIMESTAMP - COALESCE((body->'claim'->>'at')::timestamptz, created_at)) * 1000)::float8 AS claim_age_ms
         FROM idempotency_record WHERE key = $1`,
      [key],
    );
    return row;
  }

  /** Takes over an unfinished claim whose nonce is still `previousNonce`; its time, or undefined when another retry took it. */
  async takeOver(tx: Tx, owner: ClaimOwner, key: string, previousNonce: string | null): Promise<Date | undefined> {
    const [taken] = await tx.query<{ created_at: Date }>(
      `UPDATE idempotency_record SET body = ${CLAIM_BODY}
        WHERE key = $3 AND status IS NULL AND body->'claim'->>'nonce' IS NOT DISTINCT FROM $4
       RETURNING created_at`,
      [owner.instance, owner.nonce, key, previousNonce],
    );
    return taken?.created_at;
  }

  /** Stores the response of the claim `nonce`. */
  async complete(
    tx: Tx,
    key: string,
    nonce: string,
    response: { status: number; headers: Record<string, string>; body: unknown },
  ): Promise<void> {
    await tx.query(
      `UPDATE idempotency_record SET status = $3, headers = $4::jsonb, body = $5::jsonb, completed_at = CURRENT_TIMESTAMP
        WHERE key = $1 AND status IS NULL AND body->'claim'->>'nonce' = $2`,
      [key, nonce, response.status, JSON.stringify(response.headers), response.body === undefined ? null : JSON.stringify(response.body)],
    );
  }

  /** Drops the unfinished claim `nonce` (its request failed: a retry may run again). */
  async release(tx: Tx, key: string, nonce: string): Promise<void> {
    await tx.query(`DELETE FROM idempotency_record WHERE key = $1 AND status IS NULL AND body->'claim'->>'nonce' = $2`, [key, nonce]);
  }

  /** Drops up to 1,000 records older than the retention. */
  async purge(tx: Tx, retentionHours: number): Promise<void> {
    await tx.query(
      `DELETE FROM idempotency_record WHERE key IN (
         SELECT key FROM idempotency_record WHERE created_at < CURRENT_TIMESTAMP - make_interval(hours => $1)
          ORDER BY created_at LIMIT 1000)`,
      [retentionHours],
    );
  }
}
