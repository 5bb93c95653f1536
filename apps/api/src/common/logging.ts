import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import { contextOf, currentContext } from './request-context';
import { requestIdOf } from './request-id';

/**
 * The application's logger: JSON lines on stdout, written asynchronously
 * (lines logged while a write is under way go out together in the next one),
 * so that logging never waits on stdout inside a request. `flush()` at
 * shutdown writes what is left. Every line logged inside a request carries
 * its `requestId` and W3C `traceId` (and the caller's span as `parentId`),
 * read from the request context only when a line is written. `stream`
 * replaces stdout (tests read the lines).
 */
export function createLogger(level: string, stream?: DestinationStream): pino.Logger {
  return pino(
    {
      level,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      mixin: () => {
        const context = currentContext();
        if (!context) return {};
        return { requestId: context.requestId, traceId: context.traceId, ...(context.parentId ? { parentId: context.parentId } : {}) };
      },
    },
    stream ?? pino.destination({ dest: 1, sync: false }),
  );
}

const UNLOGGED = new Set(['/healthz', '/readyz']);

/**
 * One access log line per request, written when the response is done, from a
 * Fastify hook: `{"req":{"method","url"},"requestId","traceId","res":{"statusCode"},
 * "responseTime"}` with "request completed" (or "request errored" for a 5xx),
 * as pino-http wrote them, plus who asked (`tokenId`, `actor`, `role`; never
 * the secret) when a token was accepted. Nothing is done per request below
 * the `info` level; probes are never logged.
 */
export function installAccessLog(fastify: FastifyInstance, logger: pino.Logger): void {
  if (!logger.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const url = request.raw.url ?? request.url;
    if (!UNLOGGED.has(url)) {
      const status = reply.statusCode;
      const context = contextOf(request);
      const principal = context?.principal;
      logger.info(
        {
          req: { method: request.method, url },
          requestId: requestIdOf(request.raw),
          ...(context?.traceId ? { traceId: context.traceId } : {}),
          ...(context?.parentId ? { parentId: context.parentId } : {}),
          ...(principal ? { tokenId: principal.tokenId, actor: principal.name, role: principal.role } : {}),
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime),
          ...(status >= 500 ? { err: { message: `failed with status code ${status}` } } : {}),
        },
        status >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
