import { randomUUID } from 'node:crypto';
import { idempotencyRecordKey, requestFingerprint } from '../../src/common/idempotency';
import { hashSecret } from '../../src/tokens/token.service';
import { startTestApp, type TestApp } from '../setup/test-app';
import { Provider } from './provider';

/**
 * Retries, lost responses, parallel creates and a server killed between
 * commit and response: what Terraform does to an API, with `Idempotency-Key`.
 */
describe('Terraform retries (Idempotency-Key)', () => {
  let t: TestApp;
  let tf: Provider;
  let clusterId: string;
  const nodes = () => `/v1/clusters/${clusterId}/nodes`;
  const services = () => `/v1/clusters/${clusterId}/services`;
  const count = async (table: 'node' | 'service' | 'lease') =>
    Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const record = async (path: string) =>
    (
      await t.sql<{ status: number | null; completed_at: Date | null }>(
        'SELECT status, completed_at FROM idempotency_record WHERE path = $1',
        [path],
      )
    )[0];

  beforeAll(async () => {
    t = await startTestApp();
    tf = new Provider(t);
    // before the first keyed request: this process purges on its first one
    await t.sql(
      `INSERT INTO idempotency_record (key, method, path, fingerprint, status, created_at, completed_at)
       VALUES ('expired', 'POST', '/v1/domains', 'x', 201, now() - interval '25 hours', now() - interval '25 hours'),
              ('recent', 'POST', '/v1/domains', 'x', 201, now() - interval '23 hours', now() - interval '23 hours')`,
    );
    const cluster = await tf.create('/v1/clusters', {
      name: 'retries',
      podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'],
      serviceCidrs: ['10.96.0.0/20', 'fd00:10:96::/112'],
    });
    clusterId = cluster.id;
  });
  afterAll(() => t.close());

  it('keeps keys 24 hours and purges older ones', async () => {
    await tf.create('/v1/domains', { name: 'purge-trigger' }, { 'Idempotency-Key': randomUUID() });
    const keys = (await t.sql<{ key: string }>(`SELECT key FROM idempotency_record WHERE key IN ('expired', 'recent')`)).map((r) => r.key);
    expect(keys).toEqual(['recent']);
  });

  it('replays the first response for the same key and body, without allocating again', async () => {
    const key = randomUUID();
    const first = await t.http
      .post(nodes())
      .set(t.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'replayed', labels: { a: '1' } })
      .expect(201);
    const [nodesBefore, leasesBefore] = [await count('node'), await count('lease')];
    // the same body with its keys in another order is the same request
    const again = await t.http
      .post(nodes())
      .set(t.auth)
      .set('Idempotency-Key', key)
      .send({ labels: { a: '1' }, name: 'replayed' })
      .expect(201);
    expect(again.body).toEqual(first.body);
    for (const h of ['location', 'etag', 'content-type']) expect(again.headers[h]).toBe(first.headers[h]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect([await count('node'), await count('lease')]).toEqual([nodesBefore, leasesBefore]);
    // a structured-field string is the same key
    await t.http
      .post(nodes())
      .set(t.auth)
      .set('Idempotency-Key', `"${key}"`)
      .send({ name: 'replayed', labels: { a: '1' } })
      .expect(201);
  });

  it('answers 422 when a key is reused with another body, allocating nothing', async () => {
    const key = randomUUID();
    await tf.create(nodes(), { name: 'reused-1' }, { 'Idempotency-Key': key });
    const leases = await count('lease');
    const res = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'reused-2' }).expect(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toBe('/problems/idempotency-key-reused');
    expect(await count('lease')).toBe(leases);
    await tf.read(`${nodes()}?name=reused-2`).expect(200, { items: [], nextCursor: null });
  });

  it('scopes keys per token, method and path', async () => {
    const key = randomUUID();
    await tf.create(nodes(), { name: 'scoped' }, { 'Idempotency-Key': key });
    // another path: its own request
    await tf.create(services(), { namespace: 'default', name: 'scoped' }, { 'Idempotency-Key': key });
    // another token: its own request (here: a name that exists → 409 with its Location, not a replay)
    const secret = `writer-${randomUUID()}`;
    await t.sql(
      `INSERT INTO api_token (id, name, role, clusters, secret_hash) VALUES (gen_random_uuid(), 'other-writer', 'writer', '{}', $1)`,
      [hashSecret(secret)],
    );
    const other = await t.http.post(nodes()).set('Authorization', `Bearer ${secret}`).set('Idempotency-Key', key).send({ name: 'scoped' });
    expect(other.status).toBe(409);
    expect(other.body.type).toBe('/problems/already-exists');
  });

  it('does not store failures: a retry after an error runs again', async () => {
    const key = randomUUID();
    await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'Not A Name' }).expect(422);
    expect(await t.sql('SELECT key FROM idempotency_record WHERE status IS NULL')).toEqual([]);
    await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'Not A Name' }).expect(422);
  });

  it('refuses malformed keys with 400', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256), '"unterminated']) {
      const res = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'bad-key' });
      expect({ key, status: res.status }).toEqual({ key, status: 400 });
    }
  });

  it('answers 409 with Retry-After while the first request with the key still runs', async () => {
    const key = randomUUID();
    // hold the cluster row: node creates wait for it
    const client = await holdClusterLock(t, clusterId);
    const first = t.http
      .post(nodes())
      .set(t.auth)
      .set('Idempotency-Key', key)
      .send({ name: 'slow' })
      .then((r) => r);
    await waitFor(
      async () => Number((await t.sql<{ n: string }>(`SELECT count(*) AS n FROM idempotency_record WHERE status IS NULL`))[0].n) > 0,
    );
    const retry = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'slow' }).expect(409);
    expect(retry.body.type).toBe('/problems/idempotency-key-in-use');
    expect(Number(retry.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await client.release();
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'slow' }).expect(201);
    expect(replay.body).toEqual(done.body);
  });

  it('stores the response when the client gave up before it arrived, and replays it', async () => {
    const key = randomUUID();
    const client = await holdClusterLock(t, clusterId);
    await expect(t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'lost' }).timeout(300)).rejects.toThrow(
      /imeout/,
    );
    await client.release();
    await waitFor(async () => (await t.sql('SELECT key FROM idempotency_record WHERE status IS NULL')).length === 0);
    const retry = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'lost' }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.name).toBe('lost');
    expect((await tf.read(`${nodes()}?name=lost`).expect(200)).body.items).toHaveLength(1);
  });

  it('returns the same lease when a create is retried after the server died between commit and response', async () => {
    for (const [collection, body] of [
      [nodes(), { name: 'crash-node' }],
      [services(), { namespace: 'default', name: 'crash-svc', ipFamilyPolicy: 'RequireDualStack' }],
      ['/v1/clusters', { name: 'crash-cluster', podCidrs: ['10.50.0.0/16'], serviceCidrs: ['10.51.0.0/16'] }],
    ] as const) {
      const key = randomUUID();
      const first = await tf.create(collection, body, { 'Idempotency-Key': key });
      // what a kill -9 after COMMIT leaves: the claim, no stored response, the resource committed
      await simulateCrashAfterCommit(t, collection);
      const [nodesBefore, servicesBefore, leasesBefore] = [await count('node'), await count('service'), await count('lease')];

      const retry = await t.http.post(collection).set(t.auth).set('Idempotency-Key', key).send(body).expect(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.location).toBe(first.location);
      expect(retry.headers.etag).toBe(first.etag);
      expect([await count('node'), await count('service'), await count('lease')]).toEqual([nodesBefore, servicesBefore, leasesBefore]);
      expect((await record(collection))?.status).toBe(201);
      // and from now on it is a plain replay
      const replay = await t.http.post(collection).set(t.auth).set('Idempotency-Key', key).send(body).expect(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toEqual(first.body);
    }
  });

  it('runs the create when the server died before committing it', async () => {
    const key = randomUUID();
    const body = { name: 'never-committed' };
    // a claim left behind by a dead process, and no node
    await insertClaim(t, key, nodes(), body, { claimedAt: "now() - interval '1 minute'" });
    const res = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send(body).expect(201);
    expect(res.body.name).toBe('never-committed');
    expect(res.body.podCidrs).toHaveLength(2);
    expect(await t.sql('SELECT status FROM idempotency_record WHERE status IS NULL')).toEqual([]);
  });

  it('does not adopt a holder that existed before the key was first claimed', async () => {
    await tf.create(nodes(), { name: 'older' });
    const key = randomUUID();
    // first claimed after the node existed; its claimant stopped answering a minute ago
    await insertClaim(t, key, nodes(), { name: 'older' }, { claimedAt: "now() - interval '1 minute'", firstClaimedAt: 'now()' });
    const res = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'older' }).expect(409);
    expect(res.body.type).toBe('/problems/already-exists');
    // the claim is dropped: nothing was allocated under it
    expect(await t.sql('SELECT key FROM idempotency_record WHERE status IS NULL')).toEqual([]);
  });

  it('treats a fresh claim of another live server as in use', async () => {
    const key = randomUUID();
    await tf.create(nodes(), { name: 'live-claim' }, { 'Idempotency-Key': key });
    await simulateCrashAfterCommit(t, nodes(), 'now()');
    const res = await t.http.post(nodes()).set(t.auth).set('Idempotency-Key', key).send({ name: 'live-claim' }).expect(409);
    expect(res.body.type).toBe('/problems/idempotency-key-in-use');
  });

  it('replays services:apply, JSON or YAML', async () => {
    const key = randomUUID();
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: applied\nspec:\n  ipFamilyPolicy: PreferDualStack\n';
    const path = `/v1/clusters/${clusterId}/services:apply`;
    const first = await t.http
      .post(path)
      .set(t.auth)
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/yaml')
      .send(yaml)
      .expect(201);
    const again = await t.http
      .post(path)
      .set(t.auth)
      .set('Idempotency-Key', key)
      .set('Content-Type', 'application/yaml')
      .send(yaml)
      .expect(201);
    expect(again.text).toBe(first.text);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(again.headers.location).toBe(first.headers.location);
    // the same manifest as JSON is another request
    await t.http
      .post(path)
      .set(t.auth)
      .set('Idempotency-Key', key)
      .send({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'applied' } })
      .expect(422);
  });

  it('gives 16 parallel node creates (count = 16) distinct pod CIDRs', async () => {
    const created = await Promise.all(
      Array.from({ length: 16 }, (_, i) => tf.create(nodes(), { name: `count-${i}` }, { 'Idempotency-Key': randomUUID() })),
    );
    for (const family of [0, 1]) expect(new Set(created.map((c) => c.body.podCidrs[family])).size).toBe(16);
  });

  it('gives 16 parallel Service creates distinct ClusterIPs', async () => {
    const created = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        tf.create(
          services(),
          { namespace: 'count', name: `svc-${i}`, ipFamilyPolicy: 'PreferDualStack' },
          { 'Idempotency-Key': randomUUID() },
        ),
      ),
    );
    const ips = created.flatMap((c) => c.body.clusterIPs as string[]);
    expect(ips).toHaveLength(32);
    expect(new Set(ips).size).toBe(32);
  });

  it('allocates once when the same key is sent 8 times at once', async () => {
    const key = randomUUID();
    const leases = await count('lease');
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.http
          .post(nodes())
          .set(t.auth)
          .set('Idempotency-Key', key)
          .send({ name: 'burst' })
          .then((r) => r),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.type).toBe('/problems/idempotency-key-in-use');
    expect(new Set(results.filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(1);
    expect(await count('lease')).toBe(leases + 2);
  });
});

/** Turns the newest completed record of a path into a claim left by a process that died (claimed a minute ago). */
async function simulateCrashAfterCommit(t: TestApp, path: string, claimedAt = "now() - interval '1 minute'"): Promise<void> {
  const rows = await t.sql(
    `UPDATE idempotency_record
        SET status = NULL, headers = NULL, completed_at = NULL, created_at = created_at - interval '1 second',
            body = jsonb_build_object('claim', jsonb_build_object('instance', 'a-process-that-died', 'nonce', gen_random_uuid()::text, 'at', ${claimedAt}))
      WHERE key = (SELECT key FROM idempotency_record WHERE path = $1 AND status IS NOT NULL ORDER BY completed_at DESC LIMIT 1)
      RETURNING key`,
    [path],
  );
  expect(rows).toHaveLength(1);
}

/** A claim as a process leaves it when it dies before storing the response. */
async function insertClaim(
  t: TestApp,
  key: string,
  path: string,
  body: object,
  opts: { claimedAt: string; firstClaimedAt?: string },
): Promise<void> {
  const [admin] = await t.sql<{ id: string }>(`SELECT id FROM api_token WHERE name = 'bootstrap-admin'`);
  await t.sql(
    `INSERT INTO idempotency_record (key, method, path, fingerprint, body, created_at)
     VALUES ($1, 'POST', $2, $3,
             jsonb_build_object('claim', jsonb_build_object('instance', 'a-process-that-died', 'nonce', 'n', 'at', ${opts.claimedAt})),
             ${opts.firstClaimedAt ?? opts.claimedAt})`,
    [idempotencyRecordKey(admin.id, 'POST', path, key), path, requestFingerprint('application/json', '', body)],
  );
}

/** A second connection holding the cluster row FOR UPDATE (node creates take FOR KEY SHARE on it). */
async function holdClusterLock(t: TestApp, clusterId: string): Promise<{ release(): Promise<void> }> {
  const { Client } = await import('pg');
  const { connectionConfig } = await import('@kipam/persistence');
  const client = new Client(connectionConfig(t.db.url));
  await client.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM cluster WHERE id = $1 FOR UPDATE', [clusterId]);
  return {
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
