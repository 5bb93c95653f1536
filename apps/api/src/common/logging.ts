import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { requestIdOf } from './request-id';

/**
 * The application's logger: JSON lines on stdout, written asynchronously
 * (lines logged while a write is under way go out together in the next one),
 * so that logging never waits on stdout inside a request. `flush()` at
 * shutdown writes what is left.
 */
export function createLogger(level: string): pino.Logger {
  return pino(
    {
      level,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    pino.destination({ dest: 1, sync: false }),
  );
}

const UNLOGGED = new Set(['/healthz', '/readyz']);

/**
 * One access log line per request, written when the response is done, from a
 * Fastify hook: `{"req":{"method","url"},"requestId","res":{"statusCode"},
 * "responseTime"}` with "request completed" (or "request errored" for a 5xx),
 * as pino-http wrote them. Nothing is done per request below the `info`
 * level; probes are never logged.
 */
export function installAccessLog(fastify: FastifyInstance, logger: pino.Logger): void {
  if (!logger.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const url = request.raw.url ?? request.url;
    if (!UNLOGGED.has(url)) {
      const status = reply.statusCode;
      logger.info(
        {
          req: { method: request.method, url },
          requestId: requestIdOf(request.raw),
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
