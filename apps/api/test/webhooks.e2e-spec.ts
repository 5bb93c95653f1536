import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/config';
import { ADMIN_TOKEN, startTestApp, until, type TestApp } from './setup/test-app';

const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
/** Fast retries and polls: the schedule's shape, not its scale, is under test. */
const FAST = {
  KIPAM_WEBHOOK_ALLOW_PRIVATE: 'true',
  KIPAM_WEBHOOK_BACKOFF_BASE_MS: '40',
  KIPAM_WEBHOOK_POLL_MS: '30',
  KIPAM_WEBHOOK_TIMEOUT_MS: '3000',
};

interface Received {
  id: string;
  path: string;
  body: string;
  headers: IncomingHttpHeaders;
  status: number;
  event: { id: string; type: string; subject: string; specversion: string; data: Record<string, unknown> };
}

/** A real HTTP receiver: answers `status` (503 while "down"), or holds requests while `hold` is set. */
class Receiver {
  received: Received[] = [];
  status = 200;
  hold = false;
  private held: (() => void)[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = () => {
          const status = this.status;
          this.received.push({
            id: String(req.headers['webhook-id']),
            path: req.url ?? '',
            body,
            headers: req.headers,
            status,
            event: JSON.parse(body),
          });
          res.writeHead(status).end();
        };
        if (this.hold) this.held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get heldCount(): number {
    return this.held.length;
  }

  release(): void {
    this.hold = false;
    for (const a of this.held.splice(0)) a();
  }

  /** The path of the webhook under test: `mine` is what reached it. */
  path = '';

  get mine(): Received[] {
    return this.received.filter((r) => r.path === this.path);
  }

  /** Deliveries to the webhook under test answered 2xx, by webhook-id. */
  succeeded(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.mine) if (r.status < 300) m.set(r.id, (m.get(r.id) ?? 0) + 1);
    return m;
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** Another Kipam process on the same database (a replica). */
async function replica(url: string, env: Record<string, string>): Promise<NestFastifyApplication> {
  const config = loadConfig({ KIPAM_ADMIN_TOKEN: ADMIN_TOKEN, DATABASE_POOL_SIZE: '4', LOG_LEVEL: 'silent', ...env });
  const { app } = await createApp({ ...config, databaseUrl: url }, { logger: false, bootstrapAdmin: false });
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('Events and webhooks', () => {
  let t: TestApp;
  let receiver: Receiver;
  const post = (path: string, body: object) => t.http.post(path).set(t.auth).send(body);
  const outbox = (type?: string) =>
    t.sql<{ type: string; subject: string; data: Record<string, unknown> }>(
      'SELECT type, subject, data FROM event_outbox WHERE $1::text IS NULL OR type = $1 ORDER BY id',
      [type ?? null],
    );
  let hooks = 0;
  /** A webhook on a path of its own: `receiver.mine` keeps what reached it. */
  const hook = async (body: object) => {
    const path = `/hook-${++hooks}`;
    const created = (await post('/v1/webhooks', { secret: SECRET, url: `${receiver.url}${path}`, ...body }).expect(201)).body as {
      id: string;
    };
    receiver.path = path;
    return created;
  };
  const deliveries = async (id: string) =>
    (await t.http.get(`/v1/webhooks/${id}/deliveries`).query({ limit: 1000 }).set(t.auth).expect(200)).body.items as {
      id: string;
      state: string;
      eventId: string;
      attempts: number;
      lastError: string | null;
    }[];
  const settled = async (id: string, n: number) => {
    for (let i = 0; i < 400; i++) {
      const d = await deliveries(id);
      if (d.length >= n && d.every((x) => x.state !== 'pending')) return d;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`deliveries of ${id} did not settle: ${JSON.stringify(await deliveries(id))}`);
  };
  const pause = (id: string) => t.http.patch(`/v1/webhooks/${id}`).set(t.auth).send({ enabled: false }).expect(200);

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    // this process delivers nothing: each test starts the delivery loops it means to watch
    t = await startTestApp({ ...FAST, KIPAM_WEBHOOK_DELIVERY: 'false' });
  });
  afterAll(async () => {
    await receiver.stop();
    await t.close();
  });
  beforeEach(() => {
    receiver.received = [];
    receiver.status = 200;
  });

  describe('the outbox', () => {
    it('holds a CloudEvent for every change, written with it', async () => {
      const before = (await outbox()).length;
      const cluster = (
        await post('/v1/clusters', { name: 'outbox', podCidrs: ['10.240.0.0/16'], serviceCidrs: ['10.100.0.0/16'] }).expect(201)
      ).body as { id: string };
      const node = (await post(`/v1/clusters/${cluster.id}/nodes`, { name: 'n1' }).expect(201)).body as { id: string };
      const events = (await outbox()).slice(before);
      const types = events.map((e) => `${e.type} ${e.subject.split('/')[0]}`);
      expect(types).toEqual(
        expect.arrayContaining(['lease.created services', 'cluster.created clusters', 'lease.created nodes', 'node.created nodes']),
      );
      expect(events.find((e) => e.type === 'lease.created' && e.subject === `nodes/${node.id}`)?.data).toMatchObject({
        cidr: '10.240.0.0/24',
        family: 'IPv4',
        holderKind: 'node',
        holderId: node.id,
      });
      expect(events.find((e) => e.type === 'node.created')?.data).toMatchObject({
        id: node.id,
        clusterId: cluster.id,
        actor: 'bootstrap-admin',
      });

      const mark = (await outbox()).length;
      await t.http.delete(`/v1/clusters/${cluster.id}/nodes/${node.id}`).set(t.auth).expect(204);
      expect((await outbox()).slice(mark).map((e) => `${e.type} ${e.subject}`)).toEqual(
        expect.arrayContaining([`node.deleted nodes/${node.id}`, `lease.released nodes/${node.id}`]),
      );
    });

    it('holds nothing of a refused change', async () => {
      const before = (await outbox()).length;
      // the service CIDR overlaps the pod CIDR: refused, nothing written
      await post('/v1/clusters', { name: 'refused', podCidrs: ['10.250.0.0/16'], serviceCidrs: ['10.250.0.0/20'] }).expect(422);
      // a node name taken: refused after its lease was allocated in the same transaction
      const c = (await post('/v1/clusters', { name: 'taken', podCidrs: ['10.251.0.0/16'], serviceCidrs: ['10.101.0.0/16'] }).expect(201))
        .body;
      await post(`/v1/clusters/${c.id}/nodes`, { name: 'n' }).expect(201);
      const mark = (await outbox()).length;
      await post(`/v1/clusters/${c.id}/nodes`, { name: 'n' }).expect(409);
      expect((await outbox()).length).toBe(mark);
      expect(before).toBeLessThan(mark);
    });

    it('announces a conflict when an overlapping CIDR is accepted, and its resolution when it goes', async () => {
      const mark = (await outbox()).length;
      const a = (await post('/v1/clusters', { name: 'brown-a', podCidrs: ['10.230.0.0/16'], serviceCidrs: ['10.231.0.0/20'] }).expect(201))
        .body;
      expect((await outbox()).slice(mark).filter((e) => e.type.startsWith('conflict.'))).toEqual([]);
      const b = (
        await post('/v1/clusters', {
          name: 'brown-b',
          podCidrs: ['10.230.0.0/16'],
          serviceCidrs: ['10.232.0.0/20'],
          allowConflicts: true,
        }).expect(201)
      ).body;
      const detected = (await outbox('conflict.detected')).filter((e) => e.data.clusterId === b.id);
      expect(detected).toHaveLength(1);
      expect(detected[0]).toMatchObject({
        subject: `domains/${b.domainId}`,
        data: { clusterId: b.id, kind: 'pod', cidr: '10.230.0.0/16', overlaps: [{ clusterId: a.id, kind: 'pod', cidr: '10.230.0.0/16' }] },
      });
      await t.http.delete(`/v1/clusters/${b.id}`).set(t.auth).expect(204);
      const resolved = (await outbox('conflict.resolved')).filter((e) => e.data.clusterId === b.id);
      expect(resolved).toHaveLength(1);
      expect(resolved[0].data).toMatchObject({ cidr: '10.230.0.0/16', overlaps: [{ clusterId: a.id }] });
    });

    it('announces an allocation refused for lack of space, on its own, and counts it', async () => {
      const c = (
        await post('/v1/clusters', {
          name: 'tiny',
          podCidrs: ['10.252.0.0/24'],
          serviceCidrs: ['10.102.0.0/28'],
          nodeMaskSizeIPv4: 25,
        }).expect(201)
      ).body as { id: string };
      await post(`/v1/clusters/${c.id}/nodes`, { name: 'a' }).expect(201);
      await post(`/v1/clusters/${c.id}/nodes`, { name: 'b' }).expect(201);
      await post(`/v1/clusters/${c.id}/nodes`, { name: 'c' }).expect(409);
      let exhausted: { data: Record<string, unknown> }[] = [];
      for (let i = 0; i < 100 && !exhausted.length; i++) {
        exhausted = (await outbox('capacity.exhausted')).filter((e) => (e.data.scope as { id: string }).id === c.id);
        if (!exhausted.length) await new Promise((r) => setTimeout(r, 50));
      }
      expect(exhausted).toHaveLength(1);
      expect(exhausted[0].data).toMatchObject({ scope: { kind: 'pod', id: c.id, family: 'IPv4' }, prefixLength: 25, holderKind: 'node' });
      // no node c, no lease of it: the refusal rolled back
      expect(await t.sql("SELECT 1 FROM node WHERE name = 'c' AND cluster_id = $1", [c.id])).toHaveLength(0);
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toContain(`kipam_exhaustion_refusals_total{scope="pod",scope_id="${c.id}",family="IPv4"} 1`);
    });
  });

  describe('webhooks', () => {
    it('are admin-only, never show the secret, and refuse bad URLs and secrets writing nothing', async () => {
      const writer = (await post('/v1/tokens', { name: 'hooks-writer', role: 'writer' }).expect(201)).body as { secret: string };
      await t.http.get('/v1/webhooks').set('Authorization', `Bearer ${writer.secret}`).expect(403);
      await t.http
        .post('/v1/webhooks')
        .set('Authorization', `Bearer ${writer.secret}`)
        .send({ url: receiver.url, secret: SECRET })
        .expect(403);

      const created = await post('/v1/webhooks', { url: receiver.url, secret: SECRET, eventTypes: ['node.created'] }).expect(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        url: receiver.url,
        eventTypes: ['node.created'],
        description: '',
        enabled: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(JSON.stringify(created.body)).not.toContain(SECRET);
      const read = await t.http.get(`/v1/webhooks/${created.body.id}`).set(t.auth).expect(200);
      expect(read.text).not.toContain('whsec_');
      const patched = await t.http
        .patch(`/v1/webhooks/${created.body.id}`)
        .set(t.auth)
        .send({ secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` });
      expect(patched.status).toBe(200);
      expect(patched.text).not.toContain('whsec_');
      const audit = await t.http.get('/v1/audit').query({ resource: 'webhook' }).set(t.auth).expect(200);
      expect(audit.text).not.toContain('whsec_');

      const count = async () => (await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook'))[0].n;
      const n = await count();
      const refused = async (body: object, field: string, message: RegExp) => {
        const res = await post('/v1/webhooks', { url: receiver.url, secret: SECRET, ...body }).expect(422);
        expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
      };
      await refused({ url: 'ftp://example.com/x' }, 'url', /http/);
      await refused({ url: 'file:///etc/passwd' }, 'url', /http/);
      await refused({ secret: 'hunter2' }, 'secret', /whsec_/);
      await refused({ url: 'http://no-such-host.invalid/' }, 'url', /does not resolve/);
      expect(
        (await post('/v1/webhooks', { url: receiver.url, secret: SECRET, eventTypes: ['lease.borrowed'] }).expect(422)).body.errors[0]
          .field,
      ).toMatch(/eventTypes/);
      expect(await count()).toBe(n);
      await t.http.delete(`/v1/webhooks/${created.body.id}`).set(t.auth).expect(204);
      await t.http.get(`/v1/webhooks/${created.body.id}`).set(t.auth).expect(404);
    });

    it('refuse loopback, link-local and private targets unless allowed, at creation and at delivery', async () => {
      const closed = await replica(t.db.url, { KIPAM_WEBHOOK_DELIVERY: 'false' });
      try {
        const http = request(closed.getHttpServer());
        for (const url of [
          receiver.url,
          'http://169.254.169.254/latest/meta-data/',
          'http://[::1]:9/',
          'http://10.0.0.1/',
          'http://localhost:9/',
        ]) {
          const res = await http.post('/v1/webhooks').set(t.auth).send({ url, secret: SECRET }).expect(422);
          expect(res.body.errors[0]).toEqual({ field: 'url', message: expect.stringMatching(/refused.*KIPAM_WEBHOOK_ALLOW_PRIVATE/) });
        }
      } finally {
        await closed.close();
      }
      // created where private targets are allowed, delivered by a process where they are not
      const h = await hook({ eventTypes: ['cluster.created'] });
      await post('/v1/clusters', { name: 'ssrf', podCidrs: ['10.241.0.0/16'], serviceCidrs: ['10.103.0.0/16'] }).expect(201);
      const guarded = await replica(t.db.url, { ...FAST, KIPAM_WEBHOOK_ALLOW_PRIVATE: 'false' });
      try {
        for (let i = 0; i < 200; i++) {
          const [d] = await deliveries(h.id);
          if (d?.lastError) break;
          await new Promise((r) => setTimeout(r, 25));
        }
        const [d] = await deliveries(h.id);
        expect(d.state).toBe('pending');
        expect(d.lastError).toMatch(/loopback/);
        expect(receiver.mine).toHaveLength(0);
      } finally {
        await guarded.close();
        await pause(h.id);
      }
    });

    it('deliver signed CloudEvents in order per subject; a receiver down for a while gets every one, none twice', async () => {
      const h = await hook({ eventTypes: ['node.created', 'node.updated', 'node.deleted', 'lease.created', 'lease.released'] });
      receiver.status = 503; // down
      const c = (await post('/v1/clusters', { name: 'signed', podCidrs: ['10.242.0.0/16'], serviceCidrs: ['10.104.0.0/16'] }).expect(201))
        .body;
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const n = (await post(`/v1/clusters/${c.id}/nodes`, { name: `n${i}` }).expect(201)).body as { id: string };
        ids.push(n.id);
        await t.http
          .patch(`/v1/clusters/${c.id}/nodes/${n.id}`)
          .set(t.auth)
          .send({ labels: { step: '2' } })
          .expect(200);
      }
      await t.http.delete(`/v1/clusters/${c.id}/nodes/${ids[0]}`).set(t.auth).expect(204);
      const expected = (await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_delivery WHERE webhook_id = $1', [h.id]))[0].n;
      // per node: lease.created, node.created, node.updated; node 0's release and deletion; the cluster's own leases
      expect(expected).toBeGreaterThanOrEqual(4 * 3 + 2);

      const app = await replica(t.db.url, FAST);
      try {
        await until(() => receiver.mine.length >= 6); // retried while down
        receiver.status = 200; // up
        const settledNow = await settled(h.id, expected);
        expect(settledNow.every((d) => d.state === 'succeeded')).toBe(true);
      } finally {
        await app.close();
        await pause(h.id);
      }
      const ok = receiver.mine.filter((r) => r.status === 200);
      expect(ok).toHaveLength(expected);
      expect([...receiver.succeeded().values()].every((n) => n === 1)).toBe(true);
      expect(receiver.mine.some((r) => r.status === 503)).toBe(true);

      const wh = new Webhook(SECRET);
      for (const r of ok) {
        expect(() => wh.verify(r.body, r.headers as Record<string, string>)).not.toThrow();
        expect(r.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
        expect(r.event).toMatchObject({ specversion: '1.0', id: r.id, source: '/kipam', datacontenttype: 'application/json' });
      }
      // a tampered body fails the check
      expect(() => wh.verify(`${ok[0].body} `, ok[0].headers as Record<string, string>)).toThrow();
      // per node, the order of the changes (a transaction's lease events come before its audited change's, as in the outbox)
      const first = ok.filter((r) => r.event.subject === `nodes/${ids[0]}`).map((r) => r.event.type);
      expect(first).toEqual(['lease.created', 'node.created', 'node.updated', 'lease.released', 'node.deleted']);
      const order = (await t.sql<{ id: string }>('SELECT event_id::text AS id FROM event_outbox ORDER BY event_outbox.id')).map(
        (r) => r.id,
      );
      for (const node of ids) {
        const seen = ok.filter((r) => r.event.subject === `nodes/${node}`).map((r) => order.indexOf(r.id));
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
      }
    });

    it('two processes deliver one outbox without sending a delivery twice', async () => {
      const h = await hook({ eventTypes: ['lease.created', 'service.created'] });
      const c = (await post('/v1/clusters', { name: 'pair', podCidrs: ['10.243.0.0/16'], serviceCidrs: ['10.105.0.0/16'] }).expect(201))
        .body;
      const a = await replica(t.db.url, FAST);
      const b = await replica(t.db.url, FAST);
      try {
        await Promise.all(
          Array.from({ length: 30 }, (_, i) => post(`/v1/clusters/${c.id}/services`, { namespace: 'pair', name: `s${i}` }).expect(201)),
        );
        const expected = (await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM webhook_delivery WHERE webhook_id = $1', [h.id]))[0].n;
        expect(expected).toBeGreaterThanOrEqual(60);
        await settled(h.id, expected);
        expect(receiver.mine).toHaveLength(expected);
        expect(receiver.succeeded().size).toBe(expected);
        // both took part
        const by = await t.sql<{ n: number }>(
          'SELECT count(DISTINCT last_attempt_at)::int AS n FROM webhook_delivery WHERE webhook_id = $1',
          [h.id],
        );
        expect(by[0].n).toBeGreaterThan(1);
      } finally {
        await a.close();
        await b.close();
        await pause(h.id);
      }
    });

    it('lose nothing when a process stops mid-delivery: another sends what it held', async () => {
      const h = await hook({ eventTypes: ['cluster.created'] });
      receiver.hold = true;
      const a = await replica(t.db.url, FAST);
      let closed = false;
      try {
        for (let i = 0; i < 3; i++)
          await post('/v1/clusters', {
            name: `held-${i}`,
            podCidrs: [`10.${244 + i}.0.0/16`],
            serviceCidrs: [`10.${106 + i}.0.0/16`],
          }).expect(201);
        await until(() => receiver.heldCount === 3); // in flight in process a
        await a.close();
        closed = true;
        receiver.release(); // a's requests were aborted: these answers reach no one
        const b = await replica(t.db.url, FAST);
        try {
          await settled(h.id, 3);
        } finally {
          await b.close();
        }
      } finally {
        if (!closed) await a.close();
        await pause(h.id);
      }
      const ds = await deliveries(h.id);
      expect(ds.map((d) => d.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const answered = receiver.succeeded();
      for (const d of ds) expect(answered.get(d.eventId)).toBeGreaterThanOrEqual(1);
    });

    it('mark a delivery failed once its retry window has passed; a redelivery sends it again', async () => {
      const h = await hook({ eventTypes: ['cluster.created'] });
      receiver.status = 500;
      await post('/v1/clusters', { name: 'failing', podCidrs: ['10.247.0.0/16'], serviceCidrs: ['10.109.0.0/16'] }).expect(201);
      // as if it had been retried for 24 hours already
      await t.sql("UPDATE webhook_delivery SET window_start = now() - interval '24 hours 1 minute' WHERE webhook_id = $1", [h.id]);
      const app = await replica(t.db.url, FAST);
      try {
        const [failed] = await settled(h.id, 1);
        expect(failed).toMatchObject({ state: 'failed', lastError: 'answered 500', attempts: 1 });
        const listed = await t.http.get(`/v1/webhooks/${h.id}/deliveries`).query({ state: 'failed' }).set(t.auth).expect(200);
        expect(listed.body.items.map((d: { id: string }) => d.id)).toEqual([failed.id]);

        receiver.status = 200;
        await t.http.post(`/v1/webhooks/${h.id}/deliveries/${failed.id}:redeliver`).set(t.auth).expect(202);
        const [again] = await settled(h.id, 1);
        expect(again).toMatchObject({ id: failed.id, state: 'succeeded' });
        await t.http.post(`/v1/webhooks/${h.id}/deliveries/00000000-0000-4000-8000-000000000000:redeliver`).set(t.auth).expect(404);
      } finally {
        await app.close();
        await pause(h.id);
      }
    });
  });

  it('hold an event for every committed lease change and none for the others (the check scripts/chaos.ts ends with)', async () => {
    const [ev] = await t.sql<{ live: number; gone: number; leases: number }>(`
      WITH ev AS (
        SELECT data->>'leaseId' AS lease_id, bool_or(type = 'lease.created') AS created, bool_or(type = 'lease.released') AS released
          FROM event_outbox WHERE type IN ('lease.created', 'lease.released') GROUP BY 1)
      SELECT (SELECT count(*)::int FROM lease l LEFT JOIN ev ON ev.lease_id = l.id::text WHERE ev.created IS NOT TRUE OR ev.released) AS live,
             (SELECT count(*)::int FROM ev WHERE ev.created AND NOT ev.released
                 AND NOT EXISTS (SELECT 1 FROM lease l WHERE l.id::text = ev.lease_id)) AS gone,
             (SELECT count(*)::int FROM lease) AS leases`);
    expect(ev).toEqual({ live: 0, gone: 0, leases: expect.any(Number) });
    expect(ev.leases).toBeGreaterThan(50);
  });
});
