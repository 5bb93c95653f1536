import { Inject } from '@nestjs/common';
import type DataLoader from 'dataloader';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import type { Loaders } from '../graphql/loaders';
import { validated } from '../graphql/validate';
import { DEFAULT_FIRST, connectionOf, connectionComplexity } from '../graphql/types';
import { CreateDomainDto, UpdateDomainDto } from './dto/domain.dto';
import { DomainConnection, DomainType, CreateDomainInput, UpdateDomainInput } from './models/domain.type';
import type { DomainModel } from './models/domain.model';
import { DomainsService } from './domains.service';

/** Domains by id, batched per GraphQL request (Cluster.domain, Range.domain). */
export function domainsById(loaders: Loaders, service: DomainsService): DataLoader<string, DomainModel | null> {
  return loaders.keyed('domains.byId', (ids) => service.byIds(ids), null);
}

@Resolver(() => DomainType)
export class DomainsResolver {
  constructor(@Inject(DomainsService) private readonly service: DomainsService) {}

  @Query(() => DomainConnection, { description: 'Routing domains, by name.', complexity: connectionComplexity })
  async domains(@Args('first', { type: () => Int, nullable: true }) first?: number, @Args('after', { nullable: true }) after?: string) {
    const page = await this.service.list({ limit: first ?? DEFAULT_FIRST, cursor: after });
    return connectionOf(
      page,
      (d) => d,
      (d) => [d.name, d.id],
    );
  }

  @Query(() => DomainType, { nullable: true, description: 'A domain by id or name (null, with a not-found error, when there is none).' })
  domain(@Args('id', { type: () => ID }) id: string) {
    return this.service.get(id);
  }

  @Mutation(() => DomainType)
  async createDomain(@Args('input') input: CreateDomainInput) {
    return this.service.create(await validated(CreateDomainDto, input));
  }

  @Mutation(() => DomainType, { description: 'Changes the description (as PATCH /v1/domains/{domainId}).' })
  async updateDomain(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateDomainInput) {
    return this.service.update(id, await validated(UpdateDomainDto, input));
  }

  @Mutation(() => Boolean, { description: 'Deletes an empty domain.' })
  async deleteDomain(@Args('id', { type: () => ID }) id: string) {
    await this.service.delete(id);
    return true;
  }
}
