// When the stored original of a deleted medium may go. Deleting a medium only marks its original released
// (Media.originalReleasedAt): a media push that read the library before the delete may still be making a variant
// of it or uploading it, and removing the bytes at once failed that push ("the media store holds no content").
// The bytes go when no push of that user can still need them — after the user's running media pushes finish, at
// the delete itself when none runs, and at worker start — and only when no other medium (any user's, live or
// itself released and waiting) has the same content. A push that starts after the delete never needs them: it
// reads the library and finds the item deleted.
import type { Db } from './db.js';
import type { MediaStorage } from './media-storage.js';

/**
 * A pending media push older than this is taken for one whose worker died without a successor to close its row;
 * it no longer holds originals back. Far longer than any media attempt's timeout.
 */
const PENDING_PUSH_HORIZON_MS = 6 * 60 * 60 * 1000;
const BATCH = 500;

/** Removes the released originals of `userId` (or of everyone) that no push can still need; returns how many files went. */
export async function releaseUnneededOriginals(db: Db, storage: MediaStorage, { userId }: { userId?: string } = {}): Promise<number> {
  const released = await db.media.findMany({
    where: { originalReleasedAt: { not: null }, ...(userId ? { userId } : {}) },
    select: { id: true, userId: true, contentHash: true, storageKey: true },
    orderBy: { originalReleasedAt: 'asc' },
    take: BATCH,
  });
  if (released.length === 0) return 0;
  const busy = await usersWithRunningMediaPush(db, [...new Set(released.map((r) => r.userId))]);
  let removed = 0;
  for (const row of released) {
    if (busy.has(row.userId)) continue;
    // Another row with this content that is live, or released and waiting for its own user's push, keeps the bytes;
    // the last of them to be let go removes them.
    const others = await db.media.count({
      where: { contentHash: row.contentHash, id: { not: row.id }, OR: [{ deletedAt: null }, { originalReleasedAt: { not: null } }] },
    });
    if (others === 0) {
      await storage.delete(row.storageKey);
      removed += 1;
    }
    await db.media.update({ where: { id: row.id }, data: { originalReleasedAt: null } });
  }
  return removed;
}

async function usersWithRunningMediaPush(db: Db, userIds: string[]): Promise<Set<string>> {
  const rows = await db.syncLog.findMany({
    where: { userId: { in: userIds }, operation: 'sync_media', status: 'pending', startedAt: { gt: new Date(Date.now() - PENDING_PUSH_HORIZON_MS) } },
    select: { userId: true },
    distinct: ['userId'],
  });
  return new Set(rows.map((r) => r.userId));
}
