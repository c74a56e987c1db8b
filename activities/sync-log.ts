// One SyncLog row per attempt: opened as pending when the attempt starts, closed with its outcome. The sync
// metrics (lib/metrics.ts) are recorded here too, so every attempt is counted exactly once.
import { Context } from '@temporalio/activity';
import { ErrorType } from '../adapters/error-types.js';
import { platformLabel, recordAttemptFinished, recordAttemptStarted, type AttemptLabels } from '../lib/metrics.js';
import type { Db } from '../lib/db.js';
import type { Tx } from '../lib/options.js';
import type { SyncOperation, SyncStatus } from '../generated/prisma/enums.js';

export interface OpenLog {
  id: string;
  startedAt: number;
  labels: AttemptLabels;
  requestIds: string[];
}

/** Opens the attempt's row; requestIds are the gateway requests that caused it, logged to follow one change. */
export async function openSyncLog(db: Db, userId: string, platformId: string, operation: SyncOperation, requestIds: string[] = []): Promise<OpenLog> {
  const { info, log } = Context.current();
  const workflowId = info.workflowExecution?.workflowId ?? null;
  if (info.attempt > 1 && workflowId) {
    // An attempt that never closed its row was cut off (worker killed, heartbeat lost): say so.
    await db.syncLog.updateMany({
      where: { workflowId, activityId: info.activityId, status: 'pending' },
      data: { status: 'failed', errorMessage: 'attempt interrupted: the worker stopped or lost its heartbeat', errorType: 'Interrupted', finishedAt: new Date() },
    });
  }
  const row = await db.syncLog.create({
    data: {
      userId,
      platformId,
      operation,
      status: 'pending',
      attempt: info.attempt,
      workflowId,
      runId: info.workflowExecution?.runId ?? null,
      activityId: info.activityId,
    },
  });
  const labels = { platform: platformLabel(platformId), operation };
  recordAttemptStarted(labels, info.attempt);
  // The activity logger adds workflow, run and activity ids and the attempt number.
  log.info('sync attempt started', { platformId, operation, syncLogId: row.id, requestIds });
  return { id: row.id, startedAt: Date.now(), labels, requestIds };
}

export interface SyncLogOutcome {
  status: SyncStatus;
  itemsProcessed?: number;
  errorMessage?: string | null;
  errorType?: string | null;
  artifactPath?: string | null;
}

export async function closeSyncLog(db: Db, log: OpenLog, outcome: SyncLogOutcome) {
  const close = syncLogClose(log, outcome);
  close.report();
  await close.write(db);
}

/**
 * Closing the row in two steps, for an attempt whose result is written in a transaction: `write` is one more
 * statement of that transaction (rather than a write and a commit of its own after it), and `report` records the
 * metrics and the log line once it committed, so an attempt whose transaction fails is counted once, as failed.
 */
export function syncLogClose(log: OpenLog, outcome: SyncLogOutcome): { write(db: Db | Tx): Promise<unknown>; report(): void } {
  let durationMs = Date.now() - log.startedAt;
  return {
    write(db) {
      durationMs = Date.now() - log.startedAt;
      return db.syncLog.update({
        where: { id: log.id },
        data: {
          status: outcome.status,
          itemsProcessed: outcome.itemsProcessed ?? 0,
          errorMessage: outcome.errorMessage ?? null,
          errorType: outcome.errorType ?? null,
          artifactPath: outcome.artifactPath ?? null,
          durationMs,
          finishedAt: new Date(),
        },
      });
    },
    report() {
      recordAttemptFinished(log.labels, { status: outcome.status, durationMs, rateLimited: outcome.errorType === ErrorType.rateLimited });
      const line = { ...log.labels, syncLogId: log.id, requestIds: log.requestIds, status: outcome.status, durationMs, errorType: outcome.errorType ?? null };
      if (outcome.status === 'failed') Context.current().log.warn('sync attempt failed', { ...line, error: outcome.errorMessage });
      else Context.current().log.info('sync attempt finished', line);
    },
  };
}
