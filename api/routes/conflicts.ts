// Conflicts between a platform (or a calendar source) and our calendar, and their resolution by the user. The
// calendar owns them (lib/conflicts.ts: the kinds, the resolution rules, one transaction through the calendar's own
// write); these routes validate, call it and answer.
import type { FastifyInstance } from 'fastify';
import type { Availability } from '../../generated/prisma/client.js';
import type { Config } from '../../lib/config.js';
import { createConflicts, resolutionActions, type ConflictView, type Resolution } from '../../lib/conflicts.js';
import type { Db } from '../../lib/db.js';
import { toDay } from '../../lib/days.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { bearerSecurity } from '../auth.js';
import { availabilityStatuses, availabilityTypes, errorSchema, pageQuery, queuedSync, syncRequestedSchema, uuidParam } from '../schemas.js';

export interface ConflictRouteDeps {
  db: Db;
  config: Config;
  /** A resolution sends its push (and the option timers it touches) in its own transaction. */
  outbox: SyncOutbox;
}

const resolveBody = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  properties: {
    action: { type: 'string', enum: resolutionActions, description: 'keep_ours, accept_theirs, or edit (with range)' },
    range: {
      type: 'object',
      additionalProperties: false,
      required: ['startDate', 'endDate'],
      description: 'Only with action "edit": the days (and optionally status and type) our entry gets',
      properties: {
        startDate: { type: 'string', format: 'date' },
        endDate: { type: 'string', format: 'date' },
        status: { type: 'string', enum: availabilityStatuses },
        type: { type: 'string', enum: availabilityTypes },
      },
    },
  },
} as const;

const entrySchema = {
  type: ['object', 'null'],
  properties: {
    id: { type: 'string' },
    startDate: { type: 'string' },
    endDate: { type: 'string' },
    status: { type: 'string' },
    type: { type: 'string' },
    optionRank: { type: ['integer', 'null'] },
    optionHolder: { type: ['string', 'null'] },
    note: { type: ['string', 'null'] },
    source: { type: 'string' },
    version: { type: 'integer' },
    deleted: { type: 'boolean' },
  },
} as const;

const anyJson = { description: 'JSON as stored (null when absent)' } as const;

const conflictSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    platformId: { type: 'string' },
    platformName: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string' },
    message: { type: ['string', 'null'] },
    externalId: { type: ['string', 'null'] },
    ours: anyJson,
    theirs: anyJson,
    resolution: anyJson,
    entry: entrySchema,
    createdAt: { type: 'string', format: 'date-time' },
    resolvedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export async function conflictRoutes(app: FastifyInstance, { db, config, outbox }: ConflictRouteDeps) {
  const tags = ['conflicts'];
  const conflicts = createConflicts({ db, outbox, maxRangeDays: config.maxRangeDays });

  app.get<{ Querystring: { status: 'open' | 'resolved' | 'dismissed'; page: number; pageSize: number } }>(
    '/api/conflicts',
    {
      schema: {
        tags,
        summary: 'Conflicts between a platform and our calendar, newest first',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['open', 'resolved', 'dismissed'], default: 'open' },
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: conflictSchema }, page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => {
      const { status, page, pageSize } = request.query;
      const { items, total } = await conflicts.list(request.userId, { status, page, pageSize });
      return { items: items.map(presentConflict), page, pageSize, total };
    },
  );

  app.post<{ Params: { id: string }; Body: Resolution }>(
    '/api/conflicts/:id/resolve',
    {
      schema: {
        tags,
        summary: 'Resolve a conflict: keep our entry, accept the platform\'s version, or edit our entry',
        security: bearerSecurity,
        params: uuidParam('id'),
        body: resolveBody,
        response: { 200: { ...conflictSchema, properties: { ...conflictSchema.properties, syncRequested: syncRequestedSchema } }, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const resolved = await conflicts.resolve({ userId: request.userId, requestId: request.id }, request.params.id, request.body);
      return { ...presentConflict(resolved), syncRequested: queuedSync(request.id) };
    },
  );
}

function presentConflict({ conflict: row, entry, platformName }: ConflictView) {
  return {
    id: row.id,
    platformId: row.platformId,
    platformName,
    kind: row.kind,
    status: row.status,
    message: row.message,
    externalId: row.externalId,
    ours: row.ours,
    theirs: row.theirs,
    resolution: row.resolution,
    entry: entry ? presentEntry(entry) : null,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

function presentEntry(entry: Availability) {
  return {
    id: entry.id,
    startDate: toDay(entry.startDate),
    endDate: toDay(entry.endDate),
    status: entry.status,
    type: entry.type,
    optionRank: entry.optionRank,
    optionHolder: entry.optionHolder,
    note: entry.note,
    source: entry.source,
    version: entry.version,
    deleted: entry.deletedAt !== null,
  };
}
