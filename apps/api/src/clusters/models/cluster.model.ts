import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export type IPFamilyName = 'IPv4' | 'IPv6';
export type Stack = 'IPv4' | 'IPv6' | 'DualStack';

/** One dual-stack value: a CIDR and its family, always in the holder's family order. */
export class CidrAssignment {
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: IPFamilyName;
  @ApiProperty({ example: '10.244.0.0/16', description: 'Canonical form (RFC 5952 for IPv6).' }) cidr!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The range it is leased from, if any.' }) rangeId!:
    string | null;
  @ApiProperty({ type: String, nullable: true }) rangeName!: string | null;
}

/** The thresholds and level of one of a cluster's spaces: its pod or service CIDR of one family. */
export class CapacityThresholdModel {
  @ApiProperty({ enum: ['pod', 'service'] }) kind!: 'pod' | 'service';
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: IPFamilyName;
  @ApiProperty({ example: '10.244.0.0/16' }) cidr!: string;
  @ApiProperty({
    example: 0.8,
    description: 'Utilisation (0–1) of level `warning`: node blocks of the pod CIDR, ClusterIPs of the service CIDR.',
  })
  warnAt!: number;
  @ApiProperty({ example: 0.95, description: 'Utilisation (0–1) of level `critical`.' }) criticalAt!: number;
  @ApiProperty({ enum: ['ok', 'warning', 'critical'], description: 'The level last announced by capacity.threshold-crossed.' })
  level!: 'ok' | 'warning' | 'critical';
}

export class ClusterModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Domain name.' }) domain!: string;
  @ApiProperty({ format: 'uuid' }) domainId!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6', 'DualStack'] }) stack!: Stack;
  @ApiProperty({ enum: ['IPv4', 'IPv6'], isArray: true, description: 'Service CIDR order; the first is the primary family.' })
  ipFamilies!: IPFamilyName[];
  @ApiProperty({ type: [String], example: ['10.244.0.0/16', 'fd00:10:244::/56'] }) podCidrs!: string[];
  @ApiProperty({ type: [String], example: ['10.96.0.0/16', 'fd00:10:96::/112'] }) serviceCidrs!: string[];
  @ApiProperty({ type: [CidrAssignment] }) podCidrAssignments!: CidrAssignment[];
  @ApiProperty({ type: [CidrAssignment] }) serviceCidrAssignments!: CidrAssignment[];
  @ApiProperty({ example: 24 }) nodeMaskSizeIPv4!: number;
  @ApiProperty({ example: 64 }) nodeMaskSizeIPv6!: number;
  @ApiProperty({ type: String, nullable: true, example: '1.31' }) kubernetesVersion!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ description: 'Declared CIDRs may overlap other clusters (brownfield import).' }) allowConflicts!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['eks-ipv6'],
    description: 'null: generic. `eks-ipv6`: the EKS IPv6 rules (single-stack IPv6, GUA /64 pod CIDRs, /80 nodes, ULA service CIDR).',
  })
  profile!: 'eks-ipv6' | null;
  @ApiProperty({
    type: [String],
    example: ['169.254.172.0/22'],
    description: 'Node-local ranges every node reuses (EKS IPv6 pod egress, SNAT to the node address); never leased, never a conflict.',
  })
  nodeLocalCidrs!: string[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: '123456789a',
    description: 'The RFC 4193 global ID (ten hex digits, unique across the fleet) of a generated ULA service CIDR; null when none.',
  })
  ulaGlobalId!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'fd12:3456:789a::/48',
    description: 'The /48 of that global ID; the generated service CIDR is its first block (subnet 0).',
  })
  ulaPrefix!: string | null;
  @ApiProperty({ type: [CapacityThresholdModel], description: 'Capacity thresholds and level of each pod and service CIDR.' })
  capacityThresholds!: CapacityThresholdModel[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiPropertyOptional({ description: 'Only in the response of a change that added a family: nodes given a pod CIDR of the new family.' })
  nodesBackfilled?: number;
}

export class ClusterPage {
  @ApiProperty({ type: [ClusterModel] }) items!: ClusterModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class KubeadmNetworking {
  @ApiProperty({ example: '10.244.0.0/16,fd00:10:244::/56' }) podSubnet!: string;
  @ApiProperty({ example: '10.96.0.0/16,fd00:10:96::/112' }) serviceSubnet!: string;
}

/** kubeadm v1beta4 `Arg`: a flag name without its dashes and its value. */
export class KubeadmArg {
  @ApiProperty({ example: 'node-cidr-mask-size-ipv4' }) name!: string;
  @ApiProperty({ example: '24' }) value!: string;
}

/** kubeadm v1beta4 `ControlPlaneComponent` (the part Kipam sets). */
export class KubeadmControlPlaneComponent {
  @ApiProperty({ type: [KubeadmArg], description: 'The component flags Kipam sets, as a list (v1beta4; v1beta3 used a map).' })
  extraArgs!: KubeadmArg[];
}

export class KubeadmClusterConfiguration {
  @ApiProperty({ example: 'kubeadm.k8s.io/v1beta4' }) apiVersion!: string;
  @ApiProperty({ example: 'ClusterConfiguration' }) kind!: string;
  @ApiPropertyOptional() kubernetesVersion?: string;
  @ApiProperty({ type: KubeadmNetworking }) networking!: KubeadmNetworking;
  @ApiProperty({ type: KubeadmControlPlaneComponent, description: 'kube-apiserver: service-cluster-ip-range.' })
  apiServer!: KubeadmControlPlaneComponent;
  @ApiProperty({
    type: KubeadmControlPlaneComponent,
    description: 'kube-controller-manager: allocate-node-cidrs, cluster-cidr, service-cluster-ip-range, node-cidr-mask-size-ipv4/-ipv6.',
  })
  controllerManager!: KubeadmControlPlaneComponent;
}

/** Cilium's cluster-pool IPAM operator values (Helm `ipam.operator.*`, https://docs.cilium.io/en/stable/helm-reference/). */
export class CiliumOperatorValues {
  @ApiPropertyOptional({ type: [String], example: ['10.244.0.0/16', '10.245.0.0/16'], description: 'Every IPv4 pool, in pool order.' })
  clusterPoolIPv4PodCIDRList?: string[];
  @ApiPropertyOptional({ example: 24, description: 'The IPv4 node block size (one for the whole list).' }) clusterPoolIPv4MaskSize?: number;
  @ApiPropertyOptional({ type: [String], example: ['fd00:10:244::/56'], description: 'Every IPv6 pool, in pool order.' })
  clusterPoolIPv6PodCIDRList?: string[];
  @ApiPropertyOptional({ example: 64, description: 'The IPv6 node block size (one for the whole list).' }) clusterPoolIPv6MaskSize?: number;
}

export class CiliumIpamValues {
  @ApiProperty({ example: 'cluster-pool' }) mode!: 'cluster-pool';
  @ApiProperty({ type: CiliumOperatorValues }) operator!: CiliumOperatorValues;
}

/** Cilium Helm values for the cluster's pod pools (`helm install cilium cilium/cilium -f`). */
export class CiliumValues {
  @ApiProperty({ type: CiliumIpamValues }) ipam!: CiliumIpamValues;
}

export class CalicoIPPoolMetadata {
  @ApiProperty({ example: 'prod-eu-1-zone-a', description: '`<cluster>-<pool>`.' }) name!: string;
}

export class CalicoIPPoolSpec {
  @ApiProperty({ example: '10.245.0.0/16' }) cidr!: string;
  @ApiProperty({ example: 26, description: "The pool's node block size (Calico: 20-32 for IPv4, 116-128 for IPv6)." }) blockSize!: number;
  @ApiProperty({ example: "topology.kubernetes.io/zone == 'eu-west-1a'", description: "Calico's selector syntax; `all()` for every node." })
  nodeSelector!: string;
}

/** A Calico IPPool manifest (projectcalico.org/v3, https://docs.tigera.io/calico/latest/reference/resources/ippool). */
export class CalicoIPPool {
  @ApiProperty({ example: 'projectcalico.org/v3' }) apiVersion!: 'projectcalico.org/v3';
  @ApiProperty({ example: 'IPPool' }) kind!: 'IPPool';
  @ApiProperty({ type: CalicoIPPoolMetadata }) metadata!: CalicoIPPoolMetadata;
  @ApiProperty({ type: CalicoIPPoolSpec }) spec!: CalicoIPPoolSpec;
}

export class ServiceCidrManifestMetadata {
  @ApiProperty({ example: 'extra-1' }) name!: string;
}

export class ServiceCidrManifestSpec {
  @ApiProperty({ type: [String], example: ['10.97.0.0/16', 'fd00:97::/112'] }) cidrs!: string[];
}

/** An extra ServiceCIDR as `kubectl apply` takes it. */
export class ServiceCidrManifest {
  @ApiProperty({ example: 'networking.k8s.io/v1' }) apiVersion!: string;
  @ApiProperty({ example: 'ServiceCIDR' }) kind!: string;
  @ApiProperty({ type: ServiceCidrManifestMetadata }) metadata!: ServiceCidrManifestMetadata;
  @ApiProperty({ type: ServiceCidrManifestSpec }) spec!: ServiceCidrManifestSpec;
}

/** The component flags a cluster runs with, as the Kubernetes dual-stack docs list them. */
export class ClusterConfigModel {
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({ type: [String], example: ['--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112'] }) kubeApiserver!: string[];
  @ApiProperty({
    type: [String],
    example: [
      '--cluster-cidr=10.244.0.0/16,fd00:10:244::/56',
      '--service-cluster-ip-range=10.96.0.0/16,fd00:10:96::/112',
      '--node-cidr-mask-size-ipv4=24',
      '--node-cidr-mask-size-ipv6=64',
    ],
  })
  kubeControllerManager!: string[];
  @ApiProperty({ type: [String], example: ['--cluster-cidr=10.244.0.0/16,fd00:10:244::/56'] }) kubeProxy!: string[];
  @ApiProperty({ type: KubeadmClusterConfiguration }) kubeadm!: KubeadmClusterConfiguration;
  @ApiPropertyOptional({ type: CiliumValues, description: 'Cilium cluster-pool Helm values for every pod pool.' }) cilium?: CiliumValues;
  @ApiPropertyOptional({ type: [CalicoIPPool], description: 'One Calico IPPool per pod pool, in pool order.' }) calico?: CalicoIPPool[];
  @ApiPropertyOptional({
    type: [String],
    description: 'What a component or CNI cannot express of the pools (several pools per family, per-pool mask sizes, selectors).',
  })
  notes?: string[];
  @ApiProperty({
    type: [ServiceCidrManifest],
    description:
      'The extra ServiceCIDRs as networking.k8s.io/v1 manifests (Kubernetes 1.33+; the default `kubernetes` one is made by kube-apiserver from ' +
      '--service-cluster-ip-range). In the YAML form they follow the kubeadm document, one document each.',
  })
  serviceCidrs!: ServiceCidrManifest[];
}

export class ConflictSide {
  @ApiProperty({
    enum: ['pod', 'service', 'pod_pool', 'reservation'],
    description: "pod_pool: the CIDR of one of the cluster's extra pod pools.",
  })
  kind!: 'pod' | 'service' | 'pod_pool' | 'reservation';
  @ApiProperty() cidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: IPFamilyName;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) clusterId!: string | null;
  @ApiProperty({ type: String, nullable: true }) clusterName!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) rangeId!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) reservationId!: string | null;
}

export class ConflictModel {
  @ApiProperty() domain!: string;
  @ApiProperty({ format: 'uuid' }) domainId!: string;
  @ApiProperty({ enum: ['identical', 'contains', 'within'], description: 'How `a` relates to `b`.' }) relation!:
    'identical' | 'contains' | 'within';
  @ApiProperty({ type: ConflictSide }) a!: ConflictSide;
  @ApiProperty({ type: ConflictSide }) b!: ConflictSide;
}

export class ConflictList {
  @ApiProperty({ type: [ConflictModel] }) items!: ConflictModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
