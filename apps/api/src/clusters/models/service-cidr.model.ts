import { ApiProperty } from '@nestjs/swagger';
import { CidrAssignment } from './cluster.model';

/** A ServiceCIDR (networking.k8s.io/v1) of a cluster: where its ClusterIPs come from. */
export class ServiceCidrModel {
  @ApiProperty({ example: 'extra-1', description: 'Object name; `kubernetes` is the default ServiceCIDR.' }) name!: string;
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({
    description:
      'True for `kubernetes`, the ServiceCIDR kube-apiserver makes from `--service-cluster-ip-range` (the cluster’s serviceCidrs); it cannot be deleted here.',
  })
  default!: boolean;
  @ApiProperty({ type: [String], example: ['10.97.0.0/16', 'fd00:97::/112'], description: '`spec.cidrs`, in the order given.' })
  cidrs!: string[];
  @ApiProperty({ type: [CidrAssignment], description: 'Each CIDR with its family and the range it was leased from.' })
  cidrAssignments!: CidrAssignment[];
  @ApiProperty({ description: 'When it was made (the cluster’s creation for the default one).' }) createdAt!: Date;
}

export class ServiceCidrList {
  @ApiProperty({ type: [ServiceCidrModel], description: 'The default ServiceCIDR first, then the others oldest first.' })
  items!: ServiceCidrModel[];
}

/** A ServiceCIDR's use, per CIDR: what `GET /v1/clusters/{id}/capacity` adds. */
export class ServiceCidrCapacity {
  @ApiProperty({ example: 'kubernetes' }) serviceCidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: '10.96.0.0/16' }) cidr!: string;
  @ApiProperty({ example: '65534', description: 'Usable ClusterIPs (no network, broadcast or anycast address), a decimal string.' })
  clusterIPsTotal!: string;
  @ApiProperty({ example: '12', description: 'ClusterIPs held by Services, a decimal string.' }) clusterIPsUsed!: string;
  @ApiProperty({ example: '65522', description: 'ClusterIPs left, a decimal string.' }) clusterIPsFree!: string;
}
