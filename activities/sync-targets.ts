// Which of a user's platforms a sync round should push to. Runs as a local activity next to the workflow (and
// syncTargetOf as a regular one on the workflow task queue: workflows/availability-pull.ts).
import { getPlatform, isPlatformId, platformIds, type ConnectionKind } from '../adapters/catalog.js';
import { hasAdapter } from '../adapters/registry.js';
import type { Db } from '../lib/db.js';
import type { SyncedData } from '../workflows/plumbing.js';

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

/** The connection setting that turns each kind of data's sync on, and the catalog capability it needs. */
const switches = {
  availability: { setting: 'syncAvailability', capability: 'pushAvailability' },
  media: { setting: 'syncMedia', capability: 'media' },
  profile: { setting: 'syncProfile', capability: 'profile' },
} as const;

/**
 * `enabled`: the platforms this deployment offers (CASTSYNC_PLATFORMS). A connection to a platform that was
 * disabled later is kept but not pushed to: no worker polls that platform's task queue any more.
 */
export function createSyncTargetActivities(db: Db, enabled: readonly string[] = platformIds) {
  async function listSyncTargets(query: SyncTargetQuery & { data: SyncedData }): Promise<SyncTarget[]> {
    const { setting, capability } = switches[query.data];
    const connections = await db.platformConnection.findMany({
      where: { userId: query.userId, connected: true, [setting]: true },
      select: { platformId: true, autoSync: true, status: true },
    });
    return connections
      .filter((c) => isPlatformId(c.platformId) && getPlatform(c.platformId).capabilities[capability])
      .filter((c) => hasAdapter(getPlatform(c.platformId).kind) && enabled.includes(c.platformId))
      .filter(
        (c) =>
          query.manualPlatformIds.includes(c.platformId) ||
          (query.includeAutoSync && c.autoSync && c.status !== 'needs_reauth'),
      )
      .map((c) => ({ platformId: c.platformId, kind: getPlatform(c.platformId).kind }))
      .sort((a, b) => a.platformId.localeCompare(b.platformId));
  }
  return {
    listSyncTargets,
    /** The availability workflow's name for it, kept: running workflows' histories record it. */
    listAvailabilitySyncTargets: (query: SyncTargetQuery) => listSyncTargets({ ...query, data: 'availability' }),
    /**
     * One platform as a target, its kind read from the catalog here, so a workflow whose input does not name the kind
     * (a pull its Schedule started with ids only) decides from this recorded result, not from the catalog in its code.
     */
    async syncTargetOf({ platformId }: { platformId: string }): Promise<SyncTarget> {
      return { platformId, kind: getPlatform(platformId).kind };
    },
  };
}
