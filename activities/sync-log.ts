// One SyncLog row per attempt: opened as pending when the attempt starts, closed with its outcome.
import { Context } from '@temporalio/activity';
import type { Db } from '../lib/db.js';
import type { SyncOperation, SyncStatus } from '../generated/prisma/enums.js';

export interface OpenLog {
  id: string;
  startedAt: number;
}

export async function openSyncLog(db: Db, userId: string, platformId: string, operation: SyncOperation): Promise<OpenLog> {
  const info = Context.current().info;
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
  return { id: row.id, startedAt: Date.now() };
}

export async function closeSyncLog(
  db: Db,
  log: OpenLog,
  outcome: { status: SyncStatus; itemsProcessed?: number; errorMessage?: string | null; errorType?: string | null; artifactPath?: string | null },
) {
  await db.syncLog.update({
    where: { id: log.id },
    data: {
      status: outcome.status,
      itemsProcessed: outcome.itemsProcessed ?? 0,
      errorMessage: outcome.errorMessage ?? null,
      errorType: outcome.errorType ?? null,
      artifactPath: outcome.artifactPath ?? null,
      durationMs: Date.now() - log.startedAt,
      finishedAt: new Date(),
    },
  });
}
