import { hashSecret } from '../../src/tokens/token.service';
import { startTestApp, type TestApp } from '../setup/test-app';

interface IssuedToken {
  id: string;
  name: string;
  role: string;
  clusters: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  createdAt: string;
  secret: string;
}

describe('API tokens', () => {
  let t: TestApp;
  const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
  const issue = async (body: object): Promise<IssuedToken> =>
    (await t.http.post('/v1/tokens').set(t.auth).send(body).expect(201)).body as IssuedToken;

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(() => t.close());

  it('issues a token whose secret is shown once and stored only as a SHA-256 hash', async () => {
    const res = await t.http.post('/v1/tokens').set(t.auth).send({ name: 'ci-reader', role: 'reader' }).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'ci-reader',
      role: 'reader',
      clusters: [],
      expiresAt: null,
      revokedAt: null,
      createdAt: expect.any(String),
      secret: expect.stringMatching(/^kipam_[A-Za-z0-9_-]{43}$/),
    });
    expect(res.headers.location).toBe(`/v1/tokens/${res.body.id}`);
    const [row] = await t.sql<{ secret_hash: string }>('SELECT secret_hash FROM api_token WHERE id = $1', [res.body.id]);
    expect(row.secret_hash).toBe(hashSecret(res.body.secret as string));
    const dump = JSON.stringify(await t.sql('SELECT * FROM api_token'));
    expect(dump).not.toContain(res.body.secret);

    await t.http
      .get('/v1/domains')
      .set(bearer(res.body.secret as string))
      .expect(200);
    const one = await t.http.get(`/v1/tokens/${res.body.id}`).set(t.auth).expect(200);
    expect(one.body).not.toHaveProperty('secret');
    expect(one.body.name).toBe('ci-reader');
  });

  it('lists tokens by name with cursor pagination, never with secrets', async () => {
    for (const name of ['list-a', 'list-b', 'list-c']) await issue({ name, role: 'reader' });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.http
        .get('/v1/tokens')
        .query(cursor ? { limit: 2, cursor } : { limit: 2 })
        .set(t.auth)
        .expect(200);
      for (const item of page.body.items as Record<string, unknown>[]) {
        expect(item).not.toHaveProperty('secret');
        names.push(item.name as string);
      }
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['bootstrap-admin', 'ci-reader', 'list-a', 'list-b', 'list-c']));
  });

  it('validates names, roles, scopes and expiry', async () => {
    const bad = async (body: object, field: string) => {
      const res = await t.http.post('/v1/tokens').set(t.auth).send(body).expect(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    };
    await bad({ name: 'Bad Name', role: 'reader' }, 'name');
    await bad({ name: 'x', role: 'root' }, 'role');
    await bad({ name: 'x', role: 'reader', clusters: ['not-a-uuid'] }, 'clusters');
    await bad({ name: 'x', role: 'admin', clusters: ['6f1c2a8e-95a4-4c3e-9d53-1f6c0b1f0a11'] }, 'clusters');
    await bad({ name: 'x', role: 'writer', clusters: ['6f1c2a8e-95a4-4c3e-9d53-1f6c0b1f0a11'] }, 'clusters[0]');
    await bad({ name: 'x', role: 'reader', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt');
    await bad({ name: 'x', role: 'reader', expiresAt: 'tomorrow' }, 'expiresAt');
    const dup = await t.http.post('/v1/tokens').set(t.auth).send({ name: 'ci-reader', role: 'writer' }).expect(409);
    expect(dup.body.type).toBe('/problems/already-exists');
    expect(dup.headers.location).toMatch(/^\/v1\/tokens\//);
  });

  it('revokes a token: the next request with it is 401, and revoking again is a no-op', async () => {
    const token = await issue({ name: 'to-revoke', role: 'writer' });
    await t.http.get('/v1/domains').set(bearer(token.secret)).expect(200);
    await t.http.delete(`/v1/tokens/${token.id}`).set(t.auth).expect(204);
    const res = await t.http.get('/v1/domains').set(bearer(token.secret)).expect(401);
    expect(res.body.type).toBe('/problems/unauthorized');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    await t.http.post('/graphql').set(bearer(token.secret)).send({ query: '{ __typename }' }).expect(401);
    await t.http.delete(`/v1/tokens/${token.id}`).set(t.auth).expect(204);
    const read = await t.http.get(`/v1/tokens/${token.id}`).set(t.auth).expect(200);
    expect(read.body.revokedAt).toEqual(expect.any(String));
    await t.http.delete('/v1/tokens/6f1c2a8e-95a4-4c3e-9d53-1f6c0b1f0a11').set(t.auth).expect(404);
    await t.http.get('/v1/tokens/nope').set(t.auth).expect(404);
  });

  it('refuses a token once its expiresAt has passed', async () => {
    const token = await issue({ name: 'short-lived', role: 'reader', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(token.expiresAt).toEqual(expect.any(String));
    await t.http.get('/v1/domains').set(bearer(token.secret)).expect(200);
    await t.sql(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [token.id]);
    await t.http.get('/v1/domains').set(bearer(token.secret)).expect(401);
  });

  it('lets only admins manage tokens', async () => {
    const writer = await issue({ name: 'plain-writer', role: 'writer' });
    const reader = await issue({ name: 'plain-reader', role: 'reader' });
    for (const secret of [writer.secret, reader.secret]) {
      const res = await t.http.get('/v1/tokens').set(bearer(secret)).expect(403);
      expect(res.body.type).toBe('/problems/forbidden');
      await t.http.post('/v1/tokens').set(bearer(secret)).send({ name: 'escalate', role: 'admin' }).expect(403);
      await t.http.delete(`/v1/tokens/${writer.id}`).set(bearer(secret)).expect(403);
    }
    const admin = await issue({ name: 'second-admin', role: 'admin' });
    await t.http.post('/v1/tokens').set(bearer(admin.secret)).send({ name: 'made-by-admin', role: 'reader' }).expect(201);
  });
});
