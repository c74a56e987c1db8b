// GET /api/audit: the signed-in user's audit trail (lib/audit.ts), newest first, paged.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../lib/db.js';
import { bearerSecurity } from '../auth.js';
import { pageQuery } from '../schemas.js';

const auditEventSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { type: ['string', 'null'] },
    details: { type: ['object', 'null'], additionalProperties: true },
    requestId: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export async function auditRoutes(app: FastifyInstance, { db }: { db: Db }) {
  app.get<{ Querystring: { action?: string; page: number; pageSize: number } }>(
    '/api/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Your audit trail: connections, settings, manual syncs, retries, conflict resolutions',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            action: { type: 'string', maxLength: 64 },
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: auditEventSchema }, page: { type: 'integer' }, pageSize: { type: 'integer' }, total: { type: 'integer' } },
          },
        },
      },
    },
    async (request) => {
      const { action, page, pageSize } = request.query;
      const where = { userId: request.userId, ...(action ? { action } : {}) };
      const [rows, total] = await Promise.all([
        db.auditEvent.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize }),
        db.auditEvent.count({ where }),
      ]);
      return { items: rows, page, pageSize, total }; // the response schema leaves out userId
    },
  );
}
