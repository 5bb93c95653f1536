import 'reflect-metadata';
import cluster from 'node:cluster';
import pino from 'pino';
import { Pool } from 'pg';
import { applyMigrations, connectionConfig, Database, startEmbeddedPostgres, type EmbeddedDatabase } from '@kipam/persistence';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, workerPoolSize, type KipamConfig } from './config/config';
import { ensureBootstrapAdmin } from './tokens/token.service';
import { TokensRepository } from './tokens/tokens.repository';
import { Supervisor } from './workers/supervisor';

/**
 * `node dist/apps/api/src/main.js`: one process per KIPAM_WORKERS.
 * - With 1, this process does everything: database, migrations, HTTP.
 * - With N > 1, this process is the primary: it starts the embedded PostgreSQL
 *   (when there is no DATABASE_URL), applies the migrations and makes sure of
 *   the bootstrap admin token, once; then N workers (node:cluster) serve the
 *   port, each with its own share of the connection pool. The primary
 *   replaces a worker that dies, and on SIGTERM drains them all before it
 *   stops PostgreSQL.
 */

async function waitForDatabase(url: string, timeoutMs: number, log: pino.Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pool = new Pool({ ...connectionConfig(url), max: 1, connectionTimeoutMillis: 3000 });
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`database not reachable: ${(error as Error).message}`);
      log.warn({ reason: (error as Error).message }, 'waiting for the database');
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
}

function printGeneratedToken(secret: string | undefined): void {
  if (!secret) return;
  process.stdout.write(
    `\n  Kipam generated its bootstrap admin token (shown once, only its hash is stored):\n\n    ${secret}\n\n` +
      `  Use it as: Authorization: Bearer <token>. Set KIPAM_ADMIN_TOKEN to choose your own.\n\n`,
  );
}

const reasonOf = (error: unknown) => (error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error');

async function primary(config: KipamConfig, log: pino.Logger): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let drain: (() => Promise<void>) | undefined;
  let supervisor: Supervisor | undefined;
  let stopping = false;
  const serverLines: string[] = [];

  const stop = async (code: number) => {
    try {
      // stops accepting, finishes in-flight requests, closes the pool (in every worker)
      if (supervisor && !(await supervisor.stop(config.shutdownTimeoutMs))) {
        log.error('workers did not stop in time; killed them');
        code = code || 1;
      }
      await drain?.(); // single process: new requests are answered 503 while the ones in flight finish
      await app?.close(); // stops accepting, closes idle connections and the pool
    } catch (error) {
      log.error({ err: error }, 'closing the application failed');
    }
    try {
      await embedded?.stop();
    } catch (error) {
      log.error({ err: error }, 'stopping the embedded PostgreSQL failed');
    }
    log.info('stopped');
    process.exit(code);
  };

  // Installed first: a signal during start-up must still stop the embedded server.
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: draining requests and shutting down`);
    setTimeout(() => {
      log.error('shutdown timed out; exiting');
      void embedded?.stop().finally(() => process.exit(1));
    }, config.shutdownTimeoutMs + 2000).unref();
    void stop(0);
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  try {
    if (!config.databaseUrl) {
      log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
      embedded = await startEmbeddedPostgres(config.dataDir, {
        onLog: (line) => {
          serverLines.push(line.trim());
          if (serverLines.length > 20) serverLines.shift();
        },
      });
    }
    const databaseUrl = config.databaseUrl ?? embedded!.url;
    await waitForDatabase(databaseUrl, 120_000, log);
    const applied = await applyMigrations(databaseUrl);
    log.info(applied.length ? `applied migrations: ${applied.join(', ')}` : 'database schema is up to date');

    if (config.workers === 1) {
      const { createApp } = await import('./app.factory');
      const created = await createApp({ ...config, databaseUrl });
      app = created.app;
      drain = created.drain;
      printGeneratedToken(created.generatedAdminToken);
      if (stopping) return;
      await app.listen(config.port, config.host);
      log.info({ port: config.port, embeddedDatabase: Boolean(embedded) }, `Kipam listening on http://${config.host}:${config.port}`);
      return;
    }

    const db = new Database(databaseUrl, 1);
    try {
      printGeneratedToken(await ensureBootstrapAdmin(db.reader, new TokensRepository(), config.adminToken));
    } finally {
      await db.close();
    }
    if (stopping) return;
    supervisor = new Supervisor({
      workers: config.workers,
      env: { DATABASE_URL: databaseUrl },
      log,
      onListening: () =>
        log.info(
          { port: config.port, workers: config.workers, embeddedDatabase: Boolean(embedded) },
          `Kipam listening on http://${config.host}:${config.port} (${config.workers} workers)`,
        ),
      onFatal: (reason) => {
        if (stopping) return;
        stopping = true;
        log.error(`stopping: ${reason}`);
        void stop(1);
      },
    });
    supervisor.start();
  } catch (error) {
    const detail = serverLines.filter((l) => /FATAL|ERROR|PANIC|could not|denied|No such/i.test(l)).slice(-3);
    log.error({ server: detail.length ? detail : undefined }, `start-up failed: ${reasonOf(error)}`);
    if (!stopping) {
      stopping = true;
      await stop(1);
    }
  }
}

/** A worker of a server with several: HTTP only, on the database its primary prepared. */
async function worker(config: KipamConfig, log: pino.Logger): Promise<void> {
  let app: NestFastifyApplication | undefined;
  let drain: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    try {
      await drain?.(); // new requests are answered 503 while the ones in flight finish
      await app?.close();
    } catch (error) {
      log.error({ err: error }, 'closing the application failed');
      code = code || 1;
    }
    process.exit(code);
  };
  const onSignal = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${why}: draining requests`);
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    void stop(0);
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  // the primary is gone (killed): nobody would replace or stop this worker
  process.once('disconnect', () => onSignal('the primary is gone'));
  try {
    if (!config.databaseUrl) throw new Error('a worker needs the DATABASE_URL its primary sets');
    const { createApp } = await import('./app.factory');
    const databaseUrl = config.databaseUrl;
    const created = await createApp({ ...config, databaseUrl, databasePoolSize: workerPoolSize(config) }, { bootstrapAdmin: false });
    app = created.app;
    drain = created.drain;
    if (stopping) return;
    await app.listen(config.port, config.host);
  } catch (error) {
    log.error(`worker start-up failed: ${reasonOf(error)}`);
    if (!stopping) process.exit(1);
  }
}

function main(): void {
  let config: KipamConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = pino({ level: config.logLevel, base: { pid: process.pid, context: cluster.isWorker ? 'Worker' : 'Main' } });
  void (cluster.isWorker ? worker(config, log) : primary(config, log));
}

main();
