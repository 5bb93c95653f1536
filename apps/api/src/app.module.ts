import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { PersistenceModule } from '@kipam/persistence';
import { KIPAM_CONFIG, type KipamConfig } from './config/config';
import { AuthGuard } from './common/auth.guard';
import { ProblemFilter } from './common/problem.filter';
import { requestIdOf } from './common/request-id';
import { contextOfRaw } from './common/request-context';
import { traceOf } from './common/trace';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { HealthController } from './health/health.controller';
import { DomainsModule } from './domains/domains.module';
import { RangesModule } from './ranges/ranges.module';
import { ClustersModule } from './clusters/clusters.module';
import { ConflictsModule } from './conflicts/conflicts.module';
import { NodesModule } from './nodes/nodes.module';
import { ServicesModule } from './services/services.module';
import { LeasesModule } from './leases/leases.module';
import { KipamGraphQLModule } from './graphql/graphql.module';
import { ResponseMetaInterceptor } from './common/response-meta';
import { MergePatchInterceptor } from './common/merge-patch';
import { IdempotencyInterceptor } from './common/idempotency';
import { TokensModule } from './tokens/tokens.module';
import { AuditModule } from './audit/audit.module';
import { MetricsModule } from './metrics/metrics.module';
import { AddressMapModule } from './address-map/address-map.module';
import { RepositoriesModule } from './repositories.module';

@Module({})
export class AppModule {
  /** `logStream`: where the logs go instead of stdout (tests read them). */
  static forRoot(config: KipamConfig & { databaseUrl: string }, logStream?: DestinationStream): DynamicModule {
    const pinoHttp: PinoHttpOptions = {
      level: config.logLevel,
      genReqId: (req) => requestIdOf(req),
      // every line of a request carries its ids; the access line also who asked (never the secret)
      // Called when the request starts (the ids, on every line of it) and again for the access
      // line once the response is written (who asked, known by then).
      customProps: (req, res) => {
        if (res.writableFinished) {
          const principal = contextOfRaw(req)?.principal;
          return principal ? { tokenId: principal.tokenId, actor: principal.name, role: principal.role } : {};
        }
        const { traceId, parentId } = traceOf(req);
        return { requestId: requestIdOf(req), traceId, ...(parentId ? { parentId } : {}) };
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    };
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({ pinoHttp: logStream ? { ...pinoHttp, stream: logStream } : pinoHttp }),
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
        KipamGraphQLModule.forRoot({ documentCacheMegabytes: config.graphqlCacheMegabytes }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: KIPAM_CONFIG, useValue: config },
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        // Outermost first: the idempotency layer records the headers ResponseMetaInterceptor sets.
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_INTERCEPTOR, useClass: MergePatchInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ResponseMetaInterceptor },
      ],
      exports: [KIPAM_CONFIG],
    };
  }
}
