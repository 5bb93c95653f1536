import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import request from 'supertest';
import { freePort } from '@kipam/persistence/embedded-postgres';

/**
 * The built server as an operator runs it: `node dist/apps/api/src/main.js`
 * with no DATABASE_URL (embedded PostgreSQL in KIPAM_DATA_DIR), real signals,
 * real exit codes, real restarts on the same data folder.
 */

const ROOT = resolve(__dirname, '../../..');
const MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const TOKEN_BANNER = 'generated its bootstrap admin token';
/** Every spawned server is killed after this long, whatever the test is doing. */
const PROCESS_DEADLINE_MS = 90_000;
/** Per test: a start waits up to 60 s for /readyz. Set here because jest's testTimeout is not a per-project option. */
const TEST_TIMEOUT_MS = 90_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

class Server {
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

const servers: Server[] = [];
const folders: string[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tempFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kipam-process-'));
  folders.push(dir);
  return dir;
}

async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  return new Server(await freePort(), { KIPAM_DATA_DIR: dataDir, ...env });
}

/** PostgreSQL server processes whose command line mentions `folder` (from /proc). */
function postgresProcessesOf(folder: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (basename(argv[0] ?? '').startsWith('postgres') && argv.some((arg) => arg.includes(folder))) pids.push(Number(entry));
  }
  return pids;
}

/** Running: an exited process left as a zombie (not yet reaped by whoever adopted it) does not count. */
function alive(pid: number): boolean {
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

const PRINTED_TOKEN = /^\s+(kipam_[A-Za-z0-9_-]{20,})\s*$/gm;

describe('the built server process', () => {
  let dataDir: string;
  let adminToken: string;

  beforeAll(() => {
    execFileSync('npm', ['run', 'build:api'], { cwd: ROOT, stdio: 'pipe', timeout: 60_000 });
    dataDir = tempFolder();
  }, 70_000);

  afterAll(async () => {
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
  }, 30_000);

  it(
    'starts with no configuration, prints a working admin token once and refuses requests without it',
    async () => {
      const server = await startServer(dataDir);
      await server.ready();

      const printed = [...server.stdout.matchAll(PRINTED_TOKEN)].map((m) => m[1]);
      expect(printed).toHaveLength(1);
      expect(server.stdout.split(TOKEN_BANNER)).toHaveLength(2);
      adminToken = printed[0];
      expect(server.stderr).not.toContain(adminToken);

      const list = await server.http.get('/v1/domains').set('Authorization', `Bearer ${adminToken}`).expect(200);
      expect(list.body.items.map((d: { name: string }) => d.name)).toEqual(['default']);

      const refused = await server.http.get('/v1/domains').expect(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 401, type: '/problems/unauthorized' });

      // the next test stops this server
      await server.http.post('/v1/domains').set('Authorization', `Bearer ${adminToken}`).send({ name: 'persisted' }).expect(201);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'exits 0 on SIGTERM and stops its PostgreSQL',
    async () => {
      const server = servers.at(-1)!;
      expect(server.running).toBe(true);
      expect(postgresProcessesOf(dataDir)).not.toHaveLength(0);

      server.signal('SIGTERM');
      expect(await server.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(postgresProcessesOf(dataDir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'starts again on the same data folder with its data and without a new token',
    async () => {
      const server = await startServer(dataDir);
      await server.ready();

      const list = await server.http.get('/v1/domains').set('Authorization', `Bearer ${adminToken}`).expect(200);
      expect(list.body.items.map((d: { name: string }) => d.name).sort()).toEqual(['default', 'persisted']);
      expect(server.stdout).not.toContain(TOKEN_BANNER);
      expect(server.stdout).not.toMatch(PRINTED_TOKEN);

      server.signal('SIGINT');
      expect(await server.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(postgresProcessesOf(dataDir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a bad configuration with one line naming the variable and no stack trace',
    async () => {
      const emptyDir = tempFolder();
      const server = await startServer(emptyDir, { PORT: 'abc' });

      const exit = await server.waitForExit(15_000);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      const lines = server.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/\bPORT\b/);
      expect(server.stderr).not.toMatch(/^\s+at /m);
      expect(server.stdout).toBe('');
      expect(readdirSync(emptyDir)).toEqual([]); // nothing was started
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'recovers after being killed: stops the orphaned PostgreSQL and serves again',
    async () => {
      const first = await startServer(dataDir);
      await first.ready();
      first.signal('SIGKILL');
      expect(await first.waitForExit(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
      const orphans = postgresProcessesOf(dataDir);
      expect(orphans).not.toHaveLength(0); // the killed process could not stop it

      const second = await startServer(dataDir);
      await second.ready();
      expect(orphans.filter(alive)).toEqual([]);
      const list = await second.http.get('/v1/domains').set('Authorization', `Bearer ${adminToken}`).expect(200);
      expect(list.body.items.map((d: { name: string }) => d.name).sort()).toEqual(['default', 'persisted']);

      second.signal('SIGTERM');
      expect(await second.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(postgresProcessesOf(dataDir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
