import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { RangesController } from './ranges.controller';
import { RangesRepository } from './ranges.repository';
import { RangesService } from './ranges.service';
import { RangesResolver } from './ranges.resolver';

@Module({
  imports: [DomainsModule, LeasesModule],
  controllers: [RangesController],
  providers: [RangesService, RangesRepository, RangesResolver],
  exports: [RangesService, RangesRepository],
})
export class RangesModule {}
