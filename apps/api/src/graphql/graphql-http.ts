import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { parse } from 'graphql';
import { Logger } from '@nestjs/common';
import { AuthGuard, type AuthenticatedRequest } from '../common/auth.guard';
import { sendProblem } from '../common/problem.filter';
import { PLAYGROUND_HTML, registerPlayground, wantsPlayground } from './playground';

/**
 * /graphql over HTTP: a browser navigating there gets the IDE; every GraphQL
 * request must carry a valid bearer token (401 problem+json otherwise),
 * checked once before execution.
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
  // Mercurius takes a non-string `query` (or a string that is JSON but not GraphQL) for a parsed
  // document and fails on anything else, and on a non-string operationName: only GraphQL text is accepted.
  fastify.addHook('preValidation', async (request, reply) => {
    const path = request.url.split('?')[0];
    if ((path !== '/graphql' && path !== '/graphql/') || (request.method !== 'POST' && request.method !== 'GET')) return;
    const body = (request.method === 'GET' ? request.query : request.body) as
      { query?: unknown; operationName?: unknown } | null | undefined;
    const problem =
      body?.query !== undefined && body.query !== null && (typeof body.query !== 'string' || isJsonNotGraphql(body.query))
        ? 'query must be a GraphQL document as a string'
        : body?.operationName !== undefined && body.operationName !== null && typeof body.operationName !== 'string'
          ? 'operationName must be a string'
          : undefined;
    if (!problem) return;
    return reply.code(400).send({
      data: null,
      errors: [
        {
          message: problem,
          extensions: { code: 'BAD_REQUEST', type: '/problems/bad-request', title: 'Bad request', status: 400 },
        },
      ],
    });
  });
}

/** A query string Mercurius would take for a JSON-encoded document (e.g. `"8"`): refused, it is not GraphQL. */
function isJsonNotGraphql(query: string): boolean {
  try {
    JSON.parse(query);
  } catch {
    return false;
  }
  try {
    parse(query);
    return false;
  } catch {
    return true;
  }
}
