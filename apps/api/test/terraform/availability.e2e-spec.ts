import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectionConfig, Database } from '@kipam/persistence';
import { startTestApp, type TestApp } from '../setup/test-app';
import { Provider } from './provider';

/**
 * Terraform retries on 503 + Retry-After. A lost database must answer that,
 * never a 500, and nothing may be committed behind a 5xx.
 */
describe('Terraform and a lost database (503)', () => {
  let t: TestApp;
  let tf: Provider;
  let clusterId: string;
  const count = async (table: 'node' | 'lease') => Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

  beforeAll(async () => {
    t = await startTestApp();
    tf = new Provider(t);
    clusterId = (await tf.create('/v1/clusters', { name: 'outage', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })).id;
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After while the database is unreachable, and recovers', async () => {
    const pool = t.app.get(Database).pool as unknown as { options: { port: number }; totalCount: number };
    const port = pool.options.port;
    pool.options.port = await closedPort();
    // drop the pool's open connections: every request now needs a new one, which is refused
    await t.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kipam'`);
    // once the pool has dropped them, every request needs a new connection
    for (let i = 0; i < 250 && pool.totalCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(pool.totalCount).toBe(0);
    try {
      for (const req of [
        t.http.get('/v1/domains').set(t.auth),
        t.http.post(`/v1/clusters/${clusterId}/nodes`).set(t.auth).set('Idempotency-Key', randomUUID()).send({ name: 'during-outage' }),
        t.http.get('/readyz'),
      ]) {
        const res = await req;
        expect({ status: res.status, type: res.body.type }).toEqual({ status: 503, type: '/problems/unavailable' });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    } finally {
      pool.options.port = port;
    }
    await t.http.get('/v1/domains').set(t.auth).expect(200);
    await tf.read(`/v1/clusters/${clusterId}/nodes?name=during-outage`).expect(200, { items: [], nextCursor: null });
  });

  it('commits nothing when the connection dies in the middle of an allocation', async () => {
    // KNOWN BUG (libs/persistence Database.transaction): a client checked out for a transaction has no
    // 'error' listener, so when its backend dies pg emits an unhandled 'error' ("Connection terminated
    // unexpectedly") that would crash the process. Until Database listens, this test does it for it.
    const pool = t.app.get(Database).pool;
    const guarded = new WeakSet<object>();
    pool.on('acquire', (client) => {
      if (guarded.has(client)) return;
      guarded.add(client);
      client.on('error', () => undefined);
    });
    const [nodes, leases] = [await count('node'), await count('lease')];
    // hold the cluster row so the create waits inside its transaction, after its first statements
    const blocker = new Client(connectionConfig(t.db.url));
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM cluster WHERE id = $1 FOR UPDATE', [clusterId]);
    const key = randomUUID();
    const pending = t.http
      .post(`/v1/clusters/${clusterId}/nodes`)
      .set(t.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'cut-off' })
      .then((r) => r);
    let waiting: { pid: number }[] = [];
    for (let i = 0; i < 250 && waiting.length === 0; i++) {
      waiting = await t.sql<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kipam' AND wait_event_type = 'Lock'`,
      );
      if (!waiting.length) await new Promise((r) => setTimeout(r, 20));
    }
    expect(waiting).toHaveLength(1);
    // the server side of that connection goes away (a failover, a restart)
    await t.sql('SELECT pg_terminate_backend($1)', [waiting[0].pid]);
    const res = await pending;
    await blocker.query('ROLLBACK');
    await blocker.end();

    expect(res.status).toBe(503);
    expect(res.body.type).toBe('/problems/unavailable');
    expect(res.headers['retry-after']).toBeDefined();
    expect([await count('node'), await count('lease')]).toEqual([nodes, leases]);
    // the key was not spent on the failure: the retry allocates
    const retry = await t.http
      .post(`/v1/clusters/${clusterId}/nodes`)
      .set(t.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'cut-off' })
      .expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('node')).toBe(nodes + 1);
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
