import { startTestApp, type TestApp } from './setup/test-app';

describe('Domains', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('has a default domain that cannot be deleted', async () => {
    const { body } = await t.http.get('/v1/domains?name=default').set(t.auth).expect(200);
    expect(body.items).toHaveLength(1);
    const res = await t.http.delete(`/v1/domains/${body.items[0].id}`).set(t.auth).expect(409);
    expect(res.body.type).toBe('/problems/conflict');
  });

  it('creates, reads, updates with If-Match and deletes a domain', async () => {
    const created = await t.http.post('/v1/domains').set(t.auth).send({ name: 'prod-vpc', description: 'prod' }).expect(201);
    expect(created.body).toMatchObject({ name: 'prod-vpc', description: 'prod' });
    expect(created.headers.location).toBe(`/v1/domains/${created.body.id}`);
    const etag = created.headers.etag;
    expect(etag).toBeDefined();

    const read = await t.http.get(`/v1/domains/${created.body.id}`).set(t.auth).expect(200);
    expect(read.body).toEqual(created.body);
    expect(read.headers.etag).toBe(etag);
    await t.http.get('/v1/domains/prod-vpc').set(t.auth).expect(200);

    const updated = await t.http
      .patch(`/v1/domains/${created.body.id}`)
      .set(t.auth)
      .set('If-Match', etag)
      .send({ description: 'production' })
      .expect(200);
    expect(updated.body.description).toBe('production');
    expect(updated.headers.etag).not.toBe(etag);

    const stale = await t.http
      .patch(`/v1/domains/${created.body.id}`)
      .set(t.auth)
      .set('If-Match', etag)
      .send({ description: 'x' })
      .expect(412);
    expect(stale.body.type).toBe('/problems/precondition-failed');
    await t.http.patch(`/v1/domains/${created.body.id}`).set(t.auth).send({ name: 'renamed' }).expect(422);

    await t.http.delete(`/v1/domains/${created.body.id}`).set(t.auth).expect(204);
    await t.http.get(`/v1/domains/${created.body.id}`).set(t.auth).expect(404);
    await t.http.delete(`/v1/domains/${created.body.id}`).set(t.auth).expect(404);
  });

  it('refuses a duplicate name with 409 and the existing Location', async () => {
    const first = await t.http.post('/v1/domains').set(t.auth).send({ name: 'dup' }).expect(201);
    const again = await t.http.post('/v1/domains').set(t.auth).send({ name: 'dup' }).expect(409);
    expect(again.body.type).toBe('/problems/already-exists');
    expect(again.headers.location).toBe(`/v1/domains/${first.body.id}`);
  });

  it('validates names', async () => {
    for (const name of ['', 'UPPER', '-x', 'x-', 'a'.repeat(64), 'sp ace', 'ünï']) {
      const res = await t.http.post('/v1/domains').set(t.auth).send({ name }).expect(422);
      expect(res.body.errors[0].field).toBe('name');
    }
  });

  it('paginates in name order with a cursor', async () => {
    for (const name of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']) await t.http.post('/v1/domains').set(t.auth).send({ name }).expect(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { name: string }[]; nextCursor: string | null } } = await t.http
        .get('/v1/domains')
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .set(t.auth)
        .expect(200);
      seen.push(...res.body.items.map((d) => d.name));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(['p-a', 'p-b', 'p-c', 'p-d', 'p-e', 'default']));
    await t.http.get('/v1/domains?cursor=garbage').set(t.auth).expect(422);
    await t.http.get('/v1/domains?limit=0').set(t.auth).expect(422);
  });
});
