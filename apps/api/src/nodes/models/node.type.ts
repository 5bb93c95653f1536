import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { CidrAssignment, Connection, LabelsScalar } from '../../graphql/types';

@ObjectType('NodeAddress')
export class NodeAddressType {
  @Field({ description: 'InternalIP or ExternalIP' }) type!: string;
  @Field() address!: string;
}

@ObjectType('Node', { description: 'A node of a cluster and its pod CIDRs, one per cluster pod family, in family order.' })
export class NodeType {
  @Field(() => ID) id!: string;
  @Field(() => ID) clusterId!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: '`spec.podCIDR`: the first of podCidrs.' }) podCidr!: string | null;
  @Field(() => [CidrAssignment], { description: '`spec.podCIDRs`.' }) podCidrs!: CidrAssignment[];
  @Field(() => LabelsScalar) labels!: Record<string, string>;
  @Field(() => [NodeAddressType]) addresses!: NodeAddressType[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const NodeConnection = Connection(NodeType, 'Node');

@ObjectType('FamilyCapacity')
export class FamilyCapacityType {
  @Field() family!: string;
  @Field() podCidr!: string;
  @Field() nodeMaskSize!: number;
  @Field() nodeBlocksTotal!: string;
  @Field() nodeBlocksUsed!: string;
  @Field() nodeBlocksFree!: string;
  @Field() podAddressesPerNode!: string;
}

@ObjectType('PoolCapacity', { description: 'Node blocks of one pod pool (counts are decimal strings).' })
export class PoolCapacityType {
  @Field() name!: string;
  @Field() family!: string;
  @Field() cidr!: string;
  @Field(() => Int) nodeMaskSize!: number;
  @Field() nodeBlocksTotal!: string;
  @Field() nodeBlocksUsed!: string;
  @Field() nodeBlocksFree!: string;
  @Field() podAddressesPerNode!: string;
}

@ObjectType('ServiceCidrCapacity', { description: 'ClusterIPs of one CIDR of a ServiceCIDR (counts are decimal strings).' })
export class ServiceCidrCapacityType {
  @Field({ description: 'The ServiceCIDR: `kubernetes` for the cluster’s serviceCidrs.' }) serviceCidr!: string;
  @Field() family!: string;
  @Field() cidr!: string;
  @Field({ description: 'Usable ClusterIPs (no network, broadcast or anycast address).' }) clusterIPsTotal!: string;
  @Field({ description: 'ClusterIPs held by Services.' }) clusterIPsUsed!: string;
  @Field() clusterIPsFree!: string;
}

@ObjectType('ClusterCapacity', {
  description: 'How many more nodes fit, per pod family, and the ClusterIPs left (counts are decimal strings).',
})
export class ClusterCapacityType {
  @Field(() => [FamilyCapacityType], { description: 'Per pod family; block counts sum every pool of the family.' })
  families!: FamilyCapacityType[];
  @Field(() => [PoolCapacityType], { description: "Per pod pool (the cluster's own pod CIDRs included), in the order nodes try them." })
  pools!: PoolCapacityType[];
  @Field({ description: 'Nodes that still fit in every family.' }) maxNodes!: string;
  @Field(() => Int, {
    nullable: true,
    description:
      'With `enis` and `ipsPerEni`: max pods per node, VPC CNI prefix mode, (ENIs × (IPs per ENI − 1) × 16) + 2 (434 for m5.large; ' +
      'the EKS guide prints 460, which its formula does not give).',
  })
  maxPodsPerNode?: number;
  @Field(() => [ServiceCidrCapacityType], { description: 'ClusterIPs per CIDR of each ServiceCIDR, the default one first.' })
  serviceCidrs!: ServiceCidrCapacityType[];
}

@InputType()
export class NodeAddressInput {
  @Field() type!: string;
  @Field() address!: string;
}

@InputType()
export class CreateNodeInput {
  @Field() name!: string;
  @Field(() => LabelsScalar, { nullable: true }) labels?: Record<string, string>;
  @Field(() => [String], { nullable: true, description: 'Specific blocks, one per family; the rest are allocated.' }) podCidrs?: string[];
  @Field(() => [NodeAddressInput], { nullable: true }) addresses?: NodeAddressInput[];
}

@InputType({ description: 'The mutable fields of a node (its name and pod CIDRs are immutable).' })
export class UpdateNodeInput {
  @Field(() => LabelsScalar, { nullable: true, description: 'Replaces the labels; null clears them.' }) labels?: Record<
    string,
    string
  > | null;
  @Field(() => [NodeAddressInput], { nullable: true, description: 'Replaces the addresses; null clears them.' }) addresses?:
    NodeAddressInput[] | null;
}
