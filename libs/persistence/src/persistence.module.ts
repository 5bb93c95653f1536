import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database';

export interface PersistenceOptions {
  databaseUrl: string;
  poolSize?: number;
}

/** Closes the pool after the HTTP server has drained. */
@Injectable()
class PersistenceLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close().catch(() => undefined);
  }
}

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [{ provide: Database, useFactory: () => new Database(options.databaseUrl, options.poolSize) }, PersistenceLifecycle],
      exports: [Database],
    };
  }
}
