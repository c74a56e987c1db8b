// What the database knows of a platform's sync, without asking Temporal: how many of our availability entries
// the platform has not confirmed at their current version, and whether changes still wait in the outbox. The
// status route folds it into the workflow's view ("synced" only when nothing is pending) and answers from it
// alone when Temporal cannot answer in time.
import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SyncLog } from '../generated/prisma/client.js';
import { syncStateQuery, type AvailabilitySyncView, type PlatformSyncView } from '../workflows/availability-sync.js';
import { availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import type { Db } from './db.js';
import { withinMs } from './temporal-client.js';

/** Entries the platform lacks at their current version, and deletions it has not confirmed yet. */
export async function pendingAvailabilityEntries(db: Db, userId: string, platformId: string): Promise<number> {
  const [row] = await db.$queryRaw<{ pending: number }[]>`
    SELECT count(*)::int AS pending
    FROM "Availability" a
    LEFT JOIN "PlatformAvailabilityState" s ON s."availabilityId" = a.id AND s."platformId" = ${platformId}
    WHERE a."userId" = ${userId}::uuid AND a.source <> ${platformId} AND (
      (a."deletedAt" IS NULL AND s."confirmedVersion" IS DISTINCT FROM a.version)
      OR (a."deletedAt" IS NOT NULL AND s."confirmedVersion" IS NOT NULL AND NOT s."confirmedDeleted"))`;
  return row?.pending ?? 0;
}

/** pendingAvailabilityEntries for several platforms in one query; a platform with nothing pending answers 0. */
export async function pendingAvailabilityByPlatform(db: Db, userId: string, platformIds: string[]): Promise<Map<string, number>> {
  const pending = new Map(platformIds.map((id) => [id, 0]));
  if (platformIds.length === 0) return pending;
  const rows = await db.$queryRaw<{ platformId: string; pending: number }[]>`
    SELECT p.id AS "platformId", count(*)::int AS pending
    FROM unnest(${platformIds}::text[]) AS p(id)
    JOIN "Availability" a ON a."userId" = ${userId}::uuid AND a.source <> p.id
    LEFT JOIN "PlatformAvailabilityState" s ON s."availabilityId" = a.id AND s."platformId" = p.id
    WHERE (a."deletedAt" IS NULL AND s."confirmedVersion" IS DISTINCT FROM a.version)
      OR (a."deletedAt" IS NOT NULL AND s."confirmedVersion" IS NOT NULL AND NOT s."confirmedDeleted")
    GROUP BY p.id`;
  for (const row of rows) pending.set(row.platformId, row.pending);
  return pending;
}

export interface OutboxBacklog {
  /** Changes saved but not yet handed to the sync service. */
  waiting: number;
  oldestWaitingSince: Date | null;
  lastError: string | null;
}

/** One user's backlog, or everyone's (for the gateway's metrics) when no user is given. */
export async function outboxBacklog(db: Db, userId?: string): Promise<OutboxBacklog> {
  const where = { deliveredAt: null, ...(userId ? { userId } : {}) };
  const [waiting, oldest] = await Promise.all([
    db.outboxMessage.count({ where }),
    db.outboxMessage.findFirst({ where, orderBy: { id: 'asc' }, select: { createdAt: true, lastError: true } }),
  ]);
  return { waiting, oldestWaitingSince: oldest?.createdAt ?? null, lastError: oldest?.lastError ?? null };
}

/** The availability workflow's live state; null when it is not running; 'unreachable' when Temporal did not answer in time. */
export async function queryAvailabilitySync(temporal: Client, userId: string, timeoutMs: number): Promise<AvailabilitySyncView | null | 'unreachable'> {
  try {
    return await withinMs(temporal, timeoutMs, () => temporal.workflow.getHandle(availabilitySyncWorkflowId(userId)).query(syncStateQuery));
  } catch (error) {
    return error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError ? null : 'unreachable';
  }
}

/**
 * One platform's availability sync state for the status answers: the workflow's (when it answered), else what the
 * database says. Read the rows after the workflow: an activity updates the database before the workflow learns how
 * it ended, so rows read afterwards are at least as new as the workflow's state.
 */
export function platformSyncState(
  view: AvailabilitySyncView | null | 'unreachable',
  platformId: string,
  { lastAttempt, pendingEntries, waiting }: { lastAttempt: SyncLog | null; pendingEntries: number; waiting: number },
): PlatformSyncView | null {
  if (view === 'unreachable') return viewFromDatabase(lastAttempt, pendingEntries, waiting);
  const live = view?.platforms.find((p) => p.platformId === platformId) ?? null;
  return live && withPending(live, pendingEntries);
}

/** "Synced" only when the platform confirmed everything: the workflow's last push may have had entries refused. */
function withPending(view: PlatformSyncView, pendingEntries: number): PlatformSyncView {
  return view.state === 'synced' && pendingEntries > 0 ? { ...view, state: 'pending' } : view;
}

/** What the database says when the workflow cannot be asked: the last attempt, and what is still unconfirmed. */
function viewFromDatabase(lastAttempt: SyncLog | null, pendingEntries: number, waiting: number): PlatformSyncView | null {
  if (!lastAttempt && pendingEntries === 0) return null;
  const failed = lastAttempt?.status === 'failed';
  return {
    platformId: lastAttempt?.platformId ?? '',
    state: lastAttempt?.status === 'pending' ? 'syncing' : failed ? 'failed' : pendingEntries > 0 ? 'pending' : 'synced',
    queued: waiting > 0,
    pushes: 0,
    lastItemsProcessed: lastAttempt?.itemsProcessed ?? null,
    lastSyncedAt: lastAttempt?.finishedAt?.toISOString() ?? null,
    lastError: failed ? lastAttempt.errorMessage : null,
    lastErrorType: failed ? lastAttempt.errorType : null,
  };
}
