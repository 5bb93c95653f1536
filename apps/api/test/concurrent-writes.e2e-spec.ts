import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { ADMIN_TOKEN, startTestApp, type TestApp } from './setup/test-app';

/**
 * Concurrent writes of one thing, across two replicas on one database: the
 * same name created sixteen times at once is one 201 and fifteen
 * `already-exists` with the winner's Location (never a constraint's name);
 * the same Service manifest applied sixteen times at once converges: one 201,
 * fifteen 200.
 */
const PARALLEL = 16;

describe('Concurrent writes', () => {
  let t: TestApp;
  let second: NestFastifyApplication;
  let replicas: ReturnType<typeof request>[];
  let clusterId: string;

  /** Request i goes to replica i mod 2. */
  const onBoth = <T>(n: number, send: (http: ReturnType<typeof request>, i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: n }, (_, i) => send(replicas[i % 2], i)));

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    const config = loadConfig({
      KIPAM_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
      DATABASE_POOL_SIZE: '10',
      KIPAM_RATE_LIMIT_PER_MINUTE: '0',
    });
    second = (await createApp({ ...config, databaseUrl: t.db.url })).app;
    await second.getHttpAdapter().getInstance().ready();
    replicas = [t.http, request(second.getHttpServer())];
    await t.http.post('/v1/ranges').set(t.auth).send({ name: 'pods', cidr: '100.64.0.0/10', defaultPrefixLength: 16 }).expect(201);
    clusterId = (
      await t.http
        .post('/v1/clusters')
        .set(t.auth)
        .send({ name: 'home', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
        .expect((r) => expect(r.body).toMatchObject({ id: expect.any(String) }))
    ).body.id;
  });
  afterAll(async () => {
    await second?.close();
    await t?.close();
  });

  /** Sixteen creations of one name: one 201, the rest already-exists pointing at it; nothing names a constraint. */
  async function sameNameRace(path: string, body: (i: number) => object, locationOf: (id: string) => string) {
    const answers = await onBoth(PARALLEL, (http, i) => http.post(path).set(t.auth).send(body(i)));
    const created = answers.filter((r) => r.status === 201);
    expect({ path, statuses: answers.map((r) => r.status).sort() }).toEqual({
      path,
      statuses: [201, ...Array<number>(PARALLEL - 1).fill(409)],
    });
    const winner = locationOf(created[0].body.id as string);
    for (const r of answers.filter((a) => a.status === 409)) {
      expect(r.body).toMatchObject({ type: '/problems/already-exists', location: winner });
      expect(r.headers.location).toBe(winner);
      expect(JSON.stringify(r.body)).not.toMatch(/_key\b|constraint/);
    }
    return created[0].body as { id: string };
  }

  it('clusters: 16 × POST {"name":"same"} (declared CIDRs and carved ones)', async () => {
    await sameNameRace(
      '/v1/clusters',
      () => ({ name: 'same', podCidrs: ['172.16.0.0/16'], serviceCidrs: ['172.17.0.0/16'] }),
      (id) => `/v1/clusters/${id}`,
    );
    await sameNameRace(
      '/v1/clusters',
      () => ({ name: 'carved', podCidrs: [{ range: 'pods' }], serviceCidrs: [{ range: 'pods', prefixLength: 20 }] }),
      (id) => `/v1/clusters/${id}`,
    );
    // the losers leased nothing: the range holds exactly the winner's two blocks
    const [{ n }] = await t.sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM lease l JOIN cluster c ON c.id = l.holder_id WHERE c.name = 'carved' AND l.holder_kind = 'cluster'",
    );
    expect(n).toBe(2);
    expect((await t.sql<{ n: number }>("SELECT count(*)::int AS n FROM cluster WHERE name IN ('same', 'carved')"))[0].n).toBe(2);
  });

  it('domains, ranges, nodes, Services and tokens: the same', async () => {
    await sameNameRace(
      '/v1/domains',
      () => ({ name: 'same' }),
      (id) => `/v1/domains/${id}`,
    );
    await sameNameRace(
      '/v1/ranges',
      (i) => ({ name: 'same', cidr: `192.168.${i}.0/24` }),
      (id) => `/v1/ranges/${id}`,
    );
    await sameNameRace(
      `/v1/clusters/${clusterId}/nodes`,
      () => ({ name: 'same' }),
      (id) => `/v1/clusters/${clusterId}/nodes/${id}`,
    );
    await sameNameRace(
      `/v1/clusters/${clusterId}/services`,
      () => ({ namespace: 'default', name: 'same' }),
      (id) => `/v1/clusters/${clusterId}/services/${id}`,
    );
    await sameNameRace(
      '/v1/tokens',
      () => ({ name: 'same', role: 'reader' }),
      (id) => `/v1/tokens/${id}`,
    );
    // one node and one Service: the losers hold no block and no ClusterIP
    const [{ nodes, services }] = await t.sql<{ nodes: number; services: number }>(
      `SELECT (SELECT count(*)::int FROM lease WHERE holder_kind = 'node') AS nodes,
              (SELECT count(*)::int FROM lease l JOIN service s ON s.id = l.holder_id WHERE l.holder_kind = 'service' AND s.name = 'same') AS services`,
    );
    expect({ nodes, services }).toEqual({ nodes: 1, services: 1 });
  });

  it('services:apply: 16 × the same manifest is one 201 and fifteen 200 (JSON and YAML)', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'applied', namespace: 'web', labels: { app: 'web' } },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    };
    const answers = await onBoth(PARALLEL, (http) => http.post(`/v1/clusters/${clusterId}/services:apply`).set(t.auth).send(manifest));
    expect(answers.map((r) => r.status).sort()).toEqual([...Array<number>(PARALLEL - 1).fill(200), 201]);
    const ips = new Set(answers.map((r) => r.body.spec.clusterIP as string));
    expect(ips.size).toBe(1);

    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: applied-yaml\nspec:\n  ports:\n  - port: 53\n';
    const again = await onBoth(PARALLEL, (http) =>
      http.post(`/v1/clusters/${clusterId}/services:apply`).set(t.auth).set('content-type', 'application/yaml').send(yaml),
    );
    expect(again.map((r) => r.status).sort()).toEqual([...Array<number>(PARALLEL - 1).fill(200), 201]);
    const [{ n }] = await t.sql<{ n: number }>("SELECT count(*)::int AS n FROM service WHERE name IN ('applied', 'applied-yaml')");
    expect(n).toBe(2);
  });
});
