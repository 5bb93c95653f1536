import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { MergePatchable } from '../common/merge-patch';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/response-meta';
import { ApiProblems, CREATED_HEADERS, ETAG_HEADERS, IF_MATCH_HEADER } from '../common/api-docs';
import { Idempotent } from '../common/idempotency';
import { CreateDomainDto, ListDomainsQuery, UpdateDomainDto } from './dto/domain.dto';
import { DomainModel, DomainPage } from './models/domain.model';
import { DomainsService } from './domains.service';

@ApiTags('domains')
@ApiBearerAuth()
@Controller('v1/domains')
export class DomainsController {
  constructor(@Inject(DomainsService) private readonly service: DomainsService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: DomainModel, headers: CREATED_HEADERS })
  @ApiProblems({ 409: ['already-exists'] })
  create(@Body() dto: CreateDomainDto): Promise<DomainModel> {
    return this.service.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: DomainPage })
  @ApiProblems({})
  list(@Query() query: ListDomainsQuery) {
    return this.service.list(query);
  }

  @Get(':domainId')
  @ApiOkResponse({ type: DomainModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'] })
  get(@Param('domainId') id: string): Promise<DomainModel> {
    return this.service.get(id);
  }

  @MergePatchable()
  @Patch(':domainId')
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOkResponse({ type: DomainModel, headers: ETAG_HEADERS })
  @ApiProblems({ 404: ['not-found'], 412: ['precondition-failed'] })
  update(@Param('domainId') id: string, @Body() dto: UpdateDomainDto, @IfMatch() ifMatch?: string): Promise<DomainModel> {
    return this.service.update(id, dto, ifMatch);
  }

  @Delete(':domainId')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiNoContentResponse({ description: 'Deleted. 409 while ranges or clusters still live in it.' })
  @ApiProblems({ 404: ['not-found'], 409: ['conflict'], 412: ['precondition-failed'] })
  delete(@Param('domainId') id: string, @IfMatch() ifMatch?: string): Promise<void> {
    return this.service.delete(id, ifMatch);
  }
}
