import type { PoolConfig } from 'pg';

/**
 * Splits a PostgreSQL URL into discrete pg fields. The schema engine's shadow
 * database is derived from these fields; a raw connection string would make it
 * reconnect to the main database instead.
 */
export function connectionConfig(databaseUrl: string, extra: PoolConfig = {}): PoolConfig {
  const url = new URL(databaseUrl);
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (postgres:// or postgresql://): ${url.protocol}`);
  }
  const config: PoolConfig = {
    host: decodeURIComponent(url.hostname) || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    ...extra,
  };
  const host = url.searchParams.get('host');
  if (host) config.host = host; // unix socket directory
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode && sslmode !== 'disable') config.ssl = sslmode === 'no-verify' ? { rejectUnauthorized: false } : true;
  return config;
}

/** The same server, another database. */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
