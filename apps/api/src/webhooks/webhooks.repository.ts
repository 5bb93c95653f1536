import { Injectable } from '@nestjs/common';
import type { Tx } from '@kipam/persistence';

export interface WebhookRow {
  id: string;
  url: string;
  event_types: string[];
  description: string;
  enabled: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  cloud_event_id: string;
  event_type: string;
  subject: string;
  event_time: Date;
  state: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  window_start: Date;
  last_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | null;
}

/** A delivery claimed by one loop, with what it takes to send it. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  window_start: Date;
  url: string;
  secret: string;
  event_id: string;
  cloud_event_id: string;
  type: string;
  source: string;
  subject: string;
  time: Date;
  data: unknown;
}

const WEBHOOK_COLUMNS = 'id::text AS id, url, event_types, description, enabled, version, created_at, updated_at';
const DELIVERY_COLUMNS = `d.id::text AS id, d.webhook_id::text AS webhook_id, d.event_id::text AS event_id,
  e.event_id::text AS cloud_event_id, e.type AS event_type, d.subject, e.time AS event_time, d.state::text AS state,
  d.attempts, d.next_attempt_at, d.window_start, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at`;

/** Webhooks and their deliveries (webhook, webhook_delivery). The secret is written, and read only to sign. */
@Injectable()
export class WebhooksRepository {
  async insert(
    tx: Tx,
    w: { id: string; url: string; eventTypes: string[]; secret: string; description: string; enabled: boolean },
  ): Promise<WebhookRow> {
    const [row] = await tx.query<WebhookRow>(
      `INSERT INTO webhook (id, url, event_types, secret, description, enabled) VALUES ($1::uuid, $2, $3::text[], $4, $5, $6)
       RETURNING ${WEBHOOK_COLUMNS}`,
      [w.id, w.url, w.eventTypes, w.secret, w.description, w.enabled],
    );
    return row;
  }

  async findById(tx: Tx, id: string, lock = false): Promise<WebhookRow | undefined> {
    const [row] = await tx.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhook WHERE id = $1::uuid${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return row;
  }

  /** By creation, then id. */
  async list(tx: Tx, f: { after?: [string, string]; limit: number }): Promise<WebhookRow[]> {
    return tx.query<WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhook
        WHERE ($1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY created_at, id LIMIT $3`,
      [f.after?.[0] ?? null, f.after?.[1] ?? null, f.limit + 1],
    );
  }

  async update(
    tx: Tx,
    id: string,
    f: { url?: string; eventTypes?: string[]; secret?: string; description?: string; enabled?: boolean },
  ): Promise<WebhookRow> {
    const [row] = await tx.query<WebhookRow>(
      `UPDATE webhook SET url = coalesce($2, url), event_types = coalesce($3::text[], event_types),
              secret = coalesce($4, secret), description = coalesce($5, description), enabled = coalesce($6, enabled),
              version = version + 1, updated_at = now()
        WHERE id = $1::uuid RETURNING ${WEBHOOK_COLUMNS}`,
      [id, f.url ?? null, f.eventTypes ?? null, f.secret ?? null, f.description ?? null, f.enabled ?? null],
    );
    return row;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.query('DELETE FROM webhook WHERE id = $1::uuid', [id]);
  }

  /** A webhook's deliveries, newest event first. */
  async deliveries(tx: Tx, webhookId: string, f: { state?: string; before?: string; limit: number }): Promise<DeliveryRow[]> {
    return tx.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_delivery d JOIN event_outbox e ON e.id = d.event_id
        WHERE d.webhook_id = $1::uuid AND ($2::text IS NULL OR d.state::text = $2) AND ($3::bigint IS NULL OR d.event_id < $3::bigint)
        ORDER BY d.event_id DESC LIMIT $4`,
      [webhookId, f.state ?? null, f.before ?? null, f.limit + 1],
    );
  }

  async delivery(tx: Tx, webhookId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
    const [row] = await tx.query<DeliveryRow>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_delivery d JOIN event_outbox e ON e.id = d.event_id
        WHERE d.webhook_id = $1::uuid AND d.id = $2::uuid`,
      [webhookId, deliveryId],
    );
    return row;
  }

  /** Queues a delivery again, whatever its state: due now, a fresh retry window, no claim. */
  async redeliver(tx: Tx, deliveryId: string): Promise<void> {
    await tx.query(
      `UPDATE webhook_delivery SET state = 'pending', attempts = 0, next_attempt_at = clock_timestamp(),
              window_start = clock_timestamp(), claimed_until = NULL, claimed_by = NULL
        WHERE id = $1::uuid`,
      [deliveryId],
    );
  }

  /**
   * Claims up to `limit` deliveries due now for `worker`, for `leaseMs`: the
   * oldest pending delivery of each (webhook, subject) only, so that a
   * subject's events go out one at a time, in order. Rows another loop is
   * claiming are skipped (SKIP LOCKED); a claim whose loop died expires after
   * `leaseMs` and is taken again.
   */
  async claim(tx: Tx, worker: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return tx.query<ClaimedDelivery>(
      `WITH due AS (
         SELECT d.id FROM webhook_delivery d
          WHERE d.state = 'pending' AND d.next_attempt_at <= clock_timestamp()
            AND (d.claimed_until IS NULL OR d.claimed_until < clock_timestamp())
            AND NOT EXISTS (SELECT 1 FROM webhook_delivery o
                             WHERE o.webhook_id = d.webhook_id AND o.subject = d.subject
                               AND o.event_id < d.event_id AND o.state = 'pending')
          ORDER BY d.event_id
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE webhook_delivery d
          SET claimed_until = clock_timestamp() + make_interval(secs => $3::float8 / 1000), claimed_by = $1,
              attempts = d.attempts + 1, last_attempt_at = clock_timestamp()
         FROM due, webhook w, event_outbox e
        WHERE d.id = due.id AND w.id = d.webhook_id AND w.enabled AND e.id = d.event_id
       RETURNING d.id::text AS id, d.attempts, d.window_start, w.url, w.secret, d.event_id::text AS event_id,
                 e.event_id::text AS cloud_event_id, e.type, e.source, e.subject, e.time, e.data`,
      [worker, limit, leaseMs],
    );
  }

  /** Records an attempt's outcome, if `worker` still holds the claim. */
  async settle(
    tx: Tx,
    id: string,
    worker: string,
    outcome: { state: 'pending' | 'succeeded' | 'failed'; status: number | null; error: string | null; nextAttemptAt?: Date },
  ): Promise<boolean> {
    const rows = await tx.query(
      `UPDATE webhook_delivery SET state = $3::delivery_state, last_status = $4, last_error = $5,
              next_attempt_at = coalesce($6::timestamptz, next_attempt_at),
              delivered_at = CASE WHEN $3 = 'succeeded' THEN clock_timestamp() END,
              claimed_until = NULL, claimed_by = NULL
        WHERE id = $1::uuid AND claimed_by = $2 RETURNING 1`,
      [id, worker, outcome.state, outcome.status, outcome.error, outcome.nextAttemptAt ?? null],
    );
    return rows.length > 0;
  }

  /** Gives back the claims of a loop that stops, so that another takes them at once. */
  async unclaim(tx: Tx, worker: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await tx.query(
      `UPDATE webhook_delivery SET claimed_until = NULL, claimed_by = NULL, attempts = greatest(attempts - 1, 0)
        WHERE id = ANY($2::uuid[]) AND claimed_by = $1 AND state = 'pending'`,
      [worker, ids],
    );
  }
}
