import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import { connectionConfig, withDatabase } from '@kipam/persistence';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdefghijklmnop';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one test file, copied from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.KIPAM_TEST_SERVER_URL;
  const template = process.env.KIPAM_TEST_TEMPLATE;
  if (!serverUrl || !template) throw new Error('end-to-end tests need the global setup (run them through jest)');
  const name = `kipam_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, async (c) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        return;
      } catch (error) {
        // two files copying the template at the same moment
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined)),
  };
}

async function admin<T>(serverUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client(connectionConfig(serverUrl));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  /** supertest agent on the app */
  http: ReturnType<typeof request>;
  /** headers with the admin token */
  auth: { Authorization: string };
  sql<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Starts a graceful shutdown's drain (new requests 503); resolves when the requests in flight are done. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** The whole Kipam app on its own database, for one test file. */
export async function startTestApp(env: Record<string, string> = {}, opts: { logStream?: DestinationStream } = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  // KIPAM_TEST_LOG=error (or info) shows the app's logs while debugging a test; a test that reads them passes a stream.
  const logLevel = env.LOG_LEVEL ?? process.env.KIPAM_TEST_LOG ?? 'silent';
  const config = loadConfig({ KIPAM_ADMIN_TOKEN: ADMIN_TOKEN, DATABASE_POOL_SIZE: '10', ...env, LOG_LEVEL: logLevel });
  const { app, drain } = await createApp({ ...config, databaseUrl: db.url }, { logger: logLevel !== 'silent', logStream: opts.logStream });
  await app.getHttpAdapter().getInstance().ready();
  const client = new Client(connectionConfig(db.url));
  await client.connect();
  return {
    app,
    db,
    http: request(app.getHttpServer()),
    auth: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    drain,
    sql: async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[],
    async close() {
      await client.end();
      await app.close();
      await db.drop();
    },
  };
}

/** Polls `what` until it holds (at most about 10 s), then asserts it: for state that changes asynchronously. */
export async function until(what: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(what()).toBe(true);
}
