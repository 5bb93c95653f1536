import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { FastifyRequest } from 'fastify';
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';
import { Database } from '@kipam/persistence';
import { ClustersModule } from '../clusters/clusters.module';
import { ClustersRepository } from '../clusters/clusters.repository';
import { RangesModule } from '../ranges/ranges.module';
import { RangesRepository } from '../ranges/ranges.repository';
import { GraphQLError } from 'graphql';
import { errorFormatter, graphqlRequestErrorHandler } from './errors';
import { Loaders } from './loaders';
import './types';

export const MAX_QUERY_DEPTH = 10;
export const MAX_QUERY_COMPLEXITY = 50_000;

/**
 * Code-first GraphQL at /graphql (Mercurius on the same Fastify server),
 * over the same services as REST. Authentication happens once per HTTP
 * request (graphql-http.ts); the IDE is served from local assets.
 */
@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      imports: [ClustersModule, RangesModule],
      inject: [Database, ClustersRepository, RangesRepository],
      useFactory: (db: Database, clusters: ClustersRepository, ranges: RangesRepository) => ({
        autoSchemaFile: true,
        sortSchema: true,
        path: '/graphql',
        graphiql: false,
        ide: false,
        queryDepth: MAX_QUERY_DEPTH,
        // The complexity rule needs each request's variables, which rules out the parsed-query cache.
        cache: false,
        fieldResolverEnhancers: ['guards'],
        context: (request: FastifyRequest) => ({ req: request, loaders: new Loaders(db, clusters, ranges) }),
        errorFormatter,
        errorHandler: graphqlRequestErrorHandler,
        validationRules: ({ variables }) => [
          createComplexityRule({
            maximumComplexity: MAX_QUERY_COMPLEXITY,
            variables,
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            createError: (max, actual) =>
              new GraphQLError(`query complexity ${actual} exceeds the limit of ${max}; ask for fewer items (first) or fields`, {
                extensions: { code: 'QUERY_TOO_COMPLEX', type: '/problems/query-too-complex', title: 'Query too complex', status: 400 },
              }),
          }),
        ],
      }),
    }),
  ],
})
export class KipamGraphQLModule {}
