import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ServiceCidrCapacity } from '../../clusters/models/service-cidr.model';
import { NODE_ADDRESS_TYPES, type NodeAddressType } from '../dto/node.dto';

export class NodeAddressModel {
  @ApiProperty({ enum: NODE_ADDRESS_TYPES }) type!: NodeAddressType;
  @ApiProperty({ example: '192.168.1.10', description: 'Canonical form (RFC 5952 for IPv6).' }) address!: string;
}

/** A node of a cluster with its pod CIDRs, shaped like a Kubernetes Node's `spec.podCIDR(s)`. */
export class NodeModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({ example: 'worker-1' }) name!: string;
  @ApiProperty({ type: String, nullable: true, example: '10.244.1.0/24', description: '`spec.podCIDR`: always `podCidrs[0]`.' })
  podCidr!: string | null;
  @ApiProperty({
    type: [String],
    example: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
    description: "`spec.podCIDRs`: one block per cluster pod family, in the cluster's pod-family order.",
  })
  podCidrs!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ type: [NodeAddressModel] }) addresses!: NodeAddressModel[];
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class NodePage {
  @ApiProperty({ type: [NodeModel] }) items!: NodeModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** How many node blocks one pod family of a cluster holds. Counts are decimal strings: IPv6 counts exceed 2^53. */
export class FamilyCapacityModel {
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: '10.244.0.0/16' }) podCidr!: string;
  @ApiProperty({ example: 24, description: '`--node-cidr-mask-size-ipv4/-ipv6`' }) nodeMaskSize!: number;
  @ApiProperty({ example: '256', description: 'Node blocks the pod CIDR holds in all.' }) nodeBlocksTotal!: string;
  @ApiProperty({ example: '3', description: 'Node blocks held by nodes.' }) nodeBlocksUsed!: string;
  @ApiProperty({ example: '253', description: 'Node blocks still free.' }) nodeBlocksFree!: string;
  @ApiProperty({ example: '256', description: "Addresses in one node's block." }) podAddressesPerNode!: string;
}

/** How many node blocks one pod pool holds (GET /v1/clusters/{id}/pod-pools). */
export class PoolCapacityModel {
  @ApiProperty({ example: 'default-ipv4' }) name!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: '10.244.0.0/16' }) cidr!: string;
  @ApiProperty({ example: 24 }) nodeMaskSize!: number;
  @ApiProperty({ example: '256' }) nodeBlocksTotal!: string;
  @ApiProperty({ example: '3' }) nodeBlocksUsed!: string;
  @ApiProperty({ example: '253' }) nodeBlocksFree!: string;
  @ApiProperty({ example: '256' }) podAddressesPerNode!: string;
}

export class ClusterCapacityModel {
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({
    type: [FamilyCapacityModel],
    description:
      "Per pod family, in the cluster's pod-family order; block counts sum every pool of the family (podCidr, nodeMaskSize and podAddressesPerNode are the cluster's own pod CIDR's).",
  })
  families!: FamilyCapacityModel[];
  @ApiProperty({
    type: [PoolCapacityModel],
    description: "Per pod pool (the cluster's own pod CIDRs included), in the order nodes try them.",
  })
  pools!: PoolCapacityModel[];
  @ApiProperty({
    example: '253',
    description: 'How many more nodes fit: the fewest free node blocks over the families, for a node that every pool selects.',
  })
  maxNodes!: string;
  @ApiPropertyOptional({
    example: 434,
    description:
      'Only when `enis` and `ipsPerEni` are given: max pods per node in VPC CNI prefix mode, (ENIs × (IPs per ENI − 1) × 16) + 2 ' +
      "(EKS IPv6 guide, seed 004). m5.large (3, 10) gives 434; the guide's own example prints 460, which the formula does not give.",
  })
  maxPodsPerNode?: number;
  @ApiProperty({
    type: [ServiceCidrCapacity],
    description: 'ClusterIPs per CIDR of each ServiceCIDR: the default `kubernetes` one (the serviceCidrs) first, then the others by name.',
  })
  serviceCidrs!: ServiceCidrCapacity[];
}
