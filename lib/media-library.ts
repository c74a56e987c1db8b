// The user's media library: the rules for adding, changing and removing media (quotas, the main photo, crops,
// versions) and the media push each change sends through the outbox, in one transaction under the user's lock.
// The routes (api/routes/media.ts) validate, call one function here and answer; refusals are MediaLibraryErrors,
// which carry the HTTP status the gateway answers with.
import { getPlatform, platformIds, type ImageRules, type PlatformEntry } from '../adapters/catalog.js';
import { Prisma, type Media, type PlatformMediaState } from '../generated/prisma/client.js';
import type { Config } from './config.js';
import type { Db } from './db.js';
import { inspectMediaFile, MediaRefused, type MediaFacts } from './media-inspection.js';
import { releaseUnneededOriginals } from './media-originals.js';
import type { MediaStorage, StagedFile } from './media-storage.js';
import { makeVariant, variantCacheDir, type Crop } from './media-variants.js';
import { lockUserCalendar, type Tx } from './options.js';
import type { OutboxMessageInput } from './outbox.js';
import type { SyncOutbox } from './outbox-relay.js';

export const IMAGE_ROLES = ['photo', 'headshot', 'setcard'] as const;
export const MEDIA_TYPES = [...IMAGE_ROLES, 'video', 'document'] as const;
export type MediaTypeName = (typeof MEDIA_TYPES)[number];

/** A refusal: the client's mistake or a limit, with the status the gateway answers (its error handler reads it). */
export class MediaLibraryError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface MediaQuota {
  maxCount: number;
  maxBytes: number;
}

export interface NewMediaFile {
  staged: StagedFile;
  fileName: string;
  /** The image's role (photo, headshot, setcard); the content decides the kind. */
  type?: MediaTypeName;
  caption: string | null;
  photographerCredit: string | null;
}

export interface MediaChange {
  caption?: string | null;
  photographerCredit?: string | null;
  isMain?: boolean;
  sortOrder?: number;
  crop?: Crop | null;
  /** The version the client last saw: a change to an older one is refused (409). */
  version?: number;
}

export interface MediaPresence {
  platformId: string;
  name: string;
  status: string;
  externalId: string | null;
  lastError: string | null;
  syncedAt: string | null;
}

export interface MediaLibraryDeps {
  db: Db;
  config: Config;
  storage: MediaStorage;
  outbox: SyncOutbox;
}

/** Thumbnails are variants like a platform's (same pipeline and cache), made to these rules. */
export const THUMBNAIL_RULES: ImageRules = { formats: ['jpeg'], maxEdge: 480, minEdge: 1, maxBytes: 512 * 1024 };

const MEDIA_SYNC: OutboxMessageInput[] = [{ topic: 'sync', data: 'media' }];
// Prisma writes SQL NULL into a Json column only through its sentinel; a plain null is refused by the types.
const DB_NULL = Prisma.DbNull;

export function createMediaLibrary({ db, config, storage, outbox }: MediaLibraryDeps) {
  const quota: MediaQuota = { maxCount: config.mediaMaxPerUser, maxBytes: config.mediaMaxBytesPerUser };

  return {
    /** Refuses an upload before its body is read when the user has no room left at all. */
    checkRoom: (userId: string) => ensureRoomFor(db, userId, quota),

    /** Adds an uploaded file: inspected, stored once per content, and pushed to the platforms that take media. */
    async add(userId: string, file: NewMediaFile): Promise<Media> {
      const facts = await inspect(file.staged, config);
      const type = typeFor(facts, file.type);
      const created = await storage.commit(file.staged);
      return insertMedia(userId, file, facts, type).catch(async (error: unknown) => {
        if (created) await releaseIfUnreferenced(db, storage, file.staged.key);
        throw error;
      });
    },

    /** The library in display order, each medium with where it is on the connected platforms. */
    async list(userId: string): Promise<{ media: Media; platforms: MediaPresence[] }[]> {
      const [rows, platforms] = await Promise.all([
        db.media.findMany({ where: { userId, deletedAt: null }, orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }], include: { platformStates: true } }),
        connectedMediaPlatforms(db, userId),
      ]);
      return rows.map(({ platformStates, ...media }) => ({ media, platforms: presenceOn(platforms, platformStates) }));
    },

    /** One live medium of the user's, or 404. */
    find: (userId: string, id: string) => ownMedia(db, userId, id),

    /** The file of one of the user's media as stored, to stream. */
    async file(userId: string, id: string) {
      const media = await ownMedia(db, userId, id);
      return { media, content: storage.get(media.storageKey) };
    },

    /** The path of an image's thumbnail (made once, then cached like platform variants). */
    async thumbnailPath(userId: string, id: string): Promise<string> {
      const row = await ownMedia(db, userId, id);
      if (row.width === null) throw new MediaLibraryError(409, `a ${row.type} has no thumbnail; only images do`);
      const variant = await makeVariant(
        { contentHash: row.contentHash, input: await storage.localFile(row.storageKey), crop: (row.crop as Crop | null) ?? null },
        THUMBNAIL_RULES,
        { cacheDir: variantCacheDir(config.mediaDir), maxPixels: config.mediaMaxPixels, platformName: 'castsync' },
      );
      if (variant.status === 'skipped') throw new MediaLibraryError(409, `no thumbnail can be made: ${variant.reason}`);
      return variant.path;
    },

    async update(userId: string, id: string, change: MediaChange): Promise<Media> {
      const { version, ...changes } = change;
      return outbox.transaction(db, userId, async (tx, send) => {
        await lockUserCalendar(tx, userId);
        await send(MEDIA_SYNC);
        const row = await tx.media.findFirst({ where: { id, userId, deletedAt: null } });
        if (!row) throw new MediaLibraryError(404, 'no such medium');
        if (version !== undefined && version !== row.version) throw new MediaLibraryError(409, `version ${version} is not current (now ${row.version}); reload and try again`);
        if (changes.crop) checkCrop(row, changes.crop);
        if (changes.isMain !== undefined) await setMain(tx, row, changes.isMain);
        const { crop, ...rest } = changes;
        return tx.media.update({
          where: { id: row.id },
          data: { ...rest, ...(crop !== undefined ? { crop: crop ?? DB_NULL } : {}), version: { increment: 1 } },
        });
      });
    },

    /** Deletes a medium; its stored file goes when nothing else (no other medium, no running push) needs it. */
    async remove(userId: string, id: string): Promise<void> {
      await outbox.transaction(db, userId, async (tx, send) => {
        await lockUserCalendar(tx, userId);
        const row = await tx.media.findFirst({ where: { id, userId, deletedAt: null } });
        if (!row) throw new MediaLibraryError(404, 'no such medium');
        const now = new Date();
        await tx.media.update({ where: { id: row.id }, data: { deletedAt: now, originalReleasedAt: now, isMain: false, version: { increment: 1 } } });
        if (row.isMain) await promoteNextMainPhoto(tx, userId);
        await send(MEDIA_SYNC);
      });
      // At once when no media push of this user runs; otherwise when the running ones finish (lib/media-originals.ts).
      await releaseUnneededOriginals(db, storage, { userId });
    },
  };

  /** Under the user's lock, so the quota holds and only one first image becomes the main photo. */
  async function insertMedia(userId: string, file: NewMediaFile, facts: MediaFacts, type: MediaTypeName): Promise<Media> {
    return outbox.transaction(db, userId, async (tx, send) => {
      await lockUserCalendar(tx, userId);
      await send(MEDIA_SYNC);
      await ensureRoomFor(tx, userId, quota, file.staged.bytes);
      const last = await tx.media.aggregate({ where: { userId, deletedAt: null }, _max: { sortOrder: true } });
      const hasMain = facts.kind === 'image' && (await tx.media.count({ where: { userId, deletedAt: null, isMain: true } })) > 0;
      return tx.media.create({
        data: {
          userId,
          type,
          contentHash: file.staged.key,
          storageKey: file.staged.key,
          originalName: file.fileName.slice(0, 255),
          mimeType: facts.mimeType,
          bytes: BigInt(file.staged.bytes),
          width: facts.width,
          height: facts.height,
          durationSeconds: facts.durationSeconds ?? null,
          caption: file.caption,
          photographerCredit: file.photographerCredit,
          isMain: facts.kind === 'image' && !hasMain,
          sortOrder: (last._max.sortOrder ?? -1) + 1,
        },
      });
    });
  }
}


/**
 * Refuses an upload the user has no room for: 409 at the count limit, 413 when `incomingBytes` more would pass the
 * byte quota (before the body is read, 0 bytes: only a quota already used up refuses).
 */
async function ensureRoomFor(db: Db | Tx, userId: string, quota: MediaQuota, incomingBytes = 0) {
  const used = await db.media.aggregate({ where: { userId, deletedAt: null }, _count: { _all: true }, _sum: { bytes: true } });
  const count = used._count._all;
  if (count >= quota.maxCount) throw new MediaLibraryError(409, `you already have ${count} media; at most ${quota.maxCount} are allowed (delete some first)`);
  const usedBytes = Number(used._sum.bytes ?? 0n);
  if (usedBytes + incomingBytes > quota.maxBytes || usedBytes >= quota.maxBytes) {
    const file = incomingBytes ? `this file (${incomingBytes} bytes) does not fit: ` : '';
    throw new MediaLibraryError(413, `${file}your media use ${usedBytes} of your ${quota.maxBytes} bytes (delete some first)`);
  }
}

async function inspect(staged: StagedFile, config: Config): Promise<MediaFacts> {
  try {
    return await inspectMediaFile(staged.path, staged.bytes, { maxPixels: config.mediaMaxPixels });
  } catch (error) {
    if (error instanceof MediaRefused) throw new MediaLibraryError(error.statusCode, error.message);
    throw error;
  }
}

/** The content decides the kind; the client picks only an image's role (photo, headshot, setcard). */
function typeFor(facts: MediaFacts, requested: MediaTypeName | undefined): MediaTypeName {
  if (facts.kind === 'image') {
    if (requested === undefined) return 'photo';
    if ((IMAGE_ROLES as readonly string[]).includes(requested)) return requested;
    throw new MediaLibraryError(400, `the file is an image (${facts.mimeType}), so its type must be one of ${IMAGE_ROLES.join(', ')}, not "${requested}"`);
  }
  if (requested !== undefined && requested !== facts.kind) {
    throw new MediaLibraryError(400, `the file's content is ${facts.kind === 'document' ? 'a PDF document' : `a video (${facts.mimeType})`}, so it cannot be a ${requested}`);
  }
  return facts.kind;
}

async function ownMedia(db: Db, userId: string, id: string): Promise<Media> {
  const row = await db.media.findFirst({ where: { id, userId, deletedAt: null } });
  if (!row) throw new MediaLibraryError(404, 'no such medium');
  return row;
}

function checkCrop(row: Media, crop: Crop) {
  if (row.width === null || row.height === null) throw new MediaLibraryError(400, `only images can be cropped; this medium is a ${row.type}`);
  if (crop.left + crop.width > row.width || crop.top + crop.height > row.height) {
    throw new MediaLibraryError(400, `the crop (${crop.left},${crop.top} ${crop.width}×${crop.height}) reaches outside the image (${row.width}×${row.height})`);
  }
}

async function setMain(tx: Tx, row: Media, isMain: boolean) {
  if (!isMain) {
    if (row.isMain) throw new MediaLibraryError(409, 'there must be a main photo: make another photo the main one instead');
    return;
  }
  if (row.width === null) throw new MediaLibraryError(400, `only an image can be the main photo; this medium is a ${row.type}`);
  await tx.media.updateMany({ where: { userId: row.userId, isMain: true, id: { not: row.id } }, data: { isMain: false, version: { increment: 1 } } });
}

/** After the main photo goes, the first remaining image takes its place, so a user with images always has one. */
async function promoteNextMainPhoto(tx: Tx, userId: string) {
  const next = await tx.media.findFirst({
    where: { userId, deletedAt: null, type: { in: [...IMAGE_ROLES] } },
    orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }],
  });
  if (next) await tx.media.update({ where: { id: next.id }, data: { isMain: true, version: { increment: 1 } } });
}

/** Deletes the stored file when no medium (of any user) uses that content: none live, none released but still kept for a push. */
async function releaseIfUnreferenced(db: Db, storage: MediaStorage, contentHash: string) {
  const users = await db.media.count({ where: { contentHash, OR: [{ deletedAt: null }, { originalReleasedAt: { not: null } }] } });
  if (users === 0) await storage.delete(contentHash);
}

/** The user's connected platforms that take media (and have media sync on), in catalog order. */
async function connectedMediaPlatforms(db: Db, userId: string): Promise<PlatformEntry[]> {
  const connections = await db.platformConnection.findMany({ where: { userId, connected: true, syncMedia: true }, select: { platformId: true } });
  const connected = new Set(connections.map((c) => c.platformId));
  return platformIds.map(getPlatform).filter((p) => p.capabilities.media && connected.has(p.id));
}

function presenceOn(platforms: PlatformEntry[], states: PlatformMediaState[]): MediaPresence[] {
  return platforms.map((platform) => {
    const state = states.find((s) => s.platformId === platform.id);
    return {
      platformId: platform.id,
      name: platform.name,
      status: state?.excluded ? 'skipped' : (state?.status ?? 'pending'),
      externalId: state?.externalId ?? null,
      lastError: state?.excluded ? 'left off this platform (media conflict resolved with accept_theirs)' : (state?.lastError ?? null),
      syncedAt: state?.syncedAt?.toISOString() ?? null,
    };
  });
}
