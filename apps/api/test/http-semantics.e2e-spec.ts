import { startTestApp, type TestApp } from './setup/test-app';

/** HTTP semantics clients (Terraform first) rely on: conditional requests, methods, PATCH media types. */
describe('HTTP semantics', () => {
  let t: TestApp;
  let domain: { id: string; etag: string };

  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.http.post('/v1/domains').set(t.auth).send({ name: 'http', description: 'one' }).expect(201);
    domain = { id: res.body.id, etag: res.headers.etag };
  });

  afterAll(() => t.close());

  describe('If-Match', () => {
    it('compares strongly (RFC 9110 §13.1.1): a weak tag never matches, even with the current version', async () => {
      const current = (await t.http.get(`/v1/domains/${domain.id}`).set(t.auth).expect(200)).headers.etag;
      const weak = await t.http.patch(`/v1/domains/${domain.id}`).set(t.auth).set('If-Match', `W/${current}`).send({ description: 'weak' });
      expect(weak.status).toBe(412);
      expect(weak.body.type).toBe('/problems/precondition-failed');
      await t.http.delete(`/v1/domains/${domain.id}`).set(t.auth).set('If-Match', `W/${current}`).expect(412);
      expect((await t.http.get(`/v1/domains/${domain.id}`).set(t.auth)).body.description).toBe('one');
      // the strong tag, alone or in a list, still passes
      const ok = await t.http
        .patch(`/v1/domains/${domain.id}`)
        .set(t.auth)
        .set('If-Match', `"0", ${current}`)
        .send({ description: 'two' })
        .expect(200);
      domain.etag = ok.headers.etag;
    });
  });

  describe('If-None-Match', () => {
    it('answers a GET for an unchanged object 304 with its ETag and no body; a changed one 200', async () => {
      const read = await t.http.get(`/v1/domains/${domain.id}`).set(t.auth).expect(200);
      const etag = read.headers.etag;
      for (const tag of [etag, `W/${etag}`, `"0", ${etag}`, '*']) {
        const same = await t.http.get(`/v1/domains/${domain.id}`).set(t.auth).set('If-None-Match', tag);
        expect({ tag, status: same.status }).toEqual({ tag, status: 304 });
        expect(same.headers.etag).toBe(etag);
        expect(same.text ?? '').toBe('');
      }
      const head = await t.http.head(`/v1/domains/${domain.id}`).set(t.auth).set('If-None-Match', etag);
      expect(head.status).toBe(304);
      const other = await t.http.get(`/v1/domains/${domain.id}`).set(t.auth).set('If-None-Match', '"999"').expect(200);
      expect(other.body.id).toBe(domain.id);
      await t.http.patch(`/v1/domains/${domain.id}`).set(t.auth).send({ description: 'three' }).expect(200);
      const changed = await t.http.get(`/v1/domains/${domain.id}`).set(t.auth).set('If-None-Match', etag).expect(200);
      expect(changed.body.description).toBe('three');
      // a change is never answered 304, and errors stay errors
      await t.http.patch(`/v1/domains/${domain.id}`).set(t.auth).set('If-None-Match', '*').send({ description: 'four' }).expect(200);
      await t.http.get('/v1/domains/nope').set(t.auth).set('If-None-Match', '*').expect(404);
    });
  });

  describe('methods', () => {
    it('answers a method the path does not take 405 with Allow, as problem+json', async () => {
      const res = await t.http.put(`/v1/domains/${domain.id}`).set(t.auth).send({ description: 'x' });
      expect(res.status).toBe(405);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/method-not-allowed', status: 405 });
      expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE, OPTIONS');
      const collection = await t.http.delete('/v1/clusters').set(t.auth).expect(405);
      expect(collection.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
      // an unknown path is still 404
      await t.http.put('/v1/nothing-here').set(t.auth).expect(404);
    });

    it('answers OPTIONS with the methods of the path in Allow, and 404 for an unknown path', async () => {
      const res = await t.http.options(`/v1/clusters/00000000-0000-4000-8000-000000000000/nodes/x`).expect(204);
      expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE, OPTIONS');
      expect(res.text ?? '').toBe('');
      const root = await t.http.options('/v1/ranges').expect(204);
      expect(root.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
      await t.http.options('/v1/nothing-here').expect(404);
    });
  });

  describe('PATCH as application/merge-patch+json (RFC 7396)', () => {
    const mergePatch = (path: string, body: object) =>
      t.http.patch(path).set(t.auth).set('Content-Type', 'application/merge-patch+json').send(JSON.stringify(body));

    it('merges maps key by key: null removes a label, others stay', async () => {
      const range = await t.http
        .post('/v1/ranges')
        .set(t.auth)
        .send({ name: 'merge', cidr: '10.50.0.0/16', labels: { a: '1', b: '2' }, description: 'kept' })
        .expect(201);
      const res = await mergePatch(`/v1/ranges/${range.body.id}`, { labels: { b: null, c: '3' } }).expect(200);
      expect(res.body.labels).toEqual({ a: '1', c: '3' });
      expect(res.body.description).toBe('kept');
      expect((await t.http.get(`/v1/ranges/${range.body.id}`).set(t.auth)).body.labels).toEqual({ a: '1', c: '3' });
      // a top-level null still resets (labels: none)
      const reset = await mergePatch(`/v1/ranges/${range.body.id}`, { labels: null }).expect(200);
      expect(reset.body.labels).toEqual({});
      // application/json keeps its documented meaning: labels replaced whole, no null values
      await t.http
        .patch(`/v1/ranges/${range.body.id}`)
        .set(t.auth)
        .send({ labels: { b: null } })
        .expect(422);
    });

    it('merges a Service selector and honours If-Match', async () => {
      const cluster = await t.http
        .post('/v1/clusters')
        .set(t.auth)
        .send({ name: 'merge', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] })
        .expect(201);
      const svc = await t.http
        .post(`/v1/clusters/${cluster.body.id}/services`)
        .set(t.auth)
        .send({ namespace: 'web', name: 'api', selector: { app: 'api', tier: 'web' } })
        .expect(201);
      const path = `/v1/clusters/${cluster.body.id}/services/${svc.body.id}`;
      const merged = await mergePatch(path, { selector: { tier: null } }).expect(200);
      expect(merged.body.selector).toEqual({ app: 'api' });
      const stale = await t.http
        .patch(path)
        .set(t.auth)
        .set('Content-Type', 'application/merge-patch+json')
        .set('If-Match', svc.headers.etag)
        .send(JSON.stringify({ labels: { x: 'y' } }));
      expect(stale.status).toBe(412);
      await mergePatch(`/v1/clusters/${cluster.body.id}/services/00000000-0000-4000-8000-000000000000`, { labels: {} }).expect(404);
    });

    it('is for PATCH only: a POST with it is 415, a malformed body 400', async () => {
      const post = await t.http.post('/v1/domains').set(t.auth).set('Content-Type', 'application/merge-patch+json').send('{"name":"x"}');
      expect(post.status).toBe(415);
      expect(post.body.type).toBe('/problems/unsupported-media-type');
      const bad = await t.http.patch(`/v1/domains/${domain.id}`).set(t.auth).set('Content-Type', 'application/merge-patch+json').send('{');
      expect(bad.status).toBe(400);
    });
  });
});
