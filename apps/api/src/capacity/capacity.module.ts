import { Module } from '@nestjs/common';
import { LeasesModule } from '../leases/leases.module';
import { ForecastController } from './forecast.controller';
import { ClusterForecastResolver, RangeForecastResolver } from './forecast.resolver';
import { ForecastService } from './forecast.service';

/** Exhaustion forecasts (thresholds live with their ranges and clusters; their SQL in CapacityRepository). */
@Module({
  imports: [LeasesModule],
  controllers: [ForecastController],
  providers: [ForecastService, RangeForecastResolver, ClusterForecastResolver],
})
export class CapacityModule {}
