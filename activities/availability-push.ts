// Pushes a user's current availability to one platform. State-based: it reads what we want *now* from the
// database, so a retried or late attempt can never push something older than the newest change, and pushing
// the same state twice changes nothing on the platform.
import { Context } from '@temporalio/activity';
import type { AvailabilityItem } from '../adapters/types.js';
import type { Availability } from '../generated/prisma/client.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { toDay } from '../lib/days.js';
import { connectionAnswered, loadConnectedAdapter } from './platform-connection.js';
import { beginPushAttempt } from './push-attempt.js';
import { closeSyncLog } from './sync-log.js';

export interface PushAvailabilityInput {
  userId: string;
  platformId: string;
  /**
   * Compare with what the platform really holds even when it confirmed everything already (a manual sync or
   * retry: the platform may have drifted). Otherwise a platform that is known to be right is not contacted.
   */
  force?: boolean;
  /** The gateway requests that caused this push, for its log lines (following one change). */
  requestIds?: string[];
}

export interface PushAvailabilityResult {
  status: 'success' | 'partial';
  itemsProcessed: number;
  requests: number;
  rejected: { id: string; reason: string }[];
}

export function createAvailabilityPushActivities(db: Db, config: Config) {

  /** What the platform confirmed at its last successful push, entry by entry (deleted ones until confirmed gone). */
  async function loadLastConfirmed(userId: string, platformId: string): Promise<AvailabilityItem[]> {
    const states = await db.platformAvailabilityState.findMany({
      // Entries imported from this platform are its own, not ours to confirm (the push leaves them out too).
      where: { userId, platformId, confirmedDeleted: false, confirmedVersion: { not: null }, availability: { source: { not: platformId } } },
    });
    return states.map((s) => ({
      id: s.availabilityId,
      startDate: toDay(s.confirmedStart!),
      endDate: toDay(s.confirmedEnd!),
      status: s.confirmedStatus!,
      type: s.confirmedType!,
      optionRank: s.confirmedOptionRank,
      optionHolder: s.confirmedOptionHolder,
      note: s.confirmedNote,
      version: s.confirmedVersion!,
    }));
  }

  return {
    async pushAvailability({ userId, platformId, force = false, requestIds = [] }: PushAvailabilityInput): Promise<PushAvailabilityResult> {
      const attempt = await beginPushAttempt(db, config, { userId, platformId, data: 'availability', operation: 'push_availability', requestIds });
      const { log } = attempt;
      const context = Context.current();
      try {
        const { adapter } = await loadConnectedAdapter(db, config, { userId, platformId, onProgress: (detail) => context.heartbeat(detail) });
        const [wanted, lastConfirmed] = await Promise.all([
          // Entries imported from this platform are there already; pushing them back would double them.
          db.availability.findMany({ where: { userId, deletedAt: null, source: { not: platformId } }, orderBy: { startDate: 'asc' } }),
          loadLastConfirmed(userId, platformId),
        ]);
        if (!force && confirmsAll(lastConfirmed, wanted)) {
          await closeSyncLog(db, log, { status: 'success', itemsProcessed: 0 });
          return { status: 'success', itemsProcessed: 0, requests: 0, rejected: [] };
        }
        const result = await adapter.pushAvailability(wanted.map(toAvailabilityItem), { lastConfirmed });
        attempt.throwIfCancelled(); // a stopped attempt records nothing: its successor reads the platform again
        const syncedAt = new Date();
        const rejectedIds = new Set(result.rejected.map((r) => r.id));
        await db.$transaction(
          async (tx) => {
            for (const a of wanted.filter((a) => result.confirmed[a.id] && !rejectedIds.has(a.id))) {
              await tx.platformAvailabilityState.upsert({
                where: { availabilityId_platformId: { availabilityId: a.id, platformId } },
                create: { userId, availabilityId: a.id, platformId, ...confirmedFields(a, result.confirmed[a.id]!), syncedAt },
                update: { ...confirmedFields(a, result.confirmed[a.id]!), syncedAt, lastError: null },
              });
            }
            for (const r of result.rejected) {
              await tx.platformAvailabilityState.updateMany({ where: { availabilityId: r.id, platformId }, data: { lastError: r.reason } });
            }
            // Entries that were deleted when this push read our state are now gone from the platform too. (Not ones
            // deleted while it ran: this push still sent those, the next push removes them.)
            await tx.platformAvailabilityState.updateMany({
              where: { userId, platformId, confirmedDeleted: false, availabilityId: { notIn: wanted.map((a) => a.id) }, availability: { deletedAt: { not: null } } },
              data: { confirmedDeleted: true, syncedAt },
            });
            await connectionAnswered(tx, { userId, platformId, syncedAt, answered: 'availability' });
          },
          { timeout: 60_000 },
        );
        const status = result.rejected.length ? 'partial' : 'success';
        await closeSyncLog(db, log, {
          status,
          itemsProcessed: result.itemsProcessed,
          errorMessage: result.rejected.length
            ? `${result.rejected.length} entries refused: ${result.rejected.map((r) => r.reason).join('; ')}`
            : null,
        });
        return { status, itemsProcessed: result.itemsProcessed, requests: result.requests, rejected: result.rejected };
      } catch (error) {
        throw await attempt.failed(error);
      } finally {
        await attempt.end();
      }
    },
  };
}

/** The platform confirmed exactly the wanted entries at their current versions, and nothing it still holds is deleted. */
function confirmsAll(lastConfirmed: AvailabilityItem[], wanted: Availability[]): boolean {
  if (lastConfirmed.length !== wanted.length) return false;
  const confirmedVersion = new Map(lastConfirmed.map((item) => [item.id, item.version]));
  return wanted.every((entry) => confirmedVersion.get(entry.id) === entry.version);
}


function confirmedFields(a: Availability, externalId: string) {
  return {
    externalId,
    confirmedVersion: a.version,
    confirmedStart: a.startDate,
    confirmedEnd: a.endDate,
    confirmedStatus: a.status,
    confirmedType: a.type,
    confirmedOptionRank: a.optionRank,
    confirmedOptionHolder: a.optionHolder,
    confirmedNote: a.note,
    confirmedDeleted: false,
  };
}
