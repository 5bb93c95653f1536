import { startTestApp, type TestApp } from '../setup/test-app';

/** The value of one sample of a Prometheus exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('Metrics', () => {
  let t: TestApp;
  const metrics = async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(() => t.close());

  it('serves Prometheus metrics without a token by default, like /healthz', async () => {
    const text = await metrics();
    expect(text).toContain('# TYPE kipam_http_request_duration_seconds histogram');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('answers one family alone with the value a whole scrape has (?name[]=)', async () => {
    // prom-client sets the three heap gauges from one of them; asked alone, `used` must not read 0
    const res = await t.http.get('/metrics?name[]=nodejs_heap_size_used_bytes').expect(200);
    const used = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(res.text);
    expect(Number(used?.[1])).toBeGreaterThan(1024 * 1024);
    expect(res.text).not.toContain('nodejs_heap_size_total_bytes');
  });

  it('has request latency histograms by route pattern, method and status class', async () => {
    await t.http.get('/v1/domains').set(t.auth).expect(200);
    await t.http.get('/v1/domains/nope').set(t.auth).expect(404);
    await t.http.get('/v1/domains').expect(401);
    const text = await metrics();
    expect(sample(text, 'kipam_http_request_duration_seconds_count', { method: 'GET', route: '/v1/domains', status_class: '2xx' })).toBe(1);
    expect(sample(text, 'kipam_http_request_duration_seconds_count', { route: '/v1/domains/:domainId', status_class: '4xx' })).toBe(1);
    expect(sample(text, 'kipam_http_request_duration_seconds_count', { route: '/v1/domains', status_class: '4xx' })).toBe(1);
  });

  it('counts committed allocations and releases by kind, and shows range and cluster CIDR usage', async () => {
    await t.http.post('/v1/ranges').set(t.auth).send({ name: 'pods', cidr: '10.0.0.0/16' }).expect(201);
    const cluster = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'c1', podCidrs: [{ range: 'pods', prefixLength: 17 }], serviceCidrs: ['10.96.0.0/24'] })
      .expect(201);
    const id = cluster.body.id as string;
    const node = await t.http.post(`/v1/clusters/${id}/nodes`).set(t.auth).send({ name: 'n1' }).expect(201);
    // refused after nothing was allocated, and a failure after an allocation: neither counts
    await t.http.post(`/v1/clusters/${id}/nodes`).set(t.auth).send({ name: 'n1' }).expect(409);
    const exhausted = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'c2', podCidrs: [{ range: 'pods', prefixLength: 17 }], serviceCidrs: [{ range: 'pods', prefixLength: 17 }] })
      .expect(409);
    expect(exhausted.body.type).toBe('/problems/range-exhausted');
    await t.http.delete(`/v1/clusters/${id}/nodes/${node.body.id}`).set(t.auth).expect(204);

    const text = await metrics();
    expect(sample(text, 'kipam_allocations_total', { kind: 'cluster' })).toBe(1);
    expect(sample(text, 'kipam_allocations_total', { kind: 'node' })).toBe(1);
    expect(sample(text, 'kipam_allocations_total', { kind: 'service' })).toBe(1); // default/kubernetes
    expect(sample(text, 'kipam_allocations_total', { kind: 'system' })).toBe(2); // network and broadcast
    expect(sample(text, 'kipam_releases_total', { kind: 'node' })).toBe(1);

    const labels = { range: 'pods', domain: 'default', family: 'IPv4' };
    expect(sample(text, 'kipam_range_addresses', labels)).toBe(65536);
    expect(sample(text, 'kipam_range_free_addresses', labels)).toBe(32768);
    expect(sample(text, 'kipam_range_utilization_ratio', labels)).toBe(0.5);
    expect(sample(text, 'kipam_cluster_cidr_free_addresses', { cluster: 'c1', kind: 'service', family: 'IPv4' })).toBe(253);
    expect(sample(text, 'kipam_cluster_cidr_utilization_ratio', { cluster: 'c1', kind: 'pod' })).toBe(0);

    await t.http.delete(`/v1/clusters/${id}`).set(t.auth).expect(204);
    const after = await metrics();
    expect(sample(after, 'kipam_releases_total', { kind: 'cluster' })).toBe(1);
    expect(sample(after, 'kipam_releases_total', { kind: 'service' })).toBe(1);
    expect(sample(after, 'kipam_range_free_addresses', labels)).toBe(65536);
    expect(sample(after, 'kipam_cluster_cidr_free_addresses', { cluster: 'c1' })).toBeUndefined();
  });
});

describe('Metrics behind KIPAM_METRICS_TOKEN', () => {
  const SCRAPE = 'scrape-token-0123456789abcdefghijklmnopqrstuv';
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ KIPAM_METRICS_TOKEN: SCRAPE });
  });
  afterAll(() => t.close());

  it('answers 401 problem+json to a scrape without the metrics token (an API token is not enough), 200 with it', async () => {
    for (const headers of [{}, { Authorization: 'Bearer wrong' }, t.auth, { Authorization: `Bearer ${SCRAPE}x` }]) {
      const res = await t.http.get('/metrics').set(headers).expect(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(res.body.detail).toMatch(/KIPAM_METRICS_TOKEN/);
      expect(res.text).not.toContain('kipam_range');
    }
    const ok = await t.http.get('/metrics').set('Authorization', `Bearer ${SCRAPE}`).expect(200);
    expect(ok.text).toContain('kipam_http_request_duration_seconds');
    await t.http.get('/healthz').expect(200); // probes stay open
  });
});

describe('Rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t.close());

  it('answers 429 problem+json with Retry-After past the limit, per token, on REST and GraphQL', async () => {
    for (let i = 0; i < 5; i++) await t.http.get('/v1/domains').set(t.auth).expect(200);
    const res = await t.http.get('/v1/domains').set(t.auth).expect(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: '/problems/too-many-requests', status: 429, title: 'Too many requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    await t.http.post('/graphql').set(t.auth).send({ query: '{ __typename }' }).expect(429);

    // another credential has its own budget; probes and metrics are never limited
    await t.http.get('/v1/domains').set('Authorization', 'Bearer someone-else').expect(401);
    for (let i = 0; i < 10; i++) await t.http.get('/healthz').expect(200);
    await t.http.get('/metrics').expect(200);
  });
});

describe('Rate limit off', () => {
  it('is off with KIPAM_RATE_LIMIT_PER_MINUTE=0', async () => {
    const t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
    try {
      for (let i = 0; i < 30; i++) await t.http.get('/v1/domains').set(t.auth).expect(200);
    } finally {
      await t.close();
    }
  });
});
