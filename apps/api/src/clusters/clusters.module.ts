import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { NodesModule } from '../nodes/nodes.module';
import { ServicesModule } from '../services/services.module';
import { ClusterCidrs } from './cluster-cidrs';
import { UlaGlobalIdSource } from './ula-global-id-source';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';
import { ClustersResolver } from './clusters.resolver';

@Module({
  // a cluster's creation makes default/kubernetes (services), a family added to it gives its nodes blocks (nodes)
  imports: [DomainsModule, LeasesModule, NodesModule, ServicesModule],
  controllers: [ClustersController],
  providers: [ClustersService, ClusterCidrs, UlaGlobalIdSource, ClustersResolver],
  exports: [ClustersService],
})
export class ClustersModule {}
