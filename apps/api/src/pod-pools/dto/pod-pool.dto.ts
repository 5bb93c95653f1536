import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { IsResourceName, Nullable, validatorFrom } from '../../common/validation';
import { entryProblem, type CidrEntry } from '../../clusters/dto/cidr-entry';
import { selectorProblems, type LabelSelector } from '../label-selector';
import { MAX_ORDER, MIN_ORDER } from '../pod-pool-rules';
import { ThresholdChange } from '../../capacity/dto/threshold-fields';

const IsCidrEntry = () => validatorFrom('isCidrEntry', (v) => entryProblem(v));
const IsLabelSelector = () =>
  validatorFrom('isLabelSelector', (v) => {
    if (v === null) return null;
    const problems = selectorProblems(v);
    return problems.length ? problems.map((p) => `${p.field}: ${p.message}`).join('; ') : null;
  });

export const CIDR_ENTRY_DOC = {
  oneOf: [
    { type: 'string', description: 'A declared CIDR (no host bits).', example: '10.248.0.0/16' },
    {
      type: 'object',
      description: 'Carve the lowest free aligned block from a range, as cluster CIDR entries are carved.',
      properties: {
        range: { type: 'string', description: 'Range id or name in the cluster domain.' },
        prefixLength: { type: 'integer', minimum: 0, maximum: 128, description: "Defaults to the range's defaultPrefixLength." },
      },
      required: ['range'],
      additionalProperties: false,
    },
  ],
} as const;

export const LABEL_SELECTOR_DOC = {
  type: 'object',
  description:
    "A Kubernetes LabelSelector over the node's labels: `matchLabels` and `matchExpressions` (operators In, NotIn, Exists, DoesNotExist), ANDed. Absent or null: every node.",
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' }, example: { 'topology.kubernetes.io/zone': 'eu-west-1a' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: {
            type: 'array',
            items: { type: 'string' },
            description: 'Non-empty for In and NotIn, empty or absent for Exists and DoesNotExist.',
          },
        },
        required: ['key', 'operator'],
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
} as const;

export class CreatePodPoolDto {
  @ApiProperty({
    example: 'zone-a',
    description: "Unique in the cluster; `default-ipv4` and `default-ipv6` are the cluster's own pod CIDRs.",
  })
  @IsResourceName()
  name!: string;

  @ApiProperty({
    ...CIDR_ENTRY_DOC,
    description: "The pool's pod CIDR: declared, or carved from a range (`{range, prefixLength}`).",
  } as never)
  @IsCidrEntry()
  cidr!: CidrEntry;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 128,
    description:
      "Node block size in this pool. Defaults to the cluster's node mask size of the pool's family; like `--node-cidr-mask-size`, at most 16 bits longer than the pool's CIDR.",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(128)
  nodeMaskSize?: number;

  @ApiPropertyOptional({ ...LABEL_SELECTOR_DOC, nullable: true } as never)
  @Nullable()
  @IsLabelSelector()
  nodeSelector?: LabelSelector | null;

  @ApiPropertyOptional({
    minimum: MIN_ORDER,
    maximum: MAX_ORDER,
    description:
      "Where the pool is tried among its family's pools (ascending; the cluster's own pod CIDR is 0 and comes first among equals, then by name). Defaults to after every pool of the family; a negative order is tried before the cluster's own pod CIDR.",
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_ORDER)
  @Max(MAX_ORDER)
  order?: number;

  @ApiPropertyOptional({
    default: 0.8,
    minimum: 0,
    maximum: 1,
    description:
      'Utilisation (0–1) at which the pool is at level `warning`; crossing it either way emits one capacity.threshold-crossed event (scope kind `pod-pool`).',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  warnAt?: number;

  @ApiPropertyOptional({ default: 0.95, minimum: 0, maximum: 1, description: 'Utilisation (0–1) of level `critical`; at least warnAt.' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  criticalAt?: number;
}

/** JSON merge patch of a pod pool: its node selector and order change; name, CIDR and node mask size may only be repeated as they are. */
export class UpdatePodPoolDto {
  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsString() name?: string;

  @ApiPropertyOptional({ ...CIDR_ENTRY_DOC, description: 'Immutable: 422 when it differs.' } as never)
  @IsOptional()
  @IsCidrEntry()
  cidr?: CidrEntry;

  @ApiPropertyOptional({ description: 'Immutable: 422 when it differs.' }) @IsOptional() @IsInt() nodeMaskSize?: number;

  @ApiPropertyOptional({
    ...LABEL_SELECTOR_DOC,
    nullable: true,
    description: 'The new node selector (replaced whole); null selects every node. Nodes keep the blocks they hold.',
  } as never)
  @Nullable()
  @IsLabelSelector()
  nodeSelector?: LabelSelector | null;

  @ApiPropertyOptional({ minimum: MIN_ORDER, maximum: MAX_ORDER }) @IsOptional() @IsInt() @Min(MIN_ORDER) @Max(MAX_ORDER) order?: number;

  @ThresholdChange('warning')
  warnAt?: number | null;

  @ThresholdChange('critical')
  criticalAt?: number | null;
}
