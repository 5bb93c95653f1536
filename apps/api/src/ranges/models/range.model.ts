import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RANGE_PURPOSES, type RangePurpose } from '../dto/range.dto';

export class RangeModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '10.0.0.0/8', description: 'Canonical form (RFC 5952 for IPv6).' }) cidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ description: 'Domain name.' }) domain!: string;
  @ApiProperty({ format: 'uuid' }) domainId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Parent range id.' }) parent!: string | null;
  @ApiProperty({ enum: RANGE_PURPOSES }) purpose!: RangePurpose;
  @ApiProperty({ type: Number, nullable: true }) minPrefixLength!: number | null;
  @ApiProperty({ type: Number, nullable: true }) maxPrefixLength!: number | null;
  @ApiProperty({ type: Number, nullable: true }) defaultPrefixLength!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty() description!: string;
  @ApiProperty({ example: 0.8, description: 'Utilisation (0–1) of level `warning`.' }) warnAt!: number;
  @ApiProperty({ example: 0.95, description: 'Utilisation (0–1) of level `critical`.' }) criticalAt!: number;
  @ApiProperty({
    enum: ['ok', 'warning', 'critical'],
    description:
      'The level last reached (announced by capacity.threshold-crossed), as of the last allocation, release or threshold change.',
  })
  capacityLevel!: 'ok' | 'warning' | 'critical';
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class RangePage {
  @ApiProperty({ type: [RangeModel] }) items!: RangeModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class RangeUsageModel {
  @ApiProperty({ format: 'uuid' }) rangeId!: string;
  @ApiProperty() cidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty({ example: '65536', description: 'Addresses in the range (a decimal string: IPv6 counts exceed 2^53).' }) total!: string;
  @ApiProperty({ example: '1024', description: 'Addresses leased (clusters, child ranges and reservations).' }) leased!: string;
  @ApiProperty({ example: '256', description: 'Of the leased addresses, those held by reservations.' }) reserved!: string;
  @ApiProperty({ example: '64512' }) free!: string;
  @ApiProperty({ example: 0.015625, format: 'double', description: 'leased / total, from 0 to 1.' }) utilization!: number;
  @ApiProperty({ type: String, nullable: true, example: '10.0.128.0/17', description: 'The largest free aligned block.' })
  largestFreePrefix!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 17 }) largestFreePrefixLength!: number | null;
  @ApiProperty({ description: 'Number of leases (blocks handed out) in the range.' }) leaseCount!: number;
}

export class ReservationModel {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) rangeId!: string;
  @ApiProperty() cidr!: string;
  @ApiProperty({ enum: ['IPv4', 'IPv6'] }) family!: 'IPv4' | 'IPv6';
  @ApiProperty() reason!: string;
  @ApiProperty() createdAt!: Date;
  @ApiPropertyOptional() updatedAt!: Date;
}

export class ReservationPage {
  @ApiProperty({ type: [ReservationModel] }) items!: ReservationModel[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
