// GET /metrics for Prometheus: the sync metrics of this process and the gateway's gauges read from the database.
// Only counts per platform, operation and status: nothing about a user, so it needs no token.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../lib/db.js';
import { fileAnswer } from '../schemas.js';
import { gatewayRegistry, METRICS_CONTENT_TYPE, metricsText, syncRegistry } from '../../lib/metrics.js';

export async function metricsRoute(app: FastifyInstance, { db }: { db: Db }) {
  const registries = [syncRegistry, gatewayRegistry(db)];
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics (text format)', response: { 200: fileAnswer('Prometheus text exposition format', ['text/plain']) } } }, async (_request, reply) =>
    reply.type(METRICS_CONTENT_TYPE).send(await metricsText(registries)),
  );
}
