import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { IPFamily } from '@kipam/cidr';
import { PageQuery } from '../../common/pagination';
import { IsLabels, Nullable } from '../../common/validation';
import { IP_FAMILIES, IP_FAMILY_POLICIES, SERVICE_TYPES, type IPFamilyPolicy, type ServiceType } from '../service-ip-rules';
import { IsServiceName, IsNamespaceName } from '../service-names';

const LABELS = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** The ClusterIP fields, with their Kubernetes names (Service `spec`). */
class ServiceSpecFields {
  @ApiPropertyOptional({ enum: SERVICE_TYPES, default: 'ClusterIP', description: 'ExternalName Services have no ClusterIP.' })
  @IsOptional()
  @IsIn(SERVICE_TYPES)
  type?: ServiceType;

  @ApiPropertyOptional({ ...LABELS, nullable: true, example: { app: 'MyApp' }, description: 'Pod selector; null or {} for none.' })
  @Nullable()
  @IsLabels()
  selector?: Record<string, string> | null;

  @ApiPropertyOptional({
    example: '10.96.0.10',
    description:
      'A free address of the service CIDR of its family, "None" for a headless Service; allocated when omitted. Always clusterIPs[0].',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  clusterIP?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 2,
    example: ['10.96.0.10', 'fd00:10:96::a'],
    description: 'One per family, in ipFamilies order.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  clusterIPs?: string[];

  @ApiPropertyOptional({
    enum: IP_FAMILY_POLICIES,
    description:
      "SingleStack (the default) takes the cluster's primary family; PreferDualStack both when the cluster has both; RequireDualStack both or 422.",
  })
  @IsOptional()
  @IsIn(IP_FAMILY_POLICIES)
  ipFamilyPolicy?: IPFamilyPolicy;

  @ApiPropertyOptional({
    enum: IP_FAMILIES,
    isArray: true,
    maxItems: 2,
    description: 'Family order; the first is the family of clusterIP.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(2)
  @IsIn(IP_FAMILIES, { each: true })
  ipFamilies?: IPFamily[];

  @ApiPropertyOptional({
    ...LABELS,
    nullable: true,
    example: { app: 'MyApp' },
    description: 'null or {} for none (on update: clears them).',
  })
  @Nullable()
  @IsLabels()
  labels?: Record<string, string> | null;
}

export class CreateServiceDto extends ServiceSpecFields {
  @ApiProperty({ example: 'default', description: 'Kubernetes namespace (RFC 1123 label).' })
  @IsNamespaceName()
  namespace!: string;

  @ApiProperty({ example: 'my-service', description: 'Unique in its namespace (RFC 1035 label, as Kubernetes requires of Service names).' })
  @IsServiceName()
  name!: string;
}

/**
 * JSON merge patch of a Service: labels, selector, type and the dual-stack
 * fields (single → dual adds the missing family, dual → SingleStack releases
 * the secondary ClusterIP). ClusterIPs once set, the primary family, namespace
 * and name are immutable.
 */
export class UpdateServiceDto extends ServiceSpecFields {
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsString() namespace?: string;
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsString() name?: string;
}

export class ListServicesQuery extends PageQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) namespace?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(63) name?: string;
  @ApiPropertyOptional({ description: 'Label selector: `key=value`, `key!=value`, `key`, `!key`; repeat or comma-separate to AND them.' })
  @IsOptional()
  label?: string | string[];
}
