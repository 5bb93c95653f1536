import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';
import { Pool, type PoolConfig } from 'pg';
import { connectionConfig } from './connection';
import type { Tx } from './database';

/**
 * Applies and checks Prisma migrations with Prisma's WebAssembly schema engine
 * (`@prisma/schema-engine-wasm`), so no native Prisma binary is ever downloaded.
 * The migration folder stays in Prisma's own format: `prisma migrate deploy`
 * works on the same folder where the native engine is available.
 */

/** The repository's prisma/ folder, from the sources or from the built dist/. */
function findPrismaDir(): string {
  for (let dir = __dirname; ; dir = resolve(dir, '..')) {
    if (existsSync(join(dir, 'prisma', 'schema.prisma'))) return join(dir, 'prisma');
    if (dir === resolve(dir, '..')) return resolve(__dirname, '../../../prisma');
  }
}

/** KIPAM_PRISMA_DIR points at another copy of the folder (used by the tests of the migration tool). */
export const PRISMA_DIR = process.env.KIPAM_PRISMA_DIR ?? findPrismaDir();
export const MIGRATIONS_DIR = join(PRISMA_DIR, 'migrations');
/** KIPAM_PRISMA_SCHEMA points the drift check at another schema file (used by its own test). */
export const SCHEMA_PATH = process.env.KIPAM_PRISMA_SCHEMA ?? join(PRISMA_DIR, 'schema.prisma');

type Wasm = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
type Engine = Awaited<ReturnType<Wasm['SchemaEngine']['new']>>;

let wasmModule: Wasm | undefined;

let lastPanic = '';

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, unknown>) => { exports: Record<string, unknown> };
}

function loadWasm(): Wasm {
  if (wasmModule) return wasmModule;
  // The engine reports a Rust panic's message here before throwing.
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message: string) {
      lastPanic = message;
      if (process.env.KIPAM_DEBUG_MIGRATE) console.error(message);
    },
  };
  // The package is ESM; its glue module takes the instantiated wasm exports.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bg = require('@prisma/schema-engine-wasm/schema_engine_bg') as Wasm & {
    __wbg_set_wasm(exports: unknown): void;
  };
  const wasmPath = join(dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
  const wa = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const instance = new wa.Instance(new wa.Module(readFileSync(wasmPath)), { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  wasmModule = bg;
  return bg;
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/**
 * The schema engine reads catalog columns of PostgreSQL's internal `"char"`
 * type, which the pg adapter refuses. They are passed to the adapter as text
 * and reported to the engine as characters (positions are fixed per query).
 */
const PG_CHAR = 18;
const PG_TEXT = 25;
const CHARACTER_COLUMN = 6; // ColumnTypeEnum.Character

class CatalogPool extends Pool {
  readonly charColumns = new Map<string, number[]>();

  constructor(config: PoolConfig) {
    super(config);
    quietOnTermination(this);
  }

  private mark<R>(text: unknown, result: R): R {
    const fields = (result as { fields?: { dataTypeID: number }[] }).fields ?? [];
    const positions: number[] = [];
    fields.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR) {
        field.dataTypeID = PG_TEXT;
        positions.push(i);
      }
    });
    const sql = typeof text === 'string' ? text : (text as { text?: string } | undefined)?.text;
    if (positions.length && sql) this.charColumns.set(sql, positions);
    return result;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's overloaded signature
  override query(...args: any[]): any {
    const query = super.query as unknown as (...a: unknown[]) => Promise<unknown>;
    return query.apply(this, args).then((r) => this.mark(args[0], r));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's overloaded signature
  override connect(...args: any[]): any {
    if (args.length) return (super.connect as (...a: unknown[]) => unknown).apply(this, args);
    return super.connect().then((client) => {
      const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
      (client as unknown as { query: unknown }).query = (...a: unknown[]) => query(...a).then((r) => this.mark(a[0], r));
      return client;
    });
  }
}

/**
 * Dropping the shadow database (WITH FORCE) terminates any connection the
 * engine still holds; such a connection's error must not crash the process.
 * Errors of queries in flight still reject their promises.
 */
function quietOnTermination(pool: Pool): Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

function catalogAware(adapter: SqlDriverAdapter, pool: CatalogPool): SqlDriverAdapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  adapter.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of pool.charColumns.get(query.sql) ?? []) {
      (result.columnTypes as number[])[i] = CHARACTER_COLUMN;
    }
    return result;
  };
  const onError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter);
  // The adapter splits scripts on every `;`, which breaks function bodies in
  // migrations; PostgreSQL runs a whole script in one simple query.
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      onError(error);
    }
  };
  return adapter;
}

/**
 * PrismaPg's own shadow database drops the database while its pool still holds
 * connections; this factory closes the pool first, then drops.
 */
class ShadowSafeFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  private readonly pools: Pool[] = [];

  constructor(private readonly config: PoolConfig) {}

  async connect(): Promise<SqlDriverAdapter> {
    const pool = new CatalogPool(this.config);
    this.pools.push(pool);
    const adapter = catalogAware(await new PrismaPg(pool).connect(), pool);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose().catch(() => undefined);
      await pool.end().catch(() => undefined);
    };
    return adapter;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.end().catch(() => undefined)));
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const admin = quietOnTermination(new Pool({ ...this.config, max: 1 }));
    const database = `prisma_migrate_shadow_db_${randomUUID().replace(/-/g, '')}`;
    await admin.query(`CREATE DATABASE "${database}"`);
    const shadowPool = new CatalogPool({ ...this.config, database });
    const adapter = catalogAware(await new PrismaPg(shadowPool).connect(), shadowPool);
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose().catch(() => undefined);
      await shadowPool.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    };
    return adapter;
  }
}

function migrationsList() {
  const dirs = existsSync(MIGRATIONS_DIR)
    ? readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const lockPath = join(MIGRATIONS_DIR, 'migration_lock.toml');
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: readFileSync(join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

const noFilters = { externalTables: [], externalEnums: [] };

async function withEngine<T>(databaseUrl: string, run: (engine: Engine) => Promise<T>): Promise<T> {
  const wasm = loadWasm();
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const raw = new ShadowSafeFactory(connectionConfig(databaseUrl));
  const factory = bindMigrationAwareSqlAdapterFactory(raw);
  const engine = await wasm.SchemaEngine.new({ datamodels: [[SCHEMA_PATH, schema]] }, () => undefined, factory);
  try {
    return await run(engine);
  } catch (error) {
    if (lastPanic) throw new Error(`schema engine panicked: ${lastPanic}`);
    throw error;
  } finally {
    engine.free();
    await raw.close();
  }
}

/** Applies every migration not yet applied; returns the names applied now. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, async (engine) => {
    const out = await engine.applyMigrations({ migrationsList: migrationsList(), filters: noFilters });
    return out.appliedMigrationNames;
  });
}

/**
 * The SQL that would bring the migrations up to `schema.prisma`; empty when
 * they agree. Uses a temporary shadow database on the same server.
 */
export async function diffSchemaAgainstMigrations(databaseUrl: string): Promise<string> {
  return withEngine(databaseUrl, async (engine) => {
    const schema = readFileSync(SCHEMA_PATH, 'utf8');
    const out = await engine.diff({
      from: { tag: 'migrations', ...migrationsList() },
      to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: schema }] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    const sql = (out.stdout ?? '').trim();
    return sql === '-- This is an empty migration.' ? '' : sql;
  });
}

/** Names of the migrations a database has applied (the table both Prisma's tools keep). */
export async function appliedMigrationNames(tx: Tx): Promise<string[]> {
  const rows = await tx.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  return rows.map((r) => r.migration_name);
}

/** Names of the migrations in the folder, in order. */
export function migrationNames(): string[] {
  return migrationsList().migrationDirectories.map((d) => d.path);
}
