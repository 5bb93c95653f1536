import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { RangesModule } from '../ranges/ranges.module';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';
import { ClustersResolver } from './clusters.resolver';

@Module({
  imports: [DomainsModule, RangesModule, LeasesModule],
  controllers: [ClustersController],
  providers: [ClustersService, ClustersResolver],
  exports: [ClustersService],
})
export class ClustersModule {}
