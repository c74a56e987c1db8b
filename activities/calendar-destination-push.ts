// Writes castsync's entries into the user's destination calendar (a CalDAV source with destination on), as the
// availability workflow pushes to a platform: same activity name (pushAvailability), same attempt envelope, on the
// calendars' shared task queue (workflows/plumbing.ts CALENDAR_DESTINATION_TASK_QUEUE). One VEVENT per entry with
// castsync's UID (lib/calendars/caldav-write.ts), so the source's own import never brings it back.
//
// Which entries: the user's own and those pulled from platforms (bookings made there), not those imported from any
// calendar source: those are in the user's calendars already. State per entry in PlatformAvailabilityState under
// "calendar:<sourceId>": externalId = the event's address, externalVersion = its ETag. A write is conditional on
// that ETag, so an event the user changed (or deleted) in their calendar app is kept as they left it and becomes a
// `differs` conflict (theirs = the event's days as they are now, or null when deleted); while it is open the entry
// is not written there. keep_ours gives the entry a new version, and the next push writes it over the ETag this push
// read; accept_theirs moves our entry to their days. A calendar that is no longer the destination is emptied of
// castsync's events by its next push (listSyncTargets lists it while it holds any).
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../adapters/error-types.js';
import { statusInWords } from '../adapters/email/availability-words.js';
import type { Availability, CalendarSource, PlatformAvailabilityState, Prisma } from '../generated/prisma/client.js';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { destinationCalendar } from '../lib/caldav-sources.js';
import { putEvent, readEvent, removeEvent } from '../lib/calendars/caldav-write.js';
import type { CalDavAccount } from '../lib/calendars/caldav-http.js';
import { parseCalendar, type CalendarEvent } from '../lib/calendars/events.js';
import type { Config } from '../lib/config.js';
import type { Db } from '../lib/db.js';
import { toDay } from '../lib/days.js';
import { calendarSourceIdOf, calendarTargetId } from '../workflows/plumbing.js';
import { confirmedFields, type PushAvailabilityInput, type PushAvailabilityResult } from './availability-push.js';
import { beginAttempt, type Attempt } from './attempt.js';
import { isAuthFailure } from './failures.js';
import { closeSyncLog } from './sync-log.js';

interface Destination {
  source: CalendarSource & { user: { timeZone: string } };
  account: CalDavAccount;
  calendarUrl: string;
}

export function createCalendarDestinationActivities(db: Db, config: Config) {
  return {
    async pushAvailability({ userId, platformId, force = false, requestIds = [] }: PushAvailabilityInput): Promise<PushAvailabilityResult> {
      const sourceId = calendarSourceIdOf(platformId);
      if (!sourceId) throw ApplicationFailure.create({ type: ErrorType.notConnected, message: `${platformId} is no calendar`, nonRetryable: true });
      const attempt = await beginAttempt(db, config, { userId, platformId, lease: 'availability', operation: 'push_availability', requestIds }, () =>
        Promise.all([
          db.calendarSource.findFirst({ where: { id: sourceId, userId }, include: { user: { select: { timeZone: true } } } }),
          // The user's own entries and bookings pulled from platforms; a calendar's imports are in the calendars already.
          db.availability.findMany({ where: { userId, deletedAt: null, calendarSourceId: null }, orderBy: { startDate: 'asc' } }),
          db.platformAvailabilityState.findMany({ where: { userId, platformId, confirmedDeleted: false } }),
          openConflictEntries(db, userId, platformId),
        ]),
      );
      const [found, wanted, states, conflicted] = attempt.read;
      let source: Destination['source'] | null = null;
      try {
        source = found;
        if (!source || source.kind !== 'caldav') {
          throw ApplicationFailure.create({ type: ErrorType.notConnected, message: 'the destination calendar was removed', nonRetryable: true });
        }
        // No longer the destination: what castsync wrote there goes.
        const plan = planWrites(source.destination ? wanted : [], states, conflicted, force);
        if (plan.writes.length === 0 && plan.removals.length === 0) {
          await closeSyncLog(db, attempt.log, { status: 'success', itemsProcessed: 0 });
          return { status: 'success', itemsProcessed: 0, requests: 0, rejected: [] };
        }
        const destination: Destination = { source, ...destinationCalendar(config, source) };
        const done = await writeAll(db, attempt, destination, plan);
        const rejected = done.conflicts.map((id) => ({ id, reason: 'changed in your calendar app: see the conflict' }));
        const status = rejected.length ? 'partial' : 'success';
        await closeSyncLog(db, attempt.log, {
          status,
          itemsProcessed: done.items,
          errorMessage: rejected.length ? `${rejected.length} events changed in your calendar app were left as they are (a conflict is open)` : null,
        });
        return { status, itemsProcessed: done.items, requests: done.requests, rejected };
      } catch (error) {
        const failure = await attempt.failed(error);
        if (source && failure instanceof ApplicationFailure) await recordDestinationTrouble(db, source, failure);
        throw failure;
      } finally {
        await attempt.end();
      }
    },
  };
}

interface Plan {
  /** Entries to write, with their state when one exists. */
  writes: { entry: Availability; state: PlatformAvailabilityState | undefined }[];
  /** States of entries that are no longer wanted there: their events go. */
  removals: PlatformAvailabilityState[];
}

/** What this push writes: entries whose written version is not their current one (all with `force`), and removals. */
function planWrites(wanted: Availability[], states: PlatformAvailabilityState[], conflicted: Set<string>, force: boolean): Plan {
  const stateOf = new Map(states.map((state) => [state.availabilityId, state]));
  const wantedIds = new Set(wanted.map((entry) => entry.id));
  return {
    writes: wanted
      .filter((entry) => !conflicted.has(entry.id))
      .map((entry) => ({ entry, state: stateOf.get(entry.id) }))
      .filter(({ entry, state }) => force || state?.confirmedVersion !== entry.version || state.lastError !== null),
    removals: states.filter((state) => !wantedIds.has(state.availabilityId) && !conflicted.has(state.availabilityId)),
  };
}

/** One request (or three, for a conflict) per entry, each recorded at once: a retried attempt resumes where this one stopped. */
async function writeAll(db: Db, attempt: Attempt, destination: Destination, plan: Plan) {
  const { source, account, calendarUrl } = destination;
  const platformId = calendarTargetId(source.id);
  const done = { items: 0, requests: 0, conflicts: [] as string[] };
  for (const { entry, state } of plan.writes) {
    attempt.throwIfCancelled();
    attempt.heartbeat(`writing ${toDay(entry.startDate)}`);
    const item = toAvailabilityItem(entry);
    const written = await putEvent(account, { calendarUrl, ...(state?.externalId ? { href: state.externalId } : {}), ...(state?.externalVersion ? { etag: state.externalVersion } : {}) }, item);
    done.requests++;
    if (written.outcome !== 'conflict') {
      await recordWritten(db, { userId: source.userId, platformId, entry, href: written.href, etag: written.etag ?? null });
      done.items++;
      continue;
    }
    const theirs = await readEvent(account, written.href);
    done.requests++;
    const event = theirs ? firstEvent(theirs.text, source.user.timeZone) : undefined;
    if (theirs && event && sameAsOurs(event, entry)) {
      // Our own write whose answer (or whose recording) was lost: it is there, as we meant it.
      await recordWritten(db, { userId: source.userId, platformId, entry, href: written.href, etag: theirs.etag ?? null });
      done.items++;
      continue;
    }
    await openChangedInCalendar(db, { source, platformId, entry, href: written.href, etag: theirs?.etag ?? null, event: theirs ? (event ?? null) : null });
    done.conflicts.push(entry.id);
  }
  for (const state of plan.removals) {
    attempt.throwIfCancelled();
    attempt.heartbeat('removing an event');
    const removed = state.externalId ? await removeEvent(account, state.externalId, state.externalVersion ?? undefined) : 'gone';
    if (state.externalId) done.requests++;
    // Changed in the calendar app after we wrote it: it is the user's event now, and stays.
    const lastError = removed === 'conflict' ? 'changed in your calendar app, so it was left there' : null;
    await db.platformAvailabilityState.update({ where: { id: state.id }, data: { confirmedDeleted: true, syncedAt: new Date(), lastError } });
    done.items++;
  }
  return done;
}

async function recordWritten(db: Db, { userId, platformId, entry, href, etag }: { userId: string; platformId: string; entry: Availability; href: string; etag: string | null }) {
  const fields = { ...confirmedFields(entry, href), externalVersion: etag, syncedAt: new Date(), lastError: null };
  await db.platformAvailabilityState.upsert({
    where: { availabilityId_platformId: { availabilityId: entry.id, platformId } },
    create: { userId, availabilityId: entry.id, platformId, ...fields },
    update: fields,
  });
}

/**
 * The user changed (or deleted) our event: theirs is kept, a `differs` conflict opened, and the state remembers
 * the ETag read now, so that keep_ours writes over exactly this version (a deleted event is created again).
 */
async function openChangedInCalendar(
  db: Db,
  { source, platformId, entry, href, etag, event }: { source: CalendarSource; platformId: string; entry: Availability; href: string; etag: string | null; event: CalendarEvent | null },
) {
  const item = toAvailabilityItem(entry);
  const gone = event === null;
  const theirs: Prisma.InputJsonValue | undefined = gone ? undefined : { ...item, startDate: event.firstDay, endDate: event.lastDay, id: undefined, version: undefined } as Prisma.InputJsonObject;
  const what = `${statusInWords(item)} ${item.startDate === item.endDate ? item.startDate : `${item.startDate} to ${item.endDate}`}`;
  const message = gone
    ? `castsync's event "${what}" was deleted in your calendar "${source.name}": write it again (keep_ours) or remove the entry here too (accept_theirs)`
    : `castsync's event "${what}" was changed in your calendar "${source.name}" (now ${event.firstDay === event.lastDay ? event.firstDay : `${event.firstDay} to ${event.lastDay}`}): write ours again (keep_ours) or move the entry to those days (accept_theirs)`;
  await db.$transaction(async (tx) => {
    await tx.conflict.create({ data: { userId: source.userId, platformId, availabilityId: entry.id, kind: 'differs', externalId: href, message, ours: item as unknown as Prisma.InputJsonObject, ...(theirs ? { theirs } : {}) } });
    const state = { externalId: gone ? null : href, externalVersion: gone ? null : etag, lastError: 'changed in your calendar app: a conflict is open' };
    await tx.platformAvailabilityState.upsert({
      where: { availabilityId_platformId: { availabilityId: entry.id, platformId } },
      create: { userId: source.userId, availabilityId: entry.id, platformId, ...state },
      update: state,
    });
  });
}

/** The entries with an open conflict with this calendar: not written there until the user settles it. */
async function openConflictEntries(db: Db, userId: string, platformId: string): Promise<Set<string>> {
  const open = await db.conflict.findMany({ where: { userId, platformId, status: 'open', availabilityId: { not: null } }, select: { availabilityId: true } });
  return new Set(open.flatMap((c) => (c.availabilityId ? [c.availabilityId] : [])));
}

function firstEvent(text: string, timeZone: string): CalendarEvent | undefined {
  try {
    // Any day: the event may lie in the past or far ahead.
    return parseCalendar(text, { timeZone, window: { from: '1900-01-01', until: '2999-12-31' } }).events[0];
  } catch {
    return undefined;
  }
}

/** The event shows the entry as castsync writes it: its days and its title. */
function sameAsOurs(event: CalendarEvent, entry: Availability): boolean {
  return event.firstDay === toDay(entry.startDate) && event.lastDay === toDay(entry.endDate) && event.summary === statusInWords(toAvailabilityItem(entry));
}

/** A refused login turns the source needs_reauth (its rounds leave it out until a new password), other trouble failing. */
async function recordDestinationTrouble(db: Db, source: CalendarSource, failure: ApplicationFailure) {
  if (failure.type === ErrorType.notConnected) return;
  const auth = isAuthFailure(failure);
  await db.calendarSource.updateMany({
    // Not over a login given while this attempt ran (a new ciphertext): the next attempt tries that one.
    where: { id: source.id, credentialsCiphertext: source.credentialsCiphertext },
    data: { status: auth ? 'needs_reauth' : 'failing', lastError: `writing to the calendar: ${failure.message}` },
  });
}
