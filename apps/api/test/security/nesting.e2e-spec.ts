import { startTestApp, type TestApp } from '../setup/test-app';

/** `depth` objects inside each other: {"a":{"a":…}} */
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** `depth` arrays inside each other: [[[…]]] */
const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('Deeply nested request bodies', () => {
  let t: TestApp;
  let clusterId: string;
  const counts = async () =>
    (
      await t.sql<{ n: string }>(
        'SELECT (SELECT count(*) FROM domain) + (SELECT count(*) FROM cluster) + (SELECT count(*) FROM service) AS n',
      )
    )[0].n;

  beforeAll(async () => {
    t = await startTestApp();
    const cluster = await t.http
      .post('/v1/clusters')
      .set(t.auth)
      .send({ name: 'deep', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
      .expect(201);
    clusterId = cluster.body.id;
  });
  afterAll(() => t.close());

  const bodies: [string, string][] = [
    ['objects 2,500 deep inside a field', `{"name":"x","labels":${nestedObjects(2500)}}`],
    ['arrays 2,000 deep inside a field', `{"name":"x","podCidrs":${nestedArrays(2000)}}`],
    ['arrays 100,000 deep', nestedArrays(100_000)],
    ['objects one level over the limit (33)', `{"name":"x","labels":${nestedObjects(32)}}`],
  ];

  it.each(bodies)('answers %s with 400 bad-request on every JSON route, before validation, and changes nothing', async (_, body) => {
    const before = await counts();
    const routes: [method: 'post' | 'patch', path: string][] = [
      ['post', '/v1/domains'],
      ['post', '/v1/clusters'],
      ['patch', `/v1/clusters/${clusterId}`],
      ['post', `/v1/clusters/${clusterId}/nodes`],
      ['post', `/v1/clusters/${clusterId}/services`],
      ['post', `/v1/clusters/${clusterId}/services:apply`],
      ['post', '/v1/tokens'],
    ];
    for (const [method, path] of routes) {
      const res = await t.http[method](path).set(t.auth).set('content-type', 'application/json').send(body);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/bad-request', status: 400 });
      expect(res.body.detail).toMatch(/deeper than 32 levels/);
    }
    const graphql = await t.http
      .post('/graphql')
      .set(t.auth)
      .set('content-type', 'application/json')
      .send(`{"query":"query($l: Labels) { __typename }","variables":{"l":${body}}}`);
    expect(graphql.status).toBe(400);
    expect(JSON.stringify(graphql.body)).toMatch(/deeper than 32 levels/);
    expect(await counts()).toBe(before);
    await t.http.get('/healthz').expect(200);
  });

  it('accepts nesting up to the limit (a manifest with deep annotations-like data is echoed)', async () => {
    // the manifest, spec and 30 objects: 32 levels
    const deepValue = nestedObjects(30);
    const manifest = `{"apiVersion":"v1","kind":"Service","metadata":{"name":"within"},"spec":{"x":${deepValue}}}`;
    const res = await t.http
      .post(`/v1/clusters/${clusterId}/services:apply`)
      .set(t.auth)
      .set('content-type', 'application/json')
      .send(manifest);
    expect(res.status).toBe(201);
  });

  it.each([
    ['a flow sequence 100,000 deep', `apiVersion: v1\nkind: Service\nmetadata: {name: y}\nspec:\n  x: ${nestedArrays(100_000)}\n`],
    [
      'flow mappings 5,000 deep',
      `apiVersion: v1\nkind: Service\nmetadata: {name: y}\nspec:\n  x: ${'{a: '.repeat(5000)}1${'}'.repeat(5000)}\n`,
    ],
    [
      'block mappings 500 deep',
      `apiVersion: v1\nkind: Service\nmetadata: {name: y}\nspec:\n${Array.from({ length: 500 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`,
    ],
    // aliases nest no deeper in the text, but the value they build does
    ['an alias that refers to itself', 'apiVersion: v1\nkind: Service\nmetadata: {name: y}\nspec:\n  x: &a [*a]\n'],
    [
      'aliases that build a value deeper than the text',
      `apiVersion: v1\nkind: Service\nmetadata: {name: y}\nspec:\n  a0: &a0 ${nestedArrays(10)}\n${Array.from({ length: 8 }, (_, i) => `  a${i + 1}: &a${i + 1} [[[[[*a${i}]]]]]`).join('\n')}\n`,
    ],
  ])('answers a YAML manifest with %s with 400 bad-request', async (_, yaml) => {
    const before = await counts();
    const res = await t.http
      .post(`/v1/clusters/${clusterId}/services:apply`)
      .set(t.auth)
      .set('content-type', 'application/yaml')
      .send(yaml);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: '/problems/bad-request', status: 400 });
    expect(res.body.detail).toMatch(/deeper than 32 levels/);
    expect(await counts()).toBe(before);
  });
});
