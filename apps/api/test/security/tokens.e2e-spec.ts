import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { Database } from '@kipam/persistence';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/config';
import { TokenCache } from '../../src/tokens/token-cache';
import { hashSecret } from '../../src/tokens/token.service';
import { ADMIN_TOKEN, startTestApp, until, type TestApp } from '../setup/test-app';

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

/** Polls until `send` answers `status` (the notification travels asynchronously), at most 5 s. */
const eventually = async (send: () => Promise<{ status: number }>, status: number) => {
  let last = 0;
  for (let i = 0; i < 100; i++) {
    last = (await send()).status;
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(last).toBe(status);
};

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
    // the change reaches the app's token cache as a notification
    await eventually(() => t.http.get('/v1/domains').set(bearer(token.secret)), 401);
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

  describe('token checks cached per process, forgotten on every replica when any token changes', () => {
    // An hour, so that only the change notification can make a replica forget a token.
    const CACHE = { KIPAM_TOKEN_CACHE_SECONDS: '3600', KIPAM_RATE_LIMIT_PER_MINUTE: '0' };
    let a: TestApp;
    let b: NestFastifyApplication;
    let httpB: ReturnType<typeof request>;

    /** Waits until the app listens for token changes (its cache is off until then). */
    const listening = (app: NestFastifyApplication) => until(() => app.get(TokenCache).active);
    /** Statements the app sent for one request: 0 more than the cached case means its token was checked in the database. */
    const statementsFor = async (app: NestFastifyApplication, send: () => Promise<unknown>) => {
      const db = app.get(Database);
      const before = db.statements;
      await send();
      return db.statements - before;
    };
    beforeAll(async () => {
      a = await startTestApp(CACHE);
      const config = loadConfig({ KIPAM_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent', DATABASE_POOL_SIZE: '4', ...CACHE });
      b = (await createApp({ ...config, databaseUrl: a.db.url })).app;
      await b.getHttpAdapter().getInstance().ready();
      httpB = request(b.getHttpServer());
      await listening(a.app);
      await listening(b);
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    const issueOn = async (body: object): Promise<IssuedToken> =>
      (await a.http.post('/v1/tokens').set(a.auth).send(body).expect(201)).body as IssuedToken;

    it('checks a token in the database once, then answers from the cache', async () => {
      const token = await issueOn({ name: 'cached-reader', role: 'reader' });
      const first = await statementsFor(b, () => httpB.get('/v1/domains').set(bearer(token.secret)).expect(200));
      const second = await statementsFor(b, () => httpB.get('/v1/domains').set(bearer(token.secret)).expect(200));
      expect(first - second).toBe(1);
      // unknown secrets are never cached: each one is looked up
      const unknown = () => httpB.get('/v1/domains').set(bearer('kipam_not-a-token')).expect(401);
      expect(await statementsFor(b, unknown)).toBe(1);
      expect(await statementsFor(b, unknown)).toBe(1);
    });

    it('a revocation through one replica is refused by the other, and by the one that revoked on its next request', async () => {
      const token = await issueOn({ name: 'revoked-everywhere', role: 'writer' });
      await a.http.get('/v1/domains').set(bearer(token.secret)).expect(200);
      await httpB.get('/v1/domains').set(bearer(token.secret)).expect(200);
      await a.http.delete(`/v1/tokens/${token.id}`).set(a.auth).expect(204);
      await a.http.get('/v1/domains').set(bearer(token.secret)).expect(401);
      await eventually(() => httpB.get('/v1/domains').set(bearer(token.secret)), 401);
    });

    it('a change made directly in the database (expiry, new secret) is seen by every replica', async () => {
      const token = await issueOn({ name: 'changed-in-sql', role: 'reader' });
      await a.http.get('/v1/domains').set(bearer(token.secret)).expect(200);
      await httpB.get('/v1/domains').set(bearer(token.secret)).expect(200);
      await a.sql(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [token.id]);
      await eventually(() => a.http.get('/v1/domains').set(bearer(token.secret)), 401);
      await eventually(() => httpB.get('/v1/domains').set(bearer(token.secret)), 401);

      const other = await issueOn({ name: 'rotated-in-sql', role: 'reader' });
      await httpB.get('/v1/domains').set(bearer(other.secret)).expect(200);
      await a.sql('UPDATE api_token SET secret_hash = $2 WHERE id = $1', [other.id, hashSecret('kipam_rotated-secret')]);
      await eventually(() => httpB.get('/v1/domains').set(bearer(other.secret)), 401);
      await httpB.get('/v1/domains').set(bearer('kipam_rotated-secret')).expect(200);
      // a deleted token, too
      await a.sql('DELETE FROM api_token WHERE id = $1', [other.id]);
      await eventually(() => httpB.get('/v1/domains').set(bearer('kipam_rotated-secret')), 401);
    });

    it('keeps no entry past the token expiry, by the database clock', async () => {
      const token = await issueOn({ name: 'expiring-soon', role: 'reader', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      const generationBefore = b.get(TokenCache).generation;
      await a.sql(`UPDATE api_token SET expires_at = now() + interval '3 seconds' WHERE id = $1`, [token.id]);
      const changed = Date.now();
      const ask = () => httpB.get('/v1/domains').set(bearer(token.secret)).expect(200);
      await until(() => b.get(TokenCache).generation > generationBefore);
      // looked up once, then cached, with an hour to go by the cache's own time-to-live
      const first = await statementsFor(b, ask);
      const second = await statementsFor(b, ask);
      expect(first - second).toBe(1);
      await new Promise((r) => setTimeout(r, changed + 3200 - Date.now()));
      await httpB.get('/v1/domains').set(bearer(token.secret)).expect(401);
    });

    it('while the listening connection is down nothing is cached, and a change made meanwhile is not missed', async () => {
      const token = await issueOn({ name: 'during-outage', role: 'reader' });
      await httpB.get('/v1/domains').set(bearer(token.secret)).expect(200);
      const cache = b.get(TokenCache);
      // cut every replica's listening connection, then change the token while they reconnect
      await a.sql(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kipam-listen'`,
      );
      await until(() => !cache.active);
      // while down, every request checks its token in the database
      const check = () => httpB.get('/v1/domains').set(bearer(token.secret)).expect(200);
      const whileDown = await statementsFor(b, check);
      expect(cache.active).toBe(false); // reconnection starts half a second after the loss
      await a.sql(`UPDATE api_token SET revoked_at = now() WHERE id = $1`, [token.id]);
      await httpB.get('/v1/domains').set(bearer(token.secret)).expect(401);
      await listening(b);
      await httpB.get('/v1/domains').set(bearer(token.secret)).expect(401);
      // once back, caching resumes: a token costs a lookup once, as it did every time while down
      const fresh = await issueOn({ name: 'after-outage', role: 'reader' });
      const again = () => httpB.get('/v1/domains').set(bearer(fresh.secret)).expect(200);
      const first = await statementsFor(b, again);
      const cached = await statementsFor(b, again);
      expect(first - cached).toBe(1);
      expect(whileDown).toBe(first);
    });
  });
});
