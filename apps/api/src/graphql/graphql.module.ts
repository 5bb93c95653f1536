import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { FastifyRequest } from 'fastify';
import { MetricsService } from '../metrics/metrics.service';
import { KipamGraphQLDriver, type KipamGraphQLOptions } from './graphql.driver';
import { Loaders } from './loaders';
import './types';

/**
 * Code-first GraphQL at /graphql on the same Fastify server, over the same
 * services as REST. Authentication happens once per HTTP request
 * (graphql-http.ts); the transport and its limits are in graphql.driver.ts
 * and limits.ts; the IDE is served from local assets.
 */
@Module({})
export class KipamGraphQLModule {
  /** `documentCacheMegabytes`: parsed documents kept (KIPAM_GRAPHQL_CACHE_MB). */
  static forRoot(opts: { documentCacheMegabytes: number }): DynamicModule {
    return {
      module: KipamGraphQLModule,
      imports: [
        GraphQLModule.forRootAsync<KipamGraphQLOptions>({
          driver: KipamGraphQLDriver,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) => ({
            autoSchemaFile: true,
            sortSchema: true,
            path: '/graphql',
            fieldResolverEnhancers: ['guards'],
            context: (request: FastifyRequest) => ({ req: request, loaders: new Loaders() }),
            documentCacheBytes: opts.documentCacheMegabytes * 1024 * 1024,
            onDocuments: (documents) => metrics.watchGraphqlDocuments(() => documents.stats),
          }),
        }),
      ],
    };
  }
}
