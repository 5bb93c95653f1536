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
      const current = (await t.http.get(`/v1/domains/${domain.id}`).set(t.auth).expect(200)).headers.etag as string;
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
});
