// Brings a calendar source's days into the user's calendar: the days the source's rules give (lib/calendars/days.ts)
// become Availability rows of that source, one per part of an event occurrence, compared with what the source brought
// in before, so a refresh adds, changes and removes exactly what changed in the feed. Every change bumps the entry's
// version and sends the push through the outbox in the same transaction, like a user's own change, so each connected
// platform follows. An imported entry the user deletes stays deleted while its event is in the calendar (they are
// changed in the calendar itself: the API refuses edits of them). Days the user already holds as unavailable (their own blocks, another source's) are not added
// twice; an imported day on a live option of ours opens a conflict for the user to settle (a calendar entry is no
// production's confirmation, so it never releases an option by itself). Events castsync wrote itself are no one's
// days: they are left out before the rules (withoutOwnEvents), whichever kind of source read them.
import { createHash } from 'node:crypto';
import type { Availability, AvailabilityType, Prisma } from '../generated/prisma/client.js';
import { isCastsyncEvent } from './calendars/caldav-write.js';
import { dayRanges, type DayKind, type EventDay, type EventDetails } from './calendars/days.js';
import { addDays, daysFrom } from './calendars/zones.js';
import { parseDay, toDay } from './days.js';
import { lockUserCalendar } from './options.js';
import type { OutboxMessageInput } from './outbox.js';
import { calendarTargetId } from '../workflows/plumbing.js';

type Tx = Prisma.TransactionClient;

/** One entry the source should have: an occurrence's consecutive days (split where a range would be too long). */
export interface PlannedEntry {
  key: string;
  startDay: string;
  endDay: string;
  kind: DayKind;
  note: string | null;
}

export interface ImportCounts {
  added: number;
  changed: number;
  removed: number;
  conflictsOpened: number;
}

const NOTE_MAX = 1000;

/**
 * The calendar's events less castsync's own (UID `<entry id>@castsync`, what lib/calendars/caldav-write.ts writes):
 * an option or booking castsync put into a calendar it also reads (a CalDAV destination, or that calendar's ICS
 * address) never comes back as a block, nor opens a conflict with itself. Both kinds of source go through here, before
 * their rules; `own` is how many were left out (occurrences in the window), for the run's result.
 */
export function withoutOwnEvents<E extends { uid: string }>(events: readonly E[]): { events: E[]; own: number } {
  const theirs = events.filter((event) => !isCastsyncEvent(event.uid));
  return { events: theirs, own: events.length - theirs.length };
}

/** The row's key: which occurrence of which event, and which part of it (a hash: UIDs can be long). */
export function eventKey(uid: string, recurrenceId: string | undefined, part: number): string {
  return createHash('sha256').update(JSON.stringify([uid, recurrenceId ?? null, part])).digest('base64url');
}

/**
 * The entries the source should have: its days less those already covered, one event per day, joined into ranges
 * per occurrence, numbered in day order within the occurrence so that a moved event keeps its entry (changed, not
 * removed and added). `details` is null unless the user lets titles and locations leave castsync.
 */
export function plannedEntries(days: readonly EventDay[], details: readonly EventDetails[] | null, covered: ReadonlySet<string>, maxRangeDays: number): PlannedEntry[] {
  const occurrence = (uid: string, recurrenceId?: string) => JSON.stringify([uid, recurrenceId ?? null]);
  const notes = new Map((details ?? []).map((d) => [occurrence(d.uid, d.recurrenceId), noteOf(d)]));
  const parts = new Map<string, number>();
  const planned: PlannedEntry[] = [];
  for (const range of dayRanges(onePerDay(days.filter((d) => !covered.has(d.day))))) {
    const key = occurrence(range.uid, range.recurrenceId);
    for (let start = range.startDay; start <= range.endDay; start = addDays(start, maxRangeDays)) {
      const last = addDays(start, maxRangeDays - 1);
      const part = parts.get(key) ?? 0;
      parts.set(key, part + 1);
      planned.push({
        key: eventKey(range.uid, range.recurrenceId, part),
        startDay: start,
        endDay: last < range.endDay ? last : range.endDay,
        kind: range.kind,
        note: notes.get(key) ?? null,
      });
    }
  }
  return planned;
}

const KIND_WEIGHT: Record<DayKind, number> = { booking: 3, travel: 2, block: 1 };

/**
 * One event per day: platforms show a day once, however many events the calendar has on it. A booking outweighs a
 * travel day, which outweighs a block; among equals the first by UID and recurrence id, so every read picks the same.
 */
function onePerDay(days: readonly EventDay[]): EventDay[] {
  const chosen = new Map<string, EventDay>();
  const order = (d: EventDay) => `${d.uid}\u0000${d.recurrenceId ?? ''}`;
  for (const day of days) {
    const held = chosen.get(day.day);
    const wins = !held || KIND_WEIGHT[day.kind] > KIND_WEIGHT[held.kind] || (KIND_WEIGHT[day.kind] === KIND_WEIGHT[held.kind] && order(day) < order(held));
    if (wins) chosen.set(day.day, day);
  }
  return [...chosen.values()];
}

function noteOf(details: EventDetails): string | null {
  const text = [details.summary.trim(), details.location.trim()].filter(Boolean).join(', ');
  return text ? text.slice(0, NOTE_MAX) : null;
}

export interface ImportTarget {
  userId: string;
  sourceId: string;
  /** Shown in the conflicts an import opens. */
  sourceName: string;
}

/**
 * Makes the source's entries match `days`, on the caller's transaction (which must be able to send outbox messages).
 * Returns what changed; sends one push when anything did.
 */
export async function importCalendarDays(
  tx: Tx,
  send: (messages: OutboxMessageInput[]) => Promise<unknown>,
  target: ImportTarget,
  days: readonly EventDay[],
  details: readonly EventDetails[] | null,
  maxRangeDays: number,
): Promise<ImportCounts> {
  const { userId, sourceId } = target;
  await lockUserCalendar(tx, userId);
  const keyed = await tx.availability.findMany({ where: { calendarSourceId: sourceId, calendarEventKey: { not: null } } });
  const existing = keyed.filter((row) => row.deletedAt === null);
  const covered = await coveredDays(tx, userId, sourceId, days);
  const planned = plannedEntries(days, details, covered, maxRangeDays);
  const byKey = new Map(keyed.map((row) => [row.calendarEventKey, row]));
  const wanted = new Set(planned.map((p) => p.key));
  const counts: ImportCounts = { added: 0, changed: 0, removed: 0, conflictsOpened: 0 };
  const touched: Availability[] = [];
  for (const entry of planned) {
    const row = byKey.get(entry.key);
    // The user deleted this imported entry: it stays deleted while the event is in the calendar.
    if (row?.deletedAt) continue;
    const fields = { startDate: parseDay(entry.startDay)!, endDate: parseDay(entry.endDay)!, type: entry.kind as AvailabilityType, note: entry.note };
    if (!row) {
      touched.push(
        await tx.availability.create({
          data: { userId, ...fields, status: 'unavailable', source: calendarTargetId(sourceId), calendarSourceId: sourceId, calendarEventKey: entry.key },
        }),
      );
      counts.added++;
    } else if (toDay(row.startDate) !== entry.startDay || toDay(row.endDate) !== entry.endDay || row.type !== entry.kind || row.note !== entry.note) {
      touched.push(await tx.availability.update({ where: { id: row.id }, data: { ...fields, version: { increment: 1 } } }));
      counts.changed++;
    }
  }
  const gone = existing.filter((row) => !wanted.has(row.calendarEventKey ?? ''));
  for (const row of gone) {
    // The key goes with the entry: should the occurrence come back, it is a new entry (deleted ones are never revived).
    await tx.availability.update({ where: { id: row.id }, data: { deletedAt: new Date(), calendarEventKey: null, version: { increment: 1 } } });
  }
  counts.removed = gone.length;
  // An event whose entry the user deleted left the calendar: should it come back, it is imported again.
  const forgotten = keyed.filter((row) => row.deletedAt !== null && !wanted.has(row.calendarEventKey ?? '')).map((row) => row.id);
  if (forgotten.length) await tx.availability.updateMany({ where: { id: { in: forgotten } }, data: { calendarEventKey: null } });
  counts.conflictsOpened = await openOptionConflicts(tx, target, touched);
  if (counts.added + counts.changed + counts.removed > 0) await send([{ topic: 'sync', data: 'availability' }]);
  return counts;
}

/**
 * Removes everything the source brought in (deleted: every platform removes it on the next push) and dismisses the
 * conflicts it opened. Returns how many entries went.
 */
export async function removeCalendarEntries(tx: Tx, send: (messages: OutboxMessageInput[]) => Promise<unknown>, userId: string, sourceId: string): Promise<number> {
  await lockUserCalendar(tx, userId);
  const { count } = await tx.availability.updateMany({
    where: { userId, calendarSourceId: sourceId, deletedAt: null },
    data: { deletedAt: new Date(), calendarEventKey: null, version: { increment: 1 } },
  });
  await tx.conflict.updateMany({
    where: { userId, platformId: calendarTargetId(sourceId), status: 'open' },
    data: { status: 'dismissed', resolvedAt: new Date(), resolution: { action: 'source_removed' } },
  });
  if (count > 0) await send([{ topic: 'sync', data: 'availability' }]);
  return count;
}

/** Days of `days` the user already holds as unavailable through an entry that is not this source's. */
async function coveredDays(tx: Tx, userId: string, sourceId: string, days: readonly EventDay[]): Promise<Set<string>> {
  const covered = new Set<string>();
  if (days.length === 0) return covered;
  const first = days.reduce((min, d) => (d.day < min ? d.day : min), days[0]!.day);
  const last = days.reduce((max, d) => (d.day > max ? d.day : max), days[0]!.day);
  const holding = await tx.availability.findMany({
    where: {
      userId,
      deletedAt: null,
      status: 'unavailable',
      OR: [{ calendarSourceId: null }, { calendarSourceId: { not: sourceId } }],
      startDate: { lte: parseDay(last)! },
      endDate: { gte: parseDay(first)! },
    },
    select: { startDate: true, endDate: true },
  });
  for (const row of holding) {
    const from = toDay(row.startDate) < first ? first : toDay(row.startDate);
    const to = toDay(row.endDate) > last ? last : toDay(row.endDate);
    for (const day of daysFrom(from, to)) covered.add(day);
  }
  return covered;
}

/** One open conflict per live option an imported entry lands on (none when one is open already). */
async function openOptionConflicts(tx: Tx, { userId, sourceId, sourceName }: ImportTarget, entries: Availability[]): Promise<number> {
  let opened = 0;
  const platformId = calendarTargetId(sourceId);
  for (const entry of entries) {
    const options = await tx.availability.findMany({
      where: { userId, deletedAt: null, status: 'tentative', startDate: { lte: entry.endDate }, endDate: { gte: entry.startDate } },
    });
    for (const option of options) {
      const open = await tx.conflict.findFirst({ where: { userId, platformId, availabilityId: option.id, kind: 'calendar_overlap', status: 'open' } });
      if (open) continue;
      const holder = option.optionHolder ? ` for ${option.optionHolder}` : '';
      const rank = option.optionRank ? `${option.optionRank}. option` : 'option';
      await tx.conflict.create({
        data: {
          userId,
          platformId,
          availabilityId: option.id,
          kind: 'calendar_overlap',
          externalId: entry.id,
          message: `your calendar "${sourceName}" has ${entry.type} days ${span(entry)} on your ${rank}${holder} (${span(option)}): keep the option (keep_ours) or let it go (accept_theirs)`,
          ours: { id: option.id, startDate: toDay(option.startDate), endDate: toDay(option.endDate), status: option.status, type: option.type, optionRank: option.optionRank },
        },
      });
      opened++;
    }
  }
  return opened;
}

const span = (row: Pick<Availability, 'startDate' | 'endDate'>) =>
  toDay(row.startDate) === toDay(row.endDate) ? toDay(row.startDate) : `${toDay(row.startDate)} to ${toDay(row.endDate)}`;
