// The user's calendar entries: adding, changing and deleting a date range under the user's lock, with the option
// rules (lib/options.ts: a firm booking releases the options on its days, lower options move up when one goes)
// and what the change sends through the outbox (the push, and the option expiry timers it touches), in one
// transaction. Every change of an existing entry goes through rewriteEntry, the availability routes' and the
// conflict resolution's alike (lib/conflicts.ts); refusals are CalendarErrors, which carry the HTTP status the
// gateway answers with.
import type { Availability } from '../generated/prisma/client.js';
import type { AvailabilityStatus, AvailabilityType } from '../generated/prisma/enums.js';
import type { Db } from './db.js';
import { daysInclusive, parseDay, toDay } from './days.js';
import { applyEntryChange, isFirmBooking, isLiveOption, lockUserCalendar, nextFreeRank, type OptionEffects, type Tx } from './options.js';
import type { OutboxMessageInput } from './outbox.js';
import type { SyncOutbox } from './outbox-relay.js';

/**
 * The days castsync takes. The last one leaves room for the day after it, which an all-day iCalendar event names
 * as its end (DTEND, exclusive): RFC 5545 dates have four-digit years, so 9999-12-31 could not be written.
 */
export const FIRST_DAY = '1900-01-01';
export const LAST_DAY = '9999-12-30';

export interface AvailabilityInput {
  startDate?: string;
  endDate?: string;
  status?: AvailabilityStatus;
  type?: AvailabilityType;
  optionRank?: number | null;
  optionHolder?: string | null;
  optionExpiresAt?: string | null;
  note?: string | null;
  version?: number;
}

/** A refusal: the client's mistake or a stale version, with the status the gateway answers (its error handler reads it). */
export class CalendarError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export interface CalendarDeps {
  db: Db;
  outbox: SyncOutbox;
  maxRangeDays: number;
}

export function createCalendar({ db, outbox, maxRangeDays }: CalendarDeps) {
  return {
    async add(userId: string, input: AvailabilityInput): Promise<Availability> {
      refusePastExpiry(input);
      const data = checkedRange(input, maxRangeDays);
      if (!joinsOptionRules(data)) {
        // Nothing to read first: no rank to find, no option to release. Without the calendar lock the insert is
        // still ordered with every holder of it: its foreign key takes a KEY SHARE lock on the user's row, which
        // waits for a FOR UPDATE held (a merge, a resolution) and makes a later one wait for this commit.
        return outbox.write(db, userId, db.availability.create({ data: { userId, ...data, optionRank: null } }), [{ topic: 'sync', data: 'availability' }]);
      }
      return outbox.transaction(db, userId, async (tx, send) => {
        await lockUserCalendar(tx, userId);
        const created = await tx.availability.create({ data: { userId, ...data, optionRank: await rankOf(tx, { userId, ...data }) } });
        await send(changeMessages(null, created, await applyEntryChange(tx, null, created)));
        return created;
      });
    },

    /** Changes the fields given; the rest stay. With `version`, only that version is changed (409 otherwise). */
    async change(userId: string, id: string, { version, ...changes }: AvailabilityInput): Promise<Availability> {
      refusePastExpiry(changes);
      return outbox.transaction(db, userId, async (tx, send) => {
        await lockUserCalendar(tx, userId);
        const current = await tx.availability.findFirst({ where: { id, userId, deletedAt: null } });
        if (!current) throw new CalendarError(404, 'no such availability entry');
        // The calendar is where such an entry is changed: an edit here would be undone by its next change there.
        if (current.calendarSourceId) throw new CalendarError(409, 'this entry comes from one of your calendars (GET /api/calendars): change the event there, or delete the entry here to leave it out');
        if (version !== undefined && version !== current.version) {
          throw new CalendarError(409, `version ${version} is not current (now ${current.version}); reload and try again`);
        }
        const merged = checkedRange({ ...inputOf(current), ...changes }, maxRangeDays);
        const { after } = await rewriteEntry(tx, send, current, { ...merged, optionRank: await rankOf(tx, { userId, ...merged }, current.id) });
        return after;
      });
    },

    /** Deletes an entry: it is removed from every platform, and the options below it move up. */
    async remove(userId: string, id: string): Promise<void> {
      await outbox.transaction(db, userId, async (tx, send) => {
        await lockUserCalendar(tx, userId);
        const before = await tx.availability.findFirst({ where: { id, userId, deletedAt: null } });
        if (!before) throw new CalendarError(404, 'no such availability entry');
        await rewriteEntry(tx, send, before, { deletedAt: new Date() });
      });
    },
  };
}

/** An option, or a firm booking (which releases the options on its days): a new one reads the calendar under its lock. */
function joinsOptionRules(entry: Pick<Availability, 'status' | 'type'>): boolean {
  return isLiveOption({ ...entry, deletedAt: null }) || isFirmBooking({ ...entry, deletedAt: null });
}

/** The fields a change of an existing entry may set. */
export type EntryFields = Partial<
  Pick<Availability, 'startDate' | 'endDate' | 'status' | 'type' | 'optionRank' | 'optionHolder' | 'optionExpiresAt' | 'note' | 'deletedAt' | 'releasedReason'>
>;

/** Writes outbox messages in the caller's transaction (SyncOutbox.transaction's `send`). */
export type SendMessages = (messages: OutboxMessageInput[]) => Promise<unknown>;

export interface EntryWrite {
  after: Availability;
  /** The other entries the option rules touched (each got version + 1). */
  effects: OptionEffects;
}

/**
 * The one write of an existing entry, on the caller's transaction under lockUserCalendar: version + 1 (only of the
 * version read, so the next push compares it with each platform afresh), the option rules, and the messages it sends
 * (the push, and the option expiry timers of this entry and of every option the change released).
 * `joinsCalendar`: the entry was not part of the user's calendar until now (a platform's booking the user accepts),
 * so the option rules treat it as new: as a firm booking it releases the options on its days.
 */
export async function rewriteEntry(tx: Tx, send: SendMessages, before: Availability, fields: EntryFields, { joinsCalendar = false } = {}): Promise<EntryWrite> {
  const { count } = await tx.availability.updateMany({ where: { id: before.id, version: before.version }, data: { ...fields, version: { increment: 1 } } });
  if (count === 0) throw new CalendarError(409, 'the entry changed meanwhile; reload and try again');
  const after = await tx.availability.findUniqueOrThrow({ where: { id: before.id } });
  const effects = await applyEntryChange(tx, joinsCalendar ? null : before, after);
  await send(changeMessages(before, after, effects));
  return { after, effects };
}

/** An option's rank: the one it has, else the next free one on its days (`entryId` left out); null when no option. */
export async function rankOf(tx: Tx, fields: Pick<Availability, 'userId' | 'startDate' | 'endDate' | 'status' | 'optionRank'>, entryId?: string): Promise<number | null> {
  if (fields.status !== 'tentative') return null;
  return fields.optionRank ?? (await nextFreeRank(tx, fields, entryId));
}

/** An entry as the input that would make it, for a change that gives only some fields. */
function inputOf(entry: Availability): AvailabilityInput {
  return {
    startDate: toDay(entry.startDate),
    endDate: toDay(entry.endDate),
    status: entry.status,
    type: entry.type,
    optionRank: entry.optionRank,
    optionHolder: entry.optionHolder,
    optionExpiresAt: entry.optionExpiresAt?.toISOString() ?? null,
    note: entry.note,
  };
}

/** An option's expiry is set in the request only when it is still ahead (a lapsed one would expire at once). */
function refusePastExpiry(input: Pick<AvailabilityInput, 'optionExpiresAt'>, now = new Date()) {
  if (input.optionExpiresAt && new Date(input.optionExpiresAt) <= now) {
    throw new CalendarError(400, `optionExpiresAt ${input.optionExpiresAt} is not in the future; an option's expiry must lie ahead`);
  }
}

/** Rules JSON schema cannot express: order of the days, the range limit, option fields only on options. */
export function checkedRange(input: AvailabilityInput, maxRangeDays: number) {
  const start = parseDay(input.startDate ?? '');
  const end = parseDay(input.endDate ?? '');
  if (!start) throw new CalendarError(400, `startDate "${input.startDate}" is not a calendar day (YYYY-MM-DD)`);
  if (!end) throw new CalendarError(400, `endDate "${input.endDate}" is not a calendar day (YYYY-MM-DD)`);
  if (end < start) throw new CalendarError(400, `endDate ${input.endDate} is before startDate ${input.startDate}`);
  if (input.startDate! < FIRST_DAY) throw new CalendarError(400, `startDate ${input.startDate} is before ${FIRST_DAY}, the first day castsync takes`);
  if (input.endDate! > LAST_DAY) throw new CalendarError(400, `endDate ${input.endDate} is after ${LAST_DAY}, the last day castsync takes`);
  const days = daysInclusive(start, end);
  if (days > maxRangeDays) throw new CalendarError(400, `the range covers ${days} days; at most ${maxRangeDays} are allowed`);
  const isOption = input.status === 'tentative';
  if (!isOption && (input.optionRank != null || input.optionExpiresAt != null)) {
    throw new CalendarError(400, 'optionRank and optionExpiresAt are only allowed when status is "tentative"');
  }
  return {
    startDate: start,
    endDate: end,
    status: input.status!,
    type: input.type!,
    // null on an option: the caller gives it the next free rank on its days (lib/options.ts nextFreeRank).
    optionRank: isOption ? (input.optionRank ?? null) : null,
    optionHolder: input.optionHolder ?? null,
    optionExpiresAt: input.optionExpiresAt ? new Date(input.optionExpiresAt) : null,
    note: input.note ?? null,
  };
}

/**
 * What a change of the calendar sends: the push, and the expiry timers it touches (set when a live option gets an
 * expiry or a new one, stopped when it loses it or stops being an option, stopped for every option the change
 * released). The relay makes each timer match its entry as it is when delivered.
 */
function changeMessages(before: Availability | null, after: Availability, effects: OptionEffects): OutboxMessageInput[] {
  const expiryOf = (entry: Availability | null) => (entry && isLiveOption(entry) ? (entry.optionExpiresAt?.toISOString() ?? null) : null);
  const timers = new Set(effects.released);
  if (expiryOf(before) !== expiryOf(after)) timers.add(after.id);
  return [{ topic: 'sync', data: 'availability' }, ...[...timers].map((availabilityId) => ({ topic: 'option_timer', availabilityId }) as const)];
}
