// The user's availability as an ICS feed for calendar apps (which cannot send a bearer token): the URL carries a
// secret of its own, stored only as its SHA-256 in User.icsTokenHash. Rotating it makes the old URL answer 404;
// revoking it turns the feed off. The events use the same status mapping as the e-mails to agencies (lib/ics.ts).
import type { FastifyInstance } from 'fastify';
import ical, { ICalCalendarMethod } from 'ical-generator';
import type { Availability } from '../../generated/prisma/client.js';
import { statusInWords } from '../../adapters/email/availability-words.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { toAvailabilityItem } from '../../lib/availability-item.js';
import { addAvailabilityEvent, eventStatus, icsText } from '../../lib/ics.js';
import { hashApiToken, newFeedToken } from '../../lib/secrets.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, fileAnswer, HttpError, noContent } from '../schemas.js';

export interface IcsFeedDeps {
  db: Db;
  config: Config;
}

const tags = ['availability'];

/** GET /api/availability.ics?token=...: no bearer token; the feed secret is the credential. */
export async function icsFeedRoute(app: FastifyInstance, { db }: IcsFeedDeps) {
  app.get<{ Querystring: { token: string } }>(
    '/api/availability.ics',
    {
      schema: {
        tags,
        summary: 'The availability as an iCalendar feed (the URL from POST /api/availability/ics-token)',
        querystring: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 200: fileAnswer('The feed (RFC 5545)', ['text/calendar']), 404: errorSchema },
      },
    },
    async (request, reply) => {
      const user = await db.user.findUnique({ where: { icsTokenHash: hashApiToken(request.query.token) }, select: { id: true, name: true } });
      if (!user) throw new HttpError(404, 'unknown or revoked feed token');
      const entries = await db.availability.findMany({ where: { userId: user.id, deletedAt: null }, orderBy: [{ startDate: 'asc' }, { id: 'asc' }] });
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, no-cache')
        .send(availabilityFeed(user.name, entries));
    },
  );
}

/** POST/DELETE /api/availability/ics-token, inside the bearer-authenticated scope. */
export async function icsTokenRoutes(app: FastifyInstance, { db, config }: IcsFeedDeps) {
  app.post(
    '/api/availability/ics-token',
    {
      schema: {
        tags,
        summary: 'Create or rotate the ICS feed secret; answers it once, with the feed URL (an older URL stops working)',
        security: bearerSecurity,
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, url: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      const token = newFeedToken();
      await db.user.update({ where: { id: request.userId }, data: { icsTokenHash: hashApiToken(token) } });
      return reply.code(201).send({ token, url: `${config.publicUrl}/api/availability.ics?token=${encodeURIComponent(token)}` });
    },
  );

  app.delete(
    '/api/availability/ics-token',
    { schema: { tags, summary: 'Revoke the ICS feed secret (the feed URL answers 404)', security: bearerSecurity, response: { 204: noContent('Revoked') } } },
    async (request, reply) => {
      await db.user.update({ where: { id: request.userId }, data: { icsTokenHash: null } });
      return reply.code(204).send();
    },
  );
}

/** Every live entry as an all-day event; SEQUENCE is the entry's version, so calendar apps take each change. */
function availabilityFeed(actorName: string, entries: Availability[], now = new Date()): string {
  const calendar = ical({
    prodId: { company: 'castsync', product: 'availability-feed', language: 'DE' },
    method: ICalCalendarMethod.PUBLISH,
    name: icsText(`Verfügbarkeit ${actorName}`),
  });
  for (const entry of entries) {
    const item = toAvailabilityItem(entry);
    addAvailabilityEvent(calendar, item, eventStatus(item), { summary: `${actorName}: ${statusInWords(item)}`, sequence: entry.version, stamp: now });
  }
  return calendar.toString();
}
