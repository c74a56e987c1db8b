// Following a change after its answer: the outbox rows a request wrote (queued until the relay delivers them, then
// the sync workflow's state), and the user's whole backlog, which the dashboard shows as "waiting for the sync
// service" when it stays.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../lib/db.js';
import { outboxBacklog } from '../../lib/sync-status.js';
import { withinMs } from '../../lib/temporal-client.js';
import { syncWorkflowId, type SyncedData, syncSignals } from '../../workflows/plumbing.js';
import type { SyncView } from '../../workflows/sync-signals.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, HttpError } from '../schemas.js';

/** A backlog older than this means the sync service is not taking changes (normally rows go within milliseconds). */
export const WAITING_FOR_SYNC_SERVICE_MS = 5_000;

const platformViewSchema = {
  type: 'object',
  properties: { platformId: { type: 'string' }, state: { type: 'string' }, queued: { type: 'boolean' }, lastError: { type: ['string', 'null'] } },
} as const;

const messageSchema = {
  type: 'object',
  properties: {
    topic: { type: 'string', enum: ['sync', 'option_timer', 'pull_schedule', 'drift_check'] },
    data: { type: ['string', 'null'] },
    platformIds: { type: 'array', items: { type: 'string' } },
    manual: { type: 'boolean' },
    state: { type: 'string', enum: ['queued', 'delivered'] },
    createdAt: { type: 'string', format: 'date-time' },
    deliveredAt: { type: ['string', 'null'], format: 'date-time' },
    attempts: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
  },
} as const;

export async function syncRequestRoutes(app: FastifyInstance, { db, temporal, timeoutMs }: { db: Db; temporal: Client; timeoutMs: number }) {
  const tags = ['sync'];

  app.get<{ Params: { requestId: string } }>(
    '/api/sync/requests/:requestId',
    {
      schema: {
        tags,
        summary: 'What became of the sync a change asked for (its syncRequested.requestId): queued, or delivered and the workflow\'s state',
        security: bearerSecurity,
        params: { type: 'object', required: ['requestId'], additionalProperties: false, properties: { requestId: { type: 'string', pattern: '^[\\w.:-]{1,100}$' } } },
        response: {
          200: {
            type: 'object',
            properties: {
              requestId: { type: 'string' },
              state: { type: 'string', enum: ['queued', 'delivered'] },
              messages: { type: 'array', items: messageSchema },
              workflows: {
                type: 'array',
                description: 'The live state of each sync workflow the request reached (empty while queued, or when the sync service does not answer)',
                items: { type: 'object', properties: { data: { type: 'string' }, platforms: { type: 'array', items: platformViewSchema } } },
              },
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const rows = await db.outboxMessage.findMany({ where: { userId: request.userId, requestId: request.params.requestId }, orderBy: { id: 'asc' } });
      if (rows.length === 0) throw new HttpError(404, 'no sync was asked for by that request (or it was delivered long ago)');
      const delivered = rows.every((row) => row.deliveredAt !== null);
      const data = [...new Set(rows.flatMap((row) => (row.topic === 'sync' && row.deliveredAt ? [row.data as SyncedData] : [])))];
      const views = await Promise.all(data.map(async (d) => ({ data: d, view: await syncState(temporal, timeoutMs, d, request.userId) })));
      return {
        requestId: request.params.requestId,
        state: delivered ? 'delivered' : 'queued',
        messages: rows.map((row) => ({ ...row, state: row.deliveredAt ? 'delivered' : 'queued' })),
        workflows: views.flatMap(({ data: d, view }) => (view ? [{ data: d, platforms: view.platforms }] : [])),
      };
    },
  );

  app.get(
    '/api/sync/outbox',
    {
      schema: {
        tags,
        summary: 'Your changes saved but not yet handed to the sync service',
        security: bearerSecurity,
        response: {
          200: {
            type: 'object',
            properties: {
              waiting: { type: 'integer' },
              oldestWaitingSince: { type: ['string', 'null'], format: 'date-time' },
              lastError: { type: ['string', 'null'] },
              waitingForSyncService: { type: 'boolean', description: `Changes have waited more than ${WAITING_FOR_SYNC_SERVICE_MS / 1000} s: the sync service is not reachable` },
            },
          },
        },
      },
    },
    async (request) => {
      const backlog = await outboxBacklog(db, request.userId);
      const age = backlog.oldestWaitingSince ? Date.now() - backlog.oldestWaitingSince.getTime() : 0;
      return { ...backlog, waitingForSyncService: age > WAITING_FOR_SYNC_SERVICE_MS };
    },
  );
}

async function syncState(temporal: Client, timeoutMs: number, data: SyncedData, userId: string): Promise<SyncView | null> {
  return withinMs(temporal, timeoutMs, () => temporal.workflow.getHandle(syncWorkflowId(data, userId)).query(syncSignals[data].state)).catch(() => null);
}
