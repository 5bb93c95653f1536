import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { connectionConfig, startEmbeddedPostgres, withDatabase, type EmbeddedDatabase } from '../../../../libs/persistence/src';

/**
 * Starts one PostgreSQL for the whole run (embedded, or the server in
 * TEST_DATABASE_URL) and migrates a template database; each test file then
 * gets its own copy of the template (see test-app.ts).
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let embedded: EmbeddedDatabase | undefined;
  if (!serverUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'kipam-test-pg-'));
    embedded = await startEmbeddedPostgres(dataDir, { database: 'postgres' });
    serverUrl = embedded.url;
    (globalThis as { __KIPAM_TEST_PG__?: { db: EmbeddedDatabase; dataDir: string } }).__KIPAM_TEST_PG__ = { db: embedded, dataDir };
  }
  const template = `kipam_template_${process.pid}`;
  const admin = new Client(connectionConfig(serverUrl));
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  // In a child process: the schema engine keeps timers that would hold this one open.
  execFileSync(process.execPath, [require.resolve('tsx/cli'), 'prisma/migrate.ts', 'deploy'], {
    cwd: join(__dirname, '../../../..'),
    env: { ...process.env, DATABASE_URL: withDatabase(serverUrl, template) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.env.KIPAM_TEST_SERVER_URL = serverUrl;
  process.env.KIPAM_TEST_TEMPLATE = template;
  const version = await serverVersion(serverUrl);
  process.stdout.write(`\nend-to-end tests on PostgreSQL ${version} (${embedded ? 'embedded' : 'TEST_DATABASE_URL'})\n`);
}

async function serverVersion(url: string): Promise<string> {
  const client = new Client(connectionConfig(url));
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version;
  } finally {
    await client.end();
  }
}
