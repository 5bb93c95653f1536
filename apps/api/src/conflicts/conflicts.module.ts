import { Module } from '@nestjs/common';
import { DomainsModule } from '../domains/domains.module';
import { RangesModule } from '../ranges/ranges.module';
import { ConflictsController } from './conflicts.controller';
import { ConflictsRepository } from './conflicts.repository';
import { ConflictsService } from './conflicts.service';
import { ConflictSideResolver, ConflictsResolver } from './conflicts.resolver';

@Module({
  imports: [DomainsModule, RangesModule],
  controllers: [ConflictsController],
  providers: [ConflictsService, ConflictsRepository, ConflictsResolver, ConflictSideResolver],
  exports: [ConflictsService],
})
export class ConflictsModule {}
