import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ClusterType, ConflictSideType, ConflictType } from '../clusters/models/cluster.type';
import { clustersById, toClusterType } from '../clusters/clusters.resolver';
import { ClustersService } from '../clusters/clusters.service';
import type { GraphQLContext } from '../graphql/loaders';
import { toRangeType } from '../ranges/ranges.resolver';
import { CidrCheckType } from './models/conflict.type';
import { ConflictsService } from './conflicts.service';

@Resolver(() => ConflictType)
export class ConflictsResolver {
  constructor(@Inject(ConflictsService) private readonly service: ConflictsService) {}

  @Query(() => [ConflictType], {
    description: 'Every pair of overlapping CIDRs (cluster pod/service CIDRs, reservations) in a domain (all domains when omitted).',
  })
  async conflicts(
    @Args('domain', { nullable: true }) domain?: string,
    @Args('clusterId', { type: () => ID, nullable: true }) clusterId?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ) {
    return (await this.service.list({ domain, clusterId, limit: first ?? 1000 })).items;
  }

  @Query(() => CidrCheckType, { description: 'What a CIDR would collide with in a domain before anyone declares it.' })
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
