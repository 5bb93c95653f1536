import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ProblemModel, problemResponse, problemSchema } from './api-docs';
import { problemType } from './errors';
import { RETENTION_HOURS } from './idempotency';
import { MERGE_PATCH } from './merge-patch';

const DESCRIPTION = `Kipam is the IP address management authority for a fleet of Kubernetes clusters: dual-stack pod and
service CIDRs for clusters, pod CIDRs for nodes and ClusterIPs for Services, with every lease in PostgreSQL.

* Every \`/v1\` request needs \`Authorization: Bearer <token>\`.
* Errors are RFC 9457 \`application/problem+json\`; \`type\` is a path under \`/problems/\`, listed on each response.
* CIDRs and addresses are returned in one canonical form (RFC 5952 for IPv6, no host bits, lower case), whatever
  spelling was sent; dual-stack arrays keep the holder's family order.
* Lists are cursor-paginated: \`limit\` and \`cursor\` in, \`{items, nextCursor}\` out, in a stable order.
* Creates answer 201 with the whole object (server \`id\` and every computed field), \`Location\` and \`ETag\`.
  A create naming an existing holder (same name) is 409 \`/problems/already-exists\` with that holder's \`Location\`.
* Reads return an \`ETag\` (a GET with a matching \`If-None-Match\` is 304); \`If-Match\` on PATCH and DELETE answers 412
  when the resource changed (a strong comparison: a weak \`W/\` tag never matches). PATCH changes
  mutable fields only: a different value for an immutable field is 422 naming the field. Its body is a JSON merge patch
  of the object: a field left out is unchanged, null resets it. With \`application/json\` a map (\`labels\`, \`selector\`) is
  replaced whole; with \`application/merge-patch+json\` (RFC 7396) it is merged key by key, and a null value removes the key.
* DELETE is 204 and releases the addresses in the same transaction; a second DELETE is 404.
* Every allocating POST (domains, ranges, reservations, clusters, nodes, Services, \`services:apply\`) takes an
  \`Idempotency-Key\` header (IETF httpapi idempotency-key draft), scoped to the
  token, method and path and kept ${RETENTION_HOURS} hours: the same key and body replay the first response (status,
  body, \`Location\`, \`ETag\`, \`Content-Type\`, plus \`Idempotent-Replayed: true\`) without allocating again, also
  when the first response was lost or the server died after committing; another body is 422
  \`/problems/idempotency-key-reused\`; a retry while the first still runs is 409 \`/problems/idempotency-key-in-use\`
  with \`Retry-After\`.
* A lost database or overload is 503 with \`Retry-After\`; nothing is committed behind a 5xx.`;

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/** The OpenAPI 3.1 document, generated from the controllers and DTOs. */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Kipam')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API token (the bootstrap admin token, or one issued by an admin).' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemModel],
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  addSharedProblems(document);
  fixPlaceholderRefs(document);
  nullableToTypeArrays(document);
  dropUnusedSchemas(document);
  return document;
}

type Json = Record<string, unknown>;
interface Operation {
  parameters?: Json[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses: Record<string, Json & { content?: Record<string, { schema?: Json }> }>;
}

/**
 * What every route shares, documented once here rather than on each
 * controller: the problems of an Idempotency-Key (routes marked
 * `@Idempotent()`), 403 for writes (reader tokens and scoped writers),
 * 400/413/415 for request bodies.
 */
function addSharedProblems(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, value] of Object.entries(item as Record<string, unknown>)) {
      if (!WRITE_METHODS.has(method) || !path.startsWith('/v1/')) continue;
      const op = value as Operation;
      addProblem(op, 403, 'forbidden');
      if (op.requestBody) {
        addProblem(op, 400, 'bad-request');
        addProblem(op, 413, 'payload-too-large');
        addProblem(op, 415, 'unsupported-media-type');
        for (const [media, content] of Object.entries(op.requestBody.content ?? {})) {
          if (media.includes('yaml')) content.schema = { type: 'string', description: 'The same document as YAML.' };
        }
        const json = op.requestBody.content?.['application/json'];
        if (method === 'patch' && json) op.requestBody.content![MERGE_PATCH] = { schema: json.schema };
      }
      if (op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) {
        addProblem(op, 400, 'bad-request');
        addProblem(op, 409, 'idempotency-key-in-use');
        addProblem(op, 422, 'idempotency-key-reused');
      }
    }
  }
}

/** Adds a problem type to a response (creating the response when the operation has none for the status). */
function addProblem(op: Operation, status: number, slug: string): void {
  const key = String(status);
  const existing = op.responses[key];
  const schema = existing?.content?.['application/problem+json']?.schema as { allOf?: Json[] } | undefined;
  const types = (schema?.allOf?.[1] as { properties?: { type?: { enum?: string[] } } } | undefined)?.properties?.type?.enum;
  if (!existing || !types) {
    op.responses[key] = problemResponse(status, [slug]);
    return;
  }
  if (types.includes(problemType(slug))) return;
  const slugs = [...types.map((t) => t.replace(/^\/problems\//, '')), slug];
  existing.content!['application/problem+json'].schema = problemSchema(slugs);
  existing.description = problemResponse(status, slugs).description;
  if (slug === 'idempotency-key-in-use') existing.headers = { ...(existing.headers as Json), ...problemResponse(status, slugs).headers };
}

/** OpenAPI 3.1 is JSON Schema 2020-12: `nullable: true` (3.0) becomes a `null` type. */
function nullableToTypeArrays(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(nullableToTypeArrays);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  if (schema.nullable === true) {
    delete schema.nullable;
    if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
    else if (schema.$ref !== undefined || schema.allOf !== undefined) {
      const inner = { ...schema };
      for (const k of Object.keys(schema)) if (k !== 'description') delete schema[k];
      schema.anyOf = [inner, { type: 'null' }];
    }
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
  }
  Object.values(schema).forEach(nullableToTypeArrays);
}

/**
 * A DTO property typed `string | string[]` reflects as the placeholder schema
 * `Object`; where the route documents the parameter itself (ApiLabelQuery),
 * the placeholder reference is dropped.
 */
function fixPlaceholderRefs(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      for (const p of op.parameters ?? []) {
        const schema = p.schema as Json | undefined;
        if (schema?.$ref === '#/components/schemas/Object' && schema.type !== undefined) delete schema.$ref;
      }
    }
  }
}

/** Nest's explorer registers placeholder schemas (e.g. `Object`) that nothing references. */
function dropUnusedSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  for (;;) {
    const text = JSON.stringify({ ...document, components: { ...document.components, schemas: {} } }) + JSON.stringify(schemas);
    const unused = Object.keys(schemas).filter((name) => !text.includes(`"#/components/schemas/${name}"`));
    if (!unused.length) return;
    for (const name of unused) delete schemas[name];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
}

const ROUTES = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Records every route Fastify registers from now on (the test compares them with the document). */
export function recordRoutes(fastify: FastifyInstance): void {
  const routes: RouteEntry[] = [];
  ROUTES.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
}

export function recordedRoutes(fastify: FastifyInstance): RouteEntry[] {
  return [...(ROUTES.get(fastify) ?? [])];
}

/** Serves the document at /openapi.json and browsable docs at /docs, from local assets. */
export function serveOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApi(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Kipam API',
    swaggerOptions: { persistAuthorization: true },
  });
  return document;
}
