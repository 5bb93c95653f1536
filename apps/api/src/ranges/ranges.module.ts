import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { RangesController } from './ranges.controller';
import { RangesService } from './ranges.service';
import { RangesResolver } from './ranges.resolver';

@Module({
  imports: [DomainsModule, LeasesModule],
  controllers: [RangesController],
  providers: [RangesService, RangesResolver],
  exports: [RangesService],
})
export class RangesModule {}
