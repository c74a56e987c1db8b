// The database client names its statements (lib/db.ts), so a connection parses each once and then only binds values:
// against a real PostgreSQL, a query run twice on one connection is one prepared statement there, and a failed
// statement inside a transaction leaves the connection able to run it afterwards. The names are bounded.
import { expect, inject, it } from 'vitest';
import { NAMED_STATEMENTS_MAX, createDb, statementNames } from '../lib/db.js';

const databaseUrl = inject('databaseUrl');

it('prepares a statement once per connection and runs it again by name', async () => {
  const db = createDb(databaseUrl);
  try {
    const prepared = await db.$transaction(async (tx) => {
      // One transaction: one connection, so its session's prepared statements are these queries'.
      for (let i = 0; i < 3; i += 1) await tx.availability.findMany({ where: { userId: '00000000-0000-4000-8000-000000000000', deletedAt: null } });
      return tx.$queryRaw<{ statement: string }[]>`SELECT statement FROM pg_prepared_statements WHERE statement LIKE ${'%FROM "public"."Availability"%'}`;
    });
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.statement).toMatch(/^SELECT .* FROM "public"\."Availability" .*WHERE/);

    // A statement that fails in an aborted transaction is not taken for prepared: the next run parses it again.
    const refused = await db
      .$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1/0`;
      })
      .then(() => null, (error: unknown) => error);
    expect(String(refused)).toMatch(/division by zero/);
    await expect(db.user.count({ where: { email: 'nobody@example.com' } })).resolves.toBe(0);
    await expect(db.user.count({ where: { email: 'nobody@example.com' } })).resolves.toBe(0);
  } finally {
    await db.$disconnect();
  }
});

it('gives one text one name, another text another, and names no more than its bound', () => {
  const name = statementNames();
  const first = name({ sql: 'SELECT 1' });
  expect(first).toMatch(/^c[A-Za-z0-9_-]{40}$/);
  expect(name({ sql: 'SELECT 1' })).toBe(first);
  expect(name({ sql: 'SELECT 2' })).not.toBe(first);
  for (let i = 3; i <= NAMED_STATEMENTS_MAX; i += 1) expect(name({ sql: `SELECT ${i}` })).not.toBe('');
  // Past the bound a new text goes unnamed (pg then parses it every time); the named ones keep their names.
  expect(name({ sql: `SELECT ${NAMED_STATEMENTS_MAX + 1}` })).toBe('');
  expect(name({ sql: 'SELECT 1' })).toBe(first);
});
