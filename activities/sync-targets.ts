// Which of a user's platforms a sync round should push to. Runs as a local activity next to the workflow.
import { getPlatform, isPlatformId, type ConnectionKind } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import type { Db } from '../lib/db.js';

export interface SyncTarget {
  platformId: string;
  kind: ConnectionKind;
}

export interface SyncTargetQuery {
  userId: string;
  /** Platforms asked for by hand (manual sync, retry): pushed even with auto-sync off or after an auth failure. */
  manualPlatformIds: string[];
  /** A change to our data: every connected platform with auto-sync and availability sync on. */
  includeAutoSync: boolean;
}

export function createSyncTargetActivities(db: Db) {
  return {
    async listAvailabilitySyncTargets(query: SyncTargetQuery): Promise<SyncTarget[]> {
      const connections = await db.platformConnection.findMany({
        where: { userId: query.userId, connected: true, syncAvailability: true },
        select: { platformId: true, autoSync: true, status: true },
      });
      return connections
        .filter((c) => isPlatformId(c.platformId) && getPlatform(c.platformId).capabilities.pushAvailability)
        .filter((c) => hasAdapter(getPlatform(c.platformId).kind))
        .filter(
          (c) =>
            query.manualPlatformIds.includes(c.platformId) ||
            (query.includeAutoSync && c.autoSync && c.status !== 'needs_reauth'),
        )
        .map((c) => ({ platformId: c.platformId, kind: getPlatform(c.platformId).kind }))
        .sort((a, b) => a.platformId.localeCompare(b.platformId));
    },
  };
}
