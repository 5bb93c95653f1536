import { Field, Float, InputType, Int, ObjectType } from '@nestjs/graphql';
import { CidrEntryInput } from '../../clusters/models/cluster.type';
import { LabelsScalar } from '../../graphql/types';

@ObjectType('LabelSelectorRequirement', { description: 'One requirement of a Kubernetes LabelSelector.' })
export class LabelSelectorRequirementType {
  @Field() key!: string;
  @Field({ description: 'In, NotIn, Exists or DoesNotExist.' }) operator!: string;
  @Field(() => [String], { nullable: true, description: 'Non-empty for In and NotIn; absent for Exists and DoesNotExist.' })
  values?: string[];
}

@ObjectType('LabelSelector', { description: 'A Kubernetes LabelSelector over node labels: matchLabels and matchExpressions, ANDed.' })
export class LabelSelectorType {
  @Field(() => LabelsScalar, { nullable: true }) matchLabels?: Record<string, string>;
  @Field(() => [LabelSelectorRequirementType], { nullable: true }) matchExpressions?: LabelSelectorRequirementType[];
}

@ObjectType('PodPool', {
  description:
    "A pod pool of a cluster: a pod CIDR that nodes whose labels match nodeSelector take blocks from, tried in order. The cluster's own pod CIDRs are the pools default-ipv4 and default-ipv6 (isDefault).",
})
export class PodPoolType {
  @Field() name!: string;
  @Field() family!: string;
  @Field() cidr!: string;
  @Field(() => String, { nullable: true, description: 'The range it is leased from, if any.' }) rangeId!: string | null;
  @Field(() => String, { nullable: true }) rangeName!: string | null;
  @Field(() => Int, { description: 'Node block size in this pool.' }) nodeMaskSize!: number;
  @Field(() => LabelSelectorType, { nullable: true, description: 'Null: every node.' }) nodeSelector!: LabelSelectorType | null;
  @Field(() => Int, { description: "Order among the family's pools (ascending); the cluster's own pod CIDR is 0." }) order!: number;
  @Field({ description: "The cluster's own pod CIDR of the family (podCidrs)." }) isDefault!: boolean;
  @Field({ description: 'Node blocks the pool holds (a decimal string).' }) nodeBlocksTotal!: string;
  @Field(() => Float, { description: 'Utilisation (0–1) of level `warning` (default 0.8).' }) warnAt!: number;
  @Field(() => Float, { description: 'Utilisation (0–1) of level `critical` (default 0.95).' }) criticalAt!: number;
  @Field({ description: '`ok`, `warning` or `critical`: the level last announced by capacity.threshold-crossed.' }) capacityLevel!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@InputType()
export class LabelSelectorRequirementInput {
  @Field() key!: string;
  @Field() operator!: string;
  @Field(() => [String], { nullable: true }) values?: string[];
}

@InputType({ description: 'A Kubernetes LabelSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist), ANDed.' })
export class LabelSelectorInput {
  @Field(() => LabelsScalar, { nullable: true }) matchLabels?: Record<string, string>;
  @Field(() => [LabelSelectorRequirementInput], { nullable: true }) matchExpressions?: LabelSelectorRequirementInput[];
}

@InputType({ description: 'As POST /v1/clusters/{id}/pod-pools.' })
export class CreatePodPoolInput {
  @Field() name!: string;
  @Field(() => CidrEntryInput, { description: 'Declared (cidr) or carved from a range (range, prefixLength).' }) cidr!: CidrEntryInput;
  @Field(() => Int, { nullable: true, description: "Defaults to the cluster's node mask size of the family." }) nodeMaskSize?: number;
  @Field(() => LabelSelectorInput, { nullable: true, description: 'Absent: every node.' }) nodeSelector?: LabelSelectorInput;
  @Field(() => Int, {
    nullable: true,
    description: "Defaults to after every pool of the family; negative: before the cluster's own pod CIDR.",
  })
  order?: number;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `warning`; default 0.8.' }) warnAt?: number;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `critical`; default 0.95.' }) criticalAt?: number;
}

@InputType({ description: 'As PATCH /v1/clusters/{id}/pod-pools/{name}: the node selector (null: every node) and the order.' })
export class UpdatePodPoolInput {
  @Field(() => LabelSelectorInput, { nullable: true }) nodeSelector?: LabelSelectorInput | null;
  @Field(() => Int, { nullable: true }) order?: number;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `warning`; null restores the default 0.8.' }) warnAt?:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Utilisation (0–1) of level `critical`; null restores the default 0.95.' })
  criticalAt?: number | null;
}
