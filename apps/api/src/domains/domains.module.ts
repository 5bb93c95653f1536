import { Module } from '@nestjs/common';
import { DomainsController } from './domains.controller';
import { DomainsService } from './domains.service';
import { DomainsResolver } from './domains.resolver';

@Module({
  controllers: [DomainsController],
  providers: [DomainsService, DomainsResolver],
  exports: [DomainsService],
})
export class DomainsModule {}
