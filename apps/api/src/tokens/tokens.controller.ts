import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/api-docs';
import { CreateTokenDto, ListTokensQuery } from './dto/token.dto';
import { IssuedTokenModel, TokenModel, TokenPage } from './models/token.model';
import { TokenService } from './token.service';

/** API tokens: admin tokens only (the auth guard enforces it). */
@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(@Inject(TokenService) private readonly service: TokenService) {}

  @Post()
  @ApiCreatedResponse({ type: IssuedTokenModel, description: 'The token with its secret, shown this once.' })
  @ApiProblems({ 403: ['forbidden'], 409: ['already-exists'] })
  create(@Body() dto: CreateTokenDto): Promise<IssuedTokenModel> {
    return this.service.create(dto);
  }

  @Get()
  @ApiOkResponse({ type: TokenPage, description: 'Every token, revoked ones included, by name; never a secret.' })
  @ApiProblems({ 403: ['forbidden'] })
  list(@Query() query: ListTokensQuery) {
    return this.service.list(query);
  }

  @Get(':tokenId')
  @ApiOkResponse({ type: TokenModel })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'] })
  get(@Param('tokenId') id: string): Promise<TokenModel> {
    return this.service.get(id);
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Revoked: the next request with it is refused (401). Revoking again does nothing.' })
  @ApiProblems({ 403: ['forbidden'], 404: ['not-found'] })
  revoke(@Param('tokenId') id: string): Promise<void> {
    return this.service.revoke(id);
  }
}
