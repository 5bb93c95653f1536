import { Inject } from '@nestjs/common';
import { Args, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ClusterType } from '../clusters/models/cluster.type';
import { IPFamily } from '../graphql/types';
import { validated } from '../graphql/validate';
import { RangeType } from '../ranges/models/range.type';
import { AddressMapService } from './address-map.service';
import { AddressMapQuery, ClusterAddressMapQuery, type MapCidrKind } from './dto/address-map.dto';
import { AddressMapType } from './models/address-map.type';

/** A map costs a few statements and up to 2^depth cells: priced so a list of ranges cannot ask for one each. */
const MAP_COMPLEXITY = 200;

const DESCRIPTION = 'The address map of a prefix (default: the whole CIDR), cut into 2^depth cells (depth 0-10, default 8).';

@Resolver(() => RangeType)
export class RangeAddressMapResolver {
  constructor(@Inject(AddressMapService) private readonly service: AddressMapService) {}

  @ResolveField(() => AddressMapType, { complexity: MAP_COMPLEXITY, description: DESCRIPTION })
  async map(
    @Parent() range: RangeType,
    @Args('prefix', { nullable: true }) prefix?: string,
    @Args('depth', { type: () => Int, nullable: true }) depth?: number,
  ) {
    return this.service.rangeMap(range.id, await validated(AddressMapQuery, { prefix, depth }));
  }
}

@Resolver(() => ClusterType)
export class ClusterAddressMapResolver {
  constructor(@Inject(AddressMapService) private readonly service: AddressMapService) {}

  @ResolveField(() => AddressMapType, {
    complexity: MAP_COMPLEXITY,
    description: `${DESCRIPTION} Of the pod CIDR (node blocks) or the service CIDR (ClusterIPs) of one family.`,
  })
  async map(
    @Parent() cluster: ClusterType,
    @Args('kind', { nullable: true, description: 'pod (default) or service' }) kind?: string,
    @Args('family', { type: () => IPFamily, nullable: true, description: "Default: the cluster's first family of that kind." }) // typed as a string: an enum parameter type would send the value through the global ValidationPipe as a class
    family?: string,
    @Args('prefix', { nullable: true }) prefix?: string,
    @Args('depth', { type: () => Int, nullable: true }) depth?: number,
  ) {
    return this.service.clusterMap(
      cluster.id,
      await validated(ClusterAddressMapQuery, {
        kind: kind as MapCidrKind | undefined,
        family: family as IPFamily | undefined,
        prefix,
        depth,
      }),
    );
  }
}
