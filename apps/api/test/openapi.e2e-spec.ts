import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordedRoutes } from '../src/common/openapi';
import { startTestApp, type TestApp } from './setup/test-app';

type Json = Record<string, any>;

/**
 * Validates with @seriousme/openapi-schema-validator (the OpenAPI 3.1 JSON
 * schema, JSON Schema 2020-12 dialect). It is ESM-only, so it runs in a child
 * Node.js process rather than inside Jest's CommonJS runtime.
 */
function validateOpenApi(document: unknown): { valid: boolean; version: string; errors: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(text));
    process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(document),
    encoding: 'utf8',
    cwd: __dirname,
  });
  if (run.status !== 0) throw new Error(`validator failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const ROOT = join(__dirname, '..', '..', '..');
const BIN = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** Runs a command with no network at all when this machine allows it (root: a network namespace of its own). */
function offline(command: string, args: string[], cwd: string) {
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
  const isolated = spawnSync('unshare', ['-n', 'true']).status === 0;
  const run = isolated
    ? spawnSync('unshare', ['-n', command, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 })
    : spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { ...run, isolated };
}

/** Fastify's `/v1/clusters/:clusterId/services::apply` as OpenAPI writes it. */
function openApiPath(url: string): string {
  return url
    .replace(/::/g, '\u0000')
    .replace(/:(\w+)/g, '{$1}')
    .replace(/\u0000/g, ':');
}

/**
 * Routes that are not part of the REST API: the docs themselves and the problem type pages, GraphQL (its
 * own schema) and the Prometheus scrape endpoint (text exposition format).
 */
const NOT_REST = [/^\/ui(\/|$)/, /^\/problems(\/|$)/, /^\/docs(\/|$)/, /^\/openapi\.(json|yaml)$/, /^\/graphql(\/|$)/, /^\/metrics$/];

// pod pools and ServiceCIDRs are named, not numbered: poolName and serviceCidrName match their `name`
const PATH_PARAMETERS = new Set([
  'domainId',
  'rangeId',
  'reservationId',
  'clusterId',
  'poolName',
  'nodeId',
  'serviceId',
  'serviceCidrName',
  'tokenId',
  'webhookId',
  'deliveryAction',
]);
const ALLOCATING_POSTS = [
  '/v1/domains',
  '/v1/ranges',
  '/v1/ranges/{rangeId}/reservations',
  '/v1/clusters',
  '/v1/clusters/{clusterId}/pod-pools',
  '/v1/clusters/{clusterId}/nodes',
  '/v1/clusters/{clusterId}/services',
  '/v1/clusters/{clusterId}/services:apply',
  '/v1/clusters/{clusterId}/service-cidrs',
];

/** The smallest valid bodies: what a client must be able to send without filling in anything else. */
const MINIMAL = {
  domain: { name: 'minimal-domain' },
  range: { name: 'minimal-range', cidr: '172.16.0.0/12' },
  cluster: { name: 'minimal', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.96.0.0/16'] },
  node: { name: 'minimal-node' },
  service: { namespace: 'default', name: 'minimal' },
  token: { name: 'minimal-token', role: 'reader' },
};

/** A typed client over fetch, as openapi-fetch would build one, called with the minimal bodies and no options. */
const MINIMAL_CLIENT = `
import type { paths } from './kipam';
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { requestBody: infer R } ? Json<R> : never;
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: { 200: infer R } | { 201: infer R } } ? Json<R> : never;
async function call<P extends keyof paths, M extends keyof paths[P] & string>(path: P, method: M, body?: Body<P, M>): Promise<Ok<P, M>> {
  const res = await fetch(String(path), { method: method.toUpperCase(), body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.json()) as Ok<P, M>;
}
export async function main(): Promise<string> {
  await call('/v1/domains', 'post', ${JSON.stringify(MINIMAL.domain)});
  await call('/v1/ranges', 'post', ${JSON.stringify(MINIMAL.range)});
  const cluster = await call('/v1/clusters', 'post', ${JSON.stringify(MINIMAL.cluster)});
  await call('/v1/clusters/{clusterId}/nodes', 'post', ${JSON.stringify(MINIMAL.node)});
  await call('/v1/clusters/{clusterId}/services', 'post', ${JSON.stringify(MINIMAL.service)});
  await call('/v1/ranges/{rangeId}/reservations', 'post', { cidr: '172.16.0.0/24' });
  await call('/v1/tokens', 'post', ${JSON.stringify(MINIMAL.token)});
  await call('/v1/clusters/{clusterId}', 'patch', {});
  await call('/v1/clusters/{clusterId}/services/{serviceId}', 'patch', {});
  await call('/v1/clusters/{clusterId}/nodes/{nodeId}', 'patch', {});
  await call('/v1/domains/{domainId}', 'patch', {});
  await call('/v1/ranges/{rangeId}', 'patch', {});
  const page = await call('/v1/clusters', 'get');
  const first: string | undefined = page.items[0]?.name;
  const families: ('IPv4' | 'IPv6')[] = cluster.ipFamilies;
  const id: string = cluster.id;
  return [first, families.join(','), id].join(' ');
}
`;

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http.get('/openapi.json').expect(200).expect('content-type', /json/)).body;
  });
  afterAll(() => t.close());

  const operations = () =>
    Object.entries(doc.paths as Json).flatMap(([path, item]) =>
      Object.entries(item as Json).map(([method, op]) => ({ path, method, op: op as Json })),
    );

  it('is a valid OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = validateOpenApi(doc);
    expect(result.errors).toBeNull();
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('documents every route of the app, and nothing that is not one', () => {
    const routes = recordedRoutes(t.app.getHttpAdapter().getInstance())
      .filter((r) => r.method !== 'HEAD' && !NOT_REST.some((re) => re.test(r.url)))
      .map((r) => `${r.method} ${openApiPath(r.url)}`);
    const documented = operations().map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(routes.length).toBeGreaterThan(30);
    expect([...new Set(routes)].sort()).toEqual([...new Set(documented)].sort());
    expect(doc.paths['/v1/clusters/{clusterId}/services:apply']?.post).toBeDefined();
  });

  it('describes every request and response, with separate request and response schemas', () => {
    const requestSchemas = new Set<string>();
    const responseSchemas = new Set<string>();
    const refsIn = (node: unknown, into: Set<string>) =>
      JSON.stringify(node ?? null).replace(/"\$ref":"#\/components\/schemas\/(\w+)"/g, (_m, name: string) => {
        into.add(name);
        return '';
      });
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, operationId: typeof op.operationId }).toEqual({ where, operationId: 'string' });
      if (op.requestBody) {
        for (const content of Object.values(op.requestBody.content as Json))
          expect({ where, schema: !!content.schema }).toEqual({ where, schema: true });
        refsIn(op.requestBody, requestSchemas);
      }
      const statuses = Object.keys(op.responses);
      expect({ where, success: statuses.some((s) => s.startsWith('2')) }).toEqual({ where, success: true });
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (status === '204') {
          expect({ where, status, content: response.content }).toEqual({ where, status, content: undefined });
        } else if (status.startsWith('2')) {
          expect({ where, status, schemas: Object.values(response.content ?? {}).every((c: any) => !!c.schema) }).toEqual({
            where,
            status,
            schemas: true,
          });
          expect({ where, status, empty: Object.keys(response.content ?? {}).length }).not.toEqual({ where, status, empty: 0 });
          refsIn(response, responseSchemas);
        } else {
          // every error is problem+json and names its problem types
          expect({ where, status, media: Object.keys(response.content) }).toEqual({ where, status, media: ['application/problem+json'] });
          const types: string[] = response.content['application/problem+json'].schema.allOf[1].properties.type.enum;
          expect({ where, status, typed: types.length > 0 && types.every((x) => x.startsWith('/problems/')) }).toEqual({
            where,
            status,
            typed: true,
          });
        }
      }
      if (path.startsWith('/v1/')) {
        expect({ where, has401: '401' in op.responses, has503: '503' in op.responses }).toEqual({ where, has401: true, has503: true });
      }
    }
    const shared = [...requestSchemas].filter((s) => responseSchemas.has(s) && s !== 'ProblemModel');
    expect(shared).toEqual([]);
    // every reference resolves
    for (const name of new Set([...requestSchemas, ...responseSchemas])) expect(Object.keys(doc.components.schemas)).toContain(name);
    expect(doc.components.schemas.Object).toBeUndefined();
    expect(JSON.stringify(doc)).not.toContain('"nullable"');
  });

  it('names path parameters like the fields they match, and declares each one', () => {
    for (const { path, method, op } of operations()) {
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name);
      expect({ path, method, declared: declared.sort() }).toEqual({ path, method, declared: [...inPath].sort() });
      for (const name of inPath) expect({ path, name, known: PATH_PARAMETERS.has(name) }).toEqual({ path, name, known: true });
      const headers = (op.parameters ?? []).filter((p: Json) => p.in === 'header');
      const names = headers.map((p: Json) => p.name.toLowerCase());
      expect({ path, method, duplicates: names.length - new Set(names).size }).toEqual({ path, method, duplicates: 0 });
      for (const h of headers)
        expect({ path, method, header: h.name, required: !!h.required }).toEqual({ path, method, header: h.name, required: false });
    }
  });

  it('documents Idempotency-Key on every allocating POST, with its problems', () => {
    for (const path of ALLOCATING_POSTS) {
      const op = doc.paths[path].post;
      expect({ path, header: op.parameters.some((p: Json) => p.in === 'header' && p.name === 'Idempotency-Key') }).toEqual({
        path,
        header: true,
      });
      expect(op.responses['409'].content['application/problem+json'].schema.allOf[1].properties.type.enum).toContain(
        '/problems/idempotency-key-in-use',
      );
      expect(op.responses['422'].content['application/problem+json'].schema.allOf[1].properties.type.enum).toContain(
        '/problems/idempotency-key-reused',
      );
      expect(op.responses['201'].headers).toMatchObject({ Location: expect.any(Object), ETag: expect.any(Object) });
    }
  });

  it('documents ETag and If-Match on every single-object read, update and delete', () => {
    for (const { path, method, op } of operations()) {
      if (!/\{(domainId|rangeId|reservationId|clusterId|nodeId|serviceId)\}$/.test(path)) continue;
      if (method === 'get' || method === 'patch')
        expect({ path, method, etag: !!op.responses['200'].headers?.ETag }).toEqual({ path, method, etag: true });
      if (method === 'patch' || method === 'delete') {
        expect({ path, method, ifMatch: op.parameters.some((p: Json) => p.name === 'If-Match') }).toEqual({ path, method, ifMatch: true });
        expect({ path, method, has412: '412' in op.responses }).toEqual({ path, method, has412: true });
      }
    }
  });

  it('says that CIDRs and addresses come back in canonical form', () => {
    expect(doc.info.description).toMatch(/canonical form \(RFC 5952/);
  });

  it('passes redocly lint (recommended rules) with no errors, offline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kipam-openapi-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
      const run = offline(BIN('redocly'), ['lint', '--config', join(ROOT, 'redocly.yaml'), '--format=summary', 'openapi.json'], dir);
      expect({ status: run.status, output: `${run.stdout}${run.stderr}`.replace(/[\s\S]*?validating/, 'validating') }).toEqual({
        status: 0,
        output: expect.stringMatching(/Woohoo! Your API description is valid|validated in/),
      });
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/\berror\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('types whole numbers as integers, nullable enums as enums with null, text and YAML answers as strings', () => {
    const numbers: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Json;
      if ([n.type].flat().includes('number') && n.format !== 'double') numbers.push(at);
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    walk(doc, '#');
    expect(numbers).toEqual([]);
    expect(doc.components.schemas.RangeModel.properties.minPrefixLength.type).toEqual(['integer', 'null']);
    expect(doc.components.schemas.RangeUsageModel.properties.utilization).toMatchObject({ type: 'number', format: 'double' });
    expect(doc.paths['/v1/clusters'].get.parameters.find((p: Json) => p.name === 'limit').schema.type).toBe('integer');
    const policies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
    const policy = (name: string) => doc.components.schemas[name].properties.ipFamilyPolicy;
    // null for an ExternalName Service: a nullable enum, not a string
    expect(policy('ServiceModel')).toMatchObject({ type: ['string', 'null'], enum: [...policies, null] });
    for (const name of ['CreateServiceDto', 'UpdateServiceDto']) expect(policy(name)).toMatchObject({ type: 'string', enum: policies });
    const config = doc.paths['/v1/clusters/{clusterId}/config'].get.responses['200'].content;
    expect(config['application/json'].schema.$ref).toBe('#/components/schemas/ClusterConfigModel');
    expect(config['text/plain'].schema.type).toBe('string');
    expect(config['application/yaml'].schema.type).toBe('string');
  });

  it('documents 429 with the rate-limit headers on every /v1 route, and Retry-After only where it is sent', () => {
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      if (path.startsWith('/v1/')) {
        expect({ where, headers: Object.keys(op.responses['429']?.headers ?? {}).sort() }).toEqual({
          where,
          headers: ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'],
        });
      }
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (!response.headers?.['Retry-After']) continue;
        const types: string[] = response.content['application/problem+json'].schema.allOf[1].properties.type.enum;
        const sent = status === '503' || status === '429' || types.includes('/problems/idempotency-key-in-use');
        expect({ where, status, sent }).toEqual({ where, status, sent: true });
        if (status === '409') expect(response.headers['Retry-After'].description).toMatch(/idempotency-key-in-use`? only/);
      }
    }
  });

  it('names a real server, opaque bearer tokens, tags with descriptions, a summary per operation and no token for probes', () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', description: expect.stringMatching(/opaque/) });
    const tags = new Map((doc.tags as { name: string; description: string }[]).map((x) => [x.name, x.description]));
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, summary: typeof op.summary, tagged: (op.tags ?? []).every((x: string) => !!tags.get(x)) }).toEqual({
        where,
        summary: 'string',
        tagged: true,
      });
      if (!path.startsWith('/v1/')) expect({ where, security: op.security }).toEqual({ where, security: [] });
      else expect({ where, security: op.security }).toEqual({ where, security: [{ bearer: [] }] });
    }
  });

  it('gives openapi-typescript (default options) types that accept minimal valid bodies, and they work against the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kipam-client-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
      const generate = offline(BIN('openapi-typescript'), ['openapi.json', '-o', 'kipam.d.ts'], dir);
      expect({ status: generate.status, stderr: generate.status === 0 ? '' : generate.stderr }).toEqual({ status: 0, stderr: '' });
      writeFileSync(join(dir, 'client.ts'), MINIMAL_CLIENT);
      const typecheck = spawnSync(
        BIN('tsc'),
        [
          '--noEmit',
          '--strict',
          '--target',
          'es2022',
          '--module',
          'commonjs',
          '--lib',
          'es2022,dom',
          '--types',
          'node',
          '--typeRoots',
          join(ROOT, 'node_modules', '@types'),
          'client.ts',
        ],
        { cwd: dir, encoding: 'utf8', timeout: 120_000 },
      );
      expect({ status: typecheck.status, output: typecheck.stdout }).toEqual({ status: 0, output: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // the same minimal bodies are accepted by the server
    const cluster = await t.http.post('/v1/clusters').set(t.auth).send(MINIMAL.cluster).expect(201);
    await t.http.post('/v1/domains').set(t.auth).send(MINIMAL.domain).expect(201);
    await t.http.post('/v1/ranges').set(t.auth).send(MINIMAL.range).expect(201);
    await t.http.post(`/v1/clusters/${cluster.body.id}/nodes`).set(t.auth).send(MINIMAL.node).expect(201);
    await t.http.post(`/v1/clusters/${cluster.body.id}/services`).set(t.auth).send(MINIMAL.service).expect(201);
    await t.http.post('/v1/tokens').set(t.auth).send(MINIMAL.token).expect(201);
    await t.http.patch(`/v1/clusters/${cluster.body.id}`).set(t.auth).send({}).expect(200);
  });

  it('serves browsable docs from local assets', async () => {
    const html = await t.http.get('/docs').redirects(1).expect(200);
    const scripts = [...html.text.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).not.toMatch(/^(https?:)?\/\//);
  });
});
