// One push attempt at a time per (user, platform, data). Temporal retries an attempt it timed out without knowing
// whether the old one still runs (a slow platform, a worker that lost its heartbeat but not its process), and two
// attempts that both "look, then upload" upload the same files twice. A PostgreSQL advisory lock, held on a
// connection of its own for the attempt's whole run, makes the second attempt wait until the first has stopped.
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

export async function acquirePushLease(databaseUrl: string, key: PushLeaseKey, wait: LeaseWait): Promise<PushLease> {
  const name = `${key.userId}:${key.platformId}:${key.data}`;
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'castsync-push-lease' });
  // A connection lost mid-attempt (database restart) must not crash the worker; the lock went with it.
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (let waited = 0; ; waited += 1) {
      wait.signal.throwIfAborted();
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY_SQL}) AS locked`, [name]);
      if (rows[0]?.locked) break;
      wait.onWait(`waiting for the previous ${key.data} push to ${key.platformId} to stop (${waited})`);
      await abortableSleep(wait.pollMs ?? 250, wait.signal);
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // Closing the session releases its advisory locks; no explicit unlock needed.
      await client.end().catch(() => undefined);
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
