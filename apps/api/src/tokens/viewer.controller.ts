import { Controller, Get, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../common/auth.guard';
import { ApiProblems } from '../common/api-docs';
import { UnauthorizedError } from '../common/errors';
import type { Principal } from '../common/principal';
import { ViewerModel } from './models/viewer.model';

export function toViewer(principal: Principal | undefined): ViewerModel {
  if (!principal) throw new UnauthorizedError();
  return { id: principal.tokenId, name: principal.name, role: principal.role, clusters: principal.clusters };
}

/** Any token may ask who it is: the console hides what the token may not do. */
@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/me')
export class ViewerController {
  @Get()
  @ApiOperation({ summary: 'The token making the request', description: 'Its name, role and cluster scope; never its secret.' })
  @ApiOkResponse({ type: ViewerModel })
  @ApiProblems({})
  me(@Req() request: AuthenticatedRequest): ViewerModel {
    return toViewer(request.principal);
  }
}
