/**
 * Offline migration tool (no native Prisma engine needed):
 *   tsx prisma/migrate.ts deploy        apply pending migrations to DATABASE_URL
 *   tsx prisma/migrate.ts check         exit 1 when schema.prisma, prisma/sql, the migrations and the
 *                                       database disagree
 *   tsx prisma/migrate.ts new <name>    write the migration that brings the migrations up to
 *                                       schema.prisma and prisma/sql
 * Without DATABASE_URL an embedded PostgreSQL in KIPAM_DATA_DIR (default ./.data) is used.
 * KIPAM_MIGRATION_STAMP sets the new migration's timestamp (yyyymmddhhmmss), which must sort
 * after every existing one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, diffSchemaAgainstMigrations, migrationNames, MIGRATIONS_DIR } from '../libs/persistence/src/migrator';
import { startEmbeddedPostgres } from '../libs/persistence/src/embedded-postgres';
import {
  compareDefinitions,
  databaseDefinitions,
  describeDifferences,
  pendingMigrations,
  sqlMigration,
  sqlState,
} from '../libs/persistence/src/sql-definitions';

async function check(url: string): Promise<number> {
  let failed = false;
  const schemaSql = await diffSchemaAgainstMigrations(url);
  if (schemaSql) {
    console.error(`schema.prisma and prisma/migrations disagree; the missing migration is:\n${schemaSql}`);
    failed = true;
  } else {
    console.log('schema.prisma and prisma/migrations agree');
  }

  const state = await sqlState(url);
  const byMigrations = compareDefinitions(state.folder, state.migrations);
  if (byMigrations.length) {
    console.error(
      `prisma/sql and prisma/migrations disagree (npm run db:new-migration -- <name> writes the migration):\n` +
        describeDifferences(byMigrations, state.files, 'the migrations'),
    );
    failed = true;
  } else {
    console.log(`prisma/sql and prisma/migrations agree (${state.folder.size} functions, triggers and views)`);
  }

  const pending = await pendingMigrations(url);
  if (pending.length) {
    console.log(`the database has ${pending.length} migration(s) to apply (npm run db:migrate): its SQL definitions are not compared`);
  } else {
    const database = await databaseDefinitions(url);
    const inDatabase = compareDefinitions(state.folder, database);
    if (inDatabase.length) {
      const why = compareDefinitions(state.migrations, database).length ? 'changed by hand?' : 'the migration is missing';
      console.error(
        `the database's SQL definitions differ from prisma/sql (${why}):\n` + describeDifferences(inDatabase, state.files, 'the database'),
      );
      failed = true;
    } else {
      console.log("the database's SQL definitions match prisma/sql");
    }
  }
  return failed ? 1 : 0;
}

/** The timestamp of a new migration: KIPAM_MIGRATION_STAMP, or now; either way after the last one. */
function newStamp(): string {
  const last = migrationNames().at(-1)?.slice(0, 14) ?? '';
  const stamp = process.env.KIPAM_MIGRATION_STAMP ?? new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  if (!/^\d{14}$/.test(stamp)) throw new Error('KIPAM_MIGRATION_STAMP must be yyyymmddhhmmss');
  if (stamp <= last) throw new Error(`the new migration's timestamp ${stamp} must come after the last one (${last})`);
  return stamp;
}

async function newMigration(url: string, name: string): Promise<number> {
  const schemaSql = await diffSchemaAgainstMigrations(url);
  const definitionsSql = sqlMigration(await sqlState(url));
  if (!schemaSql && !definitionsSql) {
    console.log('nothing to migrate');
    return 0;
  }
  const dir = join(MIGRATIONS_DIR, `${newStamp()}_${name}`);
  mkdirSync(dir, { recursive: true });
  // tables first: the functions and views may use what the schema change adds
  writeFileSync(join(dir, 'migration.sql'), `${[schemaSql, definitionsSql].filter(Boolean).join('\n\n')}\n`);
  console.log(`wrote ${dir}/migration.sql`);
  return 0;
}

const COMMANDS = ['deploy', 'check', 'new'] as const;

async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2) as [(typeof COMMANDS)[number] | undefined, string | undefined];
  if (!command || !COMMANDS.includes(command)) {
    console.error('usage: migrate.ts deploy | check | new <name>');
    return 2;
  }
  if (command === 'new' && (!name || !/^[a-z0-9_]+$/.test(name))) {
    console.error('usage: migrate.ts new <name in snake_case>');
    return 2;
  }
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(process.env.KIPAM_DATA_DIR ?? '.data');
  const url = process.env.DATABASE_URL ?? embedded!.url;
  try {
    if (command === 'deploy') {
      const applied = await applyMigrations(url);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return 0;
    }
    return command === 'check' ? await check(url) : await newMigration(url, name!);
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
