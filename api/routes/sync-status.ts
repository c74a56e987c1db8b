// Every platform and its state in one answer: what the dashboard's platforms page shows, fed by one request (not
// one per platform). Built from the database and at most one query of the availability sync workflow, the one
// sync workflow whose state the page shows.
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { getPlatform, isPlatformId } from '../../adapters/catalog.js';
import type { Config } from '../../lib/config.js';
import type { Db } from '../../lib/db.js';
import { accountQuotaState } from '../../lib/request-quotas.js';
import { outboxBacklog, pendingAvailabilityByPlatform, platformSyncState, pushesWhileSyncing, queryAvailabilitySync } from '../../lib/sync-status.js';
import { bearerSecurity } from '../auth.js';
import { offeredPlatforms } from '../../lib/platform-offer.js';
import { platformSchema } from './platforms.js';
import { outboxBacklogSchema, platformSyncStateSchema, pushActivitySchema, quotaStateSchema, syncLogPresenter, syncLogSchema } from './sync.js';

export interface SyncStatusRouteDeps {
  db: Db;
  config: Config;
  temporal: Client;
}

const statusSchema = {
  type: 'object',
  properties: {
    source: {
      type: 'string',
      enum: ['workflow', 'database'],
      description: 'workflow: the live state from the sync workflow; database: the sync service did not answer in time, this is what the database knows',
    },
    outbox: outboxBacklogSchema,
    platforms: {
      type: 'array',
      description: 'As GET /api/platforms, each with its availability sync state',
      items: {
        type: 'object',
        properties: {
          ...platformSchema.properties,
          status: {
            type: ['object', 'null'],
            description: 'A connected platform that takes availability: how far it is in step (null for the others)',
            properties: {
              pendingEntries: { type: 'integer', description: 'Availability entries the platform has not yet confirmed at their current version' },
              sync: platformSyncStateSchema,
              lastAttempt: { anyOf: [syncLogSchema, { type: 'null' }] },
              quota: quotaStateSchema,
              push: pushActivitySchema,
            },
          },
        },
      },
    },
  },
} as const;

export async function syncStatusRoutes(app: FastifyInstance, deps: SyncStatusRouteDeps) {
  app.get(
    '/api/sync/status',
    {
      schema: {
        tags: ['sync'],
        summary: 'Every platform this server offers, with your connection to it and its sync state, in one answer',
        security: bearerSecurity,
        response: { 200: statusSchema },
      },
    },
    async (request) => platformsStatus(deps, request.userId),
  );
}

/** What GET /api/sync/status answers for one user. */
export async function platformsStatus({ db, config, temporal }: SyncStatusRouteDeps, userId: string) {
  const connections = await db.platformConnection.findMany({ where: { userId } });
  const platforms = offeredPlatforms(config, connections);
  const pushed = platforms.filter((p) => p.connection?.connected && p.capabilities.pushAvailability).map((p) => p.id);
  // The workflow first: rows read afterwards are at least as new as its state (see platformSyncState).
  const view = pushed.length > 0 ? await queryAvailabilitySync(temporal, userId, config.temporalRequestTimeoutMs) : null;
  const [lastAttempts, pending, outbox, quotas, pushes] = await Promise.all([
    db.syncLog.findMany({
      where: { userId, platformId: { in: pushed }, operation: 'push_availability' },
      orderBy: [{ platformId: 'asc' }, { startedAt: 'desc' }],
      distinct: ['platformId'],
    }),
    pendingAvailabilityByPlatform(db, userId, pushed),
    outboxBacklog(db, userId),
    Promise.all(
      connections
        .filter((c) => pushed.includes(c.platformId) && isPlatformId(c.platformId))
        .map(async (c) => [c.platformId, await accountQuotaState(db, config, getPlatform(c.platformId), c.id)] as const),
    ),
    pushesWhileSyncing(temporal, userId, view, config.temporalRequestTimeoutMs),
  ]);
  const presentLog = syncLogPresenter(config);
  const statusOf = (platformId: string) => {
    if (!pushed.includes(platformId)) return null;
    const lastAttempt = lastAttempts.find((log) => log.platformId === platformId) ?? null;
    const pendingEntries = pending.get(platformId) ?? 0;
    return {
      pendingEntries,
      sync: platformSyncState(view, platformId, { lastAttempt, pendingEntries, waiting: outbox.waiting }),
      lastAttempt: lastAttempt && presentLog(lastAttempt),
      quota: quotas.find(([id]) => id === platformId)?.[1] ?? null,
      push: pushes.get(platformId) ?? null,
    };
  };
  return {
    source: view === 'unreachable' ? 'database' : 'workflow',
    outbox: { ...outbox, oldestWaitingSince: outbox.oldestWaitingSince?.toISOString() ?? null },
    platforms: platforms.map((platform) => ({ ...platform, status: statusOf(platform.id) })),
  };
}
