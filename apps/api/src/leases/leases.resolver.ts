import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { WhoIsType } from './models/lease.type';
import { LeasesService } from './leases.service';

@Resolver(() => WhoIsType)
export class LeasesResolver {
  constructor(@Inject(LeasesService) private readonly service: LeasesService) {}

  @Query(() => WhoIsType, {
    nullable: true,
    description:
      'Who owns an address: every lease containing it, with its holder (cluster, node, Service, range, reservation), every cluster pod or service CIDR containing it (declared ones outside any range included), and the nodes reporting it.',
  })
  whoIs(@Args('address') address: string) {
    return this.service.whoIs(address);
  }
}
