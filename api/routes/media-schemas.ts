// The media routes' JSON schemas (api/routes/media.ts): a medium as answered, the change a PATCH takes, and the
// multipart upload as the OpenAPI document shows it.
import { MULTILINE } from '../validation.js';
import { MEDIA_TYPES } from '../../lib/media-library.js';
import { TEXT_LIMITS } from './media-upload.js';

const cropSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['left', 'top', 'width', 'height'],
  description: 'In displayed pixels (after EXIF rotation); null for an attention-based crop',
  properties: {
    left: { type: 'integer', minimum: 0 },
    top: { type: 'integer', minimum: 0 },
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
  },
} as const;

export const mediaSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: MEDIA_TYPES },
    mimeType: { type: 'string' },
    originalName: { type: 'string' },
    bytes: { type: 'integer' },
    width: { type: ['integer', 'null'] },
    height: { type: ['integer', 'null'] },
    durationSeconds: { type: ['number', 'null'], description: 'Videos: running time, when the container says' },
    contentHash: { type: 'string' },
    caption: { type: ['string', 'null'] },
    photographerCredit: { type: ['string', 'null'] },
    isMain: { type: 'boolean' },
    sortOrder: { type: 'integer' },
    crop: cropSchema,
    version: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    platforms: {
      type: 'array',
      description: 'Per connected platform that takes media: whether this item is there (GET /api/media only)',
      items: {
        type: 'object',
        properties: {
          platformId: { type: 'string' },
          name: { type: 'string' },
          status: { type: 'string', enum: ['pending', 'success', 'failed', 'partial', 'skipped'], description: 'success: on the platform; skipped: the platform cannot take it (lastError says why)' },
          externalId: { type: ['string', 'null'] },
          lastError: { type: ['string', 'null'] },
          syncedAt: { type: ['string', 'null'], format: 'date-time' },
        },
      },
    },
  },
} as const;

export const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    caption: { type: ['string', 'null'], maxLength: TEXT_LIMITS.caption, [MULTILINE]: true },
    photographerCredit: { type: ['string', 'null'], maxLength: TEXT_LIMITS.photographerCredit },
    isMain: { type: 'boolean', description: 'true makes this image the main photo (the previous one stops being it)' },
    sortOrder: { type: 'integer', minimum: 0, maximum: 100000 },
    crop: cropSchema,
    version: { type: 'integer', minimum: 1, description: 'Reject the change (409) unless this is the current version' },
  },
} as const;

/**
 * The upload's parts, for the document and for clients: the handler reads them as a stream (receiveUpload) and
 * checks each itself, so this schema is not applied to the request (api/validation.ts).
 */
export const uploadBody = {
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        additionalProperties: false,
        properties: {
          file: { type: 'string', format: 'binary', description: 'The photo (JPEG, PNG, WebP, GIF, TIFF, HEIF), showreel (video) or CV (PDF); its content decides its kind' },
          type: { type: 'string', enum: MEDIA_TYPES, description: "An image's role (photo, headshot, setcard); for a video or PDF it must match the content" },
          caption: { type: 'string', maxLength: TEXT_LIMITS.caption },
          photographerCredit: { type: 'string', maxLength: TEXT_LIMITS.photographerCredit },
        },
      },
    },
  },
} as const;
