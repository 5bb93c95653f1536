import { ApiProperty } from '@nestjs/swagger';

export const HOLDER_KINDS = ['range', 'cluster', 'node', 'service', 'reservation', 'system'] as const;

export class LeaseHolderModel {
  @ApiProperty({ enum: HOLDER_KINDS }) kind!: (typeof HOLDER_KINDS)[number];
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Cluster, node, range or Service (namespace/name) name; for system leases what the address is.' })
  name!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) clusterId!: string | null;
  @ApiProperty({ type: String, nullable: true }) clusterName!: string | null;
  @ApiProperty({ type: String, nullable: true }) namespace!: string | null;
}

export class LeasePoolModel {
  @ApiProperty({ description: 'Internal pool id.' }) id!: string;
  @ApiProperty({ enum: ['range', 'cluster_pod', 'cluster_service'] }) kind!: 'range' | 'cluster_pod' | 'cluster_service';
  @ApiProperty() cidr!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) rangeId!: string | null;
  @ApiProperty({ type: String, nullable: true }) rangeName!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'For a cluster pod/service CIDR pool.' }) clusterId!:
    string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'default-ipv4',
    description: "For a node block: the cluster's pod pool it is carved from (default-ipv4/-ipv6: the cluster's own pod CIDR).",
  })
  podPool!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) domainId!: string | null;
}

export class LeaseModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: '10.244.1.0/24', description: 'Canonical form (RFC 5952 for IPv6).' }) cidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: 'pod/IPv4', description: "Which of the holder's leases this is." }) slot!: string;
  @ApiProperty({ type: LeaseHolderModel }) holder!: LeaseHolderModel;
  @ApiProperty({ type: LeasePoolModel, description: 'Where it was leased from.' }) pool!: LeasePoolModel;
  @ApiProperty({ description: 'A brownfield import accepted despite overlapping other leases.' }) overlapAllowed!: boolean;
  @ApiProperty() createdAt!: Date;
}

export class LeasePage {
  @ApiProperty({ type: [LeaseModel] }) items!: LeaseModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class NodeAddressOwner {
  @ApiProperty({ format: 'uuid' }) nodeId!: string;
  @ApiProperty() nodeName!: string;
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ example: 'InternalIP' }) type!: string;
  @ApiProperty() address!: string;
}

/** A cluster whose node-local range holds the address: on every node of it, not leased to anyone. */
export class NodeLocalOwner {
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ format: 'uuid' }) domainId!: string;
  @ApiProperty() domain!: string;
  @ApiProperty({ example: '169.254.172.0/22' }) cidr!: string;
  @ApiProperty({ example: 'node-local egress range of cluster eks-prod, on every node' }) description!: string;
}

/** A cluster's pod or service CIDR containing the address (carved from a range, or declared). */
export class ClusterCidrOwner {
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty() clusterName!: string;
  @ApiProperty({ format: 'uuid' }) domainId!: string;
  @ApiProperty() domainName!: string;
  @ApiProperty({
    enum: ['pod', 'service', 'pod_pool'],
    description: "The pod CIDR (`--cluster-cidr`), the service CIDR (`--service-cluster-ip-range`) or a pod pool's CIDR.",
  })
  kind!: 'pod' | 'service' | 'pod_pool';
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: '10.244.0.0/16' }) cidr!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'The range it was leased from; null when declared outside every range.',
  })
  rangeId!: string | null;
  @ApiProperty({ type: String, nullable: true }) rangeName!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'Its lease in that range (also in `leases`); null when declared outside every range.',
  })
  leaseId!: string | null;
}

export class WhoIsModel {
  @ApiProperty({ example: '10.96.0.10' }) address!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ type: [LeaseModel], description: 'Every lease containing the address, largest block first, across all domains.' })
  leases!: LeaseModel[];
  @ApiProperty({ type: [NodeAddressOwner], description: 'Nodes that report the address (InternalIP/ExternalIP).' })
  nodeAddresses!: NodeAddressOwner[];
  @ApiProperty({
    type: [NodeLocalOwner],
    description:
      "Clusters whose node-local range (`nodeLocalCidrs`) holds the address: every node of each reuses it, so it is no one's lease " +
      'and never a conflict. At most 100, in cluster name order.',
  })
  nodeLocal!: NodeLocalOwner[];
  @ApiProperty({ description: 'More clusters than the 100 listed hold the address in a node-local range.' }) nodeLocalMore!: boolean;
  @ApiProperty({
    type: [ClusterCidrOwner],
    description:
      'Every cluster pod or service CIDR containing the address, largest first: also the CIDRs declared outside every range, which hold no lease. The node block or ClusterIP inside is in `leases`.',
  })
  clusterCidrs!: ClusterCidrOwner[];
}
