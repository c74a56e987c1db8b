// GET /health: whether the database and Temporal answer, within about a second whatever is down (a load
// balancer's probe must not hang on a dead Temporal frontend).
import type { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../lib/db.js';
import { withinMs } from '../../lib/temporal-client.js';

const healthSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    database: { type: 'string', enum: ['ok', 'unreachable'] },
    temporal: { type: 'string', enum: ['ok', 'unreachable'] },
    /** Changes saved and waiting for the sync service (all users). */
    outboxWaiting: { type: ['integer', 'null'] },
  },
} as const;

export async function healthRoutes(app: FastifyInstance, { db, temporal, timeoutMs }: { db: Db; temporal: Client; timeoutMs: number }) {
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Whether the database and Temporal answer (within about a second)', response: { 200: healthSchema, 503: healthSchema } } },
    async (_request, reply) => {
      const [waiting, engine] = await Promise.all([
        answerWithin(timeoutMs, db.outboxMessage.count({ where: { deliveredAt: null } })),
        withinMs(temporal, timeoutMs, () => (temporal.connection as Connection).healthService.check({})).then(() => 'ok' as const, () => 'unreachable' as const),
      ]);
      const database = waiting === null ? 'unreachable' : 'ok';
      const outboxWaiting = waiting;
      const healthy = database === 'ok' && engine === 'ok';
      return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', database, temporal: engine, outboxWaiting });
    },
  );
}

/** The query's answer when it comes in time; null when it fails or is late. */
function answerWithin<T>(timeoutMs: number, query: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  return Promise.race([query.catch(() => null), late]).finally(() => clearTimeout(timer));
}
