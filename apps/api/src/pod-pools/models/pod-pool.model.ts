import { ApiProperty } from '@nestjs/swagger';
import { LABEL_SELECTOR_DOC } from '../dto/pod-pool.dto';
import type { LabelSelector } from '../label-selector';

/**
 * A pod pool of a cluster: a pod CIDR that nodes whose labels match its
 * selector take blocks from. The cluster's own pod CIDRs are the pools
 * `default-ipv4` and `default-ipv6` (`isDefault`), which select every node.
 */
export class PodPoolModel {
  @ApiProperty({ example: 'zone-a' }) name!: string;
  @ApiProperty({ format: 'uuid' }) clusterId!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: '10.248.0.0/16', description: 'Canonical form (RFC 5952 for IPv6).' }) cidr!: string;
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'The range it is leased from, if any.' }) rangeId!:
    string | null;
  @ApiProperty({ type: String, nullable: true }) rangeName!: string | null;
  @ApiProperty({ example: 24, description: 'Node block size in this pool.' }) nodeMaskSize!: number;
  @ApiProperty({ ...LABEL_SELECTOR_DOC, nullable: true, description: 'Null: every node.' } as never) nodeSelector!: LabelSelector | null;
  @ApiProperty({ example: 1, description: "Order among the family's pools (ascending); the cluster's own pod CIDR is 0." }) order!: number;
  @ApiProperty({ description: "The cluster's own pod CIDR of the family (podCidrs): not patched or deleted on its own." })
  isDefault!: boolean;
  @ApiProperty({ example: '256', description: 'Node blocks the pool holds (a decimal string).' }) nodeBlocksTotal!: string;
  @ApiProperty({ example: 0.8, description: "Utilisation (0–1) of level `warning` (a default pool's are its cluster pod CIDR's)." })
  warnAt!: number;
  @ApiProperty({ example: 0.95, description: 'Utilisation (0–1) of level `critical`.' }) criticalAt!: number;
  @ApiProperty({
    enum: ['ok', 'warning', 'critical'],
    description: 'The level last reached (announced by capacity.threshold-crossed, scope kind `pod-pool`).',
  })
  capacityLevel!: 'ok' | 'warning' | 'critical';
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class PodPoolList {
  @ApiProperty({ type: [PodPoolModel], description: "By the cluster's pod-family order, then the order nodes try them." })
  items!: PodPoolModel[];
}
