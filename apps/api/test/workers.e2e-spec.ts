import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { connectionConfig, freePort } from '@kipam/persistence';
import { ADMIN_TOKEN, createTestDatabase, type TestDatabase } from './setup/test-app';
import {
  alive,
  buildServer,
  cleanUpServers,
  sleep,
  startServer,
  TEST_TIMEOUT_MS,
  TOKEN_BANNER,
  workersOf,
  type Server,
} from './setup/server-process';

/**
 * KIPAM_WORKERS=N: the built server as N worker processes on one port, on a
 * database of its own (DATABASE_URL). The tests follow one server through its
 * life: serving, losing a worker, a token revoked, the rate limit, SIGTERM.
 */

const WORKERS = 3;
const RATE_LIMIT = 300;

interface AccessLine {
  pid: number;
  url: string;
  status: number;
}

/** The access log lines (LOG_LEVEL=info) the server has written so far. */
function accessLog(server: Server): AccessLine[] {
  const out: AccessLine[] = [];
  for (const line of server.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { pid: number; req?: { url: string }; res?: { statusCode: number } };
      if (entry.req && entry.res) out.push({ pid: entry.pid, url: entry.req.url, status: entry.res.statusCode });
    } catch {
      // not a log line
    }
  }
  return out;
}

const count = (text: string, phrase: string) => text.split(phrase).length - 1;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

describe('a server with several workers (KIPAM_WORKERS)', () => {
  let db: TestDatabase;
  let server: Server;
  let workers: number[];

  /** Requests on new connections, which the primary hands to its workers in turn. */
  const get = (path: string, token = ADMIN_TOKEN) =>
    server.http.get(path).set('Connection', 'close').set('Authorization', `Bearer ${token}`);

  /** The pids that answered the access-log lines from `from` on for `url`. */
  const answeredBy = (from: number, url: string, status?: number) =>
    new Set(
      accessLog(server)
        .slice(from)
        .filter((l) => l.url === url && (status === undefined || l.status === status))
        .map((l) => l.pid),
    );

  beforeAll(async () => {
    await buildServer();
    db = await createTestDatabase();
  }, 130_000);

  afterAll(async () => {
    await cleanUpServers();
    await db?.drop();
  }, 30_000);

  it(
    'serves the port from every worker, each with its share of the pool and its own token cache; metrics are summed over them',
    async () => {
      server = await startServer({
        DATABASE_URL: db.url,
        KIPAM_ADMIN_TOKEN: ADMIN_TOKEN,
        KIPAM_WORKERS: String(WORKERS),
        DATABASE_POOL_SIZE: '6',
        KIPAM_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        LOG_LEVEL: 'info',
      });
      await server.ready();
      await until('every worker listens', () => server.stdout.includes(`(${WORKERS} workers)`));
      await until('every token cache is on', () => count(server.stdout, 'listening on kipam_api_token') === WORKERS);
      workers = workersOf(server.pid);
      expect(workers).toHaveLength(WORKERS);
      expect(server.stdout).not.toContain(TOKEN_BANNER);

      const from = accessLog(server).length;
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await get('/v1/domains').expect(200)).headers['x-request-id']);
      expect([...answeredBy(from, '/v1/domains')].sort()).toEqual([...workers].sort());
      // one access log line per request, with its request id; none for probes, never a token
      await until('the access log is written', () => ids.every((id) => server.stdout.includes(`"requestId":"${id}"`)));
      const line = JSON.parse(server.stdout.split('\n').find((l) => l.includes(`"requestId":"${ids[0]}"`))!) as Record<string, unknown>;
      expect(line).toMatchObject({
        level: 30,
        req: { method: 'GET', url: '/v1/domains' },
        res: { statusCode: 200 },
        msg: 'request completed',
      });
      expect(typeof line.responseTime).toBe('number');
      expect(accessLog(server).filter((l) => l.url === '/readyz' || l.url === '/healthz')).toEqual([]);
      expect(server.stdout).not.toContain(ADMIN_TOKEN);

      // 30 at once: each worker's pool grows to its share (6 / 3 = 2), no further
      const parallel = await Promise.all(Array.from({ length: 30 }, () => get('/v1/domains')));
      expect(parallel.map((r) => r.status)).toEqual(parallel.map(() => 200));
      const pg = new Client(connectionConfig(db.url));
      await pg.connect();
      try {
        const { rows } = await pg.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kipam'`,
        );
        // each worker: a pool of at most 2, and the connection its token cache listens on
        expect(rows[0].n).toBeLessThanOrEqual(WORKERS * 3);
      } finally {
        await pg.end();
      }

      const metrics = await server.http.get('/metrics?name[]=kipam_http_request_duration_seconds').expect(200);
      const counts = [...metrics.text.matchAll(/^kipam_http_request_duration_seconds_count\{([^}]*)\} (\d+)$/gm)]
        .filter((m) => m[1].includes('route="/v1/domains"'))
        .map((m) => Number(m[2]));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'replaces a worker that dies, while the others go on serving',
    async () => {
      const [victim, ...others] = workers;
      process.kill(victim, 'SIGKILL');
      // (a connection handed to the victim as it died is lost with it)
      await until('the primary sees the exit', () => server.stdout.includes(`worker ${victim} exited`));
      // the others answer while the replacement starts
      for (let i = 0; i < 6; i++) await get('/healthz').expect(200);
      await until('a replacement runs', () => {
        const now = workersOf(server.pid);
        return now.length === WORKERS && !now.includes(victim);
      });
      expect(server.stdout).toMatch(new RegExp(`worker ${victim} exited with signal SIGKILL; started another`));
      await until('the replacement listens', () => count(server.stdout, 'listening on kipam_api_token') === WORKERS + 1);
      workers = workersOf(server.pid);
      const replacement = workers.find((w) => !others.includes(w))!;
      expect(alive(victim)).toBe(false);

      const from = accessLog(server).length;
      for (let i = 0; i < 30; i++) await get('/v1/domains').expect(200);
      expect(answeredBy(from, '/v1/domains')).toContain(replacement);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses a revoked token on every worker, although each had it cached',
    async () => {
      const issued = await server.http
        .post('/v1/tokens')
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ name: 'soon-revoked', role: 'reader' })
        .expect(201);
      const secret = issued.body.secret as string;
      let from = accessLog(server).length;
      for (let i = 0; i < 30; i++) await get('/v1/clusters', secret).expect(200);
      expect([...answeredBy(from, '/v1/clusters', 200)].sort()).toEqual([...workers].sort());

      await server.http
        .delete(`/v1/tokens/${issued.body.id as string}`)
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .expect(204);
      await sleep(300); // the notification reaches every worker in milliseconds
      from = accessLog(server).length;
      for (let i = 0; i < 30; i++) await get('/v1/clusters', secret).expect(401);
      expect([...answeredBy(from, '/v1/clusters', 401)].sort()).toEqual([...workers].sort());
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'counts the rate limit over every worker together',
    async () => {
      const issued = await server.http
        .post('/v1/tokens')
        .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
        .send({ name: 'limited', role: 'reader' })
        .expect(201);
      const secret = issued.body.secret as string;
      const from = accessLog(server).length;
      const statuses: number[] = [];
      for (let batch = 0; batch < 36; batch++) {
        const answers = await Promise.all(Array.from({ length: 10 }, () => get('/v1/domains', secret)));
        statuses.push(...answers.map((a) => a.status));
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT);
      expect(statuses.filter((s) => s === 429)).toHaveLength(360 - RATE_LIMIT);
      // each worker refused some: one worker's count alone would have let them through
      expect([...answeredBy(from, '/v1/domains', 429)].sort()).toEqual([...workers].sort());
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'drains every worker on SIGTERM: a request in flight completes, then the server exits 0',
    async () => {
      const body = JSON.stringify({ name: 'created-while-draining', description: 'sent in two halves, SIGTERM between them' });
      const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/v1/domains',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          server.signal('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 500);
        }, 300);
      });
      const answer = await response;
      expect(answer.status).toBe(201);
      expect(await server.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(count(server.stdout, '"context":"Worker","msg":"SIGTERM: draining requests"')).toBe(WORKERS);
      for (const w of workers) expect(alive(w)).toBe(false);

      const pg = new Client(connectionConfig(db.url));
      await pg.connect();
      try {
        const { rows } = await pg.query(`SELECT 1 FROM domain WHERE name = 'created-while-draining'`);
        expect(rows).toHaveLength(1);
      } finally {
        await pg.end();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'stops, with exit code 1, when its workers cannot start (the port is taken)',
    async () => {
      const port = await freePort();
      const squatter = createServer();
      await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
      try {
        const blocked = await startServer({ DATABASE_URL: db.url, KIPAM_ADMIN_TOKEN: ADMIN_TOKEN, KIPAM_WORKERS: '2', PORT: String(port) });
        const exit = await blocked.waitForExit(30_000);
        expect(exit).toEqual({ code: 1, signal: null });
        expect(blocked.output()).toMatch(/EADDRINUSE/);
        expect(blocked.output()).toMatch(/a worker failed to start/);
      } finally {
        squatter.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
