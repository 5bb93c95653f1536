import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { connectionConfig, withDatabase } from '@kipam/persistence';
import { createTestDatabase } from './setup/test-app';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs prisma/migrate.ts check against the test server; returns [exit code, output]. */
function check(env: Record<string, string> = {}): [number, string] {
  return migrate(['check'], env);
}

/** Runs prisma/migrate.ts with these arguments (by default against the test server's postgres database). */
function migrate(args: string[], env: Record<string, string> = {}): [number, string] {
  try {
    const out = execFileSync(process.execPath, [require.resolve('tsx/cli'), 'prisma/migrate.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: withDatabase(process.env.KIPAM_TEST_SERVER_URL!, 'postgres'), ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return [0, out];
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return [e.status, `${e.stdout}${e.stderr}`];
  }
}

describe('Migrations', () => {
  it('agree with prisma/schema.prisma', () => {
    const [code, output] = check();
    expect(output).toContain('agree');
    expect(code).toBe(0);
  });

  it('fail the check when schema.prisma changes without a migration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kipam-schema-'));
    try {
      const schema = join(dir, 'schema.prisma');
      copyFileSync(join(ROOT, 'prisma', 'schema.prisma'), schema);
      writeFileSync(schema, readFileSync(schema, 'utf8').replace('model Domain {', 'model Domain {\n  drifted String?'));
      const [code, output] = check({ KIPAM_PRISMA_SCHEMA: schema });
      expect(code).toBe(1);
      expect(output).toMatch(/ALTER TABLE "domain" ADD COLUMN\s+"drifted" TEXT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('SQL functions, triggers and views (prisma/sql)', () => {
    /** `sql` run on a database of its own, copied from the migrated template. */
    async function sqlOn(url: string, sql: string): Promise<void> {
      const client = new Client(connectionConfig(url));
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    }

    it('are what the migrations make, and the check fails when a database holds another text', async () => {
      const db = await createTestDatabase();
      try {
        const [code, output] = check({ DATABASE_URL: db.url });
        expect(output).toContain('prisma/sql and prisma/migrations agree');
        expect(output).toContain("the database's SQL definitions match prisma/sql");
        expect(code).toBe(0);

        await sqlOn(
          db.url,
          `CREATE OR REPLACE FUNCTION kipam_pool_init(p_pool bigint) RETURNS void LANGUAGE sql AS $$ SELECT NULL::void $$;
           DROP TRIGGER audit_record_no_truncate ON audit_record;
           CREATE FUNCTION kipam_stray() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
        );
        const [drifted, report] = check({ DATABASE_URL: db.url });
        expect(drifted).toBe(1);
        expect(report).toContain("the database's SQL definitions differ from prisma/sql (changed by hand?)");
        expect(report).toContain('function kipam_pool_init(bigint) (prisma/sql/lease-engine/kipam_pool_init.sql): differs');
        expect(report).toContain(
          'trigger audit_record_no_truncate on audit_record (prisma/sql/audit/kipam_audit_append_only.sql): missing',
        );
        expect(report).toContain('function kipam_stray(): not in prisma/sql');
      } finally {
        await db.drop();
      }
    }, 180_000);

    it('take one edited file and a generated migration to change, which the check asks for until it exists', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kipam-prisma-'));
      const db = await createTestDatabase();
      try {
        cpSync(join(ROOT, 'prisma'), dir, { recursive: true });
        const file = join(dir, 'sql', 'lease-engine', 'kipam_pool_init.sql');
        writeFileSync(file, readFileSync(file, 'utf8').replace('WHERE id = p_pool', 'WHERE pool.id = p_pool'));
        const env = { KIPAM_PRISMA_DIR: dir, DATABASE_URL: db.url };

        const [code, output] = check(env);
        expect(code).toBe(1);
        expect(output).toContain('prisma/sql and prisma/migrations disagree');
        expect(output).toMatch(
          /kipam_pool_init\(bigint\) \(prisma\/sql\/lease-engine\/kipam_pool_init.sql\): differs[\s\S]*pool\.id = p_pool/,
        );
        expect(output).toContain("the database's SQL definitions differ from prisma/sql (the migration is missing)");

        // a timestamp before the last migration's is refused
        expect(migrate(['new', 'early'], { ...env, KIPAM_MIGRATION_STAMP: '20200101000000' })).toEqual([
          1,
          expect.stringContaining('must come after'),
        ]);
        const [written, log] = migrate(['new', 'pool_init_qualified'], { ...env, KIPAM_MIGRATION_STAMP: '29991231235959' });
        expect({ written, log }).toMatchObject({ written: 0, log: expect.stringContaining('29991231235959_pool_init_qualified') });
        const migration = readFileSync(join(dir, 'migrations', '29991231235959_pool_init_qualified', 'migration.sql'), 'utf8');
        // the whole current text of the changed file, and nothing else
        expect(migration).toBe(`-- prisma/sql/lease-engine/kipam_pool_init.sql\n${readFileSync(file, 'utf8')}`);

        const [pending, note] = check(env);
        expect(note).toContain('prisma/sql and prisma/migrations agree');
        expect(note).toContain('the database has 1 migration(s) to apply');
        expect(pending).toBe(0);
        expect(migrate(['deploy'], env)).toEqual([0, expect.stringContaining('applied: 29991231235959_pool_init_qualified')]);
        const [applied, matched] = check(env);
        expect(matched).toContain("the database's SQL definitions match prisma/sql");
        expect(applied).toBe(0);
        expect(migrate(['new', 'nothing'], env)).toEqual([0, expect.stringContaining('nothing to migrate')]);
        expect(readdirSync(join(dir, 'migrations'))).not.toContainEqual(expect.stringContaining('nothing'));
      } finally {
        await db.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 240_000);
  });
});
