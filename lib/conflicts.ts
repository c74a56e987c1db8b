// Conflicts between a platform (or a calendar source) and the user's calendar, listed and resolved as part of the
// calendar (lib/calendar-entries.ts). Kinds and their fields, as they are opened:
//   platform_booking  a booking made on the platform and imported: availabilityId = the imported entry, ours null
//                     (activities/availability-pull.ts)
//   differs           availabilityId = our entry, ours = our entry, theirs = the platform's version (null: it lost it)
//   already_blocked   availabilityId = our entry, theirs = the platform's own block on those days
//   calendar_overlap  a calendar source's days on one of our options: availabilityId = the option, theirs null
//                     (lib/calendar-import.ts)
//   media_drift       a file castsync put there was removed on the platform (ours = the medium), or one castsync
//                     does not know was added there (theirs = its file name and type); see activities/media-drift.ts
// `theirs` of a calendar conflict has the shape of an adapter's PlatformAvailabilityItem (startDate, endDate, status,
// type, optionRank, optionHolder, note). A resolution changes the entry through the calendar's own write
// (rewriteEntry: the user's lock, version + 1, the option rules, the push and the option expiry timers it touches),
// resolves the conflict and records it in the audit trail, all in one transaction.
import type { Availability, Conflict, ConflictStatus } from '../generated/prisma/client.js';
import { AvailabilityStatus, AvailabilityType } from '../generated/prisma/enums.js';
import { getPlatform, isPlatformId } from '../adapters/catalog.js';
import { recordAudit } from './audit.js';
import { CalendarError, checkedRange, rankOf, rewriteEntry, type AvailabilityInput, type EntryFields, type EntryWrite, type SendMessages } from './calendar-entries.js';
import type { Caller } from './calendar-sources.js';
import type { Db } from './db.js';
import { lockUserCalendar, noEffects, type Tx } from './options.js';
import type { SyncOutbox } from './outbox-relay.js';
import { calendarSourceIdOf, calendarTargetId } from '../workflows/plumbing.js';

export const resolutionActions = ['keep_ours', 'accept_theirs', 'edit'] as const;
export type ResolutionAction = (typeof resolutionActions)[number];

/** Only with action "edit": the days (and optionally status and type) our entry gets. */
export interface EditRange {
  startDate: string;
  endDate: string;
  status?: AvailabilityStatus;
  type?: AvailabilityType;
}

export interface Resolution {
  action: ResolutionAction;
  range?: EditRange;
}

/** A conflict with its entry (as it is now) and the name of the platform or calendar source it is with. */
export interface ConflictView {
  conflict: Conflict;
  entry: Availability | null;
  platformName: string;
}

export interface ConflictPage {
  items: ConflictView[];
  total: number;
}

export interface ConflictDeps {
  db: Db;
  /** A resolution sends its push (and the option timers it touches) in its own transaction. */
  outbox: SyncOutbox;
  maxRangeDays: number;
}

const MEDIA_DRIFT = 'media_drift';

export function createConflicts({ db, outbox, maxRangeDays }: ConflictDeps) {
  return {
    /** The user's conflicts with this status, newest first; `page` counts from 1. */
    async list(userId: string, { status, page, pageSize }: { status: ConflictStatus; page: number; pageSize: number }): Promise<ConflictPage> {
      const where = { userId, status };
      const [rows, total] = await Promise.all([
        db.conflict.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize, include: { availability: true } }),
        db.conflict.count({ where }),
      ]);
      const names = await platformNames(db, userId, rows);
      return { items: rows.map(({ availability, ...conflict }) => ({ conflict, entry: availability, platformName: names(conflict) })), total };
    },

    /** Keeps our side, accepts the platform's, or edits our entry; refusals are CalendarErrors (400, 404, 409). */
    async resolve(caller: Caller, conflictId: string, resolution: Resolution): Promise<ConflictView> {
      const { action, range } = resolution;
      if (action === 'edit' && !range) throw new CalendarError(400, 'range is required when action is "edit"');
      if (action !== 'edit' && range) throw new CalendarError(400, `range is only allowed when action is "edit", not "${action}"`);
      const { userId } = caller;
      const resolved = await outbox.transaction(db, userId, async (tx, send) => {
        await lockUserCalendar(tx, userId);
        const conflict = await tx.conflict.findFirst({ where: { id: conflictId, userId } });
        if (!conflict) throw new CalendarError(404, 'no such conflict');
        if (conflict.status !== 'open') throw new CalendarError(409, `the conflict is already ${conflict.status}`);
        const { updated, entry } =
          conflict.kind === MEDIA_DRIFT ? { updated: await resolveMediaDrift(tx, send, conflict, action), entry: null } : await resolveCalendarConflict(tx, send, conflict, resolution, maxRangeDays);
        await recordAudit(tx, { userId, actor: 'user', requestId: caller.requestId, action: 'conflict.resolve', target: conflict.id, details: { action, platformId: conflict.platformId } });
        return { conflict: updated, entry };
      });
      return { ...resolved, platformName: (await platformNames(db, userId, [resolved.conflict]))(resolved.conflict) };
    },
  };
}

/** The conflict's entry as the resolution leaves it (null: it has none), and the conflict, resolved. */
async function resolveCalendarConflict(tx: Tx, send: SendMessages, conflict: Conflict, resolution: Resolution, maxRangeDays: number) {
  const entry = conflict.availabilityId ? await tx.availability.findUnique({ where: { id: conflict.availabilityId } }) : null;
  const written = entry ? await resolveEntry(tx, send, conflict, entry, resolution, maxRangeDays) : await withoutEntry(send, resolution);
  const { range } = resolution;
  const record = {
    action: resolution.action,
    ...(range ? { range: { ...range } } : {}),
    entry: written ? { id: written.after.id, version: written.after.version, deleted: written.after.deletedAt !== null } : null,
    ...(written?.effects ?? noEffects()),
  };
  const updated = await tx.conflict.update({ where: { id: conflict.id }, data: { status: 'resolved', resolvedAt: new Date(), resolution: record } });
  return { updated, entry: written?.after ?? null };
}

/** The entry is gone (deleted for good): only keep_ours is left, and the next push puts our calendar back. */
async function withoutEntry(send: SendMessages, { action }: Resolution): Promise<null> {
  if (action !== 'keep_ours') throw new CalendarError(409, 'the entry of this conflict no longer exists; keep_ours is the only resolution left');
  await send([{ topic: 'sync', data: 'availability' }]);
  return null;
}

/** What the chosen action does to the conflict's entry (and, through the option rules, to the user's options). */
async function resolveEntry(tx: Tx, send: SendMessages, conflict: Conflict, entry: Availability, { action, range }: Resolution, maxRangeDays: number): Promise<EntryWrite> {
  const imported = conflict.kind === 'platform_booking';
  const write = (fields: EntryFields, joinsCalendar = false) => rewriteEntry(tx, send, entry, fields, { joinsCalendar });
  if (action === 'keep_ours') {
    // Ours stays as it is; its new version makes the next push overwrite what the platform shows.
    if (!imported) return write({});
    return write({ deletedAt: entry.deletedAt ?? new Date(), releasedReason: 'conflict_rejected' });
  }
  if (action === 'accept_theirs') {
    // An imported booking joins our calendar only now, so it counts as new: as a firm booking it releases the
    // options on its days.
    if (imported) return write({ deletedAt: null, releasedReason: null }, true);
    const theirs = platformVersion(conflict.theirs, entry, maxRangeDays);
    if (!theirs) return write({ deletedAt: entry.deletedAt ?? new Date() });
    return write({ ...theirs, optionRank: await rankOf(tx, { userId: entry.userId, ...theirs }, entry.id), deletedAt: null, releasedReason: null });
  }
  const edited = checkedRange(editInput(entry, range!), maxRangeDays);
  return write({ ...edited, optionRank: await rankOf(tx, { userId: entry.userId, ...edited }, entry.id), deletedAt: null, releasedReason: null }, imported);
}

/** An option keeps its rank while it stays one; an entry that becomes an option gets the next free rank (rankOf). */
const keptRank = (entry: Availability, option: boolean) => (option && entry.status === 'tentative' ? entry.optionRank : null);

/** Our entry with the edited days (and status/type); option fields stay only while it is an option. */
function editInput(entry: Availability, range: EditRange): AvailabilityInput {
  const status = range.status ?? entry.status;
  const option = status === 'tentative';
  return {
    startDate: range.startDate,
    endDate: range.endDate,
    status,
    type: range.type ?? entry.type,
    optionRank: keptRank(entry, option),
    optionHolder: entry.optionHolder,
    optionExpiresAt: option ? (entry.optionExpiresAt?.toISOString() ?? null) : null,
    note: entry.note,
  };
}

/** The platform's version (`theirs`) as our fields, or null when the platform no longer has the entry. */
function platformVersion(theirs: unknown, entry: Availability, maxRangeDays: number): ReturnType<typeof checkedRange> | null {
  if (theirs === null || theirs === undefined) return null;
  const t = theirs as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const tentative = t.status === 'tentative';
  try {
    return checkedRange(
      {
        startDate: text(t.startDate),
        endDate: text(t.endDate),
        status: Object.values(AvailabilityStatus).find((s) => s === t.status),
        type: Object.values(AvailabilityType).find((s) => s === t.type),
        optionRank: tentative && typeof t.optionRank === 'number' ? t.optionRank : keptRank(entry, tentative),
        optionHolder: text(t.optionHolder) ?? null,
        optionExpiresAt: tentative ? (entry.optionExpiresAt?.toISOString() ?? null) : null,
        note: text(t.note) ?? null,
      },
      maxRangeDays,
    );
  } catch (error) {
    // The platform's data, not the request, is what cannot be written: the request is fine, the state is not.
    if (error instanceof CalendarError) throw new CalendarError(409, `the platform's version cannot be applied: ${error.message}`);
    throw error;
  }
}

/**
 * A file removed on the platform: keep_ours uploads it again (its state is reset, so the next media push sees it
 * missing), accept_theirs leaves it off that platform for good (excluded). A file added on the platform: only
 * accept_theirs (leave it there) — castsync never deletes files it did not upload.
 */
async function resolveMediaDrift(tx: Tx, send: SendMessages, conflict: Conflict, action: ResolutionAction): Promise<Conflict> {
  const ours = conflict.ours as { mediaId?: string } | null;
  if (action === 'edit') throw new CalendarError(400, 'a media conflict is resolved with keep_ours or accept_theirs, not edit');
  if (!ours?.mediaId && action === 'keep_ours') {
    throw new CalendarError(409, 'castsync never deletes files it did not upload: delete it on the platform, or accept theirs to leave it there');
  }
  if (ours?.mediaId) {
    const change = action === 'keep_ours' ? { externalId: null, variantHash: null, syncedVersion: null, status: 'pending' as const } : { excluded: true };
    await tx.platformMediaState.updateMany({ where: { mediaId: ours.mediaId, platformId: conflict.platformId }, data: change });
  }
  const updated = await tx.conflict.update({ where: { id: conflict.id }, data: { status: 'resolved', resolvedAt: new Date(), resolution: { action } } });
  await send([{ topic: 'sync', data: 'media' }]);
  return updated;
}

/** The name of each conflict's platform, or of its calendar source (platformId "calendar:<id>"). */
async function platformNames(db: Db, userId: string, rows: Pick<Conflict, 'platformId'>[]): Promise<(row: Pick<Conflict, 'platformId'>) => string> {
  const ids = rows.flatMap((row) => calendarSourceIdOf(row.platformId) ?? []);
  const sources = ids.length ? await db.calendarSource.findMany({ where: { userId, id: { in: ids } }, select: { id: true, name: true } }) : [];
  const calendars = new Map(sources.map((source) => [calendarTargetId(source.id), source.name]));
  return ({ platformId }) => (isPlatformId(platformId) ? getPlatform(platformId).name : (calendars.get(platformId) ?? platformId));
}
