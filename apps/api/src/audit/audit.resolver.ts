import { Inject } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { encodeCursor } from '../common/pagination';
import { connectionComplexity, DEFAULT_FIRST, MAX_FIRST, toConnection } from '../graphql/types';
import { validated } from '../graphql/validate';
import { ListAuditQuery } from './dto/audit.dto';
import { AuditFilter, AuditRecordConnection, AuditRecordType } from './models/audit.type';
import { AuditService } from './audit.service';

@Resolver(() => AuditRecordType)
export class AuditResolver {
  constructor(@Inject(AuditService) private readonly service: AuditService) {}

  @Query(() => AuditRecordConnection, {
    description: 'The audit trail, newest first (admin tokens only).',
    complexity: connectionComplexity,
  })
  async audit(
    @Args('filter', { nullable: true }) filter?: AuditFilter,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const query = await validated(ListAuditQuery, { ...filter, cursor: after });
    const page = await this.service.list({ ...query, limit: Math.min(first ?? DEFAULT_FIRST, MAX_FIRST) });
    return toConnection(
      page.items,
      page.items.map((r) => encodeCursor([r.at.toISOString(), r.id])),
      page.nextCursor,
    );
  }
}
