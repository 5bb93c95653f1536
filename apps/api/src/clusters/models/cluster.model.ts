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

export class KubeadmClusterConfiguration {
  @ApiProperty({ example: 'kubeadm.k8s.io/v1beta4' }) apiVersion!: string;
  @ApiProperty({ example: 'ClusterConfiguration' }) kind!: string;
  @ApiPropertyOptional() kubernetesVersion?: string;
  @ApiProperty({ type: KubeadmNetworking }) networking!: KubeadmNetworking;
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
  @ApiProperty({
    type: [ServiceCidrManifest],
    description:
      'The extra ServiceCIDRs as networking.k8s.io/v1 manifests (Kubernetes 1.33+; the default `kubernetes` one is made by kube-apiserver from ' +
      '--service-cluster-ip-range). In the YAML form they follow the kubeadm document, one document each.',
  })
  serviceCidrs!: ServiceCidrManifest[];
}

export class ConflictSide {
  @ApiProperty({ enum: ['pod', 'service', 'reservation'] }) kind!: 'pod' | 'service' | 'reservation';
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
