import type { FastifyInstance } from 'fastify';
import { NotFoundError } from './errors';
import { sendProblem } from './problem.filter';

export interface ProblemTypeInfo {
  status: number;
  title: string;
  /** What happened and what to do, in a sentence or two. */
  description: string;
}

/**
 * Every problem `type` Kipam answers with. Each is a path under /problems/,
 * and the server answers that path with a short page about it, so a client
 * (or a person) following the `type` URI learns what it means.
 */
export const PROBLEM_TYPES: Record<string, ProblemTypeInfo> = {
  'bad-request': {
    status: 400,
    title: 'Bad request',
    description:
      'The request could not be read: a body that is not valid JSON (or YAML where a route takes it), objects or arrays nested deeper than 32 levels, a GraphQL request without a query string, or a malformed header.',
  },
  'invalid-query': {
    status: 400,
    title: 'Invalid query',
    description:
      'The GraphQL document does not parse or does not validate against the schema (apps/api/schema.graphql), or the variables do not fit it. The message and `locations` say where.',
  },
  'query-too-complex': {
    status: 400,
    title: 'Query too complex',
    description:
      'The GraphQL document is over a limit: 64 KiB, 10,000 tokens, brackets 32 deep, 200 aliases, 2,000 fields, depth 10 or complexity 50,000. The message names the limit and what the document had; ask for fewer items (`first`) or fields.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    description:
      'No valid bearer token: send `Authorization: Bearer <token>` with a token that exists, is not revoked and has not expired.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description:
      "The token's role may not do this: readers only read, writers scoped to clusters change only those, tokens and the audit trail are for admins.",
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description: 'No such resource (or route). A resource deleted once is not found afterwards.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    description: 'The route does not take this method (a GraphQL mutation needs POST); the `Allow` header lists the methods it takes.',
  },
  'not-acceptable': {
    status: 406,
    title: 'Not acceptable',
    description:
      'None of the media types in `Accept` can be produced (GraphQL answers application/graphql-response+json or application/json).',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    description: 'The change conflicts with the current state, for example deleting a domain or range that still holds something.',
  },
  'already-exists': {
    status: 409,
    title: 'Already exists',
    description: 'Something with the same name already exists where names are unique; `Location` points to it, to adopt or inspect it.',
  },
  'cidr-conflict': {
    status: 409,
    title: 'CIDR conflict',
    description:
      "The CIDR overlaps another holder's in the same routing domain, where overlap would break routing. `allowConflicts` imports a brownfield cluster anyway.",
  },
  'address-taken': {
    status: 409,
    title: 'Address already leased',
    description: 'The requested block or address (a ClusterIP, a node CIDR) is already leased; `holder` says to whom.',
  },
  'range-exhausted': {
    status: 409,
    title: 'Range exhausted',
    description:
      'No free aligned block of the requested prefix length is left in the range or pool: free space, or ask for a smaller block.',
  },
  'idempotency-key-in-use': {
    status: 409,
    title: 'Idempotency key in use',
    description: 'A request with this Idempotency-Key is still being served: retry after `Retry-After` seconds to get its answer.',
  },
  'length-required': { status: 411, title: 'Length required', description: 'The request needs a Content-Length.' },
  'precondition-failed': {
    status: 412,
    title: 'Precondition failed',
    description: 'The resource changed since the ETag sent in If-Match: read it again and reapply the change.',
  },
  'payload-too-large': { status: 413, title: 'Payload too large', description: 'The request body is over 1 MiB.' },
  'uri-too-long': { status: 414, title: 'URI too long', description: 'The request URI is too long.' },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'Bodies are JSON (`Content-Type: application/json`); services:apply also takes YAML.',
  },
  'validation-failed': {
    status: 422,
    title: 'Validation failed',
    description:
      'A field breaks a rule (a CIDR with host bits set, two CIDRs of one family, a service CIDR too large for the Kubernetes version, an immutable field changed...). `errors` lists each field and rule.',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency key reused',
    description: 'This Idempotency-Key was used with another body (or method or path): use a new key for a different request.',
  },
  'precondition-required': { status: 428, title: 'Precondition required', description: 'The request needs an If-Match header.' },
  'too-many-requests': {
    status: 429,
    title: 'Too many requests',
    description:
      'More requests this minute with this token than KIPAM_RATE_LIMIT_PER_MINUTE allows (per API process): retry after `Retry-After` seconds.',
  },
  'headers-too-large': { status: 431, title: 'Request header fields too large', description: 'The request headers are too large.' },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    description:
      'The database is unreachable, the server is shutting down, or too many large pages are waiting: retry after `Retry-After` seconds (another replica may answer at once). Nothing was changed.',
  },
};

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const inlineCode = (s: string) => escapeHtml(s).replace(/`([^`]+)`/g, '<code>$1</code>');

function page(slug: string, info: ProblemTypeInfo): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><title>${escapeHtml(info.title)} (${info.status}) · Kipam problem types</title></head>
<body>
  <h1>${escapeHtml(info.title)}</h1>
  <p>HTTP ${info.status} · <code>/problems/${slug}</code></p>
  <p>${inlineCode(info.description)}</p>
  <p>Kipam answers errors as RFC 9457 <code>application/problem+json</code> with this <code>type</code>; GraphQL carries the same in each error's <code>extensions</code>. <a href="/problems">All problem types</a>.</p>
</body>
</html>`;
}

function index(): string {
  const rows = Object.entries(PROBLEM_TYPES)
    .map(([slug, info]) => `<li><a href="/problems/${slug}"><code>${slug}</code></a> (${info.status}): ${escapeHtml(info.title)}</li>`)
    .join('\n    ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><title>Kipam problem types</title></head>
<body>
  <h1>Kipam problem types</h1>
  <ul>
    ${rows}
  </ul>
</body>
</html>`;
}

/** GET /problems and /problems/{type}: a short page per problem type (no token needed). */
export function registerProblemPages(fastify: FastifyInstance): void {
  const logger = { error: () => undefined };
  fastify.get('/problems', (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(index()),
  );
  fastify.get('/problems/:slug', (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    const info = Object.hasOwn(PROBLEM_TYPES, slug) ? PROBLEM_TYPES[slug] : undefined;
    if (!info) return sendProblem(request, reply, new NotFoundError('problem type', slug), logger);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600').send(page(slug, info));
  });
}
