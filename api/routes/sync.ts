// Sync: manual sync, each platform's status, the history of attempts, and retrying a failed one.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { calendarSourceIdOf, syncWorkflowId, type SyncedData } from '../../workflows/plumbing.js';
import { getPlatform, isPlatformId } from '../../adapters/catalog.js';
import type { SyncLog } from '../../generated/prisma/client.js';
import type { SyncOperation } from '../../generated/prisma/enums.js';
import { byUser, recordAudit } from '../../lib/audit.js';
import type { Db } from '../../lib/db.js';
import { syncMessages } from '../../lib/outbox.js';
import type { SyncOutbox } from '../../lib/outbox-relay.js';
import { accountQuotaState, type QuotaSettings } from '../../lib/request-quotas.js';
import { outboxBacklog, pendingAvailabilityEntries, platformSyncState, pushesWhileSyncing, queryAvailabilitySync } from '../../lib/sync-status.js';
import { bearerSecurity } from '../auth.js';
import { errorSchema, fileAnswer, HttpError, pageQuery, platformParam, queuedSync, syncOperations, syncRequestedSchema, syncStatuses, uuidParam } from '../schemas.js';

export interface SyncRouteDeps {
  db: Db;
  /** Folder of failure artifacts; SyncLog.artifactPath is relative to it. */
  artifactsDir: string;
  temporal: Client;
  temporalUiUrl: string;
  temporalNamespace: string;
  /** Longest wait for a workflow query; past it the database's view answers. */
  temporalRequestTimeoutMs: number;
  /** Manual syncs and retries are queued like changes: they wait in the outbox while Temporal is away. */
  outbox: SyncOutbox;
  /** Platforms this server offers (CASTSYNC_PLATFORMS): a connection to another one is never pushed to. */
  enabledPlatforms: string[];
  /** The request quotas castsync keeps (lib/request-quotas.ts), for the status's `quota`. */
  quotas: QuotaSettings;
}

/** What each kind of data needs of a platform, and which sync-log operations a retry of it pushes again. */
const dataKinds: Record<SyncedData, { capability: 'pushAvailability' | 'media' | 'profile'; takes: string; operations: SyncOperation[] }> = {
  availability: { capability: 'pushAvailability', takes: 'availability', operations: ['push_availability'] },
  media: { capability: 'media', takes: 'media', operations: ['sync_media', 'upload_media', 'delete_media'] },
  profile: { capability: 'profile', takes: 'a profile', operations: ['update_profile'] },
};

const dataOfOperation = (operation: SyncOperation): SyncedData | undefined =>
  (Object.keys(dataKinds) as SyncedData[]).find((data) => dataKinds[data].operations.includes(operation));

export const syncLogSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    platformId: { type: 'string' },
    operation: { type: 'string' },
    status: { type: 'string' },
    itemsProcessed: { type: 'integer' },
    durationMs: { type: ['integer', 'null'] },
    errorMessage: { type: ['string', 'null'] },
    errorType: { type: ['string', 'null'] },
    attempt: { type: 'integer' },
    workflowId: { type: ['string', 'null'] },
    runId: { type: ['string', 'null'] },
    temporalUrl: { type: ['string', 'null'], description: 'The run in the Temporal Web UI' },
    artifactUrl: { type: ['string', 'null'], description: 'Screenshot (or page HTML) of a failed browser step' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const outboxBacklogSchema = {
  type: 'object',
  description: 'Changes saved but not yet handed to the sync service (waiting for it when the oldest is more than a few seconds old)',
  properties: { waiting: { type: 'integer' }, oldestWaitingSince: { type: ['string', 'null'], format: 'date-time' }, lastError: { type: ['string', 'null'] } },
} as const;

export const platformSyncStateSchema = {
  type: ['object', 'null'],
  description: 'The availability sync state: "synced" only when the platform confirmed every entry at its current version',
  properties: {
    state: { type: 'string', enum: ['pending', 'syncing', 'synced', 'failed'] },
    queued: { type: 'boolean' },
    pushes: { type: 'integer' },
    lastItemsProcessed: { type: ['integer', 'null'] },
    lastSyncedAt: { type: ['string', 'null'] },
    lastError: { type: ['string', 'null'] },
    lastErrorType: { type: ['string', 'null'] },
    redrive: {
      type: ['object', 'null'],
      description: 'The platform was down longer than its retry window: when it is pushed again (a manual sync pushes at once)',
      properties: { failedProbes: { type: 'integer' }, intervalMs: { type: 'integer' }, nextAttemptAt: { type: 'string', format: 'date-time' } },
    },
  },
} as const;

export const pushActivitySchema = {
  type: ['object', 'null'],
  description:
    'The availability push Temporal holds for this platform now (null when none is under way): waiting for a worker to take it (the workers of the platform are busy or stopped, or its dispatch limit holds it back), running, or waiting to retry after a failed attempt',
  properties: {
    state: { type: 'string', enum: ['waiting', 'running', 'retry_wait'] },
    attempt: { type: 'integer', description: 'The attempt waiting or running; in retry_wait, the next one' },
    since: { type: 'string', format: 'date-time', description: 'waiting: scheduled then; running: started then; retry_wait: the failed attempt ended then' },
    forMs: { type: 'integer', description: "How long it has been so, by the server's clock" },
    nextAttemptAt: { type: ['string', 'null'], format: 'date-time', description: 'retry_wait: when the next attempt is handed to a worker' },
  },
} as const;

export const quotaStateSchema = {
  type: ['object', 'null'],
  description:
    "The account's published request quota, which castsync keeps to itself: what it spent in the last window, and, when that is all it lets itself spend, until when pushes wait for it (null: the platform publishes no quota)",
  properties: {
    requests: { type: 'integer' },
    perSeconds: { type: 'integer' },
    usable: { type: 'integer', description: 'What castsync spends at most in any window: the quota less CASTSYNC_QUOTA_HEADROOM' },
    used: { type: 'integer' },
    waitingUntil: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const accepted = {
  type: 'object',
  properties: { workflowId: { type: 'string' }, platformId: { type: 'string' }, syncRequested: syncRequestedSchema },
} as const;

/** A SyncLog row as the API answers it: with links to its run in the Temporal Web UI and to its artifact. */
export function syncLogPresenter({ temporalUiUrl, temporalNamespace }: { temporalUiUrl: string; temporalNamespace: string }) {
  const runUrl = (workflowId: string | null, runId: string | null) =>
    workflowId && runId
      ? `${temporalUiUrl}/namespaces/${encodeURIComponent(temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
      : null;
  return (row: SyncLog) => ({
    ...row,
    temporalUrl: runUrl(row.workflowId, row.runId),
    artifactUrl: row.artifactPath ? `/api/sync/history/${row.id}/artifact` : null,
  });
}

export async function syncRoutes(app: FastifyInstance, deps: SyncRouteDeps) {
  const { db, temporal } = deps;
  const tags = ['sync'];

  async function connectedPlatform(userId: string, platformId: string, data: SyncedData = 'availability') {
    if (!isPlatformId(platformId)) throw new HttpError(404, `unknown platform "${platformId}"`);
    const connection = await db.platformConnection.findUnique({ where: { userId_platformId: { userId, platformId } } });
    if (!connection?.connected) throw new HttpError(404, `${getPlatform(platformId).name} is not connected`);
    if (!deps.enabledPlatforms.includes(platformId)) throw new HttpError(404, `${getPlatform(platformId).name} is not offered on this server any more`);
    if (!getPlatform(platformId).capabilities[dataKinds[data].capability]) {
      throw new HttpError(409, `${getPlatform(platformId).name} does not take ${dataKinds[data].takes}`);
    }
    return connection;
  }

  /** A platform's attempt needs the platform connected; a destination calendar's, the calendar still there. */
  async function retriedTarget(userId: string, platformId: string, data: SyncedData) {
    const sourceId = calendarSourceIdOf(platformId);
    if (!sourceId) return void (await connectedPlatform(userId, platformId, data));
    if (!(await db.calendarSource.findFirst({ where: { id: sourceId, userId }, select: { id: true } }))) throw new HttpError(404, 'the calendar of this attempt was removed');
  }

  const presentLog = syncLogPresenter(deps);

  app.get<{ Params: { syncLogId: string } }>(
    '/api/sync/history/:syncLogId/artifact',
    {
      schema: {
        tags,
        summary: 'The screenshot or page HTML a failed browser attempt left',
        security: bearerSecurity,
        params: uuidParam('syncLogId'),
        response: { 200: fileAnswer('A PNG screenshot, or the page HTML as plain text', ['image/png', 'text/plain']), 404: errorSchema },
      },
    },
    async (request, reply) => {
      const log = await db.syncLog.findFirst({ where: { id: request.params.syncLogId, userId: request.userId } });
      if (!log?.artifactPath) throw new HttpError(404, 'this attempt left no artifact');
      const file = path.resolve(deps.artifactsDir, log.artifactPath);
      if (!file.startsWith(path.resolve(deps.artifactsDir) + path.sep)) throw new HttpError(404, 'this attempt left no artifact');
      const content = await readFile(file).catch(() => null);
      if (!content) throw new HttpError(404, 'the artifact is no longer stored');
      // The platform's HTML is served as text: rendering a third party's page under our origin would be unsafe.
      return reply.type(file.endsWith('.png') ? 'image/png' : 'text/plain; charset=utf-8').send(content);
    },
  );

  for (const data of Object.keys(dataKinds) as SyncedData[]) {
    app.post<{ Params: { platformId: string } }>(
      `/api/sync/${data}/:platformId`,
      {
        schema: {
          tags,
          summary: `Push ${data} to one platform now (compares with what the platform holds, even when it is known to be in step)`,
          security: bearerSecurity,
          params: platformParam,
          response: { 202: accepted, 404: errorSchema, 409: errorSchema },
        },
      },
      async (request, reply) => {
        const { platformId } = request.params;
        await connectedPlatform(request.userId, platformId, data);
        await deps.outbox.transaction(db, request.userId, async (tx, send) => {
          await recordAudit(tx, { ...byUser(request), action: 'sync.manual', target: platformId, details: { data } });
          await send(syncMessages([data], { manual: true, platformIds: [platformId] }));
        });
        return reply.code(202).send({ workflowId: syncWorkflowId(data, request.userId), platformId, syncRequested: queuedSync(request.id) });
      },
    );
  }

  app.get<{ Params: { platformId: string } }>(
    '/api/sync/status/:platformId',
    {
      schema: {
        tags,
        summary: "A platform's connection and sync state",
        security: bearerSecurity,
        params: platformParam,
        response: {
          200: {
            type: 'object',
            properties: {
              platformId: { type: 'string' },
              name: { type: 'string' },
              connectionStatus: { type: 'string', enum: ['ok', 'needs_reauth', 'failing'] },
              statusMessage: { type: ['string', 'null'] },
              lastSyncedAt: { type: ['string', 'null'], format: 'date-time' },
              autoSync: { type: 'boolean' },
              source: {
                type: 'string',
                enum: ['workflow', 'database'],
                description: 'workflow: the live state from the sync workflow; database: the sync service did not answer in time, this is what the database knows',
              },
              pendingEntries: { type: 'integer', description: 'Availability entries the platform has not yet confirmed at their current version' },
              outbox: outboxBacklogSchema,
              sync: platformSyncStateSchema,
              lastAttempt: { anyOf: [syncLogSchema, { type: 'null' }] },
              quota: quotaStateSchema,
              push: pushActivitySchema,
            },
          },
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const { platformId } = request.params;
      const { id: connectionId } = await connectedPlatform(request.userId, platformId);
      // The workflow first: an activity updates the database before the workflow learns how it ended, so the
      // rows read afterwards are at least as new as the workflow's state.
      const view = await queryAvailabilitySync(temporal, request.userId, deps.temporalRequestTimeoutMs);
      const [connection, lastAttempt, pendingEntries, outbox, quota, pushes] = await Promise.all([
        connectedPlatform(request.userId, platformId),
        db.syncLog.findFirst({ where: { userId: request.userId, platformId, operation: 'push_availability' }, orderBy: { startedAt: 'desc' } }),
        pendingAvailabilityEntries(db, request.userId, platformId),
        outboxBacklog(db, request.userId),
        accountQuotaState(db, deps.quotas, getPlatform(platformId), connectionId),
        pushesWhileSyncing(temporal, request.userId, view, deps.temporalRequestTimeoutMs),
      ]);
      return {
        platformId,
        name: getPlatform(platformId).name,
        connectionStatus: connection.status,
        statusMessage: connection.statusMessage,
        lastSyncedAt: connection.lastSyncedAt?.toISOString() ?? null,
        autoSync: connection.autoSync,
        source: view === 'unreachable' ? 'database' : 'workflow',
        pendingEntries,
        outbox: { ...outbox, oldestWaitingSince: outbox.oldestWaitingSince?.toISOString() ?? null },
        sync: platformSyncState(view, platformId, { lastAttempt, pendingEntries, waiting: outbox.waiting }),
        lastAttempt: lastAttempt ? presentLog(lastAttempt) : null,
        quota,
        push: pushes.get(platformId) ?? null,
      };
    },
  );

  app.get<{ Querystring: { platformId?: string; status?: string; operation?: string; page: number; pageSize: number } }>(
    '/api/sync/history',
    {
      schema: {
        tags,
        summary: 'Sync attempts, newest first',
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            platformId: {
              type: 'string',
              pattern: '^([a-z0-9-]{1,64}|calendar:[0-9a-f-]{36})$',
              description: 'A platform, or "calendar:<id>" for the writes to your destination calendar',
            },
            status: { type: 'string', enum: syncStatuses },
            operation: { type: 'string', enum: syncOperations },
            ...pageQuery,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: syncLogSchema },
              page: { type: 'integer' },
              pageSize: { type: 'integer' },
              total: { type: 'integer' },
            },
          },
        },
      },
    },
    async (request) => {
      const { platformId, status, operation, page, pageSize } = request.query;
      const where = {
        userId: request.userId,
        ...(platformId ? { platformId } : {}),
        ...(status ? { status: status as (typeof syncStatuses)[number] } : {}),
        ...(operation ? { operation: operation as (typeof syncOperations)[number] } : {}),
      };
      const [rows, total] = await Promise.all([
        db.syncLog.findMany({ where, orderBy: [{ startedAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize }),
        db.syncLog.count({ where }),
      ]);
      return { items: rows.map(presentLog), page, pageSize, total };
    },
  );

  app.post<{ Params: { syncLogId: string } }>(
    '/api/sync/retry/:syncLogId',
    {
      schema: {
        tags,
        summary: 'Retry a failed or partial attempt (pushes the current state again)',
        security: bearerSecurity,
        params: uuidParam('syncLogId'),
        response: { 202: accepted, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const log = await db.syncLog.findFirst({ where: { id: request.params.syncLogId, userId: request.userId } });
      if (!log) throw new HttpError(404, 'no such sync attempt');
      if (log.status !== 'failed' && log.status !== 'partial') {
        throw new HttpError(409, `only failed or partial attempts can be retried; this one is ${log.status}`);
      }
      const data = dataOfOperation(log.operation);
      if (!data) throw new HttpError(409, `a ${log.operation} attempt is retried by the next scheduled pull, or by a manual sync`);
      await retriedTarget(request.userId, log.platformId, data);
      await deps.outbox.transaction(db, request.userId, async (tx, send) => {
        await recordAudit(tx, { ...byUser(request), action: 'sync.retry', target: log.platformId, details: { syncLogId: log.id } });
        await send(syncMessages([data], { manual: true, platformIds: [log.platformId] }));
      });
      return reply.code(202).send({ workflowId: syncWorkflowId(data, request.userId), platformId: log.platformId, syncRequested: queuedSync(request.id) });
    },
  );
}
