import { randomUUID } from 'node:crypto';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { startTestApp, type TestApp } from '../setup/test-app';

/**
 * Every REST route (read from Fastify's router) and every GraphQL mutation,
 * with every kind of caller: the auth outcome only (401, 403, or through: any
 * other answer, 2xx or a domain 4xx).
 */

type Outcome = 401 | 403 | 'through';
type Caller = 'none' | 'bad' | 'expired' | 'revoked' | 'reader' | 'writerOwn' | 'writerOther' | 'writer' | 'admin';
type Access = 'read' | 'change' | 'admin';

interface Route {
  method: string;
  path: string;
}

/** Routes from `printRoutes()`: a tree, one segment per line, indented four characters per level. */
function routesOf(tree: string): Route[] {
  const stack: string[] = [];
  const out: Route[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ├└─]*)── (.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m) continue;
    const depth = ([...m[1]].length - 1) / 4;
    stack.length = depth;
    const path = `${stack[depth - 1] ?? ''}${m[2]}`;
    stack.push(path);
    for (const method of m[3]?.split(', ') ?? []) out.push({ method, path });
  }
  return out;
}

const RELEVANT = (r: Route) => r.path.startsWith('/v1/') || r.path === '/graphql';

/** What each route needs, as the design says: tokens, audit and webhooks are admin's; changes need a writer. */
function accessOf(r: Route): Access {
  if (r.path.startsWith('/v1/tokens') || r.path.startsWith('/v1/audit') || r.path.startsWith('/v1/webhooks')) return 'admin';
  return ['GET', 'HEAD', 'OPTIONS'].includes(r.method) ? 'read' : 'change';
}

function expected(caller: Caller, access: Access, touchesCluster: boolean): Outcome {
  switch (caller) {
    case 'none':
    case 'bad':
    case 'expired':
    case 'revoked':
      return 401;
    case 'admin':
      return 'through';
    case 'reader':
      return access === 'read' ? 'through' : 403;
    case 'writer':
      return access === 'admin' ? 403 : 'through';
    case 'writerOwn':
      return access === 'read' || (access === 'change' && touchesCluster) ? 'through' : 403;
    case 'writerOther':
      return access === 'read' ? 'through' : 403;
  }
}

describe('Authorization matrix', () => {
  let t: TestApp;
  const secrets: Partial<Record<Caller, string>> = {};
  const ids: Record<string, string> = {};
  let clusterA: string;
  let clusterB: string;

  const headersOf = (caller: Caller): Record<string, string> =>
    caller === 'none' ? {} : { Authorization: `Bearer ${caller === 'bad' ? 'kipam_not-a-real-token' : secrets[caller]}` };

  beforeAll(async () => {
    t = await startTestApp({ KIPAM_RATE_LIMIT_PER_MINUTE: '0', KIPAM_WEBHOOK_ALLOW_PRIVATE: 'true', KIPAM_WEBHOOK_DELIVERY: 'false' });
    const post = async (path: string, body: object) => (await t.http.post(path).set(t.auth).send(body).expect(201)).body as { id: string };
    ids.webhookId = (
      await post('/v1/webhooks', { url: 'http://127.0.0.1:9/', secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}` })
    ).id;
    ids.deliveryAction = '00000000-0000-4000-8000-000000000000:redeliver';
    ids.domainId = (await post('/v1/domains', { name: 'matrix' })).id;
    ids.rangeId = (await post('/v1/ranges', { name: 'matrix-range', cidr: '10.0.0.0/8' })).id;
    ids.reservationId = (await post(`/v1/ranges/${ids.rangeId}/reservations`, { cidr: '10.255.0.0/16' })).id;
    ids.serviceCidrName = 'matrix-extra'; // need not exist: authorization comes first
    clusterA = (await post('/v1/clusters', { name: 'a', podCidrs: ['10.1.0.0/16'], serviceCidrs: ['10.2.0.0/16'] })).id;
    clusterB = (await post('/v1/clusters', { name: 'b', podCidrs: ['10.3.0.0/16'], serviceCidrs: ['10.4.0.0/16'] })).id;
    for (const [c, name] of [
      [clusterA, 'a'],
      [clusterB, 'b'],
    ]) {
      ids[`node:${c}`] = (await post(`/v1/clusters/${c}/nodes`, { name: `node-${name}` })).id;
      ids[`service:${c}`] = (await post(`/v1/clusters/${c}/services`, { namespace: 'default', name: `svc-${name}` })).id;
    }
    const issue = async (name: string, body: object) => {
      const res = await t.http
        .post('/v1/tokens')
        .set(t.auth)
        .send({ name, ...body })
        .expect(201);
      return res.body as { id: string; secret: string };
    };
    secrets.reader = (await issue('m-reader', { role: 'reader' })).secret;
    secrets.writer = (await issue('m-writer', { role: 'writer' })).secret;
    const scoped = await issue('m-writer-a', { role: 'writer', clusters: [clusterA] });
    secrets.writerOwn = scoped.secret;
    secrets.writerOther = scoped.secret;
    secrets.admin = (await issue('m-admin', { role: 'admin' })).secret;
    const expired = await issue('m-expired', { role: 'admin', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await t.sql(`UPDATE api_token SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);
    secrets.expired = expired.secret;
    const revoked = await issue('m-revoked', { role: 'admin' });
    await t.http.delete(`/v1/tokens/${revoked.id}`).set(t.auth).expect(204);
    secrets.revoked = revoked.secret;
  });
  afterAll(() => t.close());

  const CALLERS: Caller[] = ['none', 'bad', 'expired', 'revoked', 'reader', 'writerOwn', 'writerOther', 'writer', 'admin'];

  it('REST: every route and method, every caller', async () => {
    const routes = routesOf(t.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false })).filter(RELEVANT);
    const rest = routes.filter((r) => r.path.startsWith('/v1/'));
    // the router really was read (a change of printRoutes' format must not empty this test)
    expect(rest.length).toBeGreaterThanOrEqual(40);
    expect(rest).toEqual(expect.arrayContaining([{ method: 'DELETE', path: '/v1/clusters/:clusterId/services/:serviceId' }]));
    const failures: string[] = [];
    for (const route of rest) {
      const touchesCluster = route.path.includes(':clusterId');
      for (const caller of CALLERS) {
        const cluster = caller === 'writerOther' ? clusterB : clusterA;
        const url = route.path.replace(/\/:(\w+)/g, (_, name: string) => {
          if (name === 'clusterId') return `/${cluster}`;
          if (name === 'nodeId' || name === 'serviceId') return `/${ids[`${name.replace('Id', '')}:${cluster}`]}`;
          if (name === 'tokenId') return `/${randomUUID()}`; // never revoke a real token here
          if (name === 'poolName') return '/default-ipv4'; // every cluster's own pod CIDR: never patched or deleted
          if (!ids[name]) throw new Error(`no fixture for path parameter ${name} (${route.path})`);
          return `/${ids[name]}`;
        });
        const req = t.http[route.method.toLowerCase() as 'get'](url).set(headersOf(caller));
        // a stale If-Match stops every PATCH/DELETE after authorization: nothing changes
        if (route.method === 'PATCH' || route.method === 'DELETE') void req.set('If-Match', '"0"');
        const res = ['POST', 'PATCH', 'PUT'].includes(route.method) ? await req.send({}) : await req;
        const want = expected(caller, accessOf(route), touchesCluster);
        const got: Outcome = res.status === 401 || res.status === 403 ? res.status : 'through';
        if (got !== want || res.status >= 500) failures.push(`${caller} ${route.method} ${route.path}: ${res.status}, expected ${want}`);
        if (res.status === 401) {
          if (!/^Bearer/.test(String(res.headers['www-authenticate'])))
            failures.push(`${route.method} ${route.path}: 401 without WWW-Authenticate`);
        }
        if ((res.status === 401 || res.status === 403) && route.method !== 'HEAD') {
          if (!String(res.headers['content-type']).startsWith('application/problem+json')) failures.push(`${route.path}: not problem+json`);
          expect(res.body.type).toBe(res.status === 401 ? '/problems/unauthorized' : '/problems/forbidden');
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('GraphQL: every mutation (and the admin-only audit query), every caller', async () => {
    const schema = t.app.get(GraphQLSchemaHost).schema;
    const mutations = Object.values(schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThanOrEqual(10);

    const valueOf = (type: GraphQLInputType, name: string, cluster: string): unknown => {
      if (isNonNullType(type)) return valueOf(type.ofType, name, cluster);
      if (isListType(type)) return [];
      if (isEnumType(type)) return type.getValues()[0].value;
      if (isInputObjectType(type)) {
        const out: Record<string, unknown> = {};
        for (const f of Object.values(type.getFields())) {
          if (isNonNullType(f.type)) out[f.name] = valueOf(f.type, f.name, cluster);
        }
        return out;
      }
      if (isScalarType(type)) {
        if (type.name === 'ID') return name === 'clusterId' ? cluster : randomUUID();
        if (type.name === 'Int' || type.name === 'Float') return 24;
        if (type.name === 'Boolean') return false;
        if (type.name === 'String') return 'matrix-x';
        return {};
      }
      throw new Error(`cannot build a ${String(type)} for ${name}`);
    };
    const documentOf = (m: GraphQLField<unknown, unknown>, cluster: string) => {
      const args = m.args.filter((a) => isNonNullType(a.type));
      const variables: Record<string, unknown> = {};
      for (const a of args) {
        const clusterArg = a.name === 'clusterId' || ((m.name === 'updateCluster' || m.name === 'deleteCluster') && a.name === 'id');
        variables[a.name] = clusterArg ? cluster : valueOf(a.type, a.name, cluster);
      }
      const declared = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
      const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const selection = isObjectType(getNamedType(m.type)) ? ' { __typename }' : '';
      return {
        query: `mutation${declared ? `(${declared})` : ''} { ${m.name}${passed ? `(${passed})` : ''}${selection} }`,
        variables,
      };
    };
    const touches = (m: GraphQLField<unknown, unknown>) =>
      m.args.some((a) => a.name === 'clusterId') || m.name === 'updateCluster' || m.name === 'deleteCluster';

    const failures: string[] = [];
    const check = async (label: string, caller: Caller, body: object, want: Outcome) => {
      const res = await t.http.post('/graphql').set(headersOf(caller)).send(body);
      const statuses = ((res.body?.errors ?? []) as { extensions?: { status?: number } }[]).map((e) => e.extensions?.status);
      const got: Outcome = res.status === 401 ? 401 : statuses.includes(403) ? 403 : statuses.includes(401) ? 401 : 'through';
      if (got !== want || res.status >= 500 || statuses.some((s) => (s ?? 0) >= 500)) {
        failures.push(`${caller} ${label}: HTTP ${res.status} ${JSON.stringify(res.body?.errors?.[0]?.message)}, expected ${want}`);
      }
      if (!res.body?.errors && !res.body?.data && res.status !== 401) failures.push(`${caller} ${label}: neither data nor errors`);
    };
    // deletions last, so the clusters the other mutations touch still exist
    const ordered = [...mutations].sort((a, b) => Number(a.name.startsWith('delete')) - Number(b.name.startsWith('delete')));
    for (const m of ordered) {
      for (const caller of CALLERS) {
        const cluster = caller === 'writerOther' ? clusterB : clusterA;
        await check(m.name, caller, documentOf(m, cluster), expected(caller, 'change', touches(m)));
      }
    }
    for (const caller of CALLERS) {
      await check('audit', caller, { query: '{ audit(first: 1) { nodes { id } } }' }, expected(caller, 'admin', false));
      await check('domains', caller, { query: '{ domains(first: 1) { nodes { id } } }' }, expected(caller, 'read', false));
    }
    expect(failures).toEqual([]);
  });
});
