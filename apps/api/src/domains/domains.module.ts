import { Module } from '@nestjs/common';
import { DomainsController } from './domains.controller';
import { DomainsRepository } from './domains.repository';
import { DomainsService } from './domains.service';
import { DomainsResolver } from './domains.resolver';

@Module({
  controllers: [DomainsController],
  providers: [DomainsService, DomainsRepository, DomainsResolver],
  exports: [DomainsService, DomainsRepository],
})
export class DomainsModule {}
