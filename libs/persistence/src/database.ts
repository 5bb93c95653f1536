import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';
import { connectionConfig } from './connection';
import { inlineParams } from './inline';
import { Subscription, type SubscriptionEvents } from './subscription';

/** A transaction handle: every repository method takes one, so the engine composes them. */
export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /**
   * A write whose result nobody reads (an audit record), sent together with
   * COMMIT in the same round trip; if it fails, the transaction fails. Only
   * transactions have it: elsewhere, run the statement with `query`.
   */
  atCommit?(sql: string, params?: unknown[]): void;
  /**
   * The transaction's last statement: sent with the statements deferred by
   * `atCommit` and COMMIT in one message (one round trip) when its parameters
   * can be inlined, else on its own with COMMIT after it; its rows. The
   * transaction is over once it returns: a later statement is refused. Only
   * transactions have it.
   */
  finish?<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** SQLSTATEs after which a whole transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/** Distinct statement texts prepared by name on each connection. */
const MAX_PREPARED = 1000;
/** Longer statement texts are never prepared (each connection would keep them). */
const MAX_PREPARED_LENGTH = 8192;

/**
 * The PostgreSQL pool shared by Prisma (reads and simple writes) and the lease
 * engine (allocation transactions in SQL).
 */
export class Database {
  readonly pool: Pool;
  /** SQL statements sent so far, BEGIN/COMMIT/ROLLBACK not counted (tests assert that batching keeps this bounded). */
  statements = 0;
  /** Messages that waited for PostgreSQL's answer (one network round trip each), BEGIN/COMMIT/ROLLBACK included. */
  roundTrips = 0;
  /** Transactions run again, by the SQLSTATE that ended the earlier try (40P01 deadlock, 40001 serialization failure). */
  readonly retried: Record<string, number> = {};
  private readonly names = new Map<string, string>();
  private readonly subscriptions = new Set<Subscription>();
  /** Statements outside a transaction, through the same interface as a transaction. */
  readonly reader: Tx = { query: (sql, params) => this.query(sql, params) };

  constructor(databaseUrl: string, poolSize = 20) {
    this.pool = new Pool(
      connectionConfig(databaseUrl, {
        max: poolSize,
        idleTimeoutMillis: 30_000,
        connectionTimeoutMillis: 10_000,
        application_name: 'kipam',
      }),
    );
    // A connection dropped while idle (server restart) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  /**
   * Runs `fn` in one READ COMMITTED transaction; retries on deadlock or
   * serialization failure. BEGIN travels with the transaction's first
   * statement and COMMIT with the statements deferred by `atCommit`, so a
   * transaction of n statements costs n round trips, not n + 2.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A connection dropped mid-transaction (server restart, failover) fails the
      // pending query; without a listener it would also crash the process.
      const onError = () => undefined;
      client.on('error', onError);
      let broken = false;
      const state: TxState = { begun: false, deferred: [], committed: false };
      try {
        const result = await fn(this.txOf(client, state));
        if (!state.committed) await this.commit(client, state);
        return result;
      } catch (error) {
        if (state.begun && !state.committed) {
          this.roundTrips++;
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
        }
        const code = (error as { code?: string }).code;
        if (attempt < attempts && code && RETRYABLE.has(code)) {
          this.retried[code] = (this.retried[code] ?? 0) + 1;
          continue;
        }
        throw error;
      } finally {
        client.removeListener('error', onError);
        client.release(broken);
      }
    }
  }

  /** One statement outside an explicit transaction. */
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]> {
    this.statements++;
    this.roundTrips++;
    return this.pool.query<R>(this.prepared(sql, params)).then((r) => r.rows);
  }

  /**
   * The statement as a named prepared statement: each connection parses it
   * once and then only binds and executes it (parsing and planning SQL text
   * was most of PostgreSQL's work per request). The names are bounded: past
   * MAX_PREPARED distinct texts, and for texts longer than MAX_PREPARED_LENGTH,
   * statements go unnamed. Statement texts are fixed by the code (filters vary
   * their parameters, not their text), so the bound is not reached in practice.
   */
  private prepared(text: string, values?: unknown[]): QueryConfig {
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_PREPARED && text.length <= MAX_PREPARED_LENGTH) {
      name = `kipam_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      this.names.set(text, name);
    }
    return { text, values, name };
  }

  private txOf(client: PoolClient, state: TxState): Tx {
    const tx: Tx = {
      query: async <R extends QueryResultRow>(sql: string, params?: unknown[]) => {
        if (state.committed) throw new Error('the transaction is over: a statement after finish()');
        this.statements++;
        this.roundTrips++;
        if (!state.begun) {
          // The transaction's state is "begun" from here on, whatever the outcome:
          // a failed BEGIN-and-statement still needs its ROLLBACK.
          state.begun = true;
          const inline = inlineParams(sql, params);
          if (inline !== undefined) return lastRows<R>(await client.query(`BEGIN; ${inline}`));
          this.roundTrips++;
          await client.query('BEGIN');
        }
        return (await client.query<R>(this.prepared(sql, params))).rows;
      },
      atCommit: (sql, params) => {
        state.deferred.push({ sql, params });
      },
      finish: async <R extends QueryResultRow>(sql: string, params?: unknown[]) => {
        const inline = inlineParams(sql, params);
        const deferred = state.deferred.map((d) => inlineParams(d.sql, d.params));
        if (inline === undefined || deferred.some((d) => d === undefined)) {
          const rows = await tx.query<R>(sql, params);
          await this.commit(client, state);
          state.committed = true;
          return rows;
        }
        if (state.committed) throw new Error('the transaction is over: a statement after finish()');
        this.statements += 1 + deferred.length;
        this.roundTrips++;
        const begin = state.begun ? '' : 'BEGIN; ';
        state.begun = true;
        const results = (await client.query(
          `${begin}${inline}; ${deferred.map((d) => `${d}; `).join('')}COMMIT`,
        )) as unknown as QueryResult<R>[];
        state.committed = true;
        return results[begin ? 1 : 0].rows;
      },
    };
    return tx;
  }

  /** COMMIT, with the deferred statements in front of it (one message when they can be inlined). */
  private async commit(client: PoolClient, state: TxState): Promise<void> {
    const inlined = state.deferred.map((d) => inlineParams(d.sql, d.params));
    if (inlined.every((s) => s !== undefined)) {
      if (!state.begun && !inlined.length) return; // nothing was sent: nothing to commit
      this.statements += inlined.length;
      this.roundTrips++;
      const begin = state.begun ? '' : 'BEGIN; ';
      state.begun = true;
      await client.query(`${begin}${inlined.map((s) => `${s}; `).join('')}COMMIT`);
      return;
    }
    if (!state.begun) {
      state.begun = true;
      this.roundTrips++;
      await client.query('BEGIN');
    }
    for (const d of state.deferred) {
      this.statements++;
      this.roundTrips++;
      await client.query(this.prepared(d.sql, d.params));
    }
    this.roundTrips++;
    await client.query('COMMIT');
  }

  /**
   * LISTEN on `channel` over a connection of its own (not one of the pool's),
   * reconnecting when it drops; closed with the database.
   */
  listen(channel: string, events: SubscriptionEvents): Subscription {
    // pg keeps the password out of the enumerable options: a spread of them would lose it
    const config = { ...this.pool.options, password: this.pool.options.password };
    const subscription = new Subscription(config, channel, events, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    await this.pool.end();
  }
}

interface TxState {
  begun: boolean;
  deferred: { sql: string; params?: unknown[] }[];
  /** COMMIT was sent (by finish) and answered. */
  committed: boolean;
}

/** The rows of the last statement of a multi-statement (simple protocol) query. */
function lastRows<R extends QueryResultRow>(result: QueryResult<R> | QueryResult<R>[]): R[] {
  return Array.isArray(result) ? (result[result.length - 1]?.rows ?? []) : result.rows;
}
