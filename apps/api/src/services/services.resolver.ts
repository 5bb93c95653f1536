import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { Address } from '@kipam/cidr';
import { ClusterType } from '../clusters/models/cluster.type';
import { decodeCursor, encodeCursor } from '../common/pagination';
import type { GraphQLContext } from '../graphql/loaders';
import {
  connectionComplexity,
  DEFAULT_FIRST,
  MAX_FIRST,
  toConnection,
  type ConnectionShape,
  IPFamily,
  IPFamilyPolicy,
} from '../graphql/types';
import { validated } from '../graphql/validate';
import { CreateServiceDto, UpdateServiceDto } from './dto/service.dto';
import type { ServiceModel } from './models/service.model';
import { CreateServiceInput, ServiceConnection, ServiceType, UpdateServiceInput } from './models/service.type';
import { ServiceIpService } from './service-ip.service';

export function toServiceType(m: ServiceModel): ServiceType {
  return {
    ...m,
    ipFamilies: m.ipFamilies as IPFamily[],
    ipFamilyPolicy: m.ipFamilyPolicy as IPFamilyPolicy | null,
    clusterIPs: m.headless ? [] : m.clusterIPs.map((address) => ({ family: Address.parse(address).family as IPFamily, address })),
  };
}

@Resolver(() => ServiceType)
export class ServicesResolver {
  constructor(@Inject(ServiceIpService) private readonly service: ServiceIpService) {}

  @Mutation(() => ServiceType, { description: 'Creates a Service and allocates its ClusterIPs (kube-apiserver semantics).' })
  async createService(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('input') input: CreateServiceInput) {
    return toServiceType(await this.service.create(clusterId, await validated(CreateServiceDto, input)));
  }

  @Mutation(() => ServiceType, {
    description:
      'Changes ipFamilyPolicy (and optionally ipFamilies): single to dual adds the missing family, dual to SingleStack releases the secondary ClusterIP.',
  })
  async updateServiceFamilyPolicy(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('ipFamilyPolicy', { type: () => IPFamilyPolicy }) ipFamilyPolicy: IPFamilyPolicy,
    @Args('ipFamilies', { type: () => [IPFamily], nullable: true }) ipFamilies?: IPFamily[],
  ) {
    const dto = await validated(UpdateServiceDto, { ipFamilyPolicy, ipFamilies });
    return toServiceType(await this.service.update(clusterId, id, dto));
  }

  @Mutation(() => ServiceType, {
    description: 'Changes labels, selector, type or the dual-stack fields (as PATCH /v1/clusters/{clusterId}/services/{serviceId}).',
  })
  async updateService(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateServiceInput,
  ) {
    return toServiceType(await this.service.update(clusterId, id, await validated(UpdateServiceDto, input)));
  }

  @Mutation(() => Boolean, { description: 'Deletes a Service and releases its ClusterIPs.' })
  async deleteService(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('id', { type: () => ID }) id: string) {
    await this.service.delete(clusterId, id);
    return true;
  }
}

/** Cluster.services: batched across the clusters of a page. */
@Resolver(() => ClusterType)
export class ClusterServicesResolver {
  constructor(@Inject(ServiceIpService) private readonly service: ServiceIpService) {}

  @ResolveField(() => ServiceConnection, { complexity: connectionComplexity })
  async services(
    @Parent() cluster: ClusterType,
    @Context() ctx: GraphQLContext,
    @Args('namespace', { nullable: true }) namespace?: string,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<ConnectionShape<ServiceType>> {
    const limit = Math.min(first ?? DEFAULT_FIRST, MAX_FIRST);
    const cursor = decodeCursor(after, 3) as [string, string, string] | undefined;
    const loader = ctx.loaders.get(
      `cluster.services:${namespace ?? ''}:${limit}:${after ?? ''}`,
      () =>
        new DataLoader<string, ConnectionShape<ServiceType>>(async (clusterIds) => {
          const pages = await this.service.firstOfClusters(clusterIds, namespace, cursor, limit);
          return clusterIds.map((id) => {
            const { services, more } = pages.get(id)!;
            const cursors = services.map((m) => encodeCursor([m.namespace, m.name, m.id]));
            return toConnection(services.map(toServiceType), cursors, more ? cursors[cursors.length - 1] : null);
          });
        }),
    );
    return loader.load(cluster.id);
  }
}
