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
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // relative: the server that serves this document, wherever it is deployed
    .addServer('/', 'The Kipam server that serves this document')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An opaque API token (the bootstrap admin token, or one issued at /v1/tokens), as `Authorization: Bearer <token>`.',
    });
  for (const [name, description] of Object.entries(TAGS)) config.addTag(name, description);
  const built = config.build();
  const document = SwaggerModule.createDocument(app, built, {
    extraModels: [ProblemModel],
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  addSharedProblems(document);
  fixPlaceholderRefs(document);
  defaultsOutOfRequests(document);
  nullableToTypeArrays(document);
  numbersToIntegers(document);
  textResponsesAsStrings(document);
  summarizeOperations(document);
  publicOperations(document);
  // opaque tokens, not JWTs (Nest's default bearer scheme says JWT)
  delete (document.components?.securitySchemes?.bearer as { bearerFormat?: string } | undefined)?.bearerFormat;
  dropUnusedSchemas(document);
  return document;
}

const TAGS: Record<string, string> = {
  health: 'Liveness and readiness probes (no token).',
  domains: 'Routing domains: CIDRs in one domain must not overlap where they route; a `default` domain always exists.',
  ranges: 'Parent blocks owned by the authority, nested, with purpose and prefix rules, and their reservations.',
  clusters: "Clusters' pod and service CIDRs (declared or carved from ranges) and their Kubernetes configuration.",
  'pod pools':
    "A cluster's pod pools: its own pod CIDRs (`default-ipv4`, `default-ipv6`) and extra pod CIDRs per family, chosen for each node by a label selector, in pool order.",
  nodes: "Nodes' pod CIDRs, one per cluster pod family, and the cluster's node capacity.",
  'service-cidrs':
    "A cluster's ServiceCIDRs (networking.k8s.io/v1, Kubernetes 1.33+): the default `kubernetes` one is its serviceCidrs; extra ones add ClusterIP space.",
  services: "Kubernetes Services' ClusterIPs, with kube-apiserver's dual-stack semantics, also from whole manifests.",
  leases: 'Every allocated block or address, and who owns an address.',
  conflicts: 'Overlapping CIDRs within a domain (brownfield clusters imported with allowConflicts).',
  tokens: 'API tokens and their roles (admin only), and the calling token (`/v1/me`).',
  audit: 'The append-only audit trail of every change (admin only).',
  webhooks:
    'Event subscriptions (admin only): signed CloudEvents POSTed to a URL, at least once and in order per subject, and their deliveries.',
  capacity: 'Exhaustion forecasts of ranges and of cluster pod and service CIDRs, from the audit trail.',
  reconciliation:
    "A cluster's live state (kubectl's Nodes, Services, ServiceCIDRs, kubeadm-config) against Kipam's records: drift reports, adopt and release, brownfield import.",
  'address map':
    "A picture of a range's or a cluster pool's space: a prefix cut into cells with leased, reserved and free counts and their largest leases.",
};

/** Summaries by operation, where the controller gives none: `<Controller>_<method>`. */
const SUMMARIES: Record<string, string> = {
  Ranges_usage: "A range's size, leased, reserved and free addresses, and its largest free block",
  Ranges_createReservation: 'Reserve a block of a range (never handed out)',
  Ranges_listReservations: "List a range's reservations",
  Ranges_getReservation: 'Read a reservation',
  Ranges_updateReservation: 'Update a reservation (JSON merge patch)',
  Ranges_deleteReservation: 'Delete a reservation',
  Clusters_config:
    "A cluster's component flags (kube-apiserver, kube-controller-manager, kube-proxy), kubeadm networking, and its pod pools as Cilium and Calico take them",
  Nodes_capacity: 'How many more nodes a cluster can take, per pod family',
  Leases_whoIs: 'Who owns an address: every lease containing it, with its holder',
  Tokens_revoke: 'Revoke a token',
  Tokens_create: 'Issue a token (its secret is shown once)',
  Audit_list: 'List the audit trail, newest first',
};

const VERBS: Record<string, (noun: string, plural: string) => string> = {
  list: (_, plural) => `List ${plural}`,
  get: (noun) => `Read a ${noun}`,
  create: (noun) => `Create a ${noun}`,
  update: (noun) => `Update a ${noun} (JSON merge patch)`,
  delete: (noun) => `Delete a ${noun}, releasing its addresses`,
};

/** Every operation has a summary: the controller's, the table's, or one made from its verb and tag. */
function summarizeOperations(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      if (op.summary || !op.operationId) continue;
      const [, method] = op.operationId.split('_');
      const plural = op.tags?.[0] ?? 'items';
      const noun = plural === 'services' ? 'Service' : plural.replace(/s$/, '');
      op.summary = SUMMARIES[op.operationId] ?? VERBS[method]?.(noun, plural) ?? op.operationId;
    }
  }
}

/**
 * A request property with a default is optional: the server fills it in. Code
 * generators read `default` as "always present" (openapi-typescript makes such
 * a property required by default), so in request schemas the default is
 * stated in the description instead.
 */
function defaultsOutOfRequests(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  const pending = new Set<string>();
  const collect = (node: unknown) =>
    JSON.stringify(node ?? null).replace(/"\$ref":"#\/components\/schemas\/(\w+)"/g, (_m, name: string) => {
      pending.add(name);
      return '';
    });
  for (const item of Object.values(document.paths))
    for (const op of Object.values(item as Record<string, Operation>)) collect(op.requestBody);
  const done = new Set<string>();
  for (const name of pending) {
    if (done.has(name) || !schemas[name]) continue;
    done.add(name);
    collect(schemas[name]);
    for (const property of Object.values((schemas[name].properties ?? {}) as Record<string, Json>)) {
      if (property.default === undefined) continue;
      const text = `Default: \`${JSON.stringify(property.default)}\`.`;
      property.description = typeof property.description === 'string' ? `${property.description} ${text}` : text;
      delete property.default;
    }
  }
}

/** Probes need no token: `security: []` overrides any default. */
function publicOperations(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/v1/')) continue;
    for (const op of Object.values(item as Record<string, Operation>)) op.security = [];
  }
}

/**
 * Kipam's numbers are whole numbers (prefix lengths, counts, versions,
 * statuses), except ratios, which say `format: 'double'`; Nest reflects every
 * TypeScript `number` as `type: number`.
 */
function numbersToIntegers(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(numbersToIntegers);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Json;
  if (schema.format === undefined) {
    if (schema.type === 'number') schema.type = 'integer';
    else if (Array.isArray(schema.type) && schema.type.includes('number')) {
      schema.type = schema.type.map((t: unknown) => (t === 'number' ? 'integer' : t));
    }
  }
  Object.values(schema).forEach(numbersToIntegers);
}

/** Text and YAML answers (`?format=text|yaml`, a YAML manifest) are strings, not the JSON object's schema. */
function textResponsesAsStrings(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item as Record<string, Operation>)) {
      for (const response of Object.values(op.responses)) {
        for (const [media, content] of Object.entries(response.content ?? {})) {
          if (media === 'text/plain') content.schema = { type: 'string', description: 'Shell-style lines, one per component.' };
          else if (media.includes('yaml') && content.schema?.type !== 'string') {
            content.schema = { type: 'string', description: 'The same document as YAML.' };
          }
        }
      }
    }
  }
}

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: Json[];
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
      if (!path.startsWith('/v1/')) continue;
      const op = value as Operation;
      op.responses['429'] = TOO_MANY_REQUESTS;
      if (!WRITE_METHODS.has(method)) continue;
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

const RATE_HEADERS = {
  'Retry-After': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  'X-RateLimit-Limit': {
    description: 'Requests allowed per minute with this token (KIPAM_RATE_LIMIT_PER_MINUTE, per process).',
    schema: { type: 'integer' },
  },
  'X-RateLimit-Remaining': { description: 'Requests left in the current minute.', schema: { type: 'integer' } },
};

/** Every /v1 route is rate limited per token (429). */
const TOO_MANY_REQUESTS = { ...problemResponse(429, ['too-many-requests']), headers: RATE_HEADERS };

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
    // a copy: the enum array may be a constant the validators share (IP_FAMILY_POLICIES)
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...(schema.enum as unknown[]), null];
  }
  // an enum that lists null (a nullable enum from a DTO) must allow the null type too
  if (Array.isArray(schema.enum) && schema.enum.includes(null) && typeof schema.type === 'string') schema.type = [schema.type, 'null'];
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
