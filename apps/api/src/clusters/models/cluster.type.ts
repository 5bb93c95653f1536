import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { CidrAssignment, CidrRelation, Connection, IPFamily, LabelsScalar, Stack } from '../../graphql/types';

export enum ClusterProfileValue {
  EKS_IPV6 = 'eks-ipv6',
}
registerEnumType(ClusterProfileValue, {
  name: 'ClusterProfile',
  description: 'A cluster profile (REST spells it `eks-ipv6`); null is the generic cluster.',
  valuesMap: {
    EKS_IPV6: {
      description:
        'EKS IPv6 (seed 004): single-stack IPv6, global unicast /64 pod CIDRs, a /80 per node, a ULA service CIDR (default: a generated /108), node-local egress 169.254.172.0/22.',
    },
  },
});

export enum CidrGenerator {
  ULA = 'ula',
}
registerEnumType(CidrGenerator, {
  name: 'CidrGenerator',
  description: 'How a service CIDR is generated: ULA, a random RFC 4193 global ID unique in the fleet, its /48 holding the CIDR.',
});

@ObjectType('CapacityThreshold', { description: 'Thresholds and level of a cluster pod or service CIDR of one family.' })
export class CapacityThresholdType {
  @Field({ description: 'pod or service' }) kind!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field() cidr!: string;
  @Field(() => Float, { description: 'Utilisation (0–1) of level `warning` (default 0.8).' }) warnAt!: number;
  @Field(() => Float, { description: 'Utilisation (0–1) of level `critical` (default 0.95).' }) criticalAt!: number;
  @Field({ description: '`ok`, `warning` or `critical`: the level last announced by capacity.threshold-crossed.' }) level!: string;
}

@InputType({ description: 'Thresholds of one pod or service CIDR of the cluster; an absent ratio keeps its current value.' })
export class CapacityThresholdInput {
  @Field({ description: 'pod or service' }) kind!: string;
  @Field(() => IPFamily) family!: IPFamily;
  @Field(() => Float, { nullable: true, description: 'Absent keeps the current value; null restores the default 0.8.' }) warnAt?:
    number | null;
  @Field(() => Float, { nullable: true, description: 'Absent keeps the current value; null restores the default 0.95.' })
  criticalAt?: number | null;
}

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
  @Field(() => ClusterProfileValue, { nullable: true, description: 'null: generic; immutable.' }) profile!: ClusterProfileValue | null;
  @Field(() => [String], {
    description: 'Node-local ranges every node reuses (EKS IPv6 pod egress, SNAT to the node address); never leased, never a conflict.',
  })
  nodeLocalCidrs!: string[];
  @Field(() => String, { nullable: true, description: 'RFC 4193 global ID (ten hex digits) of the generated ULA service CIDR, if any.' })
  ulaGlobalId!: string | null;
  @Field(() => String, { nullable: true, description: 'Its /48; the generated service CIDR is the first block of it (subnet 0).' })
  ulaPrefix!: string | null;
  @Field(() => [CapacityThresholdType], { description: 'Capacity thresholds and level of each pod and service CIDR.' })
  capacityThresholds!: CapacityThresholdType[];
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

@InputType({
  description:
    'A declared CIDR (`cidr`), a block carved from a range (`range`, optional `prefixLength`) or, for service CIDRs, a generated one (`generate`, optional `prefixLength`, default 108).',
})
export class CidrEntryInput {
  @Field({ nullable: true }) cidr?: string;
  @Field({ nullable: true, description: 'Range id or name in the cluster domain.' }) range?: string;
  @Field(() => CidrGenerator, { nullable: true, description: 'Service CIDRs only: generate a ULA range (fleet-unique, immutable).' })
  generate?: CidrGenerator;
  @Field(() => Int, { nullable: true }) prefixLength?: number;
}

@InputType()
export class CreateClusterInput {
  @Field() name!: string;
  @Field({ nullable: true }) domain?: string;
  @Field(() => [CidrEntryInput]) podCidrs!: CidrEntryInput[];
  @Field(() => [CidrEntryInput], {
    nullable: true,
    description: 'Required except for the EKS_IPV6 profile (default: a generated ULA /108).',
  })
  serviceCidrs?: CidrEntryInput[];
  @Field(() => ClusterProfileValue, { nullable: true }) profile?: ClusterProfileValue;
  @Field(() => [String], { nullable: true, description: 'Default ["169.254.172.0/22"] for EKS_IPV6, [] otherwise.' })
  nodeLocalCidrs?: string[];
  @Field(() => Int, { nullable: true }) nodeMaskSizeIPv4?: number;
  @Field(() => Int, { nullable: true }) nodeMaskSizeIPv6?: number;
  @Field({ nullable: true }) kubernetesVersion?: string;
  @Field(() => LabelsScalar, { nullable: true }) labels?: Record<string, string>;
  @Field({ nullable: true }) allowConflicts?: boolean;
  @Field(() => [CapacityThresholdInput], { nullable: true }) capacityThresholds?: CapacityThresholdInput[];
}

@InputType({ description: 'Labels, the Kubernetes version, node-local ranges, or the existing CIDRs plus one of the missing family.' })
export class UpdateClusterInput {
  @Field(() => [CidrEntryInput], { nullable: true }) podCidrs?: CidrEntryInput[];
  @Field(() => [CidrEntryInput], { nullable: true }) serviceCidrs?: CidrEntryInput[];
  @Field(() => [String], { nullable: true, description: "Replaces the node-local ranges; null resets them to the profile's default." })
  nodeLocalCidrs?: string[] | null;
  @Field({ nullable: true }) kubernetesVersion?: string;
  @Field(() => LabelsScalar, { nullable: true, description: 'Replaces the labels; null clears them.' }) labels?: Record<string, string>;
  @Field({ nullable: true }) allowConflicts?: boolean;
  @Field(() => [CapacityThresholdInput], { nullable: true }) capacityThresholds?: CapacityThresholdInput[];
}

@ObjectType('ConflictSide')
export class ConflictSideType {
  @Field({ description: 'pod, service, pod_pool (an extra pod pool of the cluster), node or reservation' }) kind!: string;
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
