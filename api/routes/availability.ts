// Availability: create, list, change and delete the user's date ranges. The writes are the calendar's
// (lib/calendar-entries.ts: one transaction with the option rules and the outbox messages); these routes validate,
// call it and answer with the entry and its sync state per platform.
import type { FastifyInstance } from 'fastify';
import type { Availability, PlatformAvailabilityState } from '../../generated/prisma/client.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { toAvailabilityItem } from '../../lib/availability-item.js';
import { createCalendar, FIRST_DAY, LAST_DAY, type AvailabilityInput } from '../../lib/calendar-entries.js';
import { parseDay } from '../../lib/days.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { bearerSecurity } from '../auth.js';
import { MULTILINE } from '../validation.js';
import { MAX_OFFSET, availabilityStatuses, availabilityTypes, errorSchema, HttpError, noContent, queuedSync, syncRequestedSchema, uuidParam } from '../schemas.js';

/** A filter day: a date of year 1900 or later (JavaScript dates cannot hold years 0-99, so those are refused). */
const filterDaySchema = { type: 'string', format: 'date', pattern: '^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$' } as const;

const fields = {
  startDate: { type: 'string', format: 'date', description: `First day, YYYY-MM-DD, from ${FIRST_DAY}` },
  endDate: { type: 'string', format: 'date', description: `Last day (included), YYYY-MM-DD, until ${LAST_DAY}` },
  status: { type: 'string', enum: availabilityStatuses },
  type: { type: 'string', enum: availabilityTypes },
  optionRank: {
    type: ['integer', 'null'],
    minimum: 1,
    maximum: 20,
    description: '1 = first option; tentative only. Left out (or null) on an option: the next free rank on its days',
  },
  optionHolder: { type: ['string', 'null'], minLength: 1, maxLength: 200, description: 'The production holding the date' },
  optionExpiresAt: { type: ['string', 'null'], format: 'date-time', description: 'When the option lapses; must lie in the future when set' },
  note: { type: ['string', 'null'], maxLength: 1000, [MULTILINE]: true },
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['startDate', 'endDate', 'status', 'type'],
  properties: fields,
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ...fields, version: { type: 'integer', minimum: 1, description: 'Reject the change (409) unless this is the current version' } },
} as const;

const platformStateSchema = {
  type: 'object',
  properties: {
    platformId: { type: 'string' },
    state: { type: 'string', enum: ['confirmed', 'pending', 'failed'] },
    externalId: { type: ['string', 'null'] },
    syncedAt: { type: ['string', 'null'], format: 'date-time' },
    error: { type: ['string', 'null'] },
  },
} as const;

const availabilitySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ...fields,
    source: { type: 'string' },
    version: { type: 'integer' },
    deleted: { type: 'boolean' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    platforms: { type: 'array', items: platformStateSchema },
    syncRequested: syncRequestedSchema,
  },
} as const;

export interface AvailabilityRouteDeps {
  db: Db;
  config: Config;
  /** Each change sends its push and its option timers through the outbox, in the change's own transaction. */
  outbox: SyncOutbox;
}

export async function availabilityRoutes(app: FastifyInstance, { db, config, outbox }: AvailabilityRouteDeps) {
  const tags = ['availability'];
  const calendar = createCalendar({ db, outbox, maxRangeDays: config.maxRangeDays });

  app.post<{ Body: AvailabilityInput }>(
    '/api/availability',
    { schema: { tags, summary: 'Add a date range', security: bearerSecurity, body: createBody, response: { 201: availabilitySchema, 400: errorSchema } } },
    async (request, reply) => {
      const created = await calendar.add(request.userId, request.body);
      return reply.code(201).send({ ...present(created, []), syncRequested: queuedSync(request.id) });
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; limit: number; offset: number; includeDeleted: boolean } }>(
    '/api/availability',
    {
      schema: {
        tags,
        summary: 'List date ranges, with each platform\'s sync state',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { ...filterDaySchema, description: `Ranges ending on or after this day (${FIRST_DAY} or later)` },
            to: { ...filterDaySchema, description: `Ranges starting on or before this day (${FIRST_DAY} or later)` },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 },
            includeDeleted: { type: 'boolean', default: false },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: availabilitySchema }, total: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const { from, to, limit, offset, includeDeleted } = request.query;
      const where = {
        userId: request.userId,
        ...(includeDeleted ? {} : { deletedAt: null }),
        ...(from ? { endDate: { gte: filterDay('from', from) } } : {}),
        ...(to ? { startDate: { lte: filterDay('to', to) } } : {}),
      };
      const [rows, total] = await Promise.all([
        db.availability.findMany({ where, orderBy: [{ startDate: 'asc' }, { id: 'asc' }], take: limit, skip: offset, include: { platformStates: true } }),
        db.availability.count({ where }),
      ]);
      return { items: rows.map((row) => present(row, row.platformStates)), total };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/availability/:id',
    { schema: { tags, summary: 'One date range', security: bearerSecurity, params: uuidParam('id'), response: { 200: availabilitySchema, 404: errorSchema } } },
    async (request) => {
      const row = await db.availability.findFirst({ where: { id: request.params.id, userId: request.userId }, include: { platformStates: true } });
      if (!row) throw new HttpError(404, 'no such availability entry');
      return present(row, row.platformStates);
    },
  );

  app.patch<{ Params: { id: string }; Body: AvailabilityInput }>(
    '/api/availability/:id',
    {
      schema: {
        tags,
        summary: 'Change a date range (one imported from a calendar is changed there: 409)',
        security: bearerSecurity,
        params: uuidParam('id'),
        body: patchBody,
        response: { 200: availabilitySchema, 400: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const updated = await calendar.change(request.userId, request.params.id, request.body);
      const states = await db.platformAvailabilityState.findMany({ where: { availabilityId: updated.id } });
      return { ...present(updated, states), syncRequested: queuedSync(request.id) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/availability/:id',
    { schema: { tags, summary: 'Delete a date range (removed from every platform)', security: bearerSecurity, params: uuidParam('id'), response: { 204: noContent('Deleted'), 404: errorSchema } } },
    async (request, reply) => {
      await calendar.remove(request.userId, request.params.id);
      return reply.code(204).send();
    },
  );
}

/** A day in a filter; JSON schema's date format takes years (0000 to 0099) that JavaScript dates cannot hold. */
function filterDay(name: string, value: string): Date {
  const day = parseDay(value);
  if (!day) throw new HttpError(400, `querystring/${name} ${value} is not a calendar day (YYYY-MM-DD)`);
  return day;
}

function present(row: Availability, states: PlatformAvailabilityState[]) {
  return {
    ...toAvailabilityItem(row),
    optionExpiresAt: row.optionExpiresAt?.toISOString() ?? null,
    source: row.source,
    deleted: row.deletedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    platforms: states.map((s) => ({
      platformId: s.platformId,
      state: s.lastError ? 'failed' : s.confirmedVersion === row.version || (row.deletedAt && s.confirmedDeleted) ? 'confirmed' : 'pending',
      externalId: s.externalId,
      syncedAt: s.syncedAt?.toISOString() ?? null,
      error: s.lastError,
    })),
  };
}
