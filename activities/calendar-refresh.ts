// Reads one calendar source and imports its days (lib/calendar-import.ts). Run by calendarRefreshWorkflow on the
// source's schedule. An ICS feed is fetched with the validators of the last read, so an unchanged feed costs one 304
// and no parse; a CalDAV calendar (lib/caldav-sources.ts) costs one PROPFIND when its ctag is unchanged, else its
// changes since the last sync token, applied to the objects kept from the last read. Events castsync wrote itself
// (its UID) are left out of either kind before the rules. A source's own trouble (too large, too slow, refused, not a calendar) is
// recorded on the source (status failing, or needs_reauth for a 401/403) and ends the run without a retry: the next
// scheduled run is the retry, and the message stays on the source for the user. The address and the login are read
// here from the database, never passed in.
import { PlatformError } from '../adapters/errors.js';
import { ErrorType } from '../adapters/error-types.js';
import { addToOutbox } from '../lib/outbox.js';
import { importCalendarDays, withoutOwnEvents, type ImportCounts } from '../lib/calendar-import.js';
import { openFeedAddress } from '../lib/calendar-sources.js';
import { readCalDavSource, sealObjects, type HeldObjects } from '../lib/caldav-sources.js';
import { calendarTargetId } from '../workflows/plumbing.js';
import { eventDays, type CalendarRule } from '../lib/calendars/days.js';
import { CalendarParseError, parseCalendar, type CalendarWindow, type ParsedCalendar } from '../lib/calendars/events.js';
import { parseDay } from '../lib/days.js';
import type { Config } from '../lib/config.js';
import { refreshIcsFeed } from '../lib/ics-fetch.js';
import type { CalendarSource, Prisma } from '../generated/prisma/client.js';
import type { CalendarRefreshInput } from '../workflows/calendar-refresh.js';
import type { ActivityDeps } from './index.js';

export type CalendarRefreshResult =
  | { status: 'gone' }
  /** The source changed while its feed was read (new rules, a new address): the read is dropped, the next one counts. */
  | { status: 'stale' }
  | { status: 'not_modified' }
  /**
   * ownEvents: events castsync itself wrote into the calendar (its UID), left out; changedOwnEvents: those of them
   * the user changed or deleted in their calendar app (a destination calendar), whose write is then asked for.
   */
  | ({ status: 'imported'; days: number; ownEvents: number; changedOwnEvents?: number } & ImportCounts)
  | { status: 'failing' | 'needs_reauth'; error: string };

export function createCalendarRefreshActivities({ db, config }: Pick<ActivityDeps, 'db' | 'config'>) {
  return {
    async refreshCalendarSource({ userId, sourceId }: CalendarRefreshInput): Promise<CalendarRefreshResult> {
      const source = await db.calendarSource.findFirst({ where: { id: sourceId, userId }, include: { user: { select: { timeZone: true } } } });
      if (!source) return { status: 'gone' };
      const fetchedAt = new Date();
      let refresh: SourceRead;
      try {
        refresh = source.kind === 'caldav' ? await readCalDav(config, source, source.user.timeZone, fetchedAt) : await readFeed(config, source, source.user.timeZone);
      } catch (error) {
        const failure = feedFailure(error, source);
        if (!failure) throw error;
        await db.calendarSource.updateMany({ where: { id: sourceId }, data: { status: failure.status, lastError: failure.error, lastFetchedAt: fetchedAt } });
        return failure;
      }
      if (refresh.notModified) {
        // The validators stay as they are: a change of rules meanwhile dropped them so that the next read is in full.
        await db.calendarSource.updateMany({ where: { id: sourceId }, data: { status: 'ok', lastError: null, lastFetchedAt: fetchedAt } });
        return { status: 'not_modified' };
      }
      const { events, own } = withoutOwnEvents(refresh.calendar.events);
      const { days, details } = eventDays({ ...refresh.calendar, events }, source.rules as unknown as CalendarRule[]);
      const counts = await db.$transaction(
        async (tx) => {
          // The source may have gone, or got new rules or a new address, while the feed was read: then this read is stale.
          const now = await tx.calendarSource.findFirst({ where: { id: sourceId, userId, updatedAt: source.updatedAt } });
          if (!now) return null;
          const result = await importCalendarDays(tx, (messages) => addToOutbox(tx, userId, messages), { userId, sourceId, sourceName: source.name }, days, source.shareDetails ? details : null, config.maxRangeDays);
          // castsync's own events there, changed or deleted in the calendar app: a full write finds which (push-then-reconcile).
          const changedOwnEvents = refresh.objects ? await ownEventsChanged(tx, { userId, sourceId, window: refresh.calendar.window }, refresh.objects) : 0;
          if (changedOwnEvents) await addToOutbox(tx, userId, [{ topic: 'sync', data: 'availability', manual: true, platformIds: [calendarTargetId(sourceId)] }]);
          await tx.calendarSource.update({
            where: { id: sourceId },
            data: { ...refresh.validators, status: 'ok', lastError: null, lastFetchedAt: fetchedAt, lastChangedAt: fetchedAt },
          });
          return { ...result, ...(changedOwnEvents ? { changedOwnEvents } : {}) };
        },
        { timeout: 60_000, maxWait: 30_000 },
      );
      if (!counts) return { status: 'stale' };
      return { status: 'imported', days: days.length, ownEvents: own, ...counts };
    },
  };
}

/** A read of either kind: unchanged, or the calendar and the validators to keep for the next read. */
type SourceRead =
  | { notModified: true }
  | {
      notModified: false;
      calendar: Pick<ParsedCalendar, 'events' | 'window'>;
      validators: Prisma.CalendarSourceUpdateInput;
      /** CalDAV: the calendar's objects by address, with their ETags. */
      objects?: HeldObjects;
    };

async function readFeed(config: Config, source: CalendarSource, timeZone: string): Promise<SourceRead> {
  const refresh = await refreshIcsFeed(openFeedAddress(config, source), (text) => parseCalendar(text, { timeZone }), {
    previous: { ...(source.etag ? { etag: source.etag } : {}), ...(source.lastModified ? { lastModified: source.lastModified } : {}) },
    allowHttpHosts: config.calendarHttpHosts,
    maxBytes: config.calendarMaxBytes,
    timeoutMs: config.calendarTimeoutMs,
  });
  if (refresh.notModified) return { notModified: true };
  return { notModified: false, calendar: refresh.calendar, validators: { etag: refresh.etag ?? null, lastModified: refresh.lastModified ?? null } };
}

async function readCalDav(config: Config, source: CalendarSource, timeZone: string, now: Date): Promise<SourceRead> {
  const read = await readCalDavSource(config, source, timeZone, now);
  if (read.unchanged) return { notModified: true };
  return {
    notModified: false,
    calendar: read.calendar,
    validators: { ctag: read.ctag ?? null, syncToken: read.syncToken ?? null, ...sealObjects(config, source, read.objects) },
    objects: read.objects,
  };
}

/**
 * How many events castsync wrote into this calendar (its PlatformAvailabilityState rows as the destination) are
 * gone from it, or carry another ETag than the one castsync's write got: the user changed them in the calendar app.
 */
async function ownEventsChanged(
  tx: Prisma.TransactionClient,
  { userId, sourceId, window }: { userId: string; sourceId: string; window: CalendarWindow },
  objects: HeldObjects,
): Promise<number> {
  const written = await tx.platformAvailabilityState.findMany({
    where: {
      userId,
      platformId: calendarTargetId(sourceId),
      confirmedDeleted: false,
      externalId: { not: null },
      // A full read asks for the window only: events outside it are not missing, just not read.
      confirmedEnd: { gte: parseDay(window.from)! },
      confirmedStart: { lte: parseDay(window.until)! },
    },
    select: { externalId: true, externalVersion: true },
  });
  if (written.length === 0) return 0;
  const etagAt = new Map(Object.entries(objects).map(([href, object]) => [pathOf(href), object.etag]));
  return written.filter(({ externalId, externalVersion }) => {
    const path = pathOf(externalId!);
    if (!etagAt.has(path)) return true;
    const etag = etagAt.get(path);
    return etag !== undefined && externalVersion !== null && etag !== externalVersion;
  }).length;
}

/** The same object whatever host or encoding an address names it with. */
const pathOf = (href: string) => decodeURIComponent(new URL(href, 'http://calendar.invalid/').pathname);

/** A failure of the source itself, as the source records it; null for castsync's own trouble (retried). */
function feedFailure(error: unknown, source: Pick<CalendarSource, 'kind' | 'host'>): { status: 'failing' | 'needs_reauth'; error: string } | null {
  if (error instanceof PlatformError) {
    if (error.type !== ErrorType.auth) return { status: 'failing', error: error.message };
    if (source.kind === 'caldav') {
      return { status: 'needs_reauth', error: `${error.message.replace(/; connect the calendar again$/, '')}: give the calendar a new app password (or username)` };
    }
    return { status: 'needs_reauth', error: `${error.message}: the address needs new access (a new secret address, or a password)` };
  }
  if (error instanceof CalendarParseError) return { status: 'failing', error: `calendar feed at ${source.host} could not be read: ${error.message}` };
  return null;
}
