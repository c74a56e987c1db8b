// JSON schemas shared by routes; they also make up the OpenAPI document.
import type { FastifyInstance } from 'fastify';

/** Every error answer's body, registered once (sharedSchemas) and named by $ref: one "Error" in the OpenAPI components. */
const errorBody = {
  $id: 'Error',
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
} as const;

export const errorSchema = { $ref: 'Error#' } as const;

/** Registers the schemas routes name by $ref; call it on the root instance before any route. */
export function sharedSchemas(app: FastifyInstance) {
  app.addSchema(errorBody);
}

/**
 * Paging in query strings. Every number a query takes has a maximum: past it, a page number times its size
 * would overflow the database's OFFSET (an answer of 500), and no client needs a page that far anyway.
 */
export const MAX_PAGE = 10_000;
export const MAX_OFFSET = 1_000_000;
export const pageQuery = {
  page: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1, description: `1 to ${MAX_PAGE}` },
  pageSize: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
} as const;

export const uuidParam = (name: string) =>
  ({ type: 'object', required: [name], additionalProperties: false, properties: { [name]: { type: 'string', format: 'uuid' } } }) as const;

export const platformParam = {
  type: 'object',
  required: ['platformId'],
  properties: { platformId: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' } },
} as const;

export const availabilityStatuses = ['available', 'unavailable', 'tentative'] as const;
export const availabilityTypes = ['booking', 'block', 'travel'] as const;
export const syncStatuses = ['pending', 'success', 'failed', 'partial', 'skipped'] as const;
export const syncOperations = ['push_availability', 'pull_availability', 'upload_media', 'delete_media', 'sync_media', 'update_profile'] as const;

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a change's answer says of the sync it causes: the wish to sync was saved with the change (the outbox) and
 * is on its way to the sync service; GET /api/sync/requests/{requestId} follows it from there. Null: nothing to sync.
 */
export const syncRequestedSchema = {
  type: ['object', 'null'],
  properties: {
    state: { type: 'string', enum: ['queued'] },
    requestId: { type: 'string' },
  },
} as const;

export const queuedSync = (requestId: string) => ({ state: 'queued' as const, requestId });

/** A 204 answer: the OpenAPI document then lists no body for it. */
export const noContent = (description: string) => ({ type: 'null', description }) as const;

/** An answer that is a file or text, not JSON, in one of these media types (wildcards such as image/* allowed). */
export const fileAnswer = (description: string, mediaTypes: readonly string[]) => ({
  description,
  content: Object.fromEntries(mediaTypes.map((mediaType) => [mediaType, { schema: { type: 'string', format: 'binary' } }])),
});
