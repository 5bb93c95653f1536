import { Inject } from '@nestjs/common';
import { Args, Context, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { GraphQLContext } from '../graphql/loaders';
import type { IPFamily } from '../graphql/types';
import { validated } from '../graphql/validate';
import { entries } from './clusters.resolver';
import { CreateServiceCidrDto } from './dto/service-cidr.dto';
import { ClusterType } from './models/cluster.type';
import type { ServiceCidrModel } from './models/service-cidr.model';
import { CreateServiceCidrInput, ServiceCidrType } from './models/service-cidr.type';
import { ServiceCidrsService } from './service-cidrs.service';

function toServiceCidrType(m: ServiceCidrModel): ServiceCidrType {
  return { ...m, cidrs: m.cidrAssignments.map((a) => ({ family: a.family as IPFamily, cidr: a.cidr })) };
}

/** Cluster.serviceCidrResources (batched across the clusters of a page) and the ServiceCIDR mutations. */
@Resolver(() => ClusterType)
export class ServiceCidrsResolver {
  constructor(@Inject(ServiceCidrsService) private readonly service: ServiceCidrsService) {}

  @ResolveField(() => [ServiceCidrType], {
    description:
      'The cluster’s ServiceCIDR objects (networking.k8s.io/v1): the default `kubernetes` one first, then the others oldest first. ' +
      'Empty for a cluster whose kubernetesVersion is unset or below 1.33 (no ServiceCIDR API there).',
  })
  async serviceCidrResources(@Parent() cluster: ClusterType, @Context() ctx: GraphQLContext) {
    const list = await ctx.loaders.keyed('cluster.serviceCidrResources', (ids) => this.service.ofClusters(ids), []).load(cluster.id);
    return list.map(toServiceCidrType);
  }

  @Mutation(() => ServiceCidrType, {
    description: 'Adds a ServiceCIDR to a cluster (Kubernetes 1.33+), as POST /v1/clusters/{id}/service-cidrs.',
  })
  async createServiceCidr(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('input') input: CreateServiceCidrInput) {
    const dto = await validated(CreateServiceCidrDto, { name: input.name, cidrs: entries('cidrs', input.cidrs) });
    return toServiceCidrType(await this.service.create(clusterId, dto));
  }

  @Mutation(() => Boolean, {
    description: 'Deletes a ServiceCIDR; refused while Services hold ClusterIPs of it (the error names them).',
  })
  async deleteServiceCidr(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('name') name: string) {
    await this.service.delete(clusterId, name);
    return true;
  }
}
