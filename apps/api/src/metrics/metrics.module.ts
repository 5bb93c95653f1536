import { Global, Module } from '@nestjs/common';
import { MeteredLeaseEngine } from './metered-lease-engine';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** Global: the lease engine (LeasesModule) counts through MetricsService. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MeteredLeaseEngine],
  exports: [MetricsService, MeteredLeaseEngine],
})
export class MetricsModule {}
