import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { FastifyRequest } from 'fastify';
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';
import { GraphQLError, validate } from 'graphql';
import { errorFormatter, graphqlRequestErrorHandler } from './errors';
import { Loaders } from './loaders';
import './types';

export const MAX_QUERY_DEPTH = 10;
export const MAX_QUERY_COMPLEXITY = 50_000;

/** The complexity limit, as a validation rule for one request's variables. */
function complexityRule(variables: Record<string, unknown>) {
  return createComplexityRule({
    maximumComplexity: MAX_QUERY_COMPLEXITY,
    variables,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (max, actual) =>
      new GraphQLError(`query complexity ${actual} exceeds the limit of ${max}; ask for fewer items (first) or fields`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', type: '/problems/query-too-complex', title: 'Query too complex', status: 400 },
      }),
  });
}

/**
 * Code-first GraphQL at /graphql (Mercurius on the same Fastify server),
 * over the same services as REST. Authentication happens once per HTTP
 * request (graphql-http.ts); the IDE is served from local assets.
 */
@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      useFactory: () => ({
        autoSchemaFile: true,
        sortSchema: true,
        path: '/graphql',
        graphiql: false,
        ide: false,
        queryDepth: MAX_QUERY_DEPTH,
        // Parsed and validated documents are kept by query text (1,024 of them).
        // Complexity depends on each request's variables, so it is checked
        // per request, after the cache, as one more validation rule.
        cache: true,
        fieldResolverEnhancers: ['guards'],
        context: (request: FastifyRequest) => ({ req: request, loaders: new Loaders() }),
        errorFormatter,
        errorHandler: graphqlRequestErrorHandler,
        hooks: {
          preExecution: [
            (schema, document, _context, variables) => {
              const errors = validate(schema, document, [complexityRule(variables ?? {})]);
              if (errors.length) throw Object.assign(new Error(errors[0].message), { errors });
            },
          ],
        },
      }),
    }),
  ],
})
export class KipamGraphQLModule {}
