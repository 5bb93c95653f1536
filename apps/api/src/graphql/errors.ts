import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../common/problem';
import { currentContext } from '../common/request-context';

const logger = new Logger('GraphQL');

const INVALID_QUERY = { code: 'GRAPHQL_VALIDATION_FAILED', type: '/problems/invalid-query', title: 'Invalid query', status: 400 };

/**
 * GraphQL errors carry the same RFC 9457 problem as REST, in `extensions`:
 * `type`, `title`, `status`, `detail` and field `errors`. An unexpected error
 * is logged with its stack and the request id, and answered as a bare
 * "Internal server error".
 */
export function formatGraphQLError(error: GraphQLError): GraphQLError {
  if (error.extensions?.type !== undefined && !error.originalError) return error; // Kipam's own (limits, bad request)
  if (!error.path) {
    // no field: a document that does not parse or validate, or variables that do not fit it
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      extensions: INVALID_QUERY,
    });
  }
  const original = error.originalError ?? error;
  const { problem, unexpected } = toProblem(original);
  if (unexpected) {
    logger.error(
      { err: original, requestId: currentContext()?.requestId, path: error.path?.join('.') },
      original.stack ?? String(original),
    );
  }
  const { type, title, status, detail, ...rest } = problem;
  return new GraphQLError(problem.status >= 500 ? 'Internal server error' : (detail ?? error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: {
      code: String(type).split('/').pop()?.toUpperCase().replace(/-/g, '_'),
      type,
      title,
      status,
      ...rest,
      ...(problem.status >= 500 ? { requestId: currentContext()?.requestId } : {}),
    },
  });
}

/**
 * Errors before the GraphQL handler runs (a body that is not JSON, too large,
 * too deep) still answer in GraphQL's shape, with the problem in `extensions`.
 */
export function graphqlRequestErrorHandler(error: Error & { statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const { problem, unexpected } = toProblem(error);
  if (unexpected) logger.error({ err: error, requestId: currentContext()?.requestId }, error.stack ?? String(error));
  const status = problem.status >= 500 && error.statusCode && error.statusCode < 500 ? error.statusCode : problem.status;
  const { type, title, detail, ...rest } = problem;
  void reply.code(status).send({
    errors: [
      {
        message: status >= 500 ? 'Internal server error' : (detail ?? error.message),
        extensions: { ...rest, type, title, status, requestId: request.id },
      },
    ],
  });
}
