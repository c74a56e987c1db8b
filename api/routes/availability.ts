// Availability: create, list, change and delete the user's date ranges. Each write is one transaction that bumps
// the entry's version and applies the option rules (lib/options.ts: a firm booking releases the options on its
// days, lower options move up when one goes), then the user's sync workflow is signalled once and the option's
// expiry timer is set, moved or stopped.
import type { FastifyInstance } from 'fastify';
import type { Availability, PlatformAvailabilityState } from '../../generated/prisma/client.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { toAvailabilityItem } from '../../lib/availability-item.js';
import { daysInclusive, parseDay, toDay } from '../../lib/days.js';
import { applyEntryChange, isLiveOption, lockUserCalendar, nextFreeRank, type OptionEffects } from '../../lib/options.js';
import type { OutboxMessageInput } from '../../lib/outbox.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { bearerSecurity } from '../auth.js';
import { MULTILINE } from '../validation.js';
import { MAX_OFFSET, availabilityStatuses, availabilityTypes, errorSchema, HttpError, noContent, queuedSync, syncRequestedSchema, uuidParam } from '../schemas.js';

/**
 * The days castsync takes. The last one leaves room for the day after it, which an all-day iCalendar event names
 * as its end (DTEND, exclusive): RFC 5545 dates have four-digit years, so 9999-12-31 could not be written.
 */
export const FIRST_DAY = '1900-01-01';
export const LAST_DAY = '9999-12-30';
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

export interface AvailabilityInput {
  startDate?: string;
  endDate?: string;
  status?: (typeof availabilityStatuses)[number];
  type?: (typeof availabilityTypes)[number];
  optionRank?: number | null;
  optionHolder?: string | null;
  optionExpiresAt?: string | null;
  note?: string | null;
  version?: number;
}

export interface AvailabilityRouteDeps {
  db: Db;
  config: Config;
  /** Each change sends its push and its option timers through the outbox, in the change's own transaction. */
  outbox: SyncOutbox;
}

export async function availabilityRoutes(app: FastifyInstance, { db, config, outbox }: AvailabilityRouteDeps) {
  const tags = ['availability'];

  app.post<{ Body: AvailabilityInput }>(
    '/api/availability',
    { schema: { tags, summary: 'Add a date range', security: bearerSecurity, body: createBody, response: { 201: availabilitySchema, 400: errorSchema } } },
    async (request, reply) => {
      refusePastExpiry(request.body);
      const data = checkedRange(request.body, config.maxRangeDays);
      const created = await outbox.transaction(db, request.userId, async (tx, send) => {
        await lockUserCalendar(tx, request.userId);
        const span = { userId: request.userId, ...data };
        const optionRank = data.status === 'tentative' ? (data.optionRank ?? (await nextFreeRank(tx, span))) : null;
        const created = await tx.availability.create({ data: { userId: request.userId, ...data, optionRank } });
        await send(changeMessages(null, created, await applyEntryChange(tx, null, created)));
        return created;
      });
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
      const { version, ...changes } = request.body;
      refusePastExpiry(changes);
      const updated = await outbox.transaction(db, request.userId, async (tx, send) => {
        await lockUserCalendar(tx, request.userId);
        const current = await tx.availability.findFirst({ where: { id: request.params.id, userId: request.userId, deletedAt: null } });
        if (!current) throw new HttpError(404, 'no such availability entry');
        // The calendar is where such an entry is changed: an edit here would be undone by its next change there.
        if (current.calendarSourceId) throw new HttpError(409, 'this entry comes from one of your calendars (GET /api/calendars): change the event there, or delete the entry here to leave it out');
        if (version !== undefined && version !== current.version) {
          throw new HttpError(409, `version ${version} is not current (now ${current.version}); reload and try again`);
        }
        const merged = checkedRange(
          {
            startDate: toDay(current.startDate),
            endDate: toDay(current.endDate),
            status: current.status,
            type: current.type,
            optionRank: current.optionRank,
            optionHolder: current.optionHolder,
            optionExpiresAt: current.optionExpiresAt?.toISOString() ?? null,
            note: current.note,
            ...changes,
          },
          config.maxRangeDays,
        );
        const optionRank = merged.status === 'tentative' ? (merged.optionRank ?? (await nextFreeRank(tx, { userId: request.userId, ...merged }, current.id))) : null;
        const { count } = await tx.availability.updateMany({
          where: { id: current.id, version: current.version },
          data: { ...merged, optionRank, version: { increment: 1 } },
        });
        if (count === 0) throw new HttpError(409, 'the entry changed meanwhile; reload and try again');
        const updated = await tx.availability.findUniqueOrThrow({ where: { id: current.id } });
        await send(changeMessages(current, updated, await applyEntryChange(tx, current, updated)));
        return updated;
      });
      const states = await db.platformAvailabilityState.findMany({ where: { availabilityId: updated.id } });
      return { ...present(updated, states), syncRequested: queuedSync(request.id) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/availability/:id',
    { schema: { tags, summary: 'Delete a date range (removed from every platform)', security: bearerSecurity, params: uuidParam('id'), response: { 204: noContent('Deleted'), 404: errorSchema } } },
    async (request, reply) => {
      await outbox.transaction(db, request.userId, async (tx, send) => {
        await lockUserCalendar(tx, request.userId);
        const before = await tx.availability.findFirst({ where: { id: request.params.id, userId: request.userId, deletedAt: null } });
        if (!before) throw new HttpError(404, 'no such availability entry');
        const deleted = await tx.availability.update({ where: { id: before.id }, data: { deletedAt: new Date(), version: { increment: 1 } } });
        await send(changeMessages(before, deleted, await applyEntryChange(tx, before, deleted)));
      });
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

/** An option's expiry is set in the request only when it is still ahead (a lapsed one would expire at once). */
export function refusePastExpiry(input: Pick<AvailabilityInput, 'optionExpiresAt'>, now = new Date()) {
  if (input.optionExpiresAt && new Date(input.optionExpiresAt) <= now) {
    throw new HttpError(400, `optionExpiresAt ${input.optionExpiresAt} is not in the future; an option's expiry must lie ahead`);
  }
}

/** Rules JSON schema cannot express: order of the days, the range limit, option fields only on options. */
export function checkedRange(input: AvailabilityInput, maxRangeDays: number) {
  const start = parseDay(input.startDate ?? '');
  const end = parseDay(input.endDate ?? '');
  if (!start) throw new HttpError(400, `startDate "${input.startDate}" is not a calendar day (YYYY-MM-DD)`);
  if (!end) throw new HttpError(400, `endDate "${input.endDate}" is not a calendar day (YYYY-MM-DD)`);
  if (end < start) throw new HttpError(400, `endDate ${input.endDate} is before startDate ${input.startDate}`);
  if (input.startDate! < FIRST_DAY) throw new HttpError(400, `startDate ${input.startDate} is before ${FIRST_DAY}, the first day castsync takes`);
  if (input.endDate! > LAST_DAY) throw new HttpError(400, `endDate ${input.endDate} is after ${LAST_DAY}, the last day castsync takes`);
  const days = daysInclusive(start, end);
  if (days > maxRangeDays) throw new HttpError(400, `the range covers ${days} days; at most ${maxRangeDays} are allowed`);
  const isOption = input.status === 'tentative';
  if (!isOption && (input.optionRank != null || input.optionExpiresAt != null)) {
    throw new HttpError(400, 'optionRank and optionExpiresAt are only allowed when status is "tentative"');
  }
  return {
    startDate: start,
    endDate: end,
    status: input.status!,
    type: input.type!,
    // null on an option: the route gives it the next free rank on its days (lib/options.ts nextFreeRank).
    optionRank: isOption ? (input.optionRank ?? null) : null,
    optionHolder: input.optionHolder ?? null,
    optionExpiresAt: input.optionExpiresAt ? new Date(input.optionExpiresAt) : null,
    note: input.note ?? null,
  };
}

/**
 * What a change of the calendar sends: the push, and the expiry timers it touches (set when a live option gets an
 * expiry or a new one, stopped when it loses it or stops being an option, stopped for every option the change
 * released). The relay makes each timer match its entry as it is when delivered.
 */
export function changeMessages(before: Availability | null, after: Availability, effects: OptionEffects): OutboxMessageInput[] {
  const expiryOf = (entry: Availability | null) => (entry && isLiveOption(entry) ? (entry.optionExpiresAt?.toISOString() ?? null) : null);
  const timers = new Set(effects.released);
  if (expiryOf(before) !== expiryOf(after)) timers.add(after.id);
  return [{ topic: 'sync', data: 'availability' }, ...[...timers].map((availabilityId) => ({ topic: 'option_timer', availabilityId }) as const)];
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
