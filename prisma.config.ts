import { defineConfig } from 'prisma/config';

// The Prisma CLI reads this; the app itself connects through lib/db.ts with the pg driver adapter.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/castsync' },
});
