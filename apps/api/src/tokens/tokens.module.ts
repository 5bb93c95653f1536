import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalSource } from '../common/principal';
import { TOKEN_CACHE_OPTIONS, TokenCache, type TokenCacheOptions } from './token-cache';
import { TokenService } from './token.service';
import { TokensController } from './tokens.controller';

@Module({})
export class TokensModule {
  static forRoot(cache: TokenCacheOptions): DynamicModule {
    return {
      module: TokensModule,
      controllers: [TokensController],
      providers: [
        TokenService,
        { provide: PrincipalSource, useExisting: TokenService },
        TokenCache,
        { provide: TOKEN_CACHE_OPTIONS, useValue: cache },
      ],
      exports: [TokenService, PrincipalSource],
    };
  }
}
