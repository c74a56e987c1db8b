// The migrations in prisma/migrations, replayed on an empty database, give exactly the schema in schema.prisma.
import { inject, describe, expect, it } from 'vitest';
import pg from 'pg';
import { readdir } from 'node:fs/promises';
import { migrationsDir, pendingSchemaChanges } from '../lib/schema-engine.js';

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
});
