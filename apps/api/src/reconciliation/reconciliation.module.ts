import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ClustersModule } from '../clusters/clusters.module';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { acceptYamlBodies } from '../services/service-manifest';
import { ReconciliationController } from './reconciliation.controller';
import { ReconciliationResolver } from './reconciliation.resolver';
import { ReconciliationService } from './reconciliation.service';
import { isObservationRoute } from './observation-routes';

@Module({
  imports: [ClustersModule, DomainsModule, LeasesModule],
  controllers: [ReconciliationController],
  providers: [ReconciliationService, ReconciliationResolver],
})
export class ReconciliationModule implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  /** Observations may be YAML (`kubectl get ... -o yaml`). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addContentTypeParser !== 'function') return;
    acceptYamlBodies(fastify, isObservationRoute);
  }
}
