import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import request from 'supertest';
import { freePort } from '@kipam/persistence/embedded-postgres';

/**
 * The built server as an operator runs it (`node dist/apps/api/src/main.js`),
 * for tests of real signals, exit codes, restarts and worker processes.
 */

export const ROOT = resolve(__dirname, '../../../..');
const MAIN = join(ROOT, 'dist/apps/api/src/main.js');
export const TOKEN_BANNER = 'generated its bootstrap admin token';
/** Every spawned server is killed after this long, whatever the test is doing. */
const PROCESS_DEADLINE_MS = 90_000;
/** Per test: a start waits up to 60 s for /readyz. Set here because jest's testTimeout is not a per-project option. */
export const TEST_TIMEOUT_MS = 90_000;
export const PRINTED_TOKEN = /^\s+(kipam_[A-Za-z0-9_-]{20,})\s*$/gm;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const servers: Server[] = [];
const folders: string[] = [];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Server {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly proc: ChildProcess;
  private exit?: Exit;
  private killedOnPurpose = false;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    const base = { ...process.env };
    for (const name of [
      'DATABASE_URL',
      'KIPAM_ADMIN_TOKEN',
      'KIPAM_DATA_DIR',
      'PORT',
      'HOST',
      'LOG_LEVEL',
      'DATABASE_POOL_SIZE',
      'SHUTDOWN_TIMEOUT_MS',
      'KIPAM_WORKERS',
      'KIPAM_RATE_LIMIT_PER_MINUTE',
    ]) {
      delete base[name];
    }
    this.proc = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { ...base, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.proc.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    const deadline = setTimeout(() => this.proc.kill('SIGKILL'), PROCESS_DEADLINE_MS);
    deadline.unref();
    this.exited = new Promise((resolveExit) =>
      this.proc.once('close', (code, signal) => {
        clearTimeout(deadline);
        this.exit = { code, signal };
        resolveExit(this.exit);
      }),
    );
    servers.push(this);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return !this.exit;
  }

  get http() {
    return request(`http://127.0.0.1:${this.port}`);
  }

  /** Polls /readyz until 200; fails early when the process exits. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`the server exited (${JSON.stringify(this.exit)}) before it was ready:\n${this.output()}`);
      const status = await this.http
        .get('/readyz')
        .timeout(2000)
        .then((r) => r.status)
        .catch(() => 0);
      if (status === 200) return;
      await sleep(200);
    }
    throw new Error(`/readyz did not answer 200 within ${timeoutMs} ms:\n${this.output()}`);
  }

  /** Waits for the exit, killing the process when it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<Exit> {
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    try {
      const exit = await this.exited;
      if (exit.signal === 'SIGKILL' && !this.killedOnPurpose) throw new Error(`did not exit within ${timeoutMs} ms:\n${this.output()}`);
      return exit;
    } finally {
      clearTimeout(timer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL') this.killedOnPurpose = true;
    this.proc.kill(signal);
  }

  output(): string {
    return `--- stdout\n${this.stdout}--- stderr\n${this.stderr}`;
  }
}

export function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kipam-process-'));
  folders.push(dir);
  return dir;
}

export async function startServer(env: Record<string, string>): Promise<Server> {
  return new Server(await freePort(), env);
}

/**
 * `npm run build:api`, once per test run however many files ask (the tests run
 * the built server): the build empties dist/, so two files building at once
 * would pull it from under each other's servers. A lock folder serialises
 * them and a marker in dist/ names the run that built it.
 */
export async function buildServer(): Promise<void> {
  const lock = join(ROOT, '.test-build.lock');
  const marker = join(ROOT, 'dist', '.test-build');
  const run = process.env.KIPAM_TEST_TEMPLATE ?? String(process.pid);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} is held: remove it if no test run is building`);
      await sleep(200);
    }
  }
  try {
    if (existsSync(marker) && readFileSync(marker, 'utf8') === run) return;
    execFileSync('npm', ['run', 'build:api'], { cwd: ROOT, stdio: 'pipe', timeout: 90_000 });
    writeFileSync(marker, run);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Kills what the tests left running (their PostgreSQL too) and removes their folders; for afterAll. */
export async function cleanUpServers(): Promise<void> {
  for (const server of servers.filter((s) => s.running)) {
    server.signal('SIGKILL');
    await server.exited;
  }
  // servers killed above (or by a failed test) leave their PostgreSQL behind
  for (const folder of folders) {
    for (const pid of postgresProcessesOf(folder)) process.kill(pid, 'SIGKILL');
  }
  await sleep(100);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
}

function commandLine(pid: number | string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined; // gone meanwhile
  }
}

/** PostgreSQL server processes whose command line mentions `folder` (from /proc). */
export function postgresProcessesOf(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = commandLine(entry);
    if (argv && basename(argv[0] ?? '').startsWith('postgres') && argv.some((arg) => arg.includes(folder))) pids.push(Number(entry));
  }
  return pids;
}

/** The running children of `pid` (from /proc; exited ones left as zombies do not count). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The worker processes of a server started with KIPAM_WORKERS > 1 (its children running main.js). */
export function workersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => commandLine(child)?.some((arg) => arg.endsWith('main.js')));
}

/** Running: an exited process left as a zombie (not yet reaped by whoever adopted it) does not count. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
