import { Inject } from '@nestjs/common';
import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ClusterType } from '../clusters/models/cluster.type';
import { RangeType } from '../ranges/models/range.type';
import { SpaceForecastModel } from './models/forecast.model';
import { ForecastService } from './forecast.service';

@Resolver(() => RangeType)
export class RangeForecastResolver {
  constructor(@Inject(ForecastService) private readonly service: ForecastService) {}

  @ResolveField(() => SpaceForecastModel, {
    description: 'Net allocations per day over the last 7 and 30 days and the projected exhaustion date.',
  })
  async forecast(@Parent() range: RangeType): Promise<SpaceForecastModel> {
    return (await this.service.range(range.id)).forecast;
  }
}

@Resolver(() => ClusterType)
export class ClusterForecastResolver {
  constructor(@Inject(ForecastService) private readonly service: ForecastService) {}

  @ResolveField(() => [SpaceForecastModel], {
    description: 'Per pod and service CIDR: net allocations per day over the last 7 and 30 days and the projected exhaustion date.',
  })
  async forecast(@Parent() cluster: ClusterType): Promise<SpaceForecastModel[]> {
    return (await this.service.cluster(cluster.id)).spaces;
  }
}
