import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI (generate; `migrate deploy` on machines that can fetch
// Prisma's native engines). Kipam itself migrates with prisma/migrate.ts.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/kipam' },
});
