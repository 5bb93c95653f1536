import { Inject } from '@nestjs/common';
import { Args, Context, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ValidationError } from '../common/errors';
import { ClusterType } from '../clusters/models/cluster.type';
import type { CidrEntryInput } from '../clusters/models/cluster.type';
import type { GraphQLContext } from '../graphql/loaders';
import { validated } from '../graphql/validate';
import { CreatePodPoolDto, UpdatePodPoolDto } from './dto/pod-pool.dto';
import type { LabelSelector } from './label-selector';
import { CreatePodPoolInput, LabelSelectorInput, PodPoolType, UpdatePodPoolInput } from './models/pod-pool.type';
import { PodPoolsService } from './pod-pools.service';

function entry(input: CidrEntryInput) {
  if ((input.cidr === undefined || input.cidr === null) === (input.range === undefined || input.range === null)) {
    throw ValidationError.field('cidr', 'give either cidr (declared) or range (carved)');
  }
  if (input.cidr !== undefined && input.cidr !== null) return input.cidr;
  return input.prefixLength === undefined || input.prefixLength === null
    ? { range: input.range! }
    : { range: input.range!, prefixLength: input.prefixLength };
}

/** A GraphQL selector as the REST body's: absent fields left out. */
function selector(input: LabelSelectorInput | null | undefined): LabelSelector | null | undefined {
  if (input === undefined || input === null) return input;
  const out: Record<string, unknown> = {};
  if (input.matchLabels !== undefined && input.matchLabels !== null) out.matchLabels = input.matchLabels;
  if (input.matchExpressions !== undefined && input.matchExpressions !== null) {
    out.matchExpressions = input.matchExpressions.map((e) =>
      e.values === undefined || e.values === null
        ? { key: e.key, operator: e.operator }
        : { key: e.key, operator: e.operator, values: e.values },
    );
  }
  return out;
}

/** Cluster.podPools (batched across a page of clusters) and the pod pool mutations. */
@Resolver(() => ClusterType)
export class PodPoolsResolver {
  constructor(@Inject(PodPoolsService) private readonly service: PodPoolsService) {}

  @ResolveField(() => [PodPoolType], {
    description:
      "Every pod pool: the cluster's own pod CIDRs (default-ipv4, default-ipv6) and the extra pools, in the order nodes try them.",
  })
  podPools(@Parent() cluster: ClusterType, @Context() ctx: GraphQLContext) {
    return ctx.loaders.keyed('cluster.podPools', (ids) => this.service.ofClusters(ids), []).load(cluster.id);
  }

  @Mutation(() => PodPoolType, {
    description: 'Adds a pod pool to a cluster (as POST /v1/clusters/{id}/pod-pools): the live cluster grows.',
  })
  async createPodPool(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('input') input: CreatePodPoolInput) {
    const dto = await validated(CreatePodPoolDto, { ...input, cidr: entry(input.cidr), nodeSelector: selector(input.nodeSelector) });
    return this.service.create(clusterId, dto);
  }

  @Mutation(() => PodPoolType, { description: "Changes a pod pool's node selector (null: every node) or order." })
  async updatePodPool(
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('name') name: string,
    @Args('input') input: UpdatePodPoolInput,
  ) {
    const dto = await validated(UpdatePodPoolDto, { ...input, nodeSelector: selector(input.nodeSelector) });
    return this.service.update(clusterId, name, dto);
  }

  @Mutation(() => Boolean, { description: 'Deletes a pod pool and releases its CIDR; refused while nodes hold blocks in it.' })
  async deletePodPool(@Args('clusterId', { type: () => ID }) clusterId: string, @Args('name') name: string) {
    await this.service.delete(clusterId, name);
    return true;
  }
}
