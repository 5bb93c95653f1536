import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Client } from 'pg';
import { connectionConfig, withDatabase } from './connection';
import { applyMigrations, appliedMigrationNames, migrationNames, PRISMA_DIR } from './migrator';

/**
 * The current text of every SQL function, trigger and view, one file per
 * object (a function with the triggers that call it), as `CREATE OR REPLACE`
 * statements applied in path order. Migrations stay the history: a change to
 * a file is carried to databases by a migration that `sqlMigration` writes.
 */
export const SQL_DIR = join(PRISMA_DIR, 'sql');

export interface SqlFile {
  /** Relative to the folder, e.g. `lease-engine/kipam_lease_next.sql`. */
  path: string;
  text: string;
}

/** The folder's files in the order they are applied. */
export function sqlFiles(dir = SQL_DIR): SqlFile[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.sql') ? [join(d, e.name)] : [],
    );
  return walk(dir)
    .map((file) => ({ path: relative(dir, file), text: readFileSync(file, 'utf8') }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A SQL object as PostgreSQL prints it back, by `kind name` (a function with its argument types). */
export interface Definition {
  text: string;
  /** The statement that drops it. */
  drop: string;
}
export type Definitions = Map<string, Definition>;

/** Functions, triggers and views of the public schema that no extension owns (btree_gist's are left out). */
const DEFINITIONS = `
  SELECT 'function ' || p.oid::regprocedure::text AS key, pg_get_functiondef(p.oid) AS text,
         'DROP FUNCTION IF EXISTS ' || p.oid::regprocedure::text || ' CASCADE' AS drop
    FROM pg_proc p
   WHERE p.pronamespace = 'public'::regnamespace AND p.prokind IN ('f', 'p')
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'trigger ' || t.tgname || ' on ' || c.relname, pg_get_triggerdef(t.oid, true),
         'DROP TRIGGER IF EXISTS ' || quote_ident(t.tgname) || ' ON ' || quote_ident(c.relname)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT 'view ' || c.relname, pg_get_viewdef(c.oid, true), 'DROP VIEW IF EXISTS ' || quote_ident(c.relname) || ' CASCADE'
    FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1`;

async function readDefinitions(client: Client): Promise<Definitions> {
  const { rows } = await client.query<{ key: string; text: string; drop: string }>(DEFINITIONS);
  return new Map(rows.map((r) => [r.key, { text: r.text, drop: r.drop }]));
}

async function connect<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(connectionConfig(url));
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The definitions in a database. */
export async function databaseDefinitions(databaseUrl: string): Promise<Definitions> {
  return connect(databaseUrl, readDefinitions);
}

/** How many of the folder's migrations the database has not applied (all of them without a migrations table). */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  return connect(databaseUrl, async (client) => {
    const [table] = (await client.query<{ t: string | null }>(`SELECT to_regclass('_prisma_migrations')::text AS t`)).rows;
    const tx = { query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[] };
    const applied = new Set(table.t ? await appliedMigrationNames(tx) : []);
    return migrationNames().filter((name) => !applied.has(name));
  });
}

/** What the migrations and the folder each make of the SQL objects. */
export interface SqlState {
  /** The definitions the migrations leave. */
  migrations: Definitions;
  /** The definitions the folder makes, applied over the migrations' tables with every other object dropped first. */
  folder: Definitions;
  /** The file that defines each object of `folder`. */
  files: Map<string, string>;
}

/**
 * Reads both on a scratch database of the same server (the user needs
 * CREATEDB), dropped at the end: the migrations are applied to it, their
 * definitions read, then every such object is dropped and the folder's files
 * applied one by one (in a transaction that is rolled back).
 */
export async function sqlState(databaseUrl: string, dir = SQL_DIR): Promise<SqlState> {
  const scratch = `kipam_sql_check_${randomBytes(6).toString('hex')}`;
  await connect(databaseUrl, (c) => c.query(`CREATE DATABASE "${scratch}"`));
  try {
    const url = withDatabase(databaseUrl, scratch);
    await applyMigrations(url);
    return await connect(url, async (client) => {
      const migrations = await readDefinitions(client);
      const files = new Map<string, string>();
      await client.query('BEGIN');
      try {
        for (const d of [...migrations.values()].sort(dropOrder)) await client.query(d.drop);
        let before = await readDefinitions(client);
        for (const file of sqlFiles(dir)) {
          try {
            await client.query(file.text);
          } catch (error) {
            throw new Error(`prisma/sql/${file.path} does not apply: ${(error as Error).message}`);
          }
          const after = await readDefinitions(client);
          for (const [key, d] of after) if (before.get(key)?.text !== d.text) files.set(key, file.path);
          before = after;
        }
        return { migrations, folder: before, files };
      } finally {
        await client.query('ROLLBACK');
      }
    });
  } finally {
    await connect(databaseUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`));
  }
}

/** Views before triggers before functions: what depends on a function goes first. */
function dropOrder(a: Definition, b: Definition): number {
  const rank = (d: Definition) => (d.drop.startsWith('DROP VIEW') ? 0 : d.drop.startsWith('DROP TRIGGER') ? 1 : 2);
  return rank(a) - rank(b);
}

export interface Difference {
  key: string;
  /** `differs`: both have it, with other texts; `missing`: only the expected side; `extra`: only the actual side. */
  change: 'differs' | 'missing' | 'extra';
  /** The first line that differs, expected then actual. */
  line?: [string, string];
}

/** Where `actual` departs from `expected`, object by object. */
export function compareDefinitions(expected: Definitions, actual: Definitions): Difference[] {
  const out: Difference[] = [];
  for (const key of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const e = expected.get(key);
    const a = actual.get(key);
    if (!a) out.push({ key, change: 'missing' });
    else if (!e) out.push({ key, change: 'extra' });
    else if (e.text !== a.text) out.push({ key, change: 'differs', line: firstDifference(e.text, a.text) });
  }
  return out;
}

function firstDifference(expected: string, actual: string): [string, string] {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return [(e[i] ?? '(end)').trim(), (a[i] ?? '(end)').trim()];
  }
  return ['', ''];
}

/**
 * The migration that brings the migrations' definitions to the folder's: the
 * whole text of every file with a new or changed object, after a DROP for
 * every object no file defines any more. Empty when they agree.
 */
export function sqlMigration(state: SqlState, dir = SQL_DIR): string {
  const dropped = [...state.migrations.entries()].filter(([key]) => !state.folder.has(key)).map(([, d]) => d);
  const changed = new Set(
    [...state.folder.entries()].filter(([key, d]) => state.migrations.get(key)?.text !== d.text).map(([key]) => state.files.get(key)!),
  );
  if (!dropped.length && !changed.size) return '';
  const parts: string[] = [];
  if (dropped.length)
    parts.push(
      `-- no longer in prisma/sql\n${dropped
        .sort(dropOrder)
        .map((d) => `${d.drop};`)
        .join('\n')}`,
    );
  for (const file of sqlFiles(dir).filter((f) => changed.has(f.path))) parts.push(`-- prisma/sql/${file.path}\n${file.text.trimEnd()}`);
  return parts.join('\n\n');
}

/** One line per difference between the folder (expected) and `actual`, naming the file of each object. */
export function describeDifferences(differences: Difference[], files: Map<string, string>, actual: string): string {
  const change = { differs: 'differs', missing: `missing from ${actual}`, extra: 'not in prisma/sql' };
  return differences
    .map((d) => {
      const file = files.get(d.key);
      const line = d.line ? `\n      prisma/sql: ${d.line[0]}\n      ${actual}: ${d.line[1]}` : '';
      return `  ${d.key}${file ? ` (prisma/sql/${file})` : ''}: ${change[d.change]}${line}`;
    })
    .join('\n');
}
