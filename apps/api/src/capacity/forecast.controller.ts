import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-docs';
import { ClusterForecastModel, RangeForecastModel } from './models/forecast.model';
import { ForecastService } from './forecast.service';

const HOW =
  'The net allocation rate (allocations minus releases, read from the audit trail) over the last 7 and over the last 30 days, and the day the free space runs out at each rate, or `not at this rate` when it did not grow.';

@ApiTags('capacity')
@ApiBearerAuth()
@Controller('v1')
export class ForecastController {
  constructor(@Inject(ForecastService) private readonly service: ForecastService) {}

  @Get('ranges/:rangeId/forecast')
  @ApiOperation({
    summary: 'When a range runs out',
    description: `${HOW} Counts cluster CIDRs, child ranges and reservations taken from the range.`,
  })
  @ApiOkResponse({ type: RangeForecastModel })
  @ApiProblems({ 404: ['not-found'] })
  range(@Param('rangeId') id: string): Promise<RangeForecastModel> {
    return this.service.range(id);
  }

  @Get('clusters/:clusterId/forecast')
  @ApiOperation({
    summary: "When a cluster's pod and service CIDRs run out",
    description: `${HOW} Per pod CIDR (node blocks) and service CIDR (ClusterIPs), per family.`,
  })
  @ApiOkResponse({ type: ClusterForecastModel })
  @ApiProblems({ 404: ['not-found'] })
  cluster(@Param('clusterId') id: string): Promise<ClusterForecastModel> {
    return this.service.cluster(id);
  }
}
