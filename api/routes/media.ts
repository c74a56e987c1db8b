// Media library: upload (multipart, streamed to content-addressed storage), list, download, edit and delete the
// user's photos, showreels and CV. The type is decided by the content (lib/media-inspection.ts); a refused upload
// answers 4xx and leaves neither a row nor a stored file behind. Exactly one image per user is the main photo.
import type { OutboxMessageInput } from '../../lib/outbox.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { getPlatform, platformIds, type ImageRules, type PlatformEntry } from '../../adapters/catalog.js';
import { Prisma, type Media, type PlatformMediaState } from '../../generated/prisma/client.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { inspectMediaFile, MediaRefused, type MediaFacts } from '../../lib/media-inspection.js';
import { releaseUnneededOriginals } from '../../lib/media-originals.js';
import type { MediaStorage, StagedFile } from '../../lib/media-storage.js';
import { makeVariant, variantCacheDir, type Crop } from '../../lib/media-variants.js';
import { lockUserCalendar } from '../../lib/options.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, fileAnswer, HttpError, noContent, uuidParam } from '../schemas.js';
import {
  checkedFields,
  ensureRoomFor,
  IMAGE_ROLES,
  receiveUpload,
  TEXT_LIMITS,
  UPLOAD_FIELDS,
  type MediaQuota,
  type MediaTypeName,
  type ReceivedUpload,
} from './media-upload.js';
import { mediaSchema, patchBody, uploadBody } from './media-schemas.js';

const quotaOf = (config: Config): MediaQuota => ({ maxCount: config.mediaMaxPerUser, maxBytes: config.mediaMaxBytesPerUser });

/** Thumbnails are variants like a platform's (same pipeline and cache), made to these rules. */
const THUMBNAIL_RULES: ImageRules = { formats: ['jpeg'], maxEdge: 480, minEdge: 1, maxBytes: 512 * 1024 };


interface PatchInput {
  caption?: string | null;
  photographerCredit?: string | null;
  isMain?: boolean;
  sortOrder?: number;
  crop?: Crop | null;
  version?: number;
}

export interface MediaRouteDeps {
  db: Db;
  config: Config;
  storage: MediaStorage;
  /** Each change sends its media push in its own transaction. */
  outbox: SyncOutbox;
}

export async function mediaRoutes(app: FastifyInstance, deps: MediaRouteDeps) {
  const { db, config, storage } = deps;
  const tags = ['media'];
  // Registered here, not on the app: only this plugin parses multipart bodies. Field values arrive before or
  // after the file; each is small, the file itself is streamed.
  await app.register(multipart, {
    limits: { fileSize: config.mediaMaxBytes, files: 1, fields: UPLOAD_FIELDS.length, fieldSize: TEXT_LIMITS.caption * 4, parts: UPLOAD_FIELDS.length + 1 },
  });

  app.post(
    '/api/media',
    {
      config: { bodyTimeoutMs: config.uploadTimeoutMs },
      schema: {
        tags,
        summary: 'Upload a photo, showreel or CV (multipart/form-data: one file, fields type, caption, photographerCredit)',
        security: bearerSecurity,
        body: uploadBody,
        response: { 201: mediaSchema, 400: errorSchema, 408: errorSchema, 409: errorSchema, 413: errorSchema, 415: errorSchema },
      },
    },
    async (request, reply) => {
      await ensureRoomFor(db, request.userId, quotaOf(config));
      const upload = await receiveUpload(request, storage, config.mediaMaxBytes);
      try {
        const fields = checkedFields(upload.fields);
        const facts = await inspect(upload.staged, config);
        const type = typeFor(facts, fields.type);
        const created = await storage.commit(upload.staged);
        const row = await insertMedia(db, config, deps.outbox, { userId: request.userId, upload, facts, type, fields }).catch(async (error: unknown) => {
          if (created) await releaseIfUnreferenced(db, storage, upload.staged.key);
          throw error;
        });
        return reply.code(201).send(present(row));
      } finally {
        await storage.discard(upload.staged); // a no-op after commit moved it
      }
    },
  );

  app.get(
    '/api/media',
    { schema: { tags, summary: 'The media library, in display order', security: bearerSecurity, response: { 200: { type: 'object', properties: { items: { type: 'array', items: mediaSchema } } } } } },
    async (request) => {
      const [rows, platforms] = await Promise.all([
        db.media.findMany({ where: { userId: request.userId, deletedAt: null }, orderBy: [{ sortOrder: 'asc' }, { createdAt: 'asc' }], include: { platformStates: true } }),
        connectedMediaPlatforms(db, request.userId),
      ]);
      return { items: rows.map((row) => ({ ...present(row), platforms: presenceOn(platforms, row.platformStates) })) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/media/:id/file',
    { schema: { tags, summary: 'The uploaded file as stored', security: bearerSecurity, params: uuidParam('id'), response: { 200: fileAnswer('The file, in the media type its content was found to be', ['image/*', 'video/*', 'application/pdf']), 404: errorSchema } } },
    async (request, reply) => {
      const row = await ownMedia(db, request.userId, request.params.id);
      return reply
        .type(row.mimeType)
        .header('content-length', row.bytes.toString())
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `inline; filename="${row.originalName.replace(/[^\w.-]/g, '_')}"`)
        .send(storage.get(row.storageKey));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/media/:id/thumbnail',
    {
      schema: {
        tags,
        summary: `An image as a JPEG of at most ${THUMBNAIL_RULES.maxEdge} px (rotated, with the user's crop, no metadata), for lists`,
        security: bearerSecurity,
        params: uuidParam('id'),
        response: { 200: fileAnswer('The thumbnail', ['image/jpeg']), 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const row = await ownMedia(db, request.userId, request.params.id);
      if (row.width === null) throw new HttpError(409, `a ${row.type} has no thumbnail; only images do`);
      const variant = await makeVariant(
        { contentHash: row.contentHash, input: await storage.localFile(row.storageKey), crop: (row.crop as Crop | null) ?? null },
        THUMBNAIL_RULES,
        { cacheDir: variantCacheDir(config.mediaDir), maxPixels: config.mediaMaxPixels, platformName: 'castsync' },
      );
      if (variant.status === 'skipped') throw new HttpError(409, `no thumbnail can be made: ${variant.reason}`);
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(createReadStream(variant.path));
    },
  );

  app.patch<{ Params: { id: string }; Body: PatchInput }>(
    '/api/media/:id',
    {
      schema: {
        tags,
        summary: 'Change caption, credit, main photo, order or crop',
        security: bearerSecurity,
        params: uuidParam('id'),
        body: patchBody,
        response: { 200: mediaSchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const updated = await updateMedia(db, deps.outbox, request.userId, request.params.id, request.body);
      return present(updated);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/media/:id',
    { schema: { tags, summary: 'Delete a medium (the stored file goes when nothing else uses it)', security: bearerSecurity, params: uuidParam('id'), response: { 204: noContent('Deleted'), 404: errorSchema } } },
    async (request, reply) => {
      await deps.outbox.transaction(db, request.userId, async (tx, send) => {
        await lockUserCalendar(tx, request.userId);
        const row = await tx.media.findFirst({ where: { id: request.params.id, userId: request.userId, deletedAt: null } });
        if (!row) throw new HttpError(404, 'no such medium');
        const now = new Date();
        await tx.media.update({ where: { id: row.id }, data: { deletedAt: now, originalReleasedAt: now, isMain: false, version: { increment: 1 } } });
        if (row.isMain) await promoteNextMainPhoto(tx, request.userId);
        await send(MEDIA_SYNC);
      });
      // At once when no media push of this user runs; otherwise when the running ones finish (lib/media-originals.ts).
      await releaseUnneededOriginals(db, storage, { userId: request.userId });
      return reply.code(204).send();
    },
  );
}

async function inspect(staged: StagedFile, config: Config): Promise<MediaFacts> {
  try {
    return await inspectMediaFile(staged.path, staged.bytes, { maxPixels: config.mediaMaxPixels });
  } catch (error) {
    if (error instanceof MediaRefused) throw new HttpError(error.statusCode, error.message);
    throw error;
  }
}

/** The content decides the kind; the client picks only an image's role (photo, headshot, setcard). */
function typeFor(facts: MediaFacts, requested: MediaTypeName | undefined): MediaTypeName {
  if (facts.kind === 'image') {
    if (requested === undefined) return 'photo';
    if ((IMAGE_ROLES as readonly string[]).includes(requested)) return requested;
    throw new HttpError(400, `the file is an image (${facts.mimeType}), so its type must be one of ${IMAGE_ROLES.join(', ')}, not "${requested}"`);
  }
  if (requested !== undefined && requested !== facts.kind) {
    throw new HttpError(400, `the file's content is ${facts.kind === 'document' ? 'a PDF document' : `a video (${facts.mimeType})`}, so it cannot be a ${requested}`);
  }
  return facts.kind;
}

interface NewMedia {
  userId: string;
  upload: ReceivedUpload;
  facts: MediaFacts;
  type: MediaTypeName;
  fields: { caption: string | null; photographerCredit: string | null };
}

/** Under the user's lock, so the quota holds and only one first image becomes the main photo. */
async function insertMedia(db: Db, config: Config, outbox: SyncOutbox, { userId, upload, facts, type, fields }: NewMedia): Promise<Media> {
  return outbox.transaction(db, userId, async (tx, send) => {
    await lockUserCalendar(tx, userId);
    await send(MEDIA_SYNC);
    await ensureRoomFor(tx, userId, quotaOf(config), upload.staged.bytes);
    const last = await tx.media.aggregate({ where: { userId, deletedAt: null }, _max: { sortOrder: true } });
    const hasMain = facts.kind === 'image' && (await tx.media.count({ where: { userId, deletedAt: null, isMain: true } })) > 0;
    return tx.media.create({
      data: {
        userId,
        type,
        contentHash: upload.staged.key,
        storageKey: upload.staged.key,
        originalName: upload.fileName.slice(0, 255),
        mimeType: facts.mimeType,
        bytes: BigInt(upload.staged.bytes),
        width: facts.width,
        height: facts.height,
        durationSeconds: facts.durationSeconds ?? null,
        caption: fields.caption,
        photographerCredit: fields.photographerCredit,
        isMain: facts.kind === 'image' && !hasMain,
        sortOrder: (last._max.sortOrder ?? -1) + 1,
      },
    });
  });
}

async function ownMedia(db: Db, userId: string, id: string): Promise<Media> {
  const row = await db.media.findFirst({ where: { id, userId, deletedAt: null } });
  if (!row) throw new HttpError(404, 'no such medium');
  return row;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

const MEDIA_SYNC: OutboxMessageInput[] = [{ topic: 'sync', data: 'media' }];

async function updateMedia(db: Db, outbox: SyncOutbox, userId: string, id: string, input: PatchInput): Promise<Media> {
  const { version, ...changes } = input;
  return outbox.transaction(db, userId, async (tx, send) => {
    await lockUserCalendar(tx, userId);
    await send(MEDIA_SYNC);
    const row = await tx.media.findFirst({ where: { id, userId, deletedAt: null } });
    if (!row) throw new HttpError(404, 'no such medium');
    if (version !== undefined && version !== row.version) throw new HttpError(409, `version ${version} is not current (now ${row.version}); reload and try again`);
    if (changes.crop) checkCrop(row, changes.crop);
    if (changes.isMain !== undefined) await setMain(tx, row, changes.isMain);
    const { crop, ...rest } = changes;
    return tx.media.update({
      where: { id: row.id },
      data: { ...rest, ...(crop !== undefined ? { crop: crop ?? DB_NULL } : {}), version: { increment: 1 } },
    });
  });
}

// Prisma writes SQL NULL into a Json column only through its sentinel; a plain null is refused by the types.
const DB_NULL = Prisma.DbNull;

function checkCrop(row: Media, crop: Crop) {
  if (row.width === null || row.height === null) throw new HttpError(400, `only images can be cropped; this medium is a ${row.type}`);
  if (crop.left + crop.width > row.width || crop.top + crop.height > row.height) {
    throw new HttpError(400, `the crop (${crop.left},${crop.top} ${crop.width}×${crop.height}) reaches outside the image (${row.width}×${row.height})`);
  }
}

async function setMain(tx: Tx, row: Media, isMain: boolean) {
  if (!isMain) {
    if (row.isMain) throw new HttpError(409, 'there must be a main photo: make another photo the main one instead');
    return;
  }
  if (row.width === null) throw new HttpError(400, `only an image can be the main photo; this medium is a ${row.type}`);
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
export async function releaseIfUnreferenced(db: Db, storage: MediaStorage, contentHash: string) {
  const users = await db.media.count({ where: { contentHash, OR: [{ deletedAt: null }, { originalReleasedAt: { not: null } }] } });
  if (users === 0) await storage.delete(contentHash);
}

/** The user's connected platforms that take media (and have media sync on), in catalog order. */
async function connectedMediaPlatforms(db: Db, userId: string): Promise<PlatformEntry[]> {
  const connections = await db.platformConnection.findMany({ where: { userId, connected: true, syncMedia: true }, select: { platformId: true } });
  const connected = new Set(connections.map((c) => c.platformId));
  return platformIds.map(getPlatform).filter((p) => p.capabilities.media && connected.has(p.id));
}

function presenceOn(platforms: PlatformEntry[], states: PlatformMediaState[]) {
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

function present(row: Media) {
  return {
    id: row.id,
    type: row.type,
    mimeType: row.mimeType,
    originalName: row.originalName,
    bytes: Number(row.bytes),
    width: row.width,
    height: row.height,
    durationSeconds: row.durationSeconds,
    contentHash: row.contentHash,
    caption: row.caption,
    photographerCredit: row.photographerCredit,
    isMain: row.isMain,
    sortOrder: row.sortOrder,
    crop: (row.crop as Crop | null) ?? null,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
