import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { CidrAssignment, CidrRelation, Connection, IPFamily, LabelsScalar, Stack } from '../../graphql/types';

@ObjectType('KubeadmNetworking')
export class KubeadmNetworkingType {
  @Field() podSubnet!: string;
  @Field() serviceSubnet!: string;
}

@ObjectType('ClusterConfig', { description: 'The component flags the cluster runs with, as the Kubernetes dual-stack docs list them.' })
export class ClusterConfigType {
  @Field(() => [String]) kubeApiserver!: string[];
  @Field(() => [String]) kubeControllerManager!: string[];
  @Field(() => [String]) kubeProxy!: string[];
  @Field(() => KubeadmNetworkingType, { description: 'kubeadm ClusterConfiguration networking block.' })
  kubeadmNetworking!: KubeadmNetworkingType;
  @Field({ description: 'Shell-style lines, one per component.' }) text!: string;
  @Field({ description: 'kubeadm ClusterConfiguration, then the extra ServiceCIDR manifests (networking.k8s.io/v1), as YAML documents.' })
  yaml!: string;
}

@ObjectType('Cluster')
export class ClusterType {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID) domainId!: string;
  @Field(() => Stack) stack!: Stack;
  @Field(() => [IPFamily], { description: 'Service CIDR order; the first is the primary family.' }) ipFamilies!: IPFamily[];
  @Field(() => [CidrAssignment], { description: 'Pod CIDRs in the order nodes get them.' }) podCidrs!: CidrAssignment[];
  @Field(() => [CidrAssignment], { description: 'Service CIDRs; the first is the primary range.' }) serviceCidrs!: CidrAssignment[];
  @Field(() => Int) nodeMaskSizeIPv4!: number;
  @Field(() => Int) nodeMaskSizeIPv6!: number;
  @Field(() => String, { nullable: true }) kubernetesVersion!: string | null;
  @Field(() => LabelsScalar) labels!: Record<string, string>;
  @Field() allowConflicts!: boolean;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const ClusterConnection = Connection(ClusterType, 'Cluster');

@InputType()
export class ClusterFilter {
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true, description: 'Domain id or name.' }) domain?: string;
  @Field(() => [String], { nullable: true, description: 'Label selector requirements (key=value, key!=value, key, !key), all must hold.' })
  labels?: string[];
  @Field(() => Stack, { nullable: true }) stack?: Stack;
}

@InputType({ description: 'A declared CIDR (`cidr`) or a block carved from a range (`range`, optional `prefixLength`).' })
export class CidrEntryInput {
  @Field({ nullable: true }) cidr?: string;
  @Field({ nullable: true, description: 'Range id or name in the cluster domain.' }) range?: string;
  @Field(() => Int, { nullable: true }) prefixLength?: number;
}

@InputType()
export class CreateClusterInput {
  @Field() name!: string;
  @Field({ nullable: true }) domain?: string;
  @Field(() => [CidrEntryInput]) podCidrs!: CidrEntryInput[];
  @Field(() => [CidrEntryInput]) serviceCidrs!: CidrEntryInput[];
  @Field(() => Int, { nullable: true }) nodeMaskSizeIPv4?: number;
  @Field(() => Int, { nullable: true }) nodeMaskSizeIPv6?: number;
  @Field({ nullable: true }) kubernetesVersion?: string;
  @Field(() => LabelsScalar, { nullable: true }) labels?: Record<string, string>;
  @Field({ nullable: true }) allowConflicts?: boolean;
}

@InputType({ description: 'Labels, the Kubernetes version, or the existing CIDRs plus one of the missing family.' })
export class UpdateClusterInput {
  @Field(() => [CidrEntryInput], { nullable: true }) podCidrs?: CidrEntryInput[];
  @Field(() => [CidrEntryInput], { nullable: true }) serviceCidrs?: CidrEntryInput[];
  @Field({ nullable: true }) kubernetesVersion?: string;
  @Field(() => LabelsScalar, { nullable: true }) labels?: Record<string, string>;
  @Field({ nullable: true }) allowConflicts?: boolean;
}

@ObjectType('ConflictSide')
export class ConflictSideType {
  @Field({ description: 'pod, service, node or reservation' }) kind!: string;
  @Field() cidr!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field(() => ID, { nullable: true }) clusterId!: string | null;
  @Field(() => String, { nullable: true }) clusterName!: string | null;
  @Field(() => ID, { nullable: true }) rangeId!: string | null;
  @Field(() => ID, { nullable: true }) reservationId!: string | null;
}

@ObjectType('Conflict', { description: 'Two CIDRs of one domain that overlap.' })
export class ConflictType {
  @Field(() => ID) domainId!: string;
  @Field() domain!: string;
  @Field(() => CidrRelation, { description: 'How `a` relates to `b`.' }) relation!: CidrRelation;
  @Field(() => ConflictSideType) a!: ConflictSideType;
  @Field(() => ConflictSideType) b!: ConflictSideType;
}
