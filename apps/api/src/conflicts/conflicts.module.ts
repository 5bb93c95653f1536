import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { ClustersModule } from '../clusters/clusters.module';
import { LeasesModule } from '../leases/leases.module';
import { ConflictsController } from './conflicts.controller';
import { ConflictsService } from './conflicts.service';
import { ConflictSideResolver, ConflictsResolver } from './conflicts.resolver';

@Module({
  imports: [DomainsModule, LeasesModule, ClustersModule],
  controllers: [ConflictsController],
  providers: [ConflictsService, ConflictsResolver, ConflictSideResolver],
  exports: [ConflictsService],
})
export class ConflictsModule {}
