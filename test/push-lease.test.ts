// The push lease: one attempt at a time per user, platform and data, also between two attempts of one process
// (PostgreSQL's advisory locks are re-entrant within a session), and all of a process's leases on one session.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { acquirePushLease } from '../activities/push-lease.js';

const databaseUrl = inject('databaseUrl');
const key = () => ({ userId: randomUUID(), platformId: 'etalenta', data: 'availability' as const });
const wait = (signal = new AbortController().signal) => ({ signal, onWait: () => {}, pollMs: 20 });

/** How many database sessions hold the advisory locks of these leases. */
async function sessionsHolding(keys: { userId: string; platformId: string; data: string }[]): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l JOIN unnest($1::text[]) AS k(name)
       ON l.locktype = 'advisory' AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('castsync-push:' || k.name, 0)`,
    [keys.map((k) => `${k.userId}:${k.platformId}:${k.data}`)],
  );
  await client.end();
  return rows[0]!.n;
}

it('makes a second attempt of the same process wait until the first gives the lease back', async () => {
  const k = key();
  const first = await acquirePushLease(databaseUrl, k, wait());
  let secondHeld = false;
  const second = acquirePushLease(databaseUrl, k, wait()).then((lease) => ((secondHeld = true), lease));
  await new Promise((r) => setTimeout(r, 200));
  expect(secondHeld).toBe(false);
  await first.release();
  await (await second).release();
  expect(secondHeld).toBe(true);
});

it('holds many leases at once on one database session', async () => {
  const keys = Array.from({ length: 30 }, key);
  const leases = await Promise.all(keys.map((k) => acquirePushLease(databaseUrl, k, wait())));
  expect(await sessionsHolding(keys)).toBe(1);
  await leases[0]!.release();
  expect(await sessionsHolding(keys.slice(0, 1))).toBe(0);
  await Promise.all(leases.map((l) => l.release()));
});

it('stops waiting when the attempt is cancelled', async () => {
  const k = key();
  const held = await acquirePushLease(databaseUrl, k, wait());
  const controller = new AbortController();
  const waiting = acquirePushLease(databaseUrl, k, wait(controller.signal));
  controller.abort(new Error('cancelled'));
  await expect(waiting).rejects.toThrow('cancelled');
  await held.release();
  // Given back: the next attempt gets it at once.
  await (await acquirePushLease(databaseUrl, k, wait())).release();
});
