import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { RangesModule } from '../ranges/ranges.module';
import { ServicesRepository } from '../services/services.repository';
import { ClustersController } from './clusters.controller';
import { ClustersRepository } from './clusters.repository';
import { ClustersService } from './clusters.service';
import { ClustersResolver } from './clusters.resolver';

@Module({
  imports: [DomainsModule, RangesModule, LeasesModule],
  controllers: [ClustersController],
  providers: [ClustersService, ClustersRepository, ServicesRepository, ClustersResolver],
  exports: [ClustersService, ClustersRepository],
})
export class ClustersModule {}
