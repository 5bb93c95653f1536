import { Inject } from '@nestjs/common';
import { Args, Context, ID, Int, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { Prefix } from '@kipam/cidr';
import { ClusterType } from '../clusters/models/cluster.type';
import { decodeCursor, encodeCursor } from '../common/pagination';
import type { GraphQLContext } from '../graphql/loaders';
import { DEFAULT_FIRST, MAX_FIRST, toConnection, type ConnectionShape, type IPFamily, connectionComplexity } from '../graphql/types';
import { validated } from '../graphql/validate';
import { CreateNodeDto, UpdateNodeDto } from './dto/node.dto';
import type { NodeModel } from './models/node.model';
import { ClusterCapacityType, CreateNodeInput, NodeConnection, NodeType, UpdateNodeInput } from './models/node.type';
import { NodesService } from './nodes.service';
import { eniQuery } from '../clusters/cluster-profile';

export function toNodeType(m: NodeModel): NodeType {
  return {
    ...m,
    podCidrs: m.podCidrs.map((cidr) => ({ family: Prefix.parseAddressOrCidr(cidr).family as IPFamily, cidr })),
  };
}

@Resolver(() => NodeType)
export class NodesResolver {
  constructor(@Inject(NodesService) private readonly service: NodesService) {}

  @Mutation(() => NodeType, { description: 'Registers a node: one pod CIDR per cluster pod family.' })
  async createNode(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('input') input: CreateNodeInput) {
    return toNodeType(await this.service.create(clusterId, await validated(CreateNodeDto, input)));
  }

  @Mutation(() => NodeType, { description: 'Changes labels and addresses (as PATCH /v1/clusters/{clusterId}/nodes/{nodeId}).' })
  async updateNode(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateNodeInput,
  ) {
    return toNodeType(await this.service.update(clusterId, id, await validated(UpdateNodeDto, input)));
  }

  @Mutation(() => Boolean, { description: 'Deletes a node and releases its pod CIDRs.' })
  async deleteNode(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('id', { type: () => ID }) id: string) {
    await this.service.delete(clusterId, id);
    return true;
  }
}

/** Cluster.nodes and Cluster.capacity: batched across the clusters of a page. */
@Resolver(() => ClusterType)
export class ClusterNodesResolver {
  constructor(@Inject(NodesService) private readonly service: NodesService) {}

  @ResolveField(() => NodeConnection, { complexity: connectionComplexity })
  async nodes(
    @Parent() cluster: ClusterType,
    @Context() ctx: GraphQLContext,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { nullable: true }) after?: string,
  ): Promise<ConnectionShape<NodeType>> {
    const limit = Math.min(first ?? DEFAULT_FIRST, MAX_FIRST);
    const cursor = decodeCursor(after, 2) as [string, string] | undefined;
    const loader = ctx.loaders.get(
      `cluster.nodes:${limit}:${after ?? ''}`,
      () =>
        new DataLoader<ClusterType, ConnectionShape<NodeType>, string>(
          async (clusters) => {
            const pages = await this.service.firstOfClusters(
              clusters.map((c) => ({ id: c.id, podFamilies: c.podCidrs.map((p) => p.family) })),
              cursor,
              limit,
            );
            return clusters.map((c) => {
              const { nodes, more } = pages.get(c.id)!;
              const cursors = nodes.map((n) => encodeCursor([n.name, n.id]));
              return toConnection(nodes.map(toNodeType), cursors, more ? cursors[cursors.length - 1] : null);
            });
          },
          { cacheKeyFn: (c) => c.id },
        ),
    );
    return loader.load(cluster);
  }

  @ResolveField(() => ClusterCapacityType, { complexity: 10 })
  capacity(
    @Parent() cluster: ClusterType,
    @Args('enis', { type: () => Int, nullable: true, description: 'ENIs of the instance type, for maxPodsPerNode (with ipsPerEni).' })
    enis?: number | null,
    @Args('ipsPerEni', { type: () => Int, nullable: true, description: 'IPv4 addresses per ENI, for maxPodsPerNode (with enis).' })
    ipsPerEni?: number | null,
  ) {
    return this.service.capacity(cluster.id, eniQuery(enis ?? undefined, ipsPerEni ?? undefined));
  }
}
