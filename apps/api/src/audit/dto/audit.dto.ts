import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination';

const RESOURCES = ['domain', 'range', 'reservation', 'cluster', 'pod-pool', 'node', 'service', 'service-cidr', 'token', 'webhook'] as const;
const ACTIONS = ['create', 'update', 'delete', 'issue', 'revoke'] as const;

/** `GET /v1/audit` filters; every one optional, combined with AND. */
export class ListAuditQuery extends PageQuery {
  @ApiPropertyOptional({ enum: RESOURCES, description: 'Kind of resource changed.' })
  @IsOptional()
  @IsIn(RESOURCES)
  resource?: (typeof RESOURCES)[number];

  @ApiPropertyOptional({ description: 'Id of the resource changed.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  resourceId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Changes to this cluster, its nodes and its Services.' })
  @IsOptional()
  @IsUUID()
  clusterId?: string;

  @ApiPropertyOptional({ description: 'Name of the token that made the change (`system` for start-up).' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  actor?: string;

  @ApiPropertyOptional({ enum: ACTIONS })
  @IsOptional()
  @IsIn(ACTIONS)
  action?: (typeof ACTIONS)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'At or after this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this time.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}
