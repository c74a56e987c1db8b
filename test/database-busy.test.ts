// A transaction that cannot start because every connection of the pool stays busy past its maxWait: Prisma's real
// error for it (from a real PostgreSQL pool held by open transactions) is recognised as "database busy", which the
// gateway answers 503 with Retry-After (api/app.ts), and nothing else is.
import { PrismaPg } from '@prisma/adapter-pg';
import { expect, inject, it } from 'vitest';
import { isDatabaseBusy } from '../api/database-busy.js';
import { PrismaClient } from '../generated/prisma/client.js';

const databaseUrl = inject('databaseUrl');

it("recognises Prisma's error for a pool that stayed busy past maxWait, and only that", async () => {
  const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 1 }) });
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding!: () => void;
  const isHolding = new Promise<void>((resolve) => (holding = resolve));
  const holder = db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1`;
    holding();
    await held;
  });
  await isHolding;
  const refused = await db.$transaction(async (tx) => tx.$queryRaw`SELECT 1`, { maxWait: 200 }).then(() => null, (error: unknown) => error);
  release();
  await holder;
  expect(isDatabaseBusy(refused)).toBe(true);
  // The pool has room again: the same transaction goes through.
  await expect(db.$transaction(async (tx) => tx.$queryRaw`SELECT 1`, { maxWait: 200 })).resolves.toBeDefined();
  // Other failures stay what they are.
  const other = await db.$queryRaw`SELECT * FROM no_such_table`.then(() => null, (error: unknown) => error);
  expect(isDatabaseBusy(other)).toBe(false);
  expect(isDatabaseBusy(new Error('Unable to start a transaction in the given time'))).toBe(false);
  expect(isDatabaseBusy(undefined)).toBe(false);
  await db.$disconnect();
});
