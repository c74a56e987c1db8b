// The user's own calendars as sources of availability (issue 16): ICS subscriptions and CalDAV calendars (kind).
// Each route validates, calls one function of lib/calendar-sources.ts and answers. A feed's address is a secret (a
// Google secret address), as is a CalDAV login: they are accepted here, sealed, and never shown again; answers
// carry only the host. Which fields a kind needs is checked by the service, with a message naming the field.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { DAY_KINDS, type CalendarRule } from '../../lib/calendars/days.js';
import {
  CalendarSourceError,
  MAX_RULES,
  createCalendarSource,
  deleteCalendarSource,
  getCalendarSource,
  listCalendarSources,
  refreshCalendarSourceNow,
  updateCalendarSource,
  type CalendarSourceChange,
  type NewCalendarSource,
} from '../../lib/calendar-sources.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { bearerSecurity } from '../auth.js';
import { HttpError, errorSchema, noContent, uuidParam } from '../schemas.js';

export interface CalendarRouteDeps {
  db: Db;
  config: Config;
  outbox: SyncOutbox;
}

const ruleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind'],
  properties: {
    busyOnly: { type: 'boolean', description: 'Only events that show you as busy (not those marked free)' },
    category: { type: 'string', minLength: 1, maxLength: 100, description: 'One of the event\'s categories, any case' },
    word: { type: 'string', minLength: 1, maxLength: 100, description: 'Whole word(s) in the title, any case: "dreh" matches "Dreh Tatort", not "Nachtdreh"' },
    kind: { type: 'string', enum: DAY_KINDS, description: 'What the event\'s days become' },
  },
} as const;

const editable = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  url: {
    type: 'string',
    minLength: 1,
    maxLength: 2048,
    description: 'kind ics: the feed\'s address (https://, or webcal://); stored sealed and never shown again',
  },
  serverUrl: {
    type: 'string',
    minLength: 1,
    maxLength: 2048,
    description: 'kind caldav: the server\'s address (https://), as your calendar app has it; the calendars are found from it (/.well-known/caldav, the principal)',
  },
  calendarUrl: {
    type: 'string',
    minLength: 1,
    maxLength: 2048,
    description: 'kind caldav: which calendar to read, by its address; may be left out when the account has one calendar with events (else the 400 lists them)',
  },
  username: { type: 'string', minLength: 1, maxLength: 256, description: 'kind caldav: the login\'s username; stored sealed and never shown again' },
  password: {
    type: 'string',
    minLength: 1,
    maxLength: 512,
    description: 'kind caldav: an app password (tried against the server when given: a refusal is a 400 and nothing is stored); stored sealed and never shown again',
  },
  rules: {
    type: 'array',
    minItems: 1,
    maxItems: MAX_RULES,
    items: ruleSchema,
    description: 'Tried in order, the first match decides; an event no rule matches is not imported. Default: every event blocks its days',
  },
  shareDetails: { type: 'boolean', description: 'Send titles and locations to the platforms as the entry\'s note (default false: only the day and kind)' },
} as const;

const destinationField = {
  type: 'boolean',
  description:
    'kind caldav: castsync writes its bookings, options and blocked days into this calendar (one per user: the one before stops being it, and castsync removes its events there); false removes them from this one',
} as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'name'],
  properties: {
    kind: { type: 'string', enum: ['ics', 'caldav'], description: 'ics: a subscribed feed (takes url); caldav: a CalDAV calendar (takes serverUrl, username, password, calendarUrl)' },
    ...editable,
  },
} as const;

const patchBody = { type: 'object', additionalProperties: false, minProperties: 1, properties: { ...editable, destination: destinationField } } as const;

const sourceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['ics', 'caldav'] },
    name: { type: 'string' },
    host: { type: 'string', description: 'The host of the feed\'s (or CalDAV calendar\'s) address: the only part of it shown' },
    rules: { type: 'array', items: ruleSchema },
    shareDetails: { type: 'boolean' },
    destination: { type: 'boolean', description: 'castsync writes its entries into this calendar' },
    status: { type: 'string', enum: ['ok', 'failing', 'needs_reauth'] },
    lastError: { type: ['string', 'null'] },
    lastFetchedAt: { type: ['string', 'null'], format: 'date-time' },
    lastChangedAt: { type: ['string', 'null'], format: 'date-time', description: 'When the feed last brought something new' },
    entries: { type: 'integer', description: 'Entries of our calendar this source brought in' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/**
 * A CalDAV server's trouble while the login is tried (502) is the server's, not castsync's: its message goes to
 * the user (the error handler would answer any other 5xx as "internal error").
 */
async function serverTroubleSaid<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof CalendarSourceError && error.statusCode === 502) throw new HttpError(502, error.message);
    throw error;
  }
}

export async function calendarRoutes(app: FastifyInstance, { db, config, outbox }: CalendarRouteDeps) {
  const tags = ['calendars'];
  const caller = (request: { userId: string; id: string }) => ({ userId: request.userId, requestId: request.id });

  app.get(
    '/api/calendars',
    { schema: { tags, summary: 'Your calendar sources', security: bearerSecurity, response: { 200: { type: 'object', properties: { items: { type: 'array', items: sourceSchema } } } } } },
    async (request) => ({ items: await listCalendarSources(db, request.userId) }),
  );

  app.post<{ Body: NewCalendarSource }>(
    '/api/calendars',
    {
      schema: {
        tags,
        summary: 'Subscribe to a calendar feed or a CalDAV calendar: its events become blocked days on every platform, by your rules',
        security: bearerSecurity,
        body: createBody,
        response: { 201: sourceSchema, 400: errorSchema, 409: errorSchema, 502: errorSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await serverTroubleSaid(createCalendarSource(db, outbox, config, caller(request), request.body))),
  );

  app.get<{ Params: { id: string } }>(
    '/api/calendars/:id',
    { schema: { tags, summary: 'One calendar source', security: bearerSecurity, params: uuidParam('id'), response: { 200: sourceSchema, 404: errorSchema } } },
    async (request) => getCalendarSource(db, request.userId, request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: CalendarSourceChange & { rules?: CalendarRule[] } }>(
    '/api/calendars/:id',
    {
      schema: {
        tags,
        summary: 'Rename a calendar source, change its address or CalDAV login, rules or shareDetails (all but the name read it again at once), or make it the calendar castsync writes to (destination)',
        security: bearerSecurity,
        params: uuidParam('id'),
        body: patchBody,
        response: { 200: sourceSchema, 400: errorSchema, 404: errorSchema, 502: errorSchema },
      },
    },
    async (request) => serverTroubleSaid(updateCalendarSource(db, outbox, config, caller(request), request.params.id, request.body)),
  );

  app.post<{ Params: { id: string } }>(
    '/api/calendars/:id/refresh',
    {
      schema: {
        tags,
        summary: 'Read the calendar now (its schedule reads it every CASTSYNC_CALENDAR_REFRESH_MINUTES)',
        security: bearerSecurity,
        params: uuidParam('id'),
        response: { 202: sourceSchema, 404: errorSchema },
      },
    },
    async (request, reply) => reply.code(202).send(await refreshCalendarSourceNow(db, outbox, caller(request), request.params.id)),
  );

  app.delete<{ Params: { id: string }; Querystring: { confirm: boolean } }>(
    '/api/calendars/:id',
    {
      schema: {
        tags,
        summary: 'Remove a calendar source and every entry it brought in (from every platform); needs confirm=true',
        security: bearerSecurity,
        params: uuidParam('id'),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { confirm: { type: 'boolean', default: false, description: 'Without it the answer is a 400 saying how many entries would go' } },
        },
        response: { 204: noContent('Removed, with its entries'), 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      await deleteCalendarSource(db, outbox, caller(request), request.params.id, { confirm: request.query.confirm });
      return reply.code(204).send();
    },
  );
}
