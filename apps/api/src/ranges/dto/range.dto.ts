import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsCidr, IsLabels, IsResourceName, Nullable } from '../../common/validation';
import { ThresholdChange } from '../../capacity/dto/threshold-fields';

export const RANGE_PURPOSES = ['pod', 'service', 'any'] as const;
export type RangePurpose = (typeof RANGE_PURPOSES)[number];

export class CreateRangeDto {
  @ApiProperty({ example: 'pods-eu', description: 'Unique in its domain.' })
  @IsResourceName()
  name!: string;

  @ApiProperty({
    example: '10.0.0.0/8',
    description: 'The block this range owns; no host bits set. Returned in canonical form (RFC 5952 for IPv6).',
  })
  @IsCidr()
  cidr!: string;

  @ApiPropertyOptional({ example: 'default', description: 'Domain id or name; `default` when omitted.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  domain?: string;

  @ApiPropertyOptional({
    description:
      'Parent range (id or name, same domain) that contains this one. When omitted, the smallest range of the domain containing the CIDR becomes the parent.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  parent?: string;

  @ApiPropertyOptional({
    enum: RANGE_PURPOSES,
    default: 'any',
    description: 'What clusters may carve from it: pod CIDRs, service CIDRs, or any.',
  })
  @IsOptional()
  @IsIn(RANGE_PURPOSES)
  purpose?: RangePurpose;

  @ApiPropertyOptional({ description: 'Shortest prefix length that may be carved (largest block).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(128)
  minPrefixLength?: number;

  @ApiPropertyOptional({ description: 'Longest prefix length that may be carved (smallest block).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(128)
  maxPrefixLength?: number;

  @ApiPropertyOptional({ description: 'Prefix length carved when a request gives none.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(128)
  defaultPrefixLength?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { region: 'eu' } })
  @IsOptional()
  @IsLabels()
  labels?: Record<string, string>;

  @ApiPropertyOptional({ maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @ApiPropertyOptional({
    default: 0.8,
    minimum: 0,
    maximum: 1,
    description:
      'Utilisation (0–1) at which the range is at level `warning`; crossing it either way emits one capacity.threshold-crossed event.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  warnAt?: number;

  @ApiPropertyOptional({
    default: 0.95,
    minimum: 0,
    maximum: 1,
    description: 'Utilisation (0–1) at which the range is at level `critical`; at least warnAt.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  criticalAt?: number;
}

/** JSON merge patch of a range: only labels, description and the capacity thresholds change. */
export class UpdateRangeDto {
  @ApiPropertyOptional({
    description:
      'Immutable (like name, cidr, domain, parent, purpose and the prefix lengths): accepted when equal to the current value, 422 otherwise.',
  })
  @IsOptional()
  @Allow()
  name?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() cidr?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() domain?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() parent?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() purpose?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() minPrefixLength?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() maxPrefixLength?: unknown;
  @ApiPropertyOptional({ description: 'Immutable.' }) @IsOptional() @Allow() defaultPrefixLength?: unknown;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'Replaces the labels; null clears them.',
  })
  @Nullable()
  @IsLabels()
  labels?: Record<string, string> | null;

  @ApiPropertyOptional({ maxLength: 1024, nullable: true, description: 'null clears it.' })
  @Nullable()
  @IsString()
  @MaxLength(1024)
  description?: string | null;

  @ThresholdChange('warning')
  warnAt?: number | null;

  @ThresholdChange('critical')
  criticalAt?: number | null;
}

export class ListRangesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) name?: string;
  @ApiPropertyOptional({ description: 'Domain id or name.' }) @IsOptional() @IsString() @MaxLength(63) domain?: string;
  @ApiPropertyOptional({ description: 'Label selector: `key=value`, `key!=value`, `key`, `!key`; repeat or comma-separate to AND them.' })
  @IsOptional()
  label?: string | string[];
  @ApiPropertyOptional({ enum: ['IPv4', 'IPv6'] }) @IsOptional() @IsIn(['IPv4', 'IPv6']) family?: 'IPv4' | 'IPv6';
  @ApiPropertyOptional({ enum: RANGE_PURPOSES }) @IsOptional() @IsIn(RANGE_PURPOSES) purpose?: RangePurpose;
  @ApiPropertyOptional({ description: 'Only children of this range (id).' }) @IsOptional() @IsString() @MaxLength(63) parent?: string;
}

export class CreateReservationDto {
  @ApiProperty({ example: '10.0.0.0/16', description: 'Block inside the range never to be handed out.' })
  @IsCidr()
  cidr!: string;

  @ApiPropertyOptional({ example: 'VPC CIDR', maxLength: 1024 })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  reason?: string;
}

export class UpdateReservationDto {
  @ApiPropertyOptional({ description: 'Immutable: accepted when equal to the current CIDR, 422 otherwise.' })
  @IsOptional()
  @Allow()
  cidr?: unknown;

  @ApiPropertyOptional({ maxLength: 1024, nullable: true, description: 'null clears it.' })
  @Nullable()
  @IsString()
  @MaxLength(1024)
  reason?: string | null;
}

export class ListReservationsQuery extends PageQuery {}
