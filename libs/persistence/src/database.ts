import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { connectionConfig } from './connection';

/** A transaction handle: every repository method takes one, so the engine composes them. */
export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
}

/** SQLSTATEs after which a whole transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * The PostgreSQL pool shared by Prisma (reads and simple writes) and the lease
 * engine (allocation transactions in SQL).
 */
export class Database {
  readonly pool: Pool;
  /** SQL statements sent so far (tests assert that batching keeps this bounded). */
  statements = 0;
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

  /** Runs `fn` in one READ COMMITTED transaction; retries on deadlock or serialization failure. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A connection dropped mid-transaction (server restart, failover) fails the
      // pending query; without a listener it would also crash the process.
      const onError = () => undefined;
      client.on('error', onError);
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(this.txOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const code = (error as { code?: string }).code;
        if (attempt < attempts && code && RETRYABLE.has(code)) continue;
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
    return this.pool.query<R>(sql, params).then((r) => r.rows);
  }

  private txOf(client: PoolClient): Tx {
    return {
      query: <R extends QueryResultRow>(sql: string, params?: unknown[]) => {
        this.statements++;
        return client.query<R>(sql, params).then((r) => r.rows);
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
