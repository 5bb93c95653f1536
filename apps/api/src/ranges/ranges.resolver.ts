import { Inject } from '@nestjs/common';
import type DataLoader from 'dataloader';
import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { DomainType } from '../domains/models/domain.type';
import { domainsById } from '../domains/domains.resolver';
import { DomainsService } from '../domains/domains.service';
import type { GraphQLContext, Loaders } from '../graphql/loaders';
import { DEFAULT_FIRST, MAX_FIRST, connectionOf, connectionComplexity } from '../graphql/types';
import { validated } from '../graphql/validate';
import { CreateRangeDto, CreateReservationDto, UpdateRangeDto, UpdateReservationDto } from './dto/range.dto';
import type { RangeModel } from './models/range.model';
import {
  CreateRangeInput,
  CreateReservationInput,
  RangeConnection,
  RangeFilter,
  RangeType,
  RangeUsageType,
  ReservationType,
  UpdateRangeInput,
  UpdateReservationInput,
} from './models/range.type';
import { RangesService } from './ranges.service';

export function toRangeType(m: RangeModel): RangeType {
  return { ...m, parentId: m.parent, family: m.family as RangeType['family'], purpose: m.purpose as RangeType['purpose'] };
}

/** Ranges by id and child ranges by parent, batched per GraphQL request (Range.parent, Range.children). */
function rangesById(loaders: Loaders, service: RangesService): DataLoader<string, RangeModel | null> {
  return loaders.keyed('ranges.byId', (ids) => service.byIds(ids), null);
}

function rangeChildren(loaders: Loaders, service: RangesService): DataLoader<string, RangeModel[]> {
  return loaders.keyed('ranges.children', (parentIds) => service.childrenOf(parentIds), []);
}

@Resolver(() => RangeType)
export class RangesResolver {
  constructor(
    @Inject(RangesService) private readonly service: RangesService,
    @Inject(DomainsService) private readonly domains: DomainsService,
  ) {}

  @Query(() => RangeConnection, { complexity: connectionComplexity })
  async ranges(
    @Args('filter', { nullable: true }) filter?: RangeFilter,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const page = await this.service.list({
      ...filter,
      label: filter?.labels,
      limit: Math.min(first ?? DEFAULT_FIRST, MAX_FIRST),
      cursor: after,
    });
    return connectionOf(page, toRangeType, (r) => [r.domain, r.name, r.id]);
  }

  @Query(() => RangeType, { nullable: true, description: 'A range by id (null, with a not-found error, when there is none).' })
  async range(@Args('id', { type: () => ID }) id: string) {
    return toRangeType(await this.service.get(id));
  }

  @ResolveField(() => RangeUsageType, { complexity: 5 })
  usage(@Parent() range: RangeType) {
    return this.service.usage(range.id);
  }

  @ResolveField(() => RangeType, { nullable: true })
  async parent(@Parent() range: RangeType, @Context() ctx: GraphQLContext) {
    if (!range.parentId) return null;
    const m = await rangesById(ctx.loaders, this.service).load(range.parentId);
    return m ? toRangeType(m) : null;
  }

  @ResolveField(() => [RangeType])
  async children(@Parent() range: RangeType, @Context() ctx: GraphQLContext) {
    return (await rangeChildren(ctx.loaders, this.service).load(range.id)).map(toRangeType);
  }

  @ResolveField(() => DomainType)
  domain(@Parent() range: RangeType, @Context() ctx: GraphQLContext) {
    return domainsById(ctx.loaders, this.domains).load(range.domainId);
  }

  @ResolveField(() => [ReservationType])
  async reservations(@Parent() range: RangeType) {
    return (await this.service.listReservations(range.id, { limit: 1000 })).items;
  }

  @Mutation(() => RangeType)
  async createRange(@Args('input') input: CreateRangeInput) {
    return toRangeType(await this.service.create(await validated(CreateRangeDto, input)));
  }

  @Mutation(() => RangeType, { description: 'Changes labels and description (as PATCH /v1/ranges/{rangeId}).' })
  async updateRange(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateRangeInput) {
    return toRangeType(await this.service.update(id, await validated(UpdateRangeDto, input)));
  }

  @Mutation(() => Boolean)
  async deleteRange(@Args('id', { type: () => ID }) id: string) {
    await this.service.delete(id);
    return true;
  }

  @Mutation(() => ReservationType)
  async createReservation(@Args('input') input: CreateReservationInput) {
    const { rangeId, ...rest } = input;
    return this.service.createReservation(rangeId, await validated(CreateReservationDto, rest));
  }

  @Mutation(() => ReservationType, { description: 'Changes the reason (as PATCH /v1/ranges/{rangeId}/reservations/{reservationId}).' })
  async updateReservation(
    @Args('rangeId', { type: () => ID }) rangeId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateReservationInput,
  ) {
    return this.service.updateReservation(rangeId, id, await validated(UpdateReservationDto, input));
  }

  @Mutation(() => Boolean)
  async deleteReservation(@Args('rangeId', { type: () => ID }) rangeId: string, @Args('id', { type: () => ID }) id: string) {
    await this.service.deleteReservation(rangeId, id);
    return true;
  }
}
