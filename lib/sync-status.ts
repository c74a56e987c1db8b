// What the database knows of a platform's sync, without asking Temporal: how many of our availability entries
// the platform has not confirmed at their current version, and whether changes still wait in the outbox. The
// status route folds it into the workflow's view ("synced" only when nothing is pending) and answers from it
// alone when Temporal cannot answer in time.
import type { Db } from './db.js';

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
