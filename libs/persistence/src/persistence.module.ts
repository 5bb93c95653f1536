import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database';
import { PrismaService } from './prisma.service';

export interface PersistenceOptions {
  databaseUrl: string;
  poolSize?: number;
}

/** Closes Prisma and the pool after the HTTP server has drained. */
@Injectable()
class PersistenceLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(PrismaService) private readonly prisma: PrismaService,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect().catch(() => undefined);
    await this.database.close().catch(() => undefined);
  }
}

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        { provide: Database, useFactory: () => new Database(options.databaseUrl, options.poolSize) },
        { provide: PrismaService, useFactory: (db: Database) => new PrismaService(db), inject: [Database] },
        PersistenceLifecycle,
      ],
      exports: [Database, PrismaService],
    };
  }
}
