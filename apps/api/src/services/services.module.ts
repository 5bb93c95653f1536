import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { LeasesModule } from '../leases/leases.module';
import { ServiceIpService } from './service-ip.service';
import { registerYamlBodyParser } from './service-manifest';
import { ServicesController } from './services.controller';
import { ClusterServicesResolver, ServicesResolver } from './services.resolver';

@Module({
  imports: [LeasesModule],
  controllers: [ServicesController],
  providers: [ServiceIpService, ServicesResolver, ClusterServicesResolver],
  exports: [ServiceIpService],
})
export class ServicesModule implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  /** YAML bodies for manifest mode only (services:apply); every other route stays JSON-only. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addContentTypeParser !== 'function') return;
    registerYamlBodyParser(fastify, (url) => url?.endsWith('/services::apply') === true || url?.endsWith('/services:apply') === true);
  }
}
