// Which of a user's platforms a sync round should push to. Runs as a local activity next to the workflow (and
// syncTargetOf as a regular one on the workflow task queue: workflows/availability-pull.ts).
import { getPlatform, isPlatformId, platformIds, type ConnectionKind } from '../adapters/catalog.js';
import type { TargetKind } from '../adapters/policies.js';
import { hasAdapter } from '../adapters/registry.js';
import type { Db } from '../lib/db.js';
import { calendarTargetId, type SyncedData } from '../workflows/plumbing.js';

export interface SyncTarget {
  /** A platform's id, or "calendar:<sourceId>" for the user's destination calendar (kind calendar). */
  platformId: string;
  kind: TargetKind;
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
    const [connections, destinations] = await Promise.all([
      db.platformConnection.findMany({
        where: { userId: query.userId, connected: true, [setting]: true },
        select: { platformId: true, autoSync: true, status: true },
      }),
      query.data === 'availability' ? destinationCalendars(query) : [],
    ]);
    const platforms = connections
      .filter((c) => isPlatformId(c.platformId) && getPlatform(c.platformId).capabilities[capability])
      .filter((c) => hasAdapter(getPlatform(c.platformId).kind) && enabled.includes(c.platformId))
      .filter(
        (c) =>
          query.manualPlatformIds.includes(c.platformId) ||
          (query.includeAutoSync && c.autoSync && c.status !== 'needs_reauth'),
      )
      .map((c): SyncTarget => ({ platformId: c.platformId, kind: getPlatform(c.platformId).kind }));
    return [...platforms, ...destinations].sort((a, b) => a.platformId.localeCompare(b.platformId));
  }

  /**
   * The user's destination calendar (at most one), like a connection with auto-sync on: left out while its login
   * fails. A calendar that stopped being the destination is listed while it holds events castsync wrote: its next
   * push removes them.
   */
  async function destinationCalendars(query: SyncTargetQuery): Promise<SyncTarget[]> {
    const [sources, holding] = await Promise.all([
      db.calendarSource.findMany({ where: { userId: query.userId, kind: 'caldav' }, select: { id: true, status: true, destination: true } }),
      db.platformAvailabilityState.findMany({
        where: { userId: query.userId, platformId: { startsWith: calendarTargetId('') }, confirmedDeleted: false, externalId: { not: null } },
        distinct: ['platformId'],
        select: { platformId: true },
      }),
    ]);
    const holds = new Set(holding.map((state) => state.platformId));
    return sources
      .map((source) => ({ ...source, platformId: calendarTargetId(source.id) }))
      .filter((c) => c.destination || holds.has(c.platformId))
      .filter((c) => query.manualPlatformIds.includes(c.platformId) || (query.includeAutoSync && c.status !== 'needs_reauth'))
      .map(({ platformId }) => ({ platformId, kind: 'calendar' as const }));
  }
  return {
    listSyncTargets,
    /** The availability workflow's name for it, kept: running workflows' histories record it. */
    listAvailabilitySyncTargets: (query: SyncTargetQuery) => listSyncTargets({ ...query, data: 'availability' }),
    /**
     * One platform as a target, its kind read from the catalog here, so a workflow whose input does not name the kind
     * (a pull its Schedule started with ids only) decides from this recorded result, not from the catalog in its code.
     */
    async syncTargetOf({ platformId }: { platformId: string }): Promise<SyncTarget & { kind: ConnectionKind }> {
      return { platformId, kind: getPlatform(platformId).kind };
    },
  };
}
