// The migrations in prisma/migrations, replayed on an empty database, give exactly the schema in schema.prisma.
import { inject, describe, expect, it } from 'vitest';
import pg from 'pg';
import { readdir } from 'node:fs/promises';
import { migrationsDir, closeSchemaEngine, noFilters, openSchemaEngine, pendingSchemaChanges, readMigrationList } from '../lib/schema-engine.js';
import { withTemporaryDatabase } from '../lib/databases.js';
import { hashApiToken, newApiToken } from '../lib/secrets.js';

/** Applies the migrations up to and including `last` (all when undefined) to the database. */
async function migrateUpTo(databaseUrl: string, last?: string) {
  const list = await readMigrationList();
  const upTo = last ? list.migrationDirectories.findIndex((d) => d.path === last) + 1 : list.migrationDirectories.length;
  const engine = await openSchemaEngine(databaseUrl);
  try {
    await engine.applyMigrations({ migrationsList: { ...list, migrationDirectories: list.migrationDirectories.slice(0, upTo) }, filters: noFilters });
  } finally {
    await closeSchemaEngine(engine);
  }
}

describe('migrations', () => {
  it('replayed on an empty database, leave nothing between them and schema.prisma', async () => {
    const sql = await pendingSchemaChanges(inject('databaseUrl'));
    expect(sql, `schema.prisma has changes without a migration; run npm run db:migration:create <name>:\n${sql}`).toBe('');
  });

  it('are recorded in _prisma_migrations like prisma migrate deploy records them', async () => {
    const onDisk = (await readdir(migrationsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(onDisk);
      expect(rows.every((r) => r.finished_at !== null && r.rolled_back_at === null)).toBe(true);
      const { rows: dates } = await client.query(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'Availability' AND column_name IN ('startDate', 'endDate')`,
      );
      expect(dates.map((r) => r.data_type)).toEqual(['date', 'date']);
    } finally {
      await client.end();
    }
  });

  it("carry a user's API token from before named tokens into ApiToken, so it keeps working", async () => {
    await withTemporaryDatabase(inject('databaseUrl'), 'castsync_migrate', async (url) => {
      await migrateUpTo(url, '20261206195845_media_original_release');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const token = newApiToken();
        await client.query(`INSERT INTO "User" (id, email, name, "apiTokenHash", "updatedAt") VALUES (gen_random_uuid(), 'old@example.test', 'Old', $1, now())`, [hashApiToken(token)]);
        await migrateUpTo(url);
        const { rows } = await client.query(
          `SELECT t.name, t."tokenHash", u."emailVerifiedAt" IS NOT NULL AS verified FROM "ApiToken" t JOIN "User" u ON u.id = t."userId" WHERE u.email = 'old@example.test'`,
        );
        expect(rows).toEqual([{ name: 'first token', tokenHash: hashApiToken(token), verified: true }]);
      } finally {
        await client.end();
      }
    });
  });
});
