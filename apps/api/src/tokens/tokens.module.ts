import { Module, type DynamicModule } from '@nestjs/common';
import { PrincipalSource } from '../common/principal';
import { TOKEN_CACHE_OPTIONS, TokenCache, type TokenCacheOptions } from './token-cache';
import { TokenService } from './token.service';
import { TokensController } from './tokens.controller';
import { ViewerController } from './viewer.controller';
import { ViewerResolver } from './viewer.resolver';

@Module({})
export class TokensModule {
  static forRoot(cache: TokenCacheOptions): DynamicModule {
    return {
      module: TokensModule,
      controllers: [TokensController, ViewerController],
      providers: [
        TokenService,
        { provide: PrincipalSource, useExisting: TokenService },
        TokenCache,
        ViewerResolver,
        { provide: TOKEN_CACHE_OPTIONS, useValue: cache },
      ],
      exports: [TokenService, PrincipalSource],
    };
  }
}
