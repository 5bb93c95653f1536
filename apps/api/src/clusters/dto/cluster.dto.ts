import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsLabels, IsResourceName } from '../../common/validation';
import { IsCidrEntries, type CidrEntry } from './cidr-entry';

export const CIDR_ENTRY_SCHEMA = {
  type: 'array',
  minItems: 1,
  maxItems: 2,
  items: {
    oneOf: [
      { type: 'string', description: 'A declared CIDR (no host bits).', example: '10.244.0.0/16' },
      {
        type: 'object',
        description: 'Carve the lowest free aligned block from a range.',
        properties: {
          range: { type: 'string', description: 'Range id or name in the cluster domain.' },
          prefixLength: { type: 'integer', minimum: 0, maximum: 128, description: "Defaults to the range's defaultPrefixLength." },
        },
        required: ['range'],
        additionalProperties: false,
      },
    ],
  },
} as const;

const K8S_VERSION = /^v?\d{1,3}\.\d{1,3}(\.\d{1,4}([-+][0-9A-Za-z.-]{1,64})?)?$/;

export class CreateClusterDto {
  @ApiProperty({ example: 'prod-eu-1', description: 'Unique in its domain.' })
  @IsResourceName()
  name!: string;

  @ApiPropertyOptional({ example: 'default', description: 'Domain id or name; `default` when omitted.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  domain?: string;

  @ApiProperty({ ...CIDR_ENTRY_SCHEMA, description: 'Pod CIDRs (`--cluster-cidr`), one per family, in the order nodes get them.' } as never)
  @IsCidrEntries()
  podCidrs!: CidrEntry[];

  @ApiProperty({
    ...CIDR_ENTRY_SCHEMA,
    description: 'Service CIDRs (`--service-cluster-ip-range`), one per family; the first one sets the primary family.',
  } as never)
  @IsCidrEntries()
  serviceCidrs!: CidrEntry[];

  @ApiPropertyOptional({ default: 24, minimum: 0, maximum: 32, description: '`--node-cidr-mask-size-ipv4`' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(32)
  nodeMaskSizeIPv4?: number;

  @ApiPropertyOptional({ default: 64, minimum: 0, maximum: 128, description: '`--node-cidr-mask-size-ipv6`' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(128)
  nodeMaskSizeIPv6?: number;

  @ApiPropertyOptional({
    example: '1.31',
    description: 'Kubernetes version (decides validation rules, e.g. the service CIDR size cap below 1.34).',
  })
  @IsOptional()
  @IsString()
  @Matches(K8S_VERSION, { message: 'must be a Kubernetes version such as 1.31 or v1.31.2' })
  kubernetesVersion?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { env: 'prod' } })
  @IsOptional()
  @IsLabels()
  labels?: Record<string, string>;

  @ApiPropertyOptional({
    default: false,
    description: 'Accept declared CIDRs that overlap other clusters (brownfield import); they show up in /v1/conflicts.',
  })
  @IsOptional()
  @IsBoolean()
  allowConflicts?: boolean;
}

/**
 * JSON merge patch of a cluster: labels, the Kubernetes version, and adding
 * the missing family (the single- to dual-stack upgrade). Existing CIDRs,
 * name, domain and node mask sizes are immutable.
 */
export class UpdateClusterDto {
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsString() name?: string;
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsString() domain?: string;

  @ApiPropertyOptional({
    ...CIDR_ENTRY_SCHEMA,
    description: 'The existing pod CIDRs unchanged, plus one entry of the missing family to make the cluster dual-stack.',
  } as never)
  @IsOptional()
  @IsCidrEntries()
  podCidrs?: CidrEntry[];

  @ApiPropertyOptional({
    ...CIDR_ENTRY_SCHEMA,
    description: 'The existing service CIDRs unchanged, plus one entry of the missing family.',
  } as never)
  @IsOptional()
  @IsCidrEntries()
  serviceCidrs?: CidrEntry[];

  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsInt() nodeMaskSizeIPv4?: number;
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsInt() nodeMaskSizeIPv6?: number;

  @ApiPropertyOptional({ example: '1.34' })
  @IsOptional()
  @IsString()
  @Matches(K8S_VERSION, { message: 'must be a Kubernetes version such as 1.31 or v1.31.2' })
  kubernetesVersion?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsLabels()
  labels?: Record<string, string>;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() allowConflicts?: boolean;
}

export class ListClustersQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) name?: string;
  @ApiPropertyOptional({ description: 'Domain id or name.' }) @IsOptional() @IsString() @MaxLength(63) domain?: string;
  @ApiPropertyOptional({ description: 'Label selector: `key=value`, `key!=value`, `key`, `!key`; repeat or comma-separate to AND them.' })
  @IsOptional()
  label?: string | string[];
  @ApiPropertyOptional({ enum: ['IPv4', 'IPv6', 'DualStack'] }) @IsOptional() @IsIn(['IPv4', 'IPv6', 'DualStack']) stack?:
    'IPv4' | 'IPv6' | 'DualStack';
}

export class ConfigQuery {
  @ApiPropertyOptional({
    enum: ['json', 'text', 'yaml'],
    default: 'json',
    description: 'text: shell-style flag lines; yaml: the kubeadm ClusterConfiguration.',
  })
  @IsOptional()
  @IsIn(['json', 'text', 'yaml'])
  format?: 'json' | 'text' | 'yaml';
}
