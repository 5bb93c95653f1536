import { GraphQLError, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toProblem } from '../common/problem';

/**
 * GraphQL errors carry the same RFC 9457 problem as REST, in `extensions`:
 * `type`, `title`, `status`, `detail` and field `errors`.
 */
export function formatGraphQLError(error: GraphQLError): GraphQLError {
  const original = error.originalError ?? error;
  if (!error.originalError && error.extensions?.type === undefined && !error.path) {
    // a query that does not parse or validate: the document is what is wrong
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', type: '/problems/invalid-query', title: 'Invalid query', status: 400 },
    });
  }
  const { problem } = toProblem(original);
  const { type, title, status, detail, ...rest } = problem;
  return new GraphQLError(problem.status >= 500 ? 'Internal server error' : (detail ?? error.message), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { code: String(type).split('/').pop()?.toUpperCase().replace(/-/g, '_'), type, title, status, ...rest },
  });
}

export function errorFormatter(execution: ExecutionResult & Required<Pick<ExecutionResult, 'errors'>>): {
  statusCode: number;
  response: ExecutionResult | FormattedExecutionResult;
} {
  const errors = execution.errors.map(formatGraphQLError);
  const invalid = execution.data === undefined || execution.data === null;
  const status = invalid ? Math.max(...errors.map((e) => Number(e.extensions.status) || 400)) : 200;
  return { statusCode: invalid && status < 500 ? 400 : invalid ? status : 200, response: { data: execution.data ?? null, errors } };
}

/**
 * Errors before execution (a document that does not parse, validate, or is too
 * deep; a body that is not JSON) still answer in GraphQL's shape, with the
 * problem in `extensions`.
 */
export function graphqlRequestErrorHandler(
  error: Error & { errors?: unknown[]; statusCode?: number },
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const graphqlErrors = Array.isArray(error.errors) ? error.errors.filter((e): e is GraphQLError => e instanceof GraphQLError) : [];
  if (graphqlErrors.length) {
    const errors = graphqlErrors.map((e) =>
      e.extensions?.type
        ? e
        : e.originalError && !(e.originalError instanceof GraphQLError)
          ? formatGraphQLError(e)
          : new GraphQLError(e.message, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', type: '/problems/invalid-query', title: 'Invalid query', status: 400 },
            }),
    );
    void reply.code(400).send({ data: null, errors });
    return;
  }
  const { problem } = toProblem(error);
  const status = problem.status >= 500 && error.statusCode && error.statusCode < 500 ? error.statusCode : problem.status;
  const { type, title, detail, ...rest } = problem;
  void reply.code(status).send({
    data: null,
    errors: [
      { message: status >= 500 ? 'Internal server error' : (detail ?? error.message), extensions: { ...rest, type, title, status } },
    ],
  });
}
