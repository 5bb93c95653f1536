import 'reflect-metadata';
import pino from 'pino';
import { Pool } from 'pg';
import { applyMigrations, connectionConfig, startEmbeddedPostgres, type EmbeddedDatabase } from '@kipam/persistence';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, type KipamConfig } from './config/config';
import { createApp } from './app.factory';

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

async function main(): Promise<void> {
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
  const log = pino({ level: config.logLevel, base: { pid: process.pid, context: 'Main' } });

  let embedded: EmbeddedDatabase | undefined;
  let app: NestFastifyApplication | undefined;
  let drain: (() => Promise<void>) | undefined;
  let stopping = false;
  const serverLines: string[] = [];

  const stop = async (code: number) => {
    try {
      await drain?.(); // new requests are answered 503 while the ones in flight finish
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
    }, config.shutdownTimeoutMs).unref();
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

    const created = await createApp({ ...config, databaseUrl });
    app = created.app;
    drain = created.drain;
    if (created.generatedAdminToken) {
      process.stdout.write(
        `\n  Kipam generated its bootstrap admin token (shown once, only its hash is stored):\n\n    ${created.generatedAdminToken}\n\n` +
          `  Use it as: Authorization: Bearer <token>. Set KIPAM_ADMIN_TOKEN to choose your own.\n\n`,
      );
    }
    if (stopping) return;
    await app.listen(config.port, config.host);
    log.info({ port: config.port, embeddedDatabase: Boolean(embedded) }, `Kipam listening on http://${config.host}:${config.port}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
    const detail = serverLines.filter((l) => /FATAL|ERROR|PANIC|could not|denied|No such/i.test(l)).slice(-3);
    log.error({ server: detail.length ? detail : undefined }, `start-up failed: ${reason}`);
    if (!stopping) {
      stopping = true;
      await stop(1);
    }
  }
}

void main();
