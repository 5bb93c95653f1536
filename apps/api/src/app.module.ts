import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { PersistenceModule } from '@kipam/persistence';
import { KIPAM_CONFIG, type KipamConfig } from './config/config';
import { AuthGuard } from './common/auth.guard';
import { ProblemFilter } from './common/problem.filter';
import { HealthController } from './health/health.controller';
import { DomainsModule } from './domains/domains.module';
import { RangesModule } from './ranges/ranges.module';
import { ClustersModule } from './clusters/clusters.module';
import { ConflictsModule } from './conflicts/conflicts.module';
import { NodesModule } from './nodes/nodes.module';
import { ServicesModule } from './services/services.module';
import { LeasesModule } from './leases/leases.module';
import { KipamGraphQLModule } from './graphql/graphql.module';
import { TokensModule } from './tokens/tokens.module';
import { AuditModule } from './audit/audit.module';
import { MetricsModule } from './metrics/metrics.module';
import { AddressMapModule } from './address-map/address-map.module';
import { ReconciliationModule } from './reconciliation/reconciliation.module';
import { RepositoriesModule } from './repositories.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { CapacityModule } from './capacity/capacity.module';

@Module({})
export class AppModule {
  static forRoot(config: KipamConfig & { databaseUrl: string }, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // the application's logger; the access log is a Fastify hook (logging.ts), not a middleware per request
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        PersistenceModule.forRoot({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize }),
        RepositoriesModule,
        AuditModule,
        MetricsModule,
        TokensModule.forRoot({ seconds: config.tokenCacheSeconds }),
        DomainsModule,
        RangesModule,
        ClustersModule,
        ConflictsModule,
        NodesModule,
        ServicesModule,
        LeasesModule,
        AddressMapModule,
        CapacityModule,
        WebhooksModule.forRoot({ ...config.webhooks, databaseUrl: config.databaseUrl }),
        ReconciliationModule,
        KipamGraphQLModule.forRoot({ documentCacheMegabytes: config.graphqlCacheMegabytes }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: KIPAM_CONFIG, useValue: config },
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        // No global interceptors: each would cost every request (GraphQL resolvers too) an RxJS pipeline.
        // @Idempotent() routes bind IdempotencyInterceptor; response headers are a Fastify hook (response-meta.ts).
      ],
      exports: [KIPAM_CONFIG],
    };
  }
}
