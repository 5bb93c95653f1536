import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import type { Database } from './database';

/** Prisma Client over the shared pg pool (`@prisma/adapter-pg`). */
export class PrismaService extends PrismaClient {
  constructor(database: Database) {
    super({ adapter: new PrismaPg(database.pool) });
  }
}
