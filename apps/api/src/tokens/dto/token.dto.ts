import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { IsResourceName } from '../../common/validation';

export const ROLES = ['reader', 'writer', 'admin'] as const;

export class CreateTokenDto {
  @ApiProperty({ example: 'ci-cluster-a', description: 'Unique name: lower case letters, digits and "-". Audit records name it.' })
  @IsResourceName()
  name!: string;

  @ApiProperty({
    enum: ROLES,
    description:
      '`reader` reads; `writer` also changes clusters, nodes and Services (and, unscoped, domains, ranges and reservations); `admin` also manages tokens and reads the audit trail.',
  })
  @IsIn(ROLES)
  role!: (typeof ROLES)[number];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description:
      'Writers only: the clusters it may change (and nothing else: no domains, ranges or new clusters). Omitted or empty: unscoped.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  clusters?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'After this time the token is refused (401). Omitted: never expires.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class ListTokensQuery extends PageQuery {}
