import { randomUUID } from 'node:crypto';
import { Client, escapeIdentifier, type PoolConfig } from 'pg';

export interface SubscriptionEvents {
  /** A NOTIFY on the channel, delivered after the notifying transaction committed. */
  notify(payload: string): void;
  /** LISTEN is in place: from now on every NOTIFY on the channel arrives. */
  up(): void;
  /** The connection is gone: notifications may be missed until `up` is called again. */
  down(error?: Error): void;
}

/**
 * How often the connection is checked by a notification to itself: a silently
 * dead peer sends no error. The check fails when its own notification has not
 * arrived within PING_TIMEOUT_MS. (Behind a transaction-mode pooler the check
 * may pass while other notifications are lost: such a pooler does not keep a
 * session, and LISTEN needs one.)
 */
const HEARTBEAT_MS = 10_000;
const PING_TIMEOUT_MS = 5_000;
/** Payloads of the checks: every listener ignores them. */
const PING = 'ping:';
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * `LISTEN` on one channel over a connection of its own, reconnecting with
 * backoff when it drops. Notifications need a session that outlives a
 * transaction, so this never uses the pool. It is `up` only once a
 * notification it sent itself has come back, and again every HEARTBEAT_MS.
 */
export class Subscription {
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private delay = RETRY_MIN_MS;
  private closed = false;
  private listening = false;
  /** The check under way: its payload, and how to settle it. */
  private pending?: { payload: string; arrived: () => void; failed: (error: Error) => void };

  constructor(
    private readonly config: PoolConfig,
    readonly channel: string,
    private readonly events: SubscriptionEvents,
    private readonly onClose: () => void = () => undefined,
  ) {}

  /** True while LISTEN is in place on a live connection. */
  get up(): boolean {
    return this.listening;
  }

  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose();
    clearTimeout(this.retry);
    const client = this.client;
    if (client) this.drop(client);
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      ...this.config,
      application_name: `${this.config.application_name ?? 'kipam'}-listen`,
      keepAlive: true,
      query_timeout: PING_TIMEOUT_MS,
    });
    this.client = client;
    client.on('error', (error) => this.drop(client, error));
    client.on('end', () => this.drop(client));
    client.on('notification', (n) => {
      if (n.channel !== this.channel || client !== this.client) return;
      const payload = n.payload ?? '';
      if (!payload.startsWith(PING)) this.events.notify(payload);
      else if (payload === this.pending?.payload) this.pending.arrived();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${escapeIdentifier(this.channel)}`);
      await this.ping(client);
    } catch (error) {
      this.drop(client, error as Error);
      return;
    }
    if (client !== this.client) return; // dropped or closed meanwhile
    this.listening = true;
    this.delay = RETRY_MIN_MS;
    this.heartbeat = setInterval(() => {
      this.ping(client).catch((error: Error) => this.drop(client, error));
    }, HEARTBEAT_MS).unref();
    this.events.up();
  }

  /** Sends a notification on the channel and waits for it to come back on this connection. */
  private ping(client: Client): Promise<void> {
    const payload = `${PING}${randomUUID()}`;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        if (this.pending?.payload === payload) this.pending = undefined;
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => settle(new Error(`no notification came back on ${this.channel}`)), PING_TIMEOUT_MS).unref();
      this.pending = { payload, arrived: () => settle(), failed: settle };
      client.query('SELECT pg_notify($1, $2)', [this.channel, payload]).catch((error: Error) => settle(error));
    });
  }

  /** Forgets the connection (once) and schedules the next one unless closed. */
  private drop(client: Client, error?: Error): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.listening = false;
    clearInterval(this.heartbeat);
    this.pending?.failed(new Error('connection closed'));
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.events.down(error);
    this.retry = setTimeout(() => void this.connect(), this.delay).unref();
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }
}
