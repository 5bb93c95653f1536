import { spawnSync } from 'node:child_process';
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

/** Fastify's `/v1/clusters/:clusterId/services::apply` as OpenAPI writes it. */
function openApiPath(url: string): string {
  return url
    .replace(/::/g, '\u0000')
    .replace(/:(\w+)/g, '{$1}')
    .replace(/\u0000/g, ':');
}

/**
 * Routes that are not part of the REST API: the docs themselves, GraphQL (its
 * own schema) and the Prometheus scrape endpoint (text exposition format).
 */
const NOT_REST = [/^\/ui(\/|$)/, /^\/docs(\/|$)/, /^\/openapi\.(json|yaml)$/, /^\/graphql(\/|$)/, /^\/metrics$/];

const PATH_PARAMETERS = new Set(['domainId', 'rangeId', 'reservationId', 'clusterId', 'nodeId', 'serviceId', 'tokenId']);
const ALLOCATING_POSTS = [
  '/v1/domains',
  '/v1/ranges',
  '/v1/ranges/{rangeId}/reservations',
  '/v1/clusters',
  '/v1/clusters/{clusterId}/nodes',
  '/v1/clusters/{clusterId}/services',
  '/v1/clusters/{clusterId}/services:apply',
];

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

  it('serves browsable docs from local assets', async () => {
    const html = await t.http.get('/docs').redirects(1).expect(200);
    const scripts = [...html.text.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).not.toMatch(/^(https?:)?\/\//);
  });
});
