import { Module } from '@nestjs/common';
import { LeasesModule } from '../leases/leases.module';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';
import { ClusterNodesResolver, NodesResolver } from './nodes.resolver';

@Module({
  imports: [LeasesModule],
  controllers: [NodesController],
  providers: [NodesService, NodesResolver, ClusterNodesResolver],
  exports: [NodesService],
})
export class NodesModule {}
