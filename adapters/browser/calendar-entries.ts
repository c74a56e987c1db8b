// How our availability looks on a portal calendar that knows only from, to, a state and a free-text comment,
// and what a push must change there. Pure functions: no browser involved.
//
// A portal has no field for our id, so the comment carries a short marker, "[cs:<first 8 characters of our
// id>]" (ids are random UUIDs). Entries with a marker are ours and may be deleted; entries without one were made
// on the portal and are never touched. Type, option rank and holder have no field either: they become words in
// the comment, so any change to them changes the comment, and the push replaces the entry.
import type { AvailabilityItem, PlatformAvailabilityItem } from '../types.js';
import { portalStateFor } from '../catalog.js';

export const PORTAL_STATES = ['free', 'blocked', 'held', 'booked'] as const;
export type PortalState = (typeof PORTAL_STATES)[number];

/** One row of the portal's calendar as the page shows it. */
export interface PortalRow {
  externalId: string;
  from: string;
  to: string;
  state: string;
  comment: string;
}

export type PortalEntryInput = Omit<PortalRow, 'externalId'>;

const MARKER_LENGTH = 8;
const MARKER = /\s*\[cs:([0-9a-f]{8})\]\s*$/i;

export function markerRef(ourId: string): string {
  return ourId.replace(/-/g, '').slice(0, MARKER_LENGTH).toLowerCase();
}

/** The marker's id prefix, or null for an entry made on the portal. */
export function markerOf(comment: string): string | null {
  return MARKER.exec(comment)?.[1]?.toLowerCase() ?? null;
}

/** The catalog's mapping: available is free, an option holds the day, a booking books it, anything else blocks it. */
export function portalStateOf(item: AvailabilityItem): PortalState {
  if (item.status === 'available') return portalStateFor.available;
  if (item.status === 'tentative') return portalStateFor.option;
  return portalStateFor[item.type];
}

export function toPortalEntry(item: AvailabilityItem): PortalEntryInput {
  const words: string[] = [];
  if (item.type === 'travel') words.push('Travel day');
  if (item.status === 'tentative') words.push(item.optionRank ? `${ordinal(item.optionRank)} option` : 'Option');
  if (item.optionHolder) words.push(oneLine(item.optionHolder));
  if (item.note) words.push(oneLine(item.note));
  const comment = [words.join(' · '), `[cs:${markerRef(item.id)}]`].filter(Boolean).join(' ');
  return { from: item.startDate, to: item.endDate, state: portalStateOf(item), comment };
}

function sameEntry(row: PortalRow, wanted: PortalEntryInput): boolean {
  return row.from === wanted.from && row.to === wanted.to && row.state === wanted.state && oneLine(row.comment) === wanted.comment;
}

export interface CalendarPlan {
  /** Our id -> the row that already shows it as wanted. */
  keep: Map<string, PortalRow>;
  add: { item: AvailabilityItem; entry: PortalEntryInput }[];
  /** Our rows to delete: outdated versions, duplicates, and entries we no longer want. */
  remove: { row: PortalRow; ourRef: string }[];
}

/** What must change so the portal shows exactly `desired` among our entries; foreign entries stay. */
export function planCalendar(rows: PortalRow[], desired: AvailabilityItem[]): CalendarPlan {
  const desiredByRef = new Map(desired.map((item) => [markerRef(item.id), item]));
  const keep = new Map<string, PortalRow>();
  const remove: CalendarPlan['remove'] = [];
  for (const row of rows) {
    const ref = markerOf(row.comment);
    if (!ref) continue;
    const item = desiredByRef.get(ref);
    if (item && !keep.has(item.id) && sameEntry(row, toPortalEntry(item))) keep.set(item.id, row);
    else remove.push({ row, ourRef: ref });
  }
  const add = desired.filter((item) => !keep.has(item.id)).map((item) => ({ item, entry: toPortalEntry(item) }));
  return { keep, add, remove };
}

/**
 * A portal row in our terms. The portal keeps less than we do: the comment (without the marker) becomes the
 * note, and `ourId` is only the marker's id prefix, which the caller matches against its own ids.
 */
export function fromPortalRow(row: PortalRow): PlatformAvailabilityItem {
  const note = row.comment.replace(MARKER, '').trim();
  const travel = /^Travel day\b/i.test(note);
  const rank = /\b(\d+)(?:st|nd|rd|th) option\b/i.exec(note)?.[1];
  const base = { externalId: row.externalId, ourId: markerOf(row.comment), startDate: row.from, endDate: row.to, note: note || null };
  switch (row.state) {
    case 'free':
      return { ...base, status: 'available', type: travel ? 'travel' : 'block' };
    case 'held':
      return { ...base, status: 'tentative', type: 'booking', optionRank: rank ? Number(rank) : null };
    case 'booked':
      return { ...base, status: 'unavailable', type: 'booking' };
    default:
      return { ...base, status: 'unavailable', type: travel ? 'travel' : 'block' };
  }
}

/** Portal comments are one line (a text input): collapse line breaks and runs of spaces the way it would. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}
