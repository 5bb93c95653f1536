import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The web console at /ui: the static build of apps/console, served by the
 * API process itself with no outside requests. It talks to the API only
 * through the public REST and GraphQL endpoints with the user's token, so it
 * can never do what the API would refuse.
 */

/** Where `npm run build:console` writes the console, from the source tree or from the built server in dist/. */
const CANDIDATES = [join(__dirname, '../../../console/dist'), join(__dirname, '../../../../apps/console/dist')];

export function consoleDirectory(): string | undefined {
  return CANDIDATES.find((dir) => existsSync(join(dir, 'index.html')));
}

/**
 * Only the app's own scripts, styles and API; no inline script, no framing,
 * nothing sent elsewhere. React sets style attributes through the CSSOM,
 * which style-src does not restrict, so no 'unsafe-inline' is needed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const isConsolePath = (url: string) => url === '/ui' || url.startsWith('/ui/') || url.startsWith('/ui?');

function notBuilt(reply: FastifyReply) {
  return reply.code(503).type('application/problem+json').header('retry-after', '60').send({
    type: '/problems/unavailable',
    title: 'Service unavailable',
    status: 503,
    detail: 'the console is not built: run `npm run build:console` (npm start does) and restart',
  });
}

export function registerConsole(fastify: FastifyInstance, dir = consoleDirectory()): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (isConsolePath(request.url)) void reply.headers(SECURITY_HEADERS);
  });
  fastify.get('/ui', (_request, reply) => reply.redirect('/ui/', 308));
  if (!dir) {
    fastify.get('/ui/*', (_request, reply) => notBuilt(reply));
    return;
  }
  void fastify.register(fastifyStatic, {
    root: dir,
    prefix: '/ui/',
    // one route per built file; the catch-all below answers the console's own paths
    wildcard: false,
    index: ['index.html'],
    serveDotFiles: false,
    cacheControl: false,
    setHeaders: (reply, path) => {
      // hashed file names never change content; the page itself is checked on every load
      void reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // a deep link (/ui/clusters/…) is the page; a missing asset is a 404
  fastify.get('/ui/*', (request, reply) => {
    if (request.url.startsWith('/ui/assets/')) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send({ type: '/problems/not-found', title: 'Not found', status: 404, detail: `${request.url.split('?')[0]} does not exist` });
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dir);
  });
}
