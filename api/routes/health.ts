import type { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../lib/db.js';

export async function healthRoutes(app: FastifyInstance, { db, temporal }: { db: Db; temporal: Client }) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Whether the database and Temporal answer',
        response: {
          '2xx': { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' }, temporal: { type: 'string' } } },
          '5xx': { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' }, temporal: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      const [database, engine] = await Promise.all([
        db.$queryRaw`SELECT 1`.then(() => 'ok', () => 'unreachable'),
        (temporal.connection as Connection).healthService.check({}).then(() => 'ok', () => 'unreachable'),
      ]);
      const healthy = database === 'ok' && engine === 'ok';
      return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', database, temporal: engine });
    },
  );
}
