import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { ApiProblems } from '../common/api-docs';
import { PageQuery } from '../common/pagination';
import { IsCidr, IsIpAddress } from '../common/validation';
import { HOLDER_KINDS, LeasePage, WhoIsModel } from './models/lease.model';
import { LeasesService } from './leases.service';

export class ListLeasesQuery extends PageQuery {
  @ApiPropertyOptional({ example: '10.96.0.10', description: 'Who owns this address: every lease containing it (cursor ignored).' })
  @IsOptional()
  @IsIpAddress()
  contains?: string;

  @ApiPropertyOptional({ example: '10.244.0.0/16', description: 'Leases inside this CIDR.' })
  @IsOptional()
  @IsCidr()
  within?: string;

  @ApiPropertyOptional({ enum: HOLDER_KINDS }) @IsOptional() @IsIn(HOLDER_KINDS) holderKind?: (typeof HOLDER_KINDS)[number];
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() holderId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'Leases taken from this range.' }) @IsOptional() @IsUUID() rangeId?: string;
  @ApiPropertyOptional({ format: 'uuid', description: "A cluster's own CIDR leases and everything leased inside them." })
  @IsOptional()
  @IsUUID()
  clusterId?: string;
}

export class WhoIsQuery {
  @ApiProperty({ example: '10.96.0.10' })
  @IsIpAddress()
  address!: string;
}

@ApiTags('leases')
@ApiBearerAuth()
@Controller('v1')
export class LeasesController {
  constructor(@Inject(LeasesService) private readonly service: LeasesService) {}

  @Get('leases')
  @ApiOkResponse({ type: LeasePage })
  @ApiProblems({})
  list(@Query() query: ListLeasesQuery) {
    return this.service.list(query);
  }

  @Get('whois')
  @ApiOkResponse({
    type: WhoIsModel,
    description: 'Every lease containing the address across all clusters and domains, with its holder, and nodes reporting it.',
  })
  @ApiProblems({})
  whoIs(@Query() query: WhoIsQuery): Promise<WhoIsModel> {
    return this.service.whoIs(query.address);
  }
}
