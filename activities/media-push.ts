// Makes one platform hold the user's media library as castsync has it: uploads what it lacks, replaces what
// changed (a new crop or file means a new variant), removes what the user deleted, and sets the main photo and
// the order. State-based like the availability push: it reads the library and the platform's list *now*, and it
// looks before it uploads — an upload whose attempt died after the platform stored it is found by its reference
// (adapters/media-reference.ts) instead of being sent twice. Files added on the platform itself are left alone
// (the pull reports them: media-drift.ts). It runs in the push envelope (attempt.ts): one attempt at a time per
// user and platform, and an attempt Temporal timed out or cancelled stops between items and records nothing.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { getPlatform, type PlatformEntry } from '../adapters/catalog.js';
import { ErrorType } from '../adapters/error-types.js';
import type { PlatformMediaItem, PlatformMediaOps } from '../adapters/types.js';
import type { Media, PlatformMediaState } from '../generated/prisma/client.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { releaseUnneededOriginals } from '../lib/media-originals.js';
import { LocalDiskStorage, type MediaStorage } from '../lib/media-storage.js';
import type { PushInput, PushOutcome } from '../workflows/platform-sync-loop.js';
import { prepareForPlatform, type Prepared } from './media-preparation.js';
import { connectionAnswered, loadConnectedAdapter } from './platform-connection.js';
import { beginAttempt, type Attempt } from './attempt.js';
import { closeSyncLog } from './sync-log.js';

export interface MediaPushResult extends PushOutcome {
  status: 'success' | 'partial';
  uploaded: number;
  removed: number;
  rejected: { id: string; reason: string }[];
}

type MediaWithState = Media & { platformStates: PlatformMediaState[] };

interface Wanted {
  item: Media;
  prepared: Prepared;
}

export function createMediaPushActivities(db: Db, config: Config) {
  const storage: MediaStorage = new LocalDiskStorage(config.mediaDir);

  return {
    async pushMedia({ userId, platformId, force = false, requestIds = [] }: PushInput): Promise<MediaPushResult> {
      const attempt = await beginAttempt(db, config, { userId, platformId, lease: 'media', operation: 'sync_media', requestIds }, () => loadLibrary(db, userId, platformId));
      const { log, heartbeat, throwIfCancelled, read: library } = attempt;
      try {
        const platform = getPlatform(platformId);
        if (!force && inStep(library)) {
          await closeSyncLog(db, log, { status: 'success', itemsProcessed: 0 });
          return { status: 'success', itemsProcessed: 0, uploaded: 0, removed: 0, rejected: [] };
        }
        const { adapter } = await loadConnectedAdapter(db, config, { userId, platformId, onProgress: heartbeat });
        if (!adapter.media) throw ApplicationFailure.create({ type: ErrorType.validation, message: `${platform.name} takes no media`, nonRetryable: true });
        const wanted = await prepareAll(db, library.filter(isWantedHere), platform, storage, config);
        const outcome = await reconcile(adapter.media, wanted, { heartbeat, throwIfCancelled });
        throwIfCancelled(); // a stopped attempt records nothing: its successor looks at the platform again
        await recordOutcome(db, { userId, platformId, library, wanted, confirmed: outcome.confirmed });
        const rejected = wanted.flatMap((w) => (w.prepared.status === 'skipped' ? [{ id: w.item.id, reason: `${w.item.originalName}: ${w.prepared.reason}` }] : []));
        const status = rejected.length ? 'partial' : 'success';
        const itemsProcessed = outcome.uploaded + outcome.removed + outcome.arranged;
        await closeSyncLog(db, log, {
          status,
          itemsProcessed,
          errorMessage: rejected.length ? `${rejected.length} skipped: ${rejected.map((r) => r.reason).join('; ')}` : null,
          errorType: rejected.length ? 'skipped' : null,
        });
        return { status, itemsProcessed, uploaded: outcome.uploaded, removed: outcome.removed, rejected };
      } catch (error) {
        throw await attempt.failed(error);
      } finally {
        await attempt.end();
        // Originals the user deleted while this push ran were kept for it; now nothing of this push needs them.
        await releaseUnneededOriginals(db, storage, { userId }).catch((error: unknown) => Context.current().log.warn('releasing deleted originals failed', { error: String(error) }));
      }
    },
  };
}

/** Live media, plus deleted ones this platform may still hold; each with this platform's state. */
async function loadLibrary(db: Db, userId: string, platformId: string): Promise<MediaWithState[]> {
  return db.media.findMany({
    where: { userId, OR: [{ deletedAt: null }, { platformStates: { some: { platformId, externalId: { not: null } } } }] },
    include: { platformStates: { where: { platformId } } },
    orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
  });
}

const stateOf = (item: MediaWithState): PlatformMediaState | undefined => item.platformStates[0];
const isWantedHere = (item: MediaWithState) => item.deletedAt === null && !stateOf(item)?.excluded;

/** Every wanted item was settled at its current version, and nothing unwanted is still there. */
function inStep(library: MediaWithState[]): boolean {
  return library.every((item) => {
    const state = stateOf(item);
    if (!isWantedHere(item)) return !state?.externalId;
    return state?.syncedVersion === item.version && (state.status === 'success' || state.status === 'skipped');
  });
}

async function prepareAll(db: Db, items: Media[], platform: PlatformEntry, storage: MediaStorage, config: Config): Promise<Wanted[]> {
  const wanted: Wanted[] = [];
  let videos = 0;
  for (const item of items) {
    let prepared = await prepareForPlatform(item, platform, storage, config).catch(async (error: unknown) => {
      // Deleted since this push read the library (its original may be gone by now): no longer wanted, not a failure.
      if (await isDeletedNow(db, item.id)) return null;
      throw error;
    });
    if (!prepared) continue;
    if (prepared.status === 'ready' && prepared.upload.type === 'video' && platform.video?.maxCount !== undefined && ++videos > platform.video.maxCount) {
      prepared = { status: 'skipped', reason: `${platform.name} shows at most ${platform.video.maxCount} videos; the first ${platform.video.maxCount} in your order are there` };
    }
    wanted.push({ item, prepared });
  }
  return wanted;
}

async function isDeletedNow(db: Db, mediaId: string): Promise<boolean> {
  const row = await db.media.findUnique({ where: { id: mediaId }, select: { deletedAt: true } });
  return !row || row.deletedAt !== null;
}

interface Reconciled {
  /** Our media id -> the platform's id of the file it holds now. */
  confirmed: Map<string, string>;
  uploaded: number;
  removed: number;
  /** Main-photo and order changes made. */
  arranged: number;
}

/** One item at a time, stopping between items when Temporal has timed out or cancelled the attempt. */
async function reconcile(media: PlatformMediaOps, wanted: Wanted[], { heartbeat, throwIfCancelled }: Pick<Attempt, 'heartbeat' | 'throwIfCancelled'>): Promise<Reconciled> {
  const before = (await media.listMedia()).filter((p) => !p.hidden);
  const confirmed = new Map<string, string>();
  const ready = wanted.flatMap((w) => (w.prepared.status === 'ready' ? [w.prepared.upload] : []));
  let uploaded = 0;
  for (const upload of ready) {
    const present = before.find((p) => p.ref?.mediaId === upload.ref.mediaId && p.ref.variantHash === upload.ref.variantHash);
    if (present) {
      confirmed.set(upload.ref.mediaId, present.externalId);
      continue;
    }
    throwIfCancelled();
    const { externalId } = await media.uploadMedia(upload, (sent) => heartbeat(`uploading ${upload.fileName}: ${sent} of ${upload.bytes} bytes`));
    confirmed.set(upload.ref.mediaId, externalId);
    uploaded += 1;
    heartbeat(`uploaded ${uploaded} of ${ready.length}`);
  }
  // Ours but not wanted as it is there: deleted by the user, replaced by a newer variant, a duplicate, or no
  // longer taken. Removed after the uploads, so a replaced photo is never missing from the profile.
  const keep = new Set(confirmed.values());
  const stale = before.filter((p) => p.ref !== null && !keep.has(p.externalId));
  for (const item of stale) {
    throwIfCancelled();
    await media.deleteMedia(item.externalId);
  }
  throwIfCancelled();
  const after = uploaded || stale.length ? (await media.listMedia()).filter((p) => !p.hidden) : before;
  const arranged = await arrange(media, wanted, confirmed, after);
  return { confirmed, uploaded, removed: stale.length, arranged };
}

/** Sets the main photo (our main one, or the first photo the platform took) and, where the platform has one, the order. */
async function arrange(media: PlatformMediaOps, wanted: Wanted[], confirmed: Map<string, string>, listed: PlatformMediaItem[]): Promise<number> {
  let changes = 0;
  const photos = wanted.filter((w) => w.prepared.status === 'ready' && w.prepared.upload.type === 'photo' && confirmed.has(w.item.id));
  const main = photos.find((w) => w.item.isMain) ?? photos[0];
  const mainId = main ? confirmed.get(main.item.id)! : undefined;
  if (mainId && !listed.some((p) => p.externalId === mainId && p.isMain)) {
    await media.setMainMedia(mainId);
    changes += 1;
  }
  if (media.setMediaOrder) {
    const order = wanted.flatMap((w) => (confirmed.has(w.item.id) ? [confirmed.get(w.item.id)!] : []));
    const ourListed = listed.filter((p) => p.ref !== null).map((p) => p.externalId);
    if (order.join() !== ourListed.join()) {
      // The platform's own files keep their places after ours.
      await media.setMediaOrder([...order, ...listed.filter((p) => p.ref === null).map((p) => p.externalId)]);
      changes += 1;
    }
  }
  return changes;
}

async function recordOutcome(
  db: Db,
  { userId, platformId, library, wanted, confirmed }: { userId: string; platformId: string; library: MediaWithState[]; wanted: Wanted[]; confirmed: Map<string, string> },
) {
  const syncedAt = new Date();
  const wantedIds = new Set(wanted.map((w) => w.item.id));
  // One transaction: the states, and the connection answered (a push that lifts needs_reauth or failing asks for
  // a full comparison of the other kinds of data in the same commit).
  await db.$transaction(
    async (tx) => {
      for (const { item, prepared } of wanted) {
        const data =
          prepared.status === 'ready'
            ? { externalId: confirmed.get(item.id)!, variantHash: prepared.upload.ref.variantHash, status: 'success' as const, lastError: null }
            : { externalId: null, variantHash: null, status: 'skipped' as const, lastError: prepared.reason };
        await tx.platformMediaState.upsert({
          where: { mediaId_platformId: { mediaId: item.id, platformId } },
          create: { mediaId: item.id, platformId, ...data, syncedVersion: item.version, syncedAt },
          update: { ...data, syncedVersion: item.version, syncedAt },
        });
      }
      // Deleted or excluded items are gone from the platform now.
      await tx.platformMediaState.updateMany({
        where: { platformId, mediaId: { in: library.filter((i) => !wantedIds.has(i.id)).map((i) => i.id) } },
        data: { externalId: null, variantHash: null, status: 'success', lastError: null, syncedAt },
      });
      await connectionAnswered(tx, { userId, platformId, syncedAt, answered: 'media' });
    },
    { timeout: 60_000 },
  );
}
