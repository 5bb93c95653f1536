import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { CidrError, Prefix } from '@kipam/cidr';
import { PageQuery } from '../../common/pagination';
import { IsIpAddress, IsLabels, Nullable, validatorFrom } from '../../common/validation';

export const NODE_ADDRESS_TYPES = ['InternalIP', 'ExternalIP'] as const;
export type NodeAddressType = (typeof NODE_ADDRESS_TYPES)[number];

/** Kubernetes node names are DNS subdomains (RFC 1123): lower case, at most 253 characters. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const MAX_NODE_NAME_LENGTH = 253;

export function nodeNameProblem(value: unknown): string | null {
  if (typeof value === 'string' && value.length <= MAX_NODE_NAME_LENGTH && DNS_SUBDOMAIN.test(value)) return null;
  return 'must be a DNS subdomain (a Kubernetes node name): at most 253 lower case letters, digits, "-" or ".", starting and ending with a letter or digit';
}

/** Why a podCidrs value is malformed, or null. Context rules (family, mask, inside) are the service's. */
function podCidrsProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'must be an array of at most two CIDRs (one per IP family)';
  if (value.length > 2) return 'must hold at most two CIDRs (one per IP family)';
  for (const [i, entry] of value.entries()) {
    try {
      Prefix.parse(entry);
    } catch (error) {
      return `[${i}] ${error instanceof CidrError ? error.message : 'is not a CIDR'}`;
    }
  }
  return null;
}

const IsNodeName = (options?: ValidationOptions) => validatorFrom('isNodeName', nodeNameProblem, options);
const IsPodCidrList = (options?: ValidationOptions) => validatorFrom('isPodCidrList', podCidrsProblem, options);

/** One of the node's addresses, as in a Kubernetes Node's `status.addresses`. */
export class NodeAddressDto {
  @ApiProperty({ enum: NODE_ADDRESS_TYPES, example: 'InternalIP' })
  @IsIn(NODE_ADDRESS_TYPES)
  type!: NodeAddressType;

  @ApiProperty({ example: '192.168.1.10', description: 'IPv4 or IPv6 address; stored in canonical form (RFC 5952 for IPv6).' })
  @IsIpAddress()
  address!: string;
}

const PODCIDRS_DOC: ApiPropertyOptions = {
  type: [String],
  maxItems: 2,
  example: ['10.244.1.0/24', 'fd00:10:244:1::/64'],
};

const ADDRESSES_TEXT = "Like the kubelet's `--node-ip` (a dual-stack pair): at most one address per family per type.";
const ADDRESSES_DOC: ApiPropertyOptions = { type: [NodeAddressDto], maxItems: 4, description: ADDRESSES_TEXT };

export class CreateNodeDto {
  @ApiProperty({ example: 'worker-1.eu-west-1.compute.internal', maxLength: MAX_NODE_NAME_LENGTH, description: 'Unique in its cluster.' })
  @IsNodeName()
  name!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { 'node-role.kubernetes.io/worker': '' } })
  @IsOptional()
  @IsLabels()
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    ...PODCIDRS_DOC,
    description:
      "Blocks to hold instead of the next free ones: one per family, each a node-mask-sized block inside the cluster's pod CIDR of that family. Families left out are allocated.",
  })
  @IsOptional()
  @IsPodCidrList()
  podCidrs?: string[];

  @ApiPropertyOptional(ADDRESSES_DOC)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => NodeAddressDto)
  addresses?: NodeAddressDto[];
}

/** JSON merge patch of a node: labels and addresses change; name and pod CIDRs are immutable. */
export class UpdateNodeDto {
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ ...PODCIDRS_DOC, description: 'Immutable: 422 when it differs from the current podCidrs.' })
  @IsOptional()
  @IsPodCidrList()
  podCidrs?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'Replaces the labels; null clears them.',
  })
  @Nullable()
  @IsLabels()
  labels?: Record<string, string> | null;

  @ApiPropertyOptional({
    ...ADDRESSES_DOC,
    nullable: true,
    description: `${ADDRESSES_TEXT} Replaces the addresses; null clears them.`,
  })
  @Nullable()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => NodeAddressDto)
  addresses?: NodeAddressDto[] | null;
}

export class ListNodesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Exact node name.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NODE_NAME_LENGTH)
  name?: string;

  @ApiPropertyOptional({ description: 'Label selector: `key=value`, `key!=value`, `key`, `!key`; repeat or comma-separate to AND them.' })
  @IsOptional()
  label?: string | string[];
}

/** `enis` and `ipsPerEni` of an instance type, for `maxPodsPerNode`; checked as positive whole numbers (400) by `eniQuery`. */
export class CapacityQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 999999,
    example: 3,
    description: 'Network interfaces (ENIs) of the instance type; with ipsPerEni.',
  })
  @Allow()
  enis?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 999999,
    example: 10,
    description: 'IPv4 addresses per ENI of the instance type; with enis.',
  })
  @Allow()
  ipsPerEni?: string;
}
