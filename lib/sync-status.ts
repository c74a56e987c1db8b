// What the database knows of a platform's sync, without asking Temporal: how many of our availability entries
// the platform has not confirmed at their current version, and whether changes still wait in the outbox. The
// status route folds it into the workflow's view ("synced" only when nothing is pending) and answers from it
// alone when Temporal cannot answer in time.
import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
import protos from '@temporalio/proto';
import type { SyncLog } from '../generated/prisma/client.js';
import { syncStateQuery, type AvailabilitySyncView, type PlatformSyncView } from '../workflows/availability-sync.js';
import { availabilitySyncWorkflowId, platformOfTaskQueue } from '../workflows/plumbing.js';
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
 * Where Temporal holds a platform's availability push that the workflow has scheduled: `waiting` for a worker to
 * take it (every worker of the platform busy or stopped, or its dispatch limit holding it back), `running` on a
 * worker, or `retry_wait` after a failed attempt until its retry is due.
 */
export interface PushActivityView {
  state: 'waiting' | 'running' | 'retry_wait';
  /** The attempt waiting or running (the next one while in retry_wait). */
  attempt: number;
  /** waiting: scheduled then; running: started then; retry_wait: the failed attempt ended then. */
  since: string;
  /** How long it has been so, by the server's clock (a browser's own clock may be off by minutes). */
  forMs: number;
  /** retry_wait: when Temporal hands the next attempt to a worker. */
  nextAttemptAt: string | null;
}

// A CommonJS module: Node's ESM import sees only its default export.
const { PendingActivityState } = protos.temporal.api.enums.v1;
type PendingActivityInfo = protos.temporal.api.workflow.v1.IPendingActivityInfo;

/**
 * The availability pushes the user's workflow has pending, by platform (the workflow's own state cannot tell a
 * push that runs from one no worker has taken: only Temporal knows). Empty when Temporal did not answer in time.
 */
export async function pendingPushes(temporal: Client, userId: string, timeoutMs: number, now = Date.now()): Promise<Map<string, PushActivityView>> {
  const pushes = new Map<string, PushActivityView>();
  let pending: PendingActivityInfo[];
  try {
    const description = await withinMs(temporal, timeoutMs, () => temporal.workflow.getHandle(availabilitySyncWorkflowId(userId)).describe());
    pending = description.raw.pendingActivities ?? [];
  } catch {
    return pushes;
  }
  for (const activity of pending) {
    const platformId = activity.activityType?.name === 'pushAvailability' ? platformOfTaskQueue(activity.activityOptions?.taskQueue?.name ?? '') : undefined;
    const view = platformId ? pushView(activity, now) : null;
    if (platformId && view) pushes.set(platformId, view);
  }
  return pushes;
}

/** pendingPushes, asked only when the workflow's view has a push under way (none to describe otherwise). */
export function pushesWhileSyncing(
  temporal: Client,
  userId: string,
  view: AvailabilitySyncView | null | 'unreachable',
  timeoutMs: number,
): Promise<Map<string, PushActivityView>> {
  const syncing = view !== null && view !== 'unreachable' && view.platforms.some((p) => p.state === 'syncing');
  return syncing ? pendingPushes(temporal, userId, timeoutMs) : Promise.resolve(new Map());
}

function pushView(activity: PendingActivityInfo, now: number): PushActivityView | null {
  const attempt = activity.attempt ?? 1;
  const held = (state: PushActivityView['state'], since: Date | undefined, nextAttemptAt: Date | null = null): PushActivityView => {
    const from = since ?? new Date(now);
    return { state, attempt, since: from.toISOString(), forMs: Math.max(0, now - from.getTime()), nextAttemptAt: nextAttemptAt?.toISOString() ?? null };
  };
  if (activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) return held('running', optionalTsToDate(activity.lastStartedTime));
  if (activity.state !== PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED) return null;
  // A retry's next attempt is scheduled for when its backoff ends: until then no worker may take it.
  const due = optionalTsToDate(activity.nextAttemptScheduleTime) ?? optionalTsToDate(activity.scheduledTime);
  if (attempt > 1 && due && due.getTime() > now) return held('retry_wait', optionalTsToDate(activity.lastAttemptCompleteTime), due);
  return held('waiting', due);
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
