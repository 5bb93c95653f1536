import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsCidr, IsLabels, IsResourceName, Nullable } from '../../common/validation';
import { CLUSTER_PROFILES, DEFAULT_ULA_SERVICE_LENGTH, EKS_NODE_LOCAL_CIDR, type ClusterProfile } from '../cluster-profile';
import { IsCidrEntries, type CidrEntry } from './cidr-entry';
import { ThresholdChange } from '../../capacity/dto/threshold-fields';

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

/** Service CIDR entries may also be generated. */
const SERVICE_CIDR_ENTRY_SCHEMA = {
  ...CIDR_ENTRY_SCHEMA,
  items: {
    oneOf: [
      ...CIDR_ENTRY_SCHEMA.items.oneOf,
      {
        type: 'object',
        description:
          'Generate a unique local range (RFC 4193 §3.2): 40 random bits make a global ID, unique across the fleet, whose ' +
          '`fdXX:XXXX:XXXX::/48` holds the CIDR as its first block of `prefixLength` (subnet 0, offset 0). Immutable afterwards.',
        properties: {
          generate: { type: 'string', enum: ['ula'] },
          prefixLength: { type: 'integer', minimum: 48, maximum: 128, default: DEFAULT_ULA_SERVICE_LENGTH },
        },
        required: ['generate'],
        additionalProperties: false,
      },
    ],
  },
} as const;

const PROFILE_DESCRIPTION =
  'Cluster profile; absent or null is generic. `eks-ipv6` (seed 004, EKS IPv6): single-stack IPv6, pod CIDRs that are global ' +
  'unicast (2000::/3) /64 VPC subnets, a /80 per node (prefix mode, the default node mask), a ULA (fc00::/7) service CIDR ' +
  `(default: a generated /${DEFAULT_ULA_SERVICE_LENGTH}) and node-local egress ${EKS_NODE_LOCAL_CIDR}. Immutable.`;

const NODE_LOCAL_DESCRIPTION =
  'Node-local ranges: the host-local range every node reuses for its pods (EKS IPv6: IPv4 egress from ' +
  `${EKS_NODE_LOCAL_CIDR}, SNAT to the node's address). Never leased and never a conflict, across nodes or clusters; who-owns ` +
  "names them; they must not overlap the cluster's pod or service CIDRs, and may be link-local. Default: " +
  `["${EKS_NODE_LOCAL_CIDR}"] for eks-ipv6, [] otherwise.`;

const K8S_VERSION = /^v?\d{1,3}\.\d{1,3}(\.\d{1,4}([-+][0-9A-Za-z.-]{1,64})?)?$/;

/** Thresholds of one of the cluster's spaces (its pod or service CIDR of one family). */
export class CapacityThresholdDto {
  @ApiProperty({ enum: ['pod', 'service'] })
  @IsIn(['pod', 'service'])
  kind!: 'pod' | 'service';

  @ApiProperty({ enum: ['IPv4', 'IPv6'] })
  @IsIn(['IPv4', 'IPv6'])
  family!: 'IPv4' | 'IPv6';

  @ThresholdChange('warning')
  warnAt?: number | null;

  @ThresholdChange('critical')
  criticalAt?: number | null;
}

const THRESHOLDS_DOC =
  'Capacity thresholds per pod or service CIDR and family (defaults 0.8 and 0.95). Crossing one, up or down, emits one capacity.threshold-crossed event.';

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
    ...SERVICE_CIDR_ENTRY_SCHEMA,
    description:
      'Service CIDRs (`--service-cluster-ip-range`), one per family; the first one sets the primary family. Required, except ' +
      `for the eks-ipv6 profile, whose default is [{"generate": "ula", "prefixLength": ${DEFAULT_ULA_SERVICE_LENGTH}}].`,
  } as never)
  @ValidateIf((o: CreateClusterDto) => o.profile !== 'eks-ipv6' || o.serviceCidrs !== undefined)
  @IsCidrEntries({ generate: true })
  serviceCidrs!: CidrEntry[];

  @ApiPropertyOptional({ enum: CLUSTER_PROFILES, nullable: true, description: PROFILE_DESCRIPTION })
  @Nullable()
  @IsIn(CLUSTER_PROFILES)
  profile?: ClusterProfile | null;

  @ApiPropertyOptional({ type: [String], maxItems: 4, example: [EKS_NODE_LOCAL_CIDR], description: NODE_LOCAL_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @IsCidr({ each: true })
  nodeLocalCidrs?: string[];

  @ApiPropertyOptional({ default: 24, minimum: 0, maximum: 32, description: '`--node-cidr-mask-size-ipv4`' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(32)
  nodeMaskSizeIPv4?: number;

  @ApiPropertyOptional({
    default: 64,
    minimum: 0,
    maximum: 128,
    description: '`--node-cidr-mask-size-ipv6`; 80 (and only 80) for eks-ipv6.',
  })
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

  @ApiPropertyOptional({ type: [CapacityThresholdDto], description: THRESHOLDS_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => CapacityThresholdDto)
  capacityThresholds?: CapacityThresholdDto[];
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
    ...SERVICE_CIDR_ENTRY_SCHEMA,
    description:
      'The existing service CIDRs unchanged (a generated one as its CIDR or as its generate request), plus one entry of the missing family.',
  } as never)
  @IsOptional()
  @IsCidrEntries({ generate: true })
  serviceCidrs?: CidrEntry[];

  @ApiPropertyOptional({ enum: CLUSTER_PROFILES, nullable: true, description: 'Immutable: 422 when it differs.' })
  @Nullable()
  @IsIn([...CLUSTER_PROFILES, null])
  profile?: ClusterProfile | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    maxItems: 4,
    description: "Replaces the node-local ranges; null resets them to the profile's default.",
  })
  @Nullable()
  @IsArray()
  @ArrayMaxSize(4)
  @IsCidr({ each: true })
  nodeLocalCidrs?: string[] | null;

  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsInt() nodeMaskSizeIPv4?: number;
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsInt() nodeMaskSizeIPv6?: number;

  @ApiPropertyOptional({ example: '1.34' })
  @IsOptional()
  @IsString()
  @Matches(K8S_VERSION, { message: 'must be a Kubernetes version such as 1.31 or v1.31.2' })
  kubernetesVersion?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    nullable: true,
    description: 'Replaces the labels; null clears them.',
  })
  @Nullable()
  @IsLabels()
  labels?: Record<string, string> | null;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() allowConflicts?: boolean;

  @ApiPropertyOptional({ type: [CapacityThresholdDto], description: THRESHOLDS_DOC })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => CapacityThresholdDto)
  capacityThresholds?: CapacityThresholdDto[];
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

  @ApiPropertyOptional({
    enum: ['calico', 'cilium'],
    description:
      'With format=yaml: calico gives the IPPool manifests (one YAML document per pod pool), cilium the cluster-pool Helm values file; without it, the kubeadm ClusterConfiguration.',
  })
  @IsOptional()
  @IsIn(['calico', 'cilium'])
  cni?: 'calico' | 'cilium';
}
