import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { connectionConfig, type EmbeddedDatabase } from '../../../../libs/persistence/src';

export default async function globalTeardown(): Promise<void> {
  const serverUrl = process.env.KIPAM_TEST_SERVER_URL;
  const template = process.env.KIPAM_TEST_TEMPLATE;
  if (serverUrl && template) {
    const admin = new Client(connectionConfig(serverUrl));
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  const pg = (globalThis as { __KIPAM_TEST_PG__?: { db: EmbeddedDatabase; dataDir: string } }).__KIPAM_TEST_PG__;
  if (pg) {
    await pg.db.stop();
    rmSync(pg.dataDir, { recursive: true, force: true });
  }
}
