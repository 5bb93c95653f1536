import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '@kipam/persistence';
import type { WebhookConfig } from '../config/config';
import { toCloudEvent } from '../events/cloud-event';
import { MetricsService } from '../metrics/metrics.service';
import { backoffMs, delivered, givesUp } from './webhook-rules';
import { send } from './webhook-sender';
import { WebhooksRepository, type ClaimedDelivery } from './webhooks.repository';

/** The webhook settings of the configuration, and the database URL the loop connects to. */
export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
export type WebhookSettings = WebhookConfig & { databaseUrl: string };

/** Deliveries claimed at once by one loop (sent in parallel: they are of different subjects). */
const BATCH = 20;

/**
 * The delivery loop. Every API process (replica or worker) runs one; they
 * share the work through the database: a loop claims due deliveries with
 * FOR UPDATE SKIP LOCKED and a claim lease (the attempt's timeout and a
 * margin), sends them, and settles each. A delivery that succeeded is never
 * sent again (settling clears the claim in the same statement that records
 * success); one whose loop died is taken again when its claim expires, so
 * nothing is lost (at least once). On shutdown the loop aborts its attempts in
 * flight and gives their claims back. The loop has its own two connections:
 * deliveries never wait for, nor delay, the requests' pool.
 */
@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly worker = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private db: Database | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly inFlight = new Set<string>();

  constructor(
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    @Inject(WebhooksRepository) private readonly webhooks: WebhooksRepository,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.delivery) return;
    this.db = new Database(this.settings.databaseUrl, 2);
    setMaxListeners(BATCH * 2, this.abort.signal); // one listener per attempt in flight
    this.running = this.loop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.running || !this.db) return;
    this.stopping = true;
    this.abort.abort();
    this.wake?.();
    await this.running;
    await this.webhooks.unclaim(this.db.reader, this.worker, [...this.inFlight]).catch(() => undefined);
    await this.db.close();
  }

  /** Runs one pass now instead of at the next poll (tests, and after a redelivery). */
  nudge(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0;
      try {
        claimed = await this.pass();
      } catch (error) {
        if (!this.stopping) this.logger.warn(`delivery pass failed: ${(error as Error).message}`);
      }
      if (!claimed && !this.stopping) await this.sleep(this.settings.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Claims and sends one batch; returns how many were claimed. */
  private async pass(): Promise<number> {
    const db = this.db!;
    const { timeoutMs } = this.settings;
    const claimed = await this.webhooks.claim(db.reader, this.worker, BATCH, timeoutMs + 30_000);
    for (const d of claimed) this.inFlight.add(d.id);
    await Promise.all(claimed.map((d) => this.deliver(db, d)));
    return claimed.length;
  }

  private async deliver(db: Database, d: ClaimedDelivery): Promise<void> {
    const { allowPrivate, allowCidrs, timeoutMs, backoffBaseMs, retryHours } = this.settings;
    const body = JSON.stringify(
      toCloudEvent({
        id: d.event_id,
        event_id: d.cloud_event_id,
        type: d.type,
        source: d.source,
        subject: d.subject,
        time: d.time,
        data: d.data,
      }),
    );
    const result = await send(d.url, d.secret, d.cloud_event_id, body, {
      policy: { allowPrivate, allowCidrs },
      timeoutMs,
      signal: this.abort.signal,
    });
    if (this.stopping && !(result.status !== null && delivered(result.status))) return; // unclaimed on shutdown
    this.inFlight.delete(d.id);
    const now = new Date();
    let outcome: Parameters<WebhooksRepository['settle']>[3];
    if (result.status !== null && delivered(result.status)) {
      outcome = { state: 'succeeded', status: result.status, error: null };
    } else {
      const error = result.error ?? `answered ${result.status}`;
      outcome = givesUp(d.window_start, now, retryHours)
        ? { state: 'failed', status: result.status, error }
        : {
            state: 'pending',
            status: result.status,
            error,
            nextAttemptAt: new Date(now.getTime() + backoffMs(d.attempts, backoffBaseMs, Math.random())),
          };
    }
    try {
      await this.webhooks.settle(db.reader, d.id, this.worker, outcome);
      this.metrics.countDelivery(outcome.state === 'pending' ? 'retry' : outcome.state);
    } catch (error) {
      // the claim expires and the delivery is sent again: at least once
      this.logger.warn(`could not record the delivery ${d.id}: ${(error as Error).message}`);
    }
  }
}
