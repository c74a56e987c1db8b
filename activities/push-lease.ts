// One push attempt at a time per (user, platform, data). Temporal retries an attempt it timed out without knowing
// whether the old one still runs (a slow platform, a worker that lost its heartbeat but not its process), and two
// attempts that both "look, then upload" upload the same files twice. A PostgreSQL advisory lock, held on a
// pooled connection for the attempt's whole run, makes the second attempt wait until the first has stopped.
// A killed worker's connection dies with it, and PostgreSQL drops its locks: no lease outlives its holder.
import pg from 'pg';
import type { SyncedData } from '../workflows/ids.js';

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
 * Lease connections, one pool per database: taking the lock is then one query, not a new connection per attempt.
 * A connection holds the locks of the attempts that took them on it; it goes back to the pool only after an
 * explicit unlock, and is destroyed instead when the unlock fails.
 */
const pools = new Map<string, pg.Pool>();

function poolFor(databaseUrl: string): pg.Pool {
  let pool = pools.get(databaseUrl);
  if (!pool) {
    pool = new pg.Pool({ connectionString: databaseUrl, application_name: 'castsync-push-lease', max: 50, idleTimeoutMillis: 30_000, allowExitOnIdle: true });
    // A connection lost mid-attempt (database restart) must not crash the worker; the lock went with it.
    pool.on('error', () => undefined);
    pools.set(databaseUrl, pool);
  }
  return pool;
}

export async function acquirePushLease(databaseUrl: string, key: PushLeaseKey, wait: LeaseWait): Promise<PushLease> {
  const name = `${key.userId}:${key.platformId}:${key.data}`;
  const pool = poolFor(databaseUrl);
  for (let waited = 0; ; waited += 1) {
    wait.signal.throwIfAborted();
    const client = await pool.connect();
    let locked = false;
    try {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS locked`, [name]);
      locked = rows[0]?.locked === true;
    } catch (error) {
      client.release(true);
      throw error;
    }
    if (locked) return leaseOn(client, name);
    client.release();
    wait.onWait(`waiting for the previous ${key.data} push to ${key.platformId} to stop (${waited})`);
    await abortableSleep(wait.pollMs ?? 250, wait.signal);
  }
}

function leaseOn(client: pg.PoolClient, name: string): PushLease {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY_SQL})`, [name]);
        client.release();
      } catch (error) {
        // Unsure whether the lock is gone: closing the session certainly releases it.
        client.release(error instanceof Error ? error : true);
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
