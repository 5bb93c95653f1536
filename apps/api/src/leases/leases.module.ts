import { Module } from '@nestjs/common';
import { LeaseEngine } from '@kipam/allocation';
import { MeteredLeaseEngine } from '../metrics/metered-lease-engine';
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
    LeasesRepository,
    LeasesService,
    LeasesResolver,
  ],
  exports: [LeaseEngine, HoldersRepository, LeasesService],
})
export class LeasesModule {}
