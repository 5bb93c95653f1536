import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ClusterType, ConflictSideType, ConflictType } from '../clusters/models/cluster.type';
import { clustersById, toClusterType } from '../clusters/clusters.resolver';
import { ClustersService } from '../clusters/clusters.service';
import type { GraphQLContext } from '../graphql/loaders';
import { toRangeType } from '../ranges/ranges.resolver';
import { CidrCheckType, ConflictConnection } from './models/conflict.type';
import { DEFAULT_FIRST, connectionComplexity, toConnection } from '../graphql/types';
import { ConflictsService } from './conflicts.service';

@Resolver(() => ConflictType)
export class ConflictsResolver {
  constructor(@Inject(ConflictsService) private readonly service: ConflictsService) {}

  @Query(() => ConflictConnection, {
    description:
      'Every pair of overlapping CIDRs (cluster pod/service CIDRs, reservations) in a domain (all domains when omitted), in a stable order, a page at a time like every list.',
    complexity: connectionComplexity,
  })
  async conflicts(
    @Args('domain', { nullable: true }) domain?: string,
    @Args('clusterId', { type: () => ID, nullable: true }) clusterId?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const page = await this.service.listWithCursors({ domain, clusterId, limit: first ?? DEFAULT_FIRST, cursor: after });
    return toConnection(page.items, page.cursors, page.nextCursor);
  }

  @Query(() => CidrCheckType, {
    nullable: true,
    description: 'What a CIDR would collide with in a domain before anyone declares it (null, with the error, when the CIDR is not one).',
  })
  async checkCidr(@Args('cidr') cidr: string, @Args('domain', { nullable: true }) domain?: string) {
    const check = await this.service.check(cidr, domain);
    return { ...check, range: check.range ? toRangeType(check.range) : null };
  }
}

@Resolver(() => ConflictSideType)
export class ConflictSideResolver {
  constructor(@Inject(ClustersService) private readonly clusters: ClustersService) {}

  @ResolveField(() => ClusterType, { nullable: true })
  async cluster(@Parent() side: ConflictSideType, @Context() ctx: GraphQLContext) {
    if (!side.clusterId) return null;
    const m = await clustersById(ctx.loaders, this.clusters).load(side.clusterId);
    return m ? toClusterType(m) : null;
  }
}
