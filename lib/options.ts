// Options (tentative holds) and firm bookings, as the casting trade handles them (design brief, "Availability
// states in casting"): the first production to ask holds the 1st option, later ones the 2nd, 3rd. A firm booking
// on a date releases every option on it; when an option goes (released, expired, deleted, turned into something
// else), the options ranked below it on its dates move up one rank. Every function here runs on the caller's
// transaction, so an entry's change and its effects on the other options commit together (one push follows).
import type { Availability, Prisma } from '../generated/prisma/client.js';

export type Tx = Prisma.TransactionClient;

/** Why castsync (not the user) removed an entry; stored in Availability.releasedReason. */
export type ReleaseReason = 'firm_booking' | 'option_expired' | 'conflict_rejected';

/** Other entries a change touched (each got version + 1), so callers can stop their timers and push them. */
export interface OptionEffects {
  released: string[];
  promoted: string[];
}

type Span = Pick<Availability, 'userId' | 'startDate' | 'endDate'>;
type Entry = Pick<Availability, 'id' | 'userId' | 'startDate' | 'endDate' | 'status' | 'type' | 'optionRank' | 'deletedAt'>;

export const noEffects = (): OptionEffects => ({ released: [], promoted: [] });

export const isLiveOption = (entry: Pick<Entry, 'status' | 'deletedAt'>) => entry.status === 'tentative' && entry.deletedAt === null;
export const isFirmBooking = (entry: Pick<Entry, 'status' | 'type' | 'deletedAt'>) => entry.status === 'unavailable' && entry.type === 'booking' && entry.deletedAt === null;

function liveOptionsOverlapping(span: Span) {
  return {
    userId: span.userId,
    deletedAt: null,
    status: 'tentative' as const,
    startDate: { lte: span.endDate },
    endDate: { gte: span.startDate },
  };
}

/**
 * Serializes option bookkeeping per user (a row lock on the user until the transaction ends): without it two
 * requests at once would both see the same free rank, or promote the same option twice.
 */
export async function lockUserCalendar(tx: Tx, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${userId}::uuid FOR UPDATE`;
}

/**
 * The rank a new option gets when none is given: one below the lowest-ranked live option on any of its days
 * (1 when the days are free of options). A production asking later queues behind every earlier hold.
 */
export async function nextFreeRank(tx: Tx, span: Span, excludeId?: string): Promise<number> {
  const top = await tx.availability.aggregate({
    where: { ...liveOptionsOverlapping(span), ...(excludeId ? { id: { not: excludeId } } : {}) },
    _max: { optionRank: true },
  });
  return (top._max.optionRank ?? 0) + 1;
}

/** The options below a gone option, on its days, move up one rank. */
async function promoteOptionsBelow(tx: Tx, gone: Entry): Promise<string[]> {
  if (gone.optionRank == null) return [];
  const below = await tx.availability.findMany({
    where: { ...liveOptionsOverlapping(gone), id: { not: gone.id }, optionRank: { gt: gone.optionRank } },
    select: { id: true },
  });
  const ids = below.map((row) => row.id);
  if (ids.length) await tx.availability.updateMany({ where: { id: { in: ids } }, data: { optionRank: { decrement: 1 }, version: { increment: 1 } } });
  return ids;
}

/** Soft-deletes a live option (version + 1, with the reason) and moves the options below it up. */
export async function releaseOption(tx: Tx, optionId: string, reason: ReleaseReason): Promise<OptionEffects> {
  const option = await tx.availability.findUnique({ where: { id: optionId } });
  if (!option || !isLiveOption(option)) return noEffects();
  await tx.availability.update({ where: { id: optionId }, data: { deletedAt: new Date(), releasedReason: reason, version: { increment: 1 } } });
  return { released: [optionId], promoted: await promoteOptionsBelow(tx, option) };
}

/** A firm booking releases every option on its days, highest rank first (each release re-reads the ranks). */
async function releaseOptionsUnder(tx: Tx, booking: Entry): Promise<OptionEffects> {
  const options = await tx.availability.findMany({
    where: { ...liveOptionsOverlapping(booking), id: { not: booking.id } },
    orderBy: [{ optionRank: 'asc' }, { createdAt: 'asc' }],
    select: { id: true },
  });
  let effects = noEffects();
  for (const { id } of options) effects = combine(effects, await releaseOption(tx, id, 'firm_booking'));
  return effects;
}

const sameDays = (a: Entry, b: Entry) => a.startDate.getTime() === b.startDate.getTime() && a.endDate.getTime() === b.endDate.getTime();

/**
 * The effects of one entry's change on the user's other options; `before` is null for a new entry, `after` may be
 * deleted. An option that stops being one (deleted, released, confirmed, made a block) lets the options below it
 * move up; an entry that becomes a firm booking, or a firm booking moved onto other days, releases the options
 * on its days. A firm booking whose days did not change leaves alone options added on them since (the user's choice).
 * An option moved to other days keeps its rank (ranks are the productions' order of asking, not the days').
 */
export async function applyEntryChange(tx: Tx, before: Entry | null, after: Entry): Promise<OptionEffects> {
  let effects = noEffects();
  if (before && isLiveOption(before) && !isLiveOption(after)) effects = combine(effects, { released: [], promoted: await promoteOptionsBelow(tx, before) });
  const newlyFirm = isFirmBooking(after) && (!before || !isFirmBooking(before) || !sameDays(before, after));
  if (newlyFirm) effects = combine(effects, await releaseOptionsUnder(tx, after));
  return effects;
}

/** Effects of several steps; an option promoted and later released counts as released only. */
export function combine(a: OptionEffects, b: OptionEffects): OptionEffects {
  const released = [...new Set([...a.released, ...b.released])];
  const promoted = [...new Set([...a.promoted, ...b.promoted])].filter((id) => !released.includes(id));
  return { released, promoted };
}
