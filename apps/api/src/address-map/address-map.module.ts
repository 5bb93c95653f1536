import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module';
import { RangesModule } from '../ranges/ranges.module';
import { AddressMapController } from './address-map.controller';
import { AddressMapRepository } from './address-map.repository';
import { ClusterAddressMapResolver, RangeAddressMapResolver } from './address-map.resolver';
import { AddressMapService } from './address-map.service';

/** Address maps of ranges and cluster CIDRs (REST and GraphQL), read-only. */
@Module({
  imports: [RangesModule, ClustersModule],
  controllers: [AddressMapController],
  providers: [AddressMapService, AddressMapRepository, RangeAddressMapResolver, ClusterAddressMapResolver],
})
export class AddressMapModule {}
