import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import { AuthGuard, type AuthenticatedRequest } from '../common/auth.guard';
import { sendProblem } from '../common/problem.filter';
import { PLAYGROUND_HTML, registerPlayground, wantsPlayground } from './playground';

/**
 * /graphql over HTTP: a browser navigating there gets the IDE; every GraphQL
 * request must carry a valid bearer token (401 problem+json otherwise),
 * checked once before the body is read and the document parsed.
 */
export function installGraphqlHttp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const guard = app.get(AuthGuard);
  const logger = new Logger('GraphQL');
  registerPlayground(fastify);
  fastify.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (path !== '/graphql' && path !== '/graphql/') return;
    if (wantsPlayground(request.method, request.url, request.headers.accept)) {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(PLAYGROUND_HTML);
    }
    try {
      (request as AuthenticatedRequest).principal = await guard.authenticate(request.headers.authorization);
    } catch (error) {
      sendProblem(request, reply, error, logger);
      return reply;
    }
  });
}
