// The pull side of media: lists what a platform holds and reports where it drifted from what castsync put there,
// as media_drift conflicts a person resolves (api/routes/conflicts.ts):
//   deleted on the platform  ours = { mediaId, originalName, type }, theirs = null, externalId = the lost file
//   added on the platform    ours = null, theirs = { fileName, type }, externalId = the platform's file
// Each drift opens one conflict: not again while it is open, and an added file the user accepted stays accepted.
import { getPlatform } from '../adapters/catalog.js';
import type { PlatformMediaItem, PlatformMediaOps } from '../adapters/types.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { beginAttempt } from './attempt.js';
import { loadConnectedAdapter } from './platform-connection.js';
import { closeSyncLog } from './sync-log.js';

export interface MediaDriftResult {
  checked: boolean;
  opened: number;
}

export function createMediaDriftActivities(db: Db, config: Config) {
  return {
    async checkMediaDrift({ userId, platformId }: { userId: string; platformId: string }): Promise<MediaDriftResult> {
      const platform = getPlatform(platformId);
      const connection = await db.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId } } });
      if (!platform.capabilities.media || !connection?.connected || !connection.syncMedia) return { checked: false, opened: 0 };
      // Drift is a change to what castsync put there: a platform it never sent media to has not drifted, and is
      // not asked (pulls spend the account's quota).
      const managed = await db.platformMediaState.count({ where: { platformId, media: { userId }, OR: [{ externalId: { not: null } }, { excluded: true }] } });
      if (managed === 0) return { checked: false, opened: 0 };
      const attempt = await beginAttempt(db, config, { userId, platformId, operation: 'sync_media' });
      try {
        const { adapter } = await loadConnectedAdapter(db, config, { userId, platformId, onProgress: attempt.heartbeat });
        const listed = await listForDrift(db, adapter.media!, userId, platformId);
        attempt.throwIfCancelled();
        const opened = (await openLostFileConflicts(db, userId, platformId, listed)) + (await openAddedFileConflicts(db, userId, platformId, listed));
        await closeSyncLog(db, attempt.log, { status: 'success', itemsProcessed: opened });
        return { checked: true, opened };
      } catch (error) {
        throw await attempt.failed(error);
      } finally {
        await attempt.end();
      }
    },
  };
}

/**
 * What the platform lists, without a browser where it has a cheaper read (Filmmakers' partner API). That read
 * knows ids only: an item is ours when castsync recorded its id for one of the user's files.
 */
async function listForDrift(db: Db, media: PlatformMediaOps, userId: string, platformId: string): Promise<PlatformMediaItem[]> {
  const byId = await media.listMediaForDrift?.();
  if (!byId) return (await media.listMedia()).filter((item) => !item.hidden);
  const states = await db.platformMediaState.findMany({ where: { platformId, externalId: { in: byId.map((i) => i.externalId) }, media: { userId } } });
  const ours = new Map(states.map((s) => [s.externalId!, { mediaId: s.mediaId, variantHash: s.variantHash ?? '' }]));
  return byId.map((item) => ({ ...item, ref: ours.get(item.externalId) ?? null }));
}

/** Files castsync put there (and still wants there) that the platform no longer lists. */
async function openLostFileConflicts(db: Db, userId: string, platformId: string, listed: PlatformMediaItem[]): Promise<number> {
  const listedIds = new Set(listed.map((item) => item.externalId));
  const states = await db.platformMediaState.findMany({
    where: { platformId, externalId: { not: null }, excluded: false, media: { userId, deletedAt: null } },
    include: { media: true },
  });
  let opened = 0;
  for (const state of states.filter((s) => !listedIds.has(s.externalId!))) {
    const name = getPlatform(platformId).name;
    opened += await openOnce(db, { userId, platformId, externalId: state.externalId!, kind: 'media_drift',
      message: `"${state.media.originalName}" was removed on ${name}. Keep ours to upload it again, or accept theirs to leave it off ${name}.`,
      ours: { mediaId: state.mediaId, originalName: state.media.originalName, type: state.media.type }, theirs: null });
  }
  return opened;
}

/** Files on the platform that castsync did not put there. */
async function openAddedFileConflicts(db: Db, userId: string, platformId: string, listed: PlatformMediaItem[]): Promise<number> {
  let opened = 0;
  const name = getPlatform(platformId).name;
  for (const item of listed.filter((i) => i.ref === null)) {
    opened += await openOnce(db, { userId, platformId, externalId: item.externalId, kind: 'media_drift', anyStatus: true,
      message: `"${item.fileName}" (${item.type}) is on ${name} but not in your castsync library. Accept theirs to leave it there; castsync never deletes files it did not upload.`,
      ours: null, theirs: { fileName: item.fileName, type: item.type } });
  }
  return opened;
}

interface DriftConflict {
  userId: string;
  platformId: string;
  externalId: string;
  kind: 'media_drift';
  message: string;
  ours: object | null;
  theirs: object | null;
  /** Also count resolved conflicts as already known (an accepted foreign file is not reported again). */
  anyStatus?: boolean;
}

async function openOnce(db: Db, { anyStatus = false, ours, theirs, ...conflict }: DriftConflict): Promise<number> {
  const known = await db.conflict.count({
    where: { userId: conflict.userId, platformId: conflict.platformId, kind: conflict.kind, externalId: conflict.externalId, ...(anyStatus ? {} : { status: 'open' }) },
  });
  if (known) return 0;
  await db.conflict.create({ data: { ...conflict, ...(ours ? { ours } : {}), ...(theirs ? { theirs } : {}) } });
  return 1;
}
