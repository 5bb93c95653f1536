import { Module } from '@nestjs/common';
import { LeaseEngine } from '@kipam/allocation';
import { MeteredLeaseEngine } from '../metrics/metered-lease-engine';
import { ErrorDescriber } from '../common/problem.filter';
import { BlockHolderDescriber } from './block-holder.describer';
import { HoldersRepository } from './holders.repository';
import { LeasesController } from './leases.controller';
import { LeasesRepository } from './leases.repository';
import { LeasesService } from './leases.service';
import { LeasesResolver } from './leases.resolver';

@Module({
  controllers: [LeasesController],
  // counting allocations and releases for /metrics (MetricsModule is global)
  providers: [
    { provide: LeaseEngine, useExisting: MeteredLeaseEngine },
    HoldersRepository,
    // a taken block's 409 names its holder (ProblemFilter)
    { provide: ErrorDescriber, useClass: BlockHolderDescriber },
    LeasesRepository,
    LeasesService,
    LeasesResolver,
  ],
  exports: [LeaseEngine, HoldersRepository, LeasesService, ErrorDescriber],
})
export class LeasesModule {}
