import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-docs';
import { AddressMapService } from './address-map.service';
import { AddressMapQuery, ClusterAddressMapQuery } from './dto/address-map.dto';
import { AddressMapModel } from './models/address-map.model';

const DESCRIPTION =
  'The prefix (default: the whole CIDR) cut into 2^depth cells, each with its leased, reserved and free address counts and its ' +
  'first three leases (in address order) with their holders. Only cells holding a lease are listed. The answer is built from the leases inside the ' +
  'prefix: its cost grows with those leases, never with the addresses the prefix spans (an IPv6 /64 is never enumerated). ' +
  "A lease carved into a pool of its own (a child range, a cluster's CIDR) names that pool in `innerPool`, to draw it next.";

@ApiTags('address map')
@ApiBearerAuth()
@Controller('v1')
export class AddressMapController {
  constructor(@Inject(AddressMapService) private readonly service: AddressMapService) {}

  @Get('ranges/:rangeId/map')
  @ApiOperation({ summary: 'Address map of a range', description: DESCRIPTION })
  @ApiOkResponse({ type: AddressMapModel })
  @ApiProblems({ 404: ['not-found'] })
  rangeMap(@Param('rangeId') rangeId: string, @Query() query: AddressMapQuery): Promise<AddressMapModel> {
    return this.service.rangeMap(rangeId, query);
  }

  @Get('clusters/:clusterId/map')
  @ApiOperation({ summary: "Address map of a cluster's pod or service CIDR (node blocks or ClusterIPs)", description: DESCRIPTION })
  @ApiOkResponse({ type: AddressMapModel })
  @ApiProblems({ 404: ['not-found'] })
  clusterMap(@Param('clusterId') clusterId: string, @Query() query: ClusterAddressMapQuery): Promise<AddressMapModel> {
    return this.service.clusterMap(clusterId, query);
  }
}
