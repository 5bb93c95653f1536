import { Module } from '@nestjs/common';
import { AddressMapController } from './address-map.controller';
import { ClusterAddressMapResolver, RangeAddressMapResolver } from './address-map.resolver';
import { AddressMapService } from './address-map.service';

/** Address maps of ranges and cluster CIDRs (REST and GraphQL), read-only. */
@Module({
  controllers: [AddressMapController],
  providers: [AddressMapService, RangeAddressMapResolver, ClusterAddressMapResolver],
})
export class AddressMapModule {}
