// Media library: upload (multipart, streamed to content-addressed storage), list, download, edit and delete the
// user's photos, showreels and CV. The type is decided by the content (lib/media-inspection.ts); a refused upload
// answers 4xx and leaves neither a row nor a stored file behind. Exactly one image per user is the main photo.
import { createReadStream } from 'node:fs';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { Media } from '../../generated/prisma/client.js';
import { createMediaLibrary, THUMBNAIL_RULES, type MediaChange, type MediaLibraryDeps } from '../../lib/media-library.js';
import type { Crop } from '../../lib/media-variants.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, fileAnswer, noContent, uuidParam } from '../schemas.js';
import { checkedFields, receiveUpload, TEXT_LIMITS, UPLOAD_FIELDS } from './media-upload.js';
import { mediaSchema, patchBody, uploadBody } from './media-schemas.js';

export type MediaRouteDeps = MediaLibraryDeps;

export async function mediaRoutes(app: FastifyInstance, deps: MediaRouteDeps) {
  const { config } = deps;
  const library = createMediaLibrary(deps);
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
      await library.checkRoom(request.userId);
      const upload = await receiveUpload(request, deps.storage, config.mediaMaxBytes);
      try {
        const row = await library.add(request.userId, { staged: upload.staged, fileName: upload.fileName, ...checkedFields(upload.fields) });
        return reply.code(201).send(present(row));
      } finally {
        await deps.storage.discard(upload.staged); // a no-op after commit moved it
      }
    },
  );

  app.get(
    '/api/media',
    { schema: { tags, summary: 'The media library, in display order', security: bearerSecurity, response: { 200: { type: 'object', properties: { items: { type: 'array', items: mediaSchema } } } } } },
    async (request) => {
      const items = await library.list(request.userId);
      return { items: items.map(({ media, platforms }) => ({ ...present(media), platforms })) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/media/:id/file',
    { schema: { tags, summary: 'The uploaded file as stored', security: bearerSecurity, params: uuidParam('id'), response: { 200: fileAnswer('The file, in the media type its content was found to be', ['image/*', 'video/*', 'application/pdf']), 404: errorSchema } } },
    async (request, reply) => {
      const { media: row, content } = await library.file(request.userId, request.params.id);
      return reply
        .type(row.mimeType)
        .header('content-length', row.bytes.toString())
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `inline; filename="${row.originalName.replace(/[^\w.-]/g, '_')}"`)
        .send(content);
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
      const path = await library.thumbnailPath(request.userId, request.params.id);
      return reply.type('image/jpeg').header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').send(createReadStream(path));
    },
  );

  app.patch<{ Params: { id: string }; Body: MediaChange }>(
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
      return present(await library.update(request.userId, request.params.id, request.body));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/media/:id',
    { schema: { tags, summary: 'Delete a medium (the stored file goes when nothing else uses it)', security: bearerSecurity, params: uuidParam('id'), response: { 204: noContent('Deleted'), 404: errorSchema } } },
    async (request, reply) => {
      await library.remove(request.userId, request.params.id);
      return reply.code(204).send();
    },
  );
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
