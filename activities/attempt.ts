// The envelope every push and pull activity (availability, media, profile pushes; the availability pull and the
// media drift check) runs in, so the rules for one attempt live once:
// - pushes: one attempt at a time per user, platform and data (push-lease.ts), taken before the sync-log row is
//   opened so the row of an attempt that still runs is never marked interrupted by its successor (pulls need no
//   lease: their Schedule never overlaps them, and the merge is serialized in the database);
// - heartbeats every second, which is also how Temporal's cancellation reaches the attempt (a timed-out or
//   cancelled attempt learns it from the answer to its next heartbeat);
// - a cancelled attempt stops at the next item boundary (throwIfCancelled), writes nothing more, and closes its
//   row as 'Cancelled' without marking the connection as failing: the platform did nothing wrong;
// - any other failure closes the row and notes the trouble on the connection (platform-connection.ts).
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { SyncOperation } from '../generated/prisma/enums.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import type { SyncedData } from '../workflows/plumbing.js';
import { failedAttempt } from './platform-connection.js';
import { acquirePushLease, type PushLease } from './push-lease.js';
import { closeSyncLog, openSyncLog, type OpenLog } from './sync-log.js';

export const CANCELLED_ERROR_TYPE = 'Cancelled';
const HEARTBEAT_EVERY_MS = 1000;

export interface AttemptInput {
  userId: string;
  platformId: string;
  operation: SyncOperation;
  requestIds?: string[];
  /** Pushes: the data whose pushes to this platform take turns (the lease). */
  lease?: SyncedData;
}

export interface Attempt {
  log: OpenLog;
  /** Heartbeats now with a progress detail (the interval heartbeats without one meanwhile). */
  heartbeat(detail?: string): void;
  /** Throws when Temporal has timed out or cancelled this attempt: call it between items. */
  throwIfCancelled(): void;
  signal: AbortSignal;
  /** Closes the row of an attempt that threw and gives the failure to throw: Cancelled when Temporal stopped it. */
  failed(error: unknown): Promise<ApplicationFailure | CancelledFailure>;
  /** Stops heartbeating and gives the lease back; call it in `finally`. */
  end(): Promise<void>;
}

/**
 * Takes the lease if asked (waiting for a previous attempt to stop), opens the attempt's sync-log row and starts the
 * heartbeats. The activity then runs in `try { ... } catch (e) { throw await attempt.failed(e) } finally { await attempt.end() }`.
 *
 * `read`: what the attempt reads from the database before it acts (never from the platform), run beside the row's
 * insert, after the lease: one round trip of waiting less, and the row still exists before the platform's first
 * request (the attempt acts only once both are done). A failed read closes the row like any failure and is thrown.
 */
export async function beginAttempt<T = undefined>(db: Db, config: Config, input: AttemptInput, read?: () => Promise<T>): Promise<Attempt & { read: T }> {
  const context = Context.current();
  const signal = context.cancellationSignal;
  const heartbeat = (detail?: string) => context.heartbeat(detail);
  const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  let lease: PushLease | undefined;
  let log: OpenLog;
  let readOutcome: PromiseSettledResult<T>;
  try {
    if (input.lease) {
      lease = await acquirePushLease(config.databaseUrl, { ...input, data: input.lease }, { signal, onWait: heartbeat }).catch((error: unknown) => {
        throw signal.aborted ? cancelledFailure(signal) : error;
      });
    }
    // Settled, so a read that fails while the insert fails too is not an unhandled rejection.
    const reading = Promise.allSettled([read ? read() : (undefined as T)]).then(([outcome]) => outcome!);
    [log, readOutcome] = await Promise.all([openSyncLog(db, input.userId, input.platformId, input.operation, input.requestIds ?? []), reading]);
  } catch (error) {
    clearInterval(beat);
    await lease?.release();
    throw error;
  }
  const attempt: Attempt = {
    log,
    heartbeat,
    signal,
    throwIfCancelled() {
      if (signal.aborted) throw cancelledFailure(signal);
    },
    async failed(error) {
      if (signal.aborted) {
        const cancelled = cancelledFailure(signal);
        await closeSyncLog(db, log, { status: 'failed', errorMessage: cancelled.message, errorType: CANCELLED_ERROR_TYPE });
        return cancelled;
      }
      return failedAttempt(db, log, input, error);
    },
    async end() {
      clearInterval(beat);
      await lease?.release();
    },
  };
  if (readOutcome.status === 'rejected') {
    try {
      throw await attempt.failed(readOutcome.reason);
    } finally {
      await attempt.end();
    }
  }
  return { ...attempt, read: readOutcome.value };
}

function cancelledFailure(signal: AbortSignal): CancelledFailure {
  if (signal.reason instanceof CancelledFailure) {
    return new CancelledFailure(`attempt stopped: Temporal ${describeReason(signal.reason.message)} it`);
  }
  return new CancelledFailure('attempt stopped: Temporal cancelled it');
}

/** Core's reasons, in words for the sync log. */
function describeReason(reason: string): string {
  switch (reason) {
    case 'TIMED_OUT':
    case 'NOT_FOUND':
      return 'timed out or no longer wants';
    case 'WORKER_SHUTDOWN':
      return 'is shutting down the worker running';
    default:
      return 'cancelled';
  }
}
