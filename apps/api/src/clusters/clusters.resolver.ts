import { Inject } from '@nestjs/common';
import type DataLoader from 'dataloader';
import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { ValidationError } from '../common/errors';
import { DomainType } from '../domains/models/domain.type';
import type { GraphQLContext, Loaders } from '../graphql/loaders';
import { DEFAULT_FIRST, MAX_FIRST, connectionOf, type IPFamily, type Stack, connectionComplexity } from '../graphql/types';
import { validated } from '../graphql/validate';
import type { CidrEntry } from './dto/cidr-entry';
import { CreateClusterDto, UpdateClusterDto } from './dto/cluster.dto';
import type { ClusterModel } from './models/cluster.model';
import {
  CidrEntryInput,
  ClusterConfigType,
  ClusterConnection,
  ClusterFilter,
  ClusterProfileValue,
  ClusterType,
  CreateClusterInput,
  UpdateClusterInput,
} from './models/cluster.type';
import { configText, configYaml } from './cluster-config';
import { ClustersService } from './clusters.service';
import { DomainsService } from '../domains/domains.service';
import { domainsById } from '../domains/domains.resolver';

export function toClusterType(m: ClusterModel): ClusterType {
  return {
    ...m,
    stack: m.stack as Stack,
    ipFamilies: m.ipFamilies as IPFamily[],
    profile: m.profile as ClusterProfileValue | null,
    podCidrs: m.podCidrAssignments.map((a) => ({ family: a.family as IPFamily, cidr: a.cidr })),
    serviceCidrs: m.serviceCidrAssignments.map((a) => ({ family: a.family as IPFamily, cidr: a.cidr })),
    capacityThresholds: m.capacityThresholds.map((c) => ({ ...c, family: c.family as IPFamily })),
  };
}

export function entries(field: string, input: CidrEntryInput[] | undefined): CidrEntry[] | undefined {
  return input?.map((e, i) => {
    const given = [e.cidr, e.range, e.generate].filter((x) => x !== undefined && x !== null).length;
    if (given !== 1) throw ValidationError.field(`${field}[${i}]`, 'give one of cidr (declared), range (carved) or generate (generated)');
    if (e.cidr !== undefined && e.cidr !== null) return e.cidr;
    if (e.generate !== undefined && e.generate !== null) {
      return e.prefixLength === undefined || e.prefixLength === null
        ? { generate: e.generate }
        : { generate: e.generate, prefixLength: e.prefixLength };
    }
    return e.prefixLength === undefined || e.prefixLength === null
      ? { range: e.range! }
      : { range: e.range!, prefixLength: e.prefixLength };
  });
}

/** Clusters by id, batched per GraphQL request (ConflictSide.cluster). */
export function clustersById(loaders: Loaders, service: ClustersService): DataLoader<string, ClusterModel | null> {
  return loaders.keyed('clusters.byId', (ids) => service.byIds(ids), null);
}

@Resolver(() => ClusterType)
export class ClustersResolver {
  constructor(
    @Inject(ClustersService) private readonly service: ClustersService,
    @Inject(DomainsService) private readonly domains: DomainsService,
  ) {}

  @Query(() => ClusterConnection, { complexity: connectionComplexity })
  async clusters(
    @Args('filter', { nullable: true }) filter?: ClusterFilter,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ) {
    const page = await this.service.list({
      ...filter,
      label: filter?.labels,
      limit: Math.min(first ?? DEFAULT_FIRST, MAX_FIRST),
      cursor: after,
    });
    return connectionOf(page, toClusterType, (c) => [c.domain, c.name, c.id]);
  }

  @Query(() => ClusterType, {
    nullable: true,
    description: 'A cluster by id, or by name (in `domain`, default `default`); null, with a not-found error, when there is none.',
  })
  async cluster(
    @Args('id', { type: () => ID, nullable: true }) id?: string,
    @Args('name', { nullable: true }) name?: string,
    @Args('domain', { nullable: true }) domain?: string,
  ) {
    if (id) return toClusterType(await this.service.get(id));
    if (!name) throw ValidationError.field('id', 'give id or name');
    return toClusterType(await this.service.getByName(name, domain));
  }

  @ResolveField(() => DomainType)
  domain(@Parent() cluster: ClusterType, @Context() ctx: GraphQLContext) {
    return domainsById(ctx.loaders, this.domains).load(cluster.domainId);
  }

  @ResolveField(() => ClusterConfigType)
  async config(@Parent() cluster: ClusterType) {
    const c = await this.service.config(cluster.id);
    return { ...c, kubeadmNetworking: c.kubeadm.networking, text: configText(c), yaml: configYaml(c) };
  }

  @Mutation(() => ClusterType)
  async createCluster(@Args('input') input: CreateClusterInput) {
    const dto = await validated(CreateClusterDto, {
      ...input,
      podCidrs: entries('podCidrs', input.podCidrs),
      serviceCidrs: entries('serviceCidrs', input.serviceCidrs ?? undefined),
    });
    return toClusterType(await this.service.create(dto));
  }

  @Mutation(() => ClusterType, { description: 'Labels, Kubernetes version, or adding the missing family (single- to dual-stack).' })
  async updateCluster(@Args('id', { type: () => ID }) id: string, @Args('input') input: UpdateClusterInput) {
    const dto = await validated(UpdateClusterDto, {
      ...input,
      podCidrs: entries('podCidrs', input.podCidrs ?? undefined),
      serviceCidrs: entries('serviceCidrs', input.serviceCidrs ?? undefined),
    });
    return toClusterType(await this.service.update(id, dto));
  }

  @Mutation(() => Boolean, { description: 'Deletes a cluster and releases every lease it holds.' })
  async deleteCluster(@Args('id', { type: () => ID }) id: string) {
    await this.service.delete(id);
    return true;
  }
}
