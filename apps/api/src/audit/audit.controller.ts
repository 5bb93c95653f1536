import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-docs';
import { ListAuditQuery } from './dto/audit.dto';
import { AuditPage } from './models/audit.model';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(@Inject(AuditService) private readonly service: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'The audit trail, newest first',
    description:
      'Every change made through the API, with the token name, the request id and the resource before and after. Admin tokens only; read-only.',
  })
  @ApiOkResponse({ type: AuditPage })
  @ApiProblems({ 403: ['forbidden'] })
  list(@Query() query: ListAuditQuery) {
    return this.service.list(query);
  }
}
