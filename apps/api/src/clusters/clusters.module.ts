import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { LeasesModule } from '../leases/leases.module';
import { NodesModule } from '../nodes/nodes.module';
import { ServicesModule } from '../services/services.module';
import { PodPoolsController } from '../pod-pools/pod-pools.controller';
import { PodPoolsResolver } from '../pod-pools/pod-pools.resolver';
import { PodPoolsService } from '../pod-pools/pod-pools.service';
import { ClusterCidrs } from './cluster-cidrs';
import { UlaGlobalIdSource } from './ula-global-id-source';
import { ClustersController } from './clusters.controller';
import { ClustersService } from './clusters.service';
import { ClustersResolver } from './clusters.resolver';
import { ServiceCidrsController } from './service-cidrs.controller';
import { ServiceCidrsResolver } from './service-cidrs.resolver';
import { ServiceCidrsService } from './service-cidrs.service';

@Module({
  // a cluster's creation makes default/kubernetes (services), a family added to it gives its nodes blocks (nodes)
  imports: [DomainsModule, LeasesModule, NodesModule, ServicesModule],
  controllers: [ClustersController, PodPoolsController, ServiceCidrsController],
  // pod pools and ServiceCIDRs lease their CIDRs as cluster CIDRs are (ClusterCidrs)
  providers: [
    ClustersService,
    ClusterCidrs,
    UlaGlobalIdSource,
    ClustersResolver,
    PodPoolsService,
    PodPoolsResolver,
    ServiceCidrsService,
    ServiceCidrsResolver,
  ],
  exports: [ClustersService, PodPoolsService, ServiceCidrsService],
})
export class ClustersModule {}
