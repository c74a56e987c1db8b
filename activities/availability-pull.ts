// Reads one platform's calendar and merges it into ours (activities/availability-merge.ts decides; this file
// reads and writes). Run by availabilityPullWorkflow on the platform's task queue, on the connection's schedule.
// It runs in the attempt envelope (attempt.ts): one SyncLog row per attempt, heartbeats, typed failures.
import { getPlatform } from '../adapters/catalog.js';
import type { PlatformAvailabilityItem } from '../adapters/types.js';
import type { Prisma } from '../generated/prisma/client.js';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { parseDay } from '../lib/days.js';
import { lockUserCalendar } from '../lib/options.js';
import { addToOutbox, type OutboxMessageInput } from '../lib/outbox.js';
import { planMerge, type MergePlan, type OurEntry } from './availability-merge.js';
import type { ActivityDeps } from './index.js';
import { beginAttempt } from './attempt.js';
import { connectionAnswered, loadConnectedAdapter } from './platform-connection.js';
import { closeSyncLog } from './sync-log.js';

type Tx = Prisma.TransactionClient;

export interface PullAvailabilityInput {
  userId: string;
  platformId: string;
}

export interface PullAvailabilityResult {
  status: 'success' | 'skipped';
  pulled: number;
  imported: number;
  conflictsOpened: number;
  /** Pushes asked for: to the other platforms after an import, to this one where ours must win. */
  pushRequested: boolean;
}

/** The activity's result: the summary, and the checks the workflow runs next (so it decides from a recorded result). */
export interface PullAvailabilityOutcome extends PullAvailabilityResult {
  followUps: PullFollowUps;
}

export interface PullFollowUps {
  mediaDrift: boolean;
  profileDrift: boolean;
}

/** Media drift where the platform takes media; profile drift only through a read-only API (Filmmakers' partner API). */
export function pullFollowUps(platformId: string): PullFollowUps {
  const platform = getPlatform(platformId);
  return { mediaDrift: platform.capabilities.media, profileDrift: platform.capabilities.profile && Boolean(platform.browser?.partnerApiPath) };
}

export function createAvailabilityPullActivities({ db, config }: ActivityDeps) {
  /** Writes the plan in one transaction; serialized per connection, so overlapping attempts never import twice. */
  async function mergePulled(userId: string, platformId: string, pulled: PlatformAvailabilityItem[], before: OurEntry[]): Promise<MergePlan> {
    const platform = getPlatform(platformId);
    return db.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`availability-pull:${userId}:${platformId}`}))`;
        // The calendar's own lock (after the pull's, which nothing else takes): the merge decides from our entries
        // (import, or already_blocked over one of ours), so no calendar edit or conflict resolution may change them
        // between its read and its writes.
        await lockUserCalendar(tx, userId);
        const [now, openConflicts] = await Promise.all([
          loadOurEntries(tx, userId, platformId),
          tx.conflict.findMany({ where: { userId, platformId, status: 'open' }, select: { kind: true, externalId: true, availabilityId: true } }),
        ]);
        const plan = planMerge({ platform, ours: trustedConfirmations(before, now), pulled, openConflicts });
        await writePlan(tx, userId, platformId, plan);
        // The pushes the merge needs commit with it (the outbox relay delivers them), so an import is never left unpushed.
        await addToOutbox(tx, userId, pushesFor(platformId, plan));
        return plan;
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
  }

  return {
    async pullAvailability({ userId, platformId }: PullAvailabilityInput): Promise<PullAvailabilityOutcome> {
      const attempt = await beginAttempt(db, config, { userId, platformId, operation: 'pull_availability' });
      const { log } = attempt;
      try {
        const { connection, adapter } = await loadConnectedAdapter(db, config, { userId, platformId, onProgress: attempt.heartbeat });
        if (!connection.syncAvailability || !connection.autoSync) {
          await closeSyncLog(db, log, { status: 'skipped', errorMessage: 'availability sync or auto-sync is off for this platform' });
          return { status: 'skipped', pulled: 0, imported: 0, conflictsOpened: 0, pushRequested: false, followUps: pullFollowUps(platformId) };
        }
        // Read before listing: only confirmations older than the listing can be held against what it shows.
        const before = await loadOurEntries(db, userId, platformId);
        const pulled = await adapter.pullAvailability();
        attempt.throwIfCancelled(); // a stopped pull merges nothing: the next one lists the platform again
        const plan = await mergePulled(userId, platformId, pulled, before);
        const pushRequested = plan.imports.length > 0 || plan.pushThisPlatform;
        const imported = plan.imports.length;
        const conflictsOpened = plan.conflicts.length + imported;
        await closeSyncLog(db, log, { status: 'success', itemsProcessed: imported + conflictsOpened });
        // The platform answered: an earlier outage is over, and what it missed meanwhile is compared in full. (Not
        // a re-authorization: a pull may not have needed to sign in at all, its session still being good.)
        await db.$transaction((tx) => connectionAnswered(tx, { userId, platformId, troubled: ['failing'] }));
        return { status: 'success', pulled: pulled.length, imported, conflictsOpened, pushRequested, followUps: pullFollowUps(platformId) };
      } catch (error) {
        throw await attempt.failed(error);
      } finally {
        await attempt.end();
      }
    },
  };
}

/** The pushes a merge needs: imports go to the other platforms; where ours must win, this platform is compared in full. */
function pushesFor(platformId: string, plan: MergePlan): OutboxMessageInput[] {
  const messages: OutboxMessageInput[] = [];
  if (plan.imports.length > 0) messages.push({ topic: 'sync', data: 'availability' });
  if (plan.pushThisPlatform) messages.push({ topic: 'sync', data: 'availability', manual: true, platformIds: [platformId] });
  return messages;
}

/** Every entry of the user (deleted ones too: their ids must not be imported again), with this platform's state. */
async function loadOurEntries(tx: Tx, userId: string, platformId: string): Promise<OurEntry[]> {
  const rows = await tx.availability.findMany({ where: { userId }, include: { platformStates: { where: { platformId } } } });
  return rows.map((row) => {
    const state = row.platformStates[0];
    return {
      ...toAvailabilityItem(row),
      source: row.source,
      deleted: row.deletedAt !== null,
      confirmedVersion: state && !state.confirmedDeleted ? state.confirmedVersion : null,
      externalId: state?.externalId ?? null,
    };
  });
}

/**
 * The entries as they are now, but a confirmation counts only if it was there before the platform was listed:
 * a push that finished while we listed may have added an entry the listing could not show yet.
 */
function trustedConfirmations(before: OurEntry[], now: OurEntry[]): OurEntry[] {
  const earlier = new Map(before.map((e) => [e.id, e]));
  return now.map((entry) => {
    const then = earlier.get(entry.id);
    const unchanged = then && then.confirmedVersion === entry.confirmedVersion && then.externalId === entry.externalId;
    return unchanged ? entry : { ...entry, confirmedVersion: null };
  });
}

async function writePlan(tx: Tx, userId: string, platformId: string, plan: MergePlan) {
  const syncedAt = new Date();
  for (const { item, message } of plan.imports) {
    const fields = {
      startDate: parseDay(item.startDate)!,
      endDate: parseDay(item.endDate)!,
      status: item.status,
      type: item.type,
      optionRank: item.optionRank ?? null,
      optionHolder: item.optionHolder ?? null,
      note: item.note ?? null,
    };
    const imported = await tx.availability.create({ data: { userId, ...fields, source: platformId, version: 1 } });
    await tx.platformAvailabilityState.create({
      data: {
        userId,
        availabilityId: imported.id,
        platformId,
        externalId: item.externalId,
        confirmedVersion: 1,
        confirmedStart: fields.startDate,
        confirmedEnd: fields.endDate,
        confirmedStatus: fields.status,
        confirmedType: fields.type,
        confirmedOptionRank: fields.optionRank,
        confirmedOptionHolder: fields.optionHolder,
        confirmedNote: fields.note,
        syncedAt,
      },
    });
    await tx.conflict.create({
      data: { userId, platformId, availabilityId: imported.id, kind: 'platform_booking', externalId: item.externalId, message, theirs: json(item) },
    });
  }
  if (plan.conflicts.length) {
    await tx.conflict.createMany({
      data: plan.conflicts.map((c) => ({
        userId,
        platformId,
        availabilityId: c.availabilityId,
        kind: c.kind,
        externalId: c.externalId,
        message: c.message,
        ours: json(c.ours),
        theirs: c.theirs ? json(c.theirs) : undefined,
      })),
    });
  }
}

function json(value: object): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}
