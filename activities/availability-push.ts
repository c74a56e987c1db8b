// Pushes a user's current availability to one platform. State-based: it reads what we want *now* from the
// database, so a retried or late attempt can never push something older than the newest change, and pushing
// the same state twice changes nothing on the platform.
import { Context } from '@temporalio/activity';
import type { AvailabilityItem } from '../adapters/types.js';
import type { Availability, PlatformAvailabilityState } from '../generated/prisma/client.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { toDay } from '../lib/days.js';
import { connectionAnswered, loadConnectedAdapter } from './platform-connection.js';
import { beginAttempt } from './attempt.js';
import { closeSyncLog, syncLogClose } from './sync-log.js';

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
  function loadConfirmedStates(userId: string, platformId: string): Promise<PlatformAvailabilityState[]> {
    return db.platformAvailabilityState.findMany({
      // Entries imported from this platform are its own, not ours to confirm (the push leaves them out too).
      where: { userId, platformId, confirmedDeleted: false, confirmedVersion: { not: null }, availability: { source: { not: platformId } } },
    });
  }

  return {
    async pushAvailability({ userId, platformId, force = false, requestIds = [] }: PushAvailabilityInput): Promise<PushAvailabilityResult> {
      const context = Context.current();
      // The three reads at once, beside the insert of the attempt's row: one round trip of waiting, not three.
      const attempt = await beginAttempt(db, config, { userId, platformId, lease: 'availability', operation: 'push_availability', requestIds }, () =>
        Promise.all([
          loadConnectedAdapter(db, config, { userId, platformId, onProgress: (detail) => context.heartbeat(detail) }),
          // Entries imported from this platform are there already; pushing them back would double them.
          db.availability.findMany({ where: { userId, deletedAt: null, source: { not: platformId } }, orderBy: { startDate: 'asc' } }),
          loadConfirmedStates(userId, platformId),
        ]),
      );
      const { log } = attempt;
      const [{ adapter }, wanted, confirmedStates] = attempt.read;
      try {
        const lastConfirmed = confirmedStates.map(confirmedItem);
        const inStep = confirmsAll(lastConfirmed, wanted);
        if (!force && inStep) {
          await closeSyncLog(db, log, { status: 'success', itemsProcessed: 0 });
          return { status: 'success', itemsProcessed: 0, requests: 0, rejected: [] };
        }
        const result = await adapter.pushAvailability(wanted.map(toAvailabilityItem), { lastConfirmed, expectWrite: !inStep });
        attempt.throwIfCancelled(); // a stopped attempt records nothing: its successor reads the platform again
        const syncedAt = new Date();
        const rejectedIds = new Set(result.rejected.map((r) => r.id));
        const accepted = wanted.filter((a) => result.confirmed[a.id] && !rejectedIds.has(a.id));
        // Only rows whose confirmation changed are written: rewriting every entry's row on every push made the
        // write grow with the calendar (65 ms at 6–15 entries, 133 ms at 46–55) although a change touches one.
        const { created, changed } = changedConfirmations(accepted, confirmedStates, result.confirmed);
        const status = result.rejected.length ? 'partial' : 'success';
        const close = syncLogClose(log, {
          status,
          itemsProcessed: result.itemsProcessed,
          errorMessage: result.rejected.length
            ? `${result.rejected.length} entries refused: ${result.rejected.map((r) => r.reason).join('; ')}`
            : null,
        });
        await db.$transaction(
          async (tx) => {
            const inserted = created.length === 0 ? 0 : (await tx.platformAvailabilityState.createMany({
              data: created.map((a) => ({ userId, availabilityId: a.id, platformId, ...confirmedFields(a, result.confirmed[a.id]!), syncedAt })),
              skipDuplicates: true,
            })).count;
            // A row may exist without counting as confirmed (refused before, or confirmed gone before the entry was
            // restored): createMany skipped it, so it is written here, as are the rows of changed confirmations.
            const skipped = inserted < created.length ? created : [];
            const createdNow = { confirmedVersion: { not: null }, confirmedDeleted: false, syncedAt };
            for (const a of [...changed, ...skipped]) {
              await tx.platformAvailabilityState.updateMany({
                where: { availabilityId: a.id, platformId, ...(skipped.includes(a) ? { NOT: createdNow } : {}) },
                data: { ...confirmedFields(a, result.confirmed[a.id]!), syncedAt, lastError: null },
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
            await close.write(tx);
          },
          { timeout: 60_000 },
        );
        close.report();
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


/**
 * The accepted entries whose confirmation this push changes: `created` have no state that counts as confirmed,
 * `changed` have one of another version or external id, or one that still carries an old refusal.
 */
function changedConfirmations(accepted: Availability[], states: PlatformAvailabilityState[], externalIds: Record<string, string>) {
  const stateOf = new Map(states.map((state) => [state.availabilityId, state]));
  const created: Availability[] = [];
  const changed: Availability[] = [];
  for (const entry of accepted) {
    const state = stateOf.get(entry.id);
    if (!state) created.push(entry);
    else if (state.confirmedVersion !== entry.version || state.externalId !== externalIds[entry.id] || state.lastError !== null) changed.push(entry);
  }
  return { created, changed };
}

function confirmedItem(s: PlatformAvailabilityState): AvailabilityItem {
  return {
    id: s.availabilityId,
    startDate: toDay(s.confirmedStart!),
    endDate: toDay(s.confirmedEnd!),
    status: s.confirmedStatus!,
    type: s.confirmedType!,
    optionRank: s.confirmedOptionRank,
    optionHolder: s.confirmedOptionHolder,
    note: s.confirmedNote,
    version: s.confirmedVersion!,
  };
}

/** The state row's fields for an entry the platform (or a destination calendar) confirmed under `externalId`. */
export function confirmedFields(a: Availability, externalId: string) {
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
