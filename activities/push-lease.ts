// One push attempt at a time per (user, platform, data). Temporal retries an attempt it timed out without knowing
// whether the old one still runs (a slow platform, a worker that lost its heartbeat but not its process), and two
// attempts that both "look, then upload" upload the same files twice. A PostgreSQL advisory lock, held for the
// attempt's whole run on the process's lease session, makes the second attempt wait until the first has stopped.
// A killed worker's connection dies with it, and PostgreSQL drops its locks: no lease outlives its holder.
import pg from 'pg';
import type { SyncedData } from '../workflows/plumbing.js';

export interface PushLeaseKey {
  userId: string;
  platformId: string;
  data: SyncedData;
}

export interface PushLease {
  release(): Promise<void>;
}

export interface LeaseWait {
  /** Called while another attempt holds the lease (the activity heartbeats, so its own cancellation arrives). */
  onWait(detail: string): void;
  /** The attempt's cancellation: waiting stops and acquirePushLease rejects with the signal's reason. */
  signal: AbortSignal;
  /** How often to ask for the lock again. */
  pollMs?: number;
}

/** The lock's 64-bit key, derived by PostgreSQL from the names (one namespace string keeps castsync's keys apart). */
const LOCK_KEY_SQL = `hashtextextended('castsync-push:' || $1, 0)`;

/**
 * One lease session per database and process, holding the locks of every attempt this process runs. A connection
 * per attempt (as before) made each worker hold up to 50 connections for leases alone, so two or three workers
 * under load used up PostgreSQL's default 100 (max_connections), and the gateways' queries began to fail with
 * "too many clients" (test/scale-out.test.ts found it). A session's advisory locks are re-entrant, so two
 * attempts of this process for the same key are kept apart here (`heldHere`), not by PostgreSQL.
 */
const sessions = new Map<string, Promise<LeaseSession>>();
const heldHere = new Set<string>();

/**
 * The session's queries, one after another: node-postgres queues concurrent queries on one client itself, but
 * deprecates that (removed in pg 9), so the lease session keeps its own queue.
 */
class LeaseSession {
  private last: Promise<unknown> = Promise.resolve();
  constructor(readonly client: pg.Client) {}

  query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<pg.QueryResult<Row>> {
    const run = this.last.then(() => this.client.query<Row>(sql, values));
    this.last = run.catch(() => undefined);
    return run;
  }
}

function sessionFor(databaseUrl: string): Promise<LeaseSession> {
  let session = sessions.get(databaseUrl);
  if (session) return session;
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'castsync-push-lease' });
  // A lost session (database restart) must not crash the worker; its locks went with it, and the next attempt
  // opens a new one.
  const forget = () => {
    if (sessions.get(databaseUrl) === session) sessions.delete(databaseUrl);
  };
  client.on('error', forget);
  client.on('end', forget);
  session = client.connect().then(
    () => {
      // The session never keeps the process alive by itself (pg's Client.unref; not in its type definitions).
      (client as pg.Client & { unref(): void }).unref();
      return new LeaseSession(client);
    },
    (error: unknown) => {
      forget();
      throw error;
    },
  );
  sessions.set(databaseUrl, session);
  return session;
}

export async function acquirePushLease(databaseUrl: string, key: PushLeaseKey, wait: LeaseWait): Promise<PushLease> {
  const name = `${key.userId}:${key.platformId}:${key.data}`;
  const here = `${databaseUrl} ${name}`;
  for (let waited = 0; ; waited += 1) {
    wait.signal.throwIfAborted();
    if (!heldHere.has(here)) {
      heldHere.add(here);
      let locked = false;
      try {
        const session = await sessionFor(databaseUrl);
        const { rows } = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS locked`, [name]);
        locked = rows[0]?.locked === true;
        if (locked) return leaseOn(session, name, here);
      } finally {
        if (!locked) heldHere.delete(here);
      }
    }
    wait.onWait(`waiting for the previous ${key.data} push to ${key.platformId} to stop (${waited})`);
    await abortableSleep(wait.pollMs ?? 250, wait.signal);
  }
}

function leaseOn(session: LeaseSession, name: string, here: string): PushLease {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await session.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`, [name]);
      } catch {
        // Unsure whether the lock is gone: closing the session certainly releases it (and the other leases it
        // holds: their attempts are no longer kept apart from a retry elsewhere, as when the database restarts).
        await session.client.end().catch(() => undefined);
      } finally {
        heldHere.delete(here);
      }
    },
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      signal.removeEventListener('abort', aborted);
      resolve();
    };
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', aborted, { once: true });
  });
}
