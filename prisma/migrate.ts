/**
 * Offline migration tool (no native Prisma engine needed):
 *   tsx prisma/migrate.ts deploy              apply pending migrations to DATABASE_URL
 *   tsx prisma/migrate.ts check               exit 1 when schema.prisma and the migrations disagree
 *   tsx prisma/migrate.ts new <name>          write the SQL that brings the migrations up to schema.prisma
 * Without DATABASE_URL an embedded PostgreSQL in KIPAM_DATA_DIR (default ./.data) is used.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, diffSchemaAgainstMigrations, MIGRATIONS_DIR } from '../libs/persistence/src/migrator';
import { startEmbeddedPostgres } from '../libs/persistence/src/embedded-postgres';

async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2);
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(process.env.KIPAM_DATA_DIR ?? '.data');
  const url = process.env.DATABASE_URL ?? embedded!.url;
  try {
    switch (command) {
      case 'deploy': {
        const applied = await applyMigrations(url);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
        return 0;
      }
      case 'check': {
        const sql = await diffSchemaAgainstMigrations(url);
        if (!sql) {
          console.log('schema.prisma and prisma/migrations agree');
          return 0;
        }
        console.error(`schema.prisma and prisma/migrations disagree; the missing migration is:\n${sql}`);
        return 1;
      }
      case 'new': {
        if (!name || !/^[a-z0-9_]+$/.test(name)) {
          console.error('usage: migrate.ts new <name in snake_case>');
          return 2;
        }
        const sql = await diffSchemaAgainstMigrations(url);
        if (!sql) {
          console.log('nothing to migrate');
          return 0;
        }
        const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
        const dir = join(MIGRATIONS_DIR, `${stamp}_${name}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'migration.sql'), `${sql}\n`);
        console.log(`wrote ${dir}/migration.sql`);
        return 0;
      }
      default:
        console.error('usage: migrate.ts deploy | check | new <name>');
        return 2;
    }
  } finally {
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
