import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ApiProblems } from '../common/api-docs';
import { PageQuery } from '../common/pagination';
import { ConflictList } from '../clusters/models/cluster.model';
import { ConflictsService } from './conflicts.service';

export class ListConflictsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Domain id or name; all domains when omitted.' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  domain?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only conflicts involving this cluster.' })
  @IsOptional()
  @IsUUID()
  clusterId?: string;
}

@ApiTags('conflicts')
@ApiBearerAuth()
@Controller('v1/conflicts')
export class ConflictsController {
  constructor(@Inject(ConflictsService) private readonly service: ConflictsService) {}

  @Get()
  @ApiOkResponse({
    type: ConflictList,
    description: 'Every pair of overlapping CIDRs, with both holders and how the first relates to the second.',
  })
  @ApiProblems({ 404: ['not-found'] })
  list(@Query() query: ListConflictsQuery) {
    return this.service.list(query);
  }
}
