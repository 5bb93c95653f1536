import { startTestApp, type TestApp } from './setup/test-app';

describe('Foundation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves /healthz and /readyz without a token', async () => {
    await t.http.get('/healthz').expect(200, { status: 'ok' });
    const ready = await t.http.get('/readyz').expect(200);
    expect(ready.body).toMatchObject({ status: 'ready' });
  });

  it('answers 401 problem+json without a token, with a wrong token and with a malformed header', async () => {
    for (const headers of [{}, { Authorization: 'Bearer nope-nope-nope' }, { Authorization: 'Basic Zm9vOmJhcg==' }]) {
      const res = await t.http.get('/v1/domains').set(headers).expect(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).toMatchObject({ type: '/problems/unauthorized', status: 401, title: 'Unauthorized' });
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
    }
  });

  it('lets the admin token through', async () => {
    const res = await t.http.get('/v1/domains').set(t.auth).expect(200);
    expect(res.body.items.map((d: { name: string }) => d.name)).toContain('default');
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const mine = await t.http.get('/healthz').set('X-Request-Id', 'trace-123').expect(200);
    expect(mine.headers['x-request-id']).toBe('trace-123');
    const unsafe = await t.http.get('/healthz').set('X-Request-Id', 'a b<script>').expect(200);
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns bad JSON, wrong types and unknown fields into 4xx problems that change nothing', async () => {
    const badJson = await t.http.post('/v1/domains').set(t.auth).set('content-type', 'application/json').send('{"name": ').expect(400);
    expect(badJson.body).toMatchObject({ type: '/problems/bad-request', status: 400 });

    const wrongType = await t.http.post('/v1/domains').set(t.auth).send({ name: 42 }).expect(422);
    expect(wrongType.body.type).toBe('/problems/validation-failed');
    expect(wrongType.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'name' })]));

    const unknown = await t.http.post('/v1/domains').set(t.auth).send({ name: 'ok-name', colour: 'blue' }).expect(422);
    expect(unknown.body.errors).toEqual([{ field: 'colour', message: 'is not a known field' }]);

    const notObject = await t.http.post('/v1/domains').set(t.auth).send([1, 2]).expect(422);
    expect(notObject.body.status).toBe(422);

    const text = await t.http.post('/v1/domains').set(t.auth).set('content-type', 'text/plain').send('name=x');
    expect(text.status).toBe(415);
    expect(text.headers['content-type']).toMatch(/problem\+json/);

    const [{ n }] = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM domain');
    expect(n).toBe(1);
  });

  it('treats an empty JSON body of a DELETE as no body, but not of a POST', async () => {
    const created = await t.http.post('/v1/domains').set(t.auth).send({ name: 'empty-body' }).expect(201);
    await t.http.delete(`/v1/domains/${created.body.id}`).set(t.auth).set('content-type', 'application/json').expect(204);
    const post = await t.http.post('/v1/domains').set(t.auth).set('content-type', 'application/json').expect(400);
    expect(post.body.type).toBe('/problems/bad-request');
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await t.http
      .post('/v1/domains')
      .set(t.auth)
      .send({ name: 'big', description: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.type).toBe('/problems/payload-too-large');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await t.http.get('/nope').expect(404);
    expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404 });
  });
});
