import { Module } from '@nestjs/common';
import { TokenService } from './token.service';
import { TokensController } from './tokens.controller';
import { TokensRepository } from './tokens.repository';

@Module({
  controllers: [TokensController],
  providers: [TokenService, TokensRepository],
  exports: [TokenService],
})
export class TokensModule {}
