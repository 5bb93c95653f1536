import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsCidr } from '../../common/validation';
import { DEFAULT_MAP_DEPTH, MAX_MAP_DEPTH } from '../address-map-rules';

/** `?prefix=&depth=`: which part of a pool to draw, and how finely. */
export class AddressMapQuery {
  @ApiPropertyOptional({
    example: '10.0.0.0/8',
    description: "The prefix to draw, inside the pool's CIDR. Default: the whole pool.",
  })
  @IsOptional()
  @IsCidr()
  prefix?: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_MAP_DEPTH,
    default: DEFAULT_MAP_DEPTH,
    description: `Cut the prefix into 2^depth cells (at most 2^${MAX_MAP_DEPTH}); cells are never smaller than one address.`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_MAP_DEPTH)
  depth?: number;
}

export const MAP_CIDR_KINDS = ['pod', 'service'] as const;
export type MapCidrKind = (typeof MAP_CIDR_KINDS)[number];

/** A cluster's pod or service CIDR pool, by kind and family. */
export class ClusterAddressMapQuery extends AddressMapQuery {
  @ApiPropertyOptional({
    enum: MAP_CIDR_KINDS,
    default: 'pod',
    description: 'The pod CIDR (node blocks) or the service CIDR (ClusterIPs).',
  })
  @IsOptional()
  @IsIn(MAP_CIDR_KINDS)
  kind?: MapCidrKind;

  @ApiPropertyOptional({ enum: ['IPv4', 'IPv6'], description: "Default: the cluster's first family of that kind." })
  @IsOptional()
  @IsIn(['IPv4', 'IPv6'])
  family?: 'IPv4' | 'IPv6';
}
