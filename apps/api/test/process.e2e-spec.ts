import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import {
  alive,
  buildServer,
  cleanUpServers,
  postgresProcessesOf,
  PRINTED_TOKEN,
  startServer as start,
  tempFolder,
  TEST_TIMEOUT_MS,
  TOKEN_BANNER,
  workersOf,
  type Server,
} from './setup/server-process';

/**
 * The built server as an operator runs it: `node dist/apps/api/src/main.js`
 * with no DATABASE_URL (embedded PostgreSQL in KIPAM_DATA_DIR), real signals,
 * real exit codes, real restarts on the same data folder. KIPAM_WORKERS is
 * left to its default (one worker per core) except where a test sets it.
 */

const servers: Server[] = [];

async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<Server> {
  const server = await start({ KIPAM_DATA_DIR: dataDir, ...env });
  servers.push(server);
  return server;
}

describe('the built server process', () => {
  let dataDir: string;
  let adminToken: string;

  beforeAll(async () => {
    await buildServer();
    dataDir = tempFolder();
  }, 130_000);

  afterAll(cleanUpServers, 30_000);

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
      // one worker per core by default (a single process on a one-core machine)
      const cores = availableParallelism();
      expect(workersOf(server.pid)).toHaveLength(cores > 1 ? cores : 0);

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
    'starts again on the same data folder with its data and without a new token (as a single process)',
    async () => {
      const server = await startServer(dataDir, { KIPAM_WORKERS: '1' });
      await server.ready();

      const list = await server.http.get('/v1/domains').set('Authorization', `Bearer ${adminToken}`).expect(200);
      expect(list.body.items.map((d: { name: string }) => d.name).sort()).toEqual(['default', 'persisted']);
      expect(workersOf(server.pid)).toEqual([]);
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
