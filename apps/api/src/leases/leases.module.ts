import { Module } from '@nestjs/common';
import { LeaseEngine } from '@kipam/allocation';
import { MeteredLeaseEngine } from '../metrics/metered-lease-engine';
import { ErrorDescriber } from '../common/problem.filter';
import { BlockHolderDescriber } from './block-holder.describer';
import { LeasesController } from './leases.controller';
import { LeasesService } from './leases.service';
import { LeasesResolver } from './leases.resolver';

@Module({
  controllers: [LeasesController],
  // counting allocations and releases for /metrics (MetricsModule is global)
  providers: [
    { provide: LeaseEngine, useExisting: MeteredLeaseEngine },
    // a taken block's 409 names its holder (ProblemFilter)
    { provide: ErrorDescriber, useClass: BlockHolderDescriber },
    LeasesService,
    LeasesResolver,
  ],
  exports: [LeaseEngine, LeasesService, ErrorDescriber],
})
export class LeasesModule {}
