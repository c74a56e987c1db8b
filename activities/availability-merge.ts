// What a pull means, decided without touching the database: the platform's calendar against ours and against the
// conflicts still open. The seed's "Conflict Resolution", as castsync applies it:
//   - a booking or hold made on the platform that we do not have is imported, and the user asked to confirm it;
//   - a platform-made entry on a date we already have an entry for is not imported: skip with a warning;
//   - one of our entries shown differently, or gone: our system is the source of truth, the next push restores it.
// Pure functions, so the rules can be unit- and property-tested; activities/availability-pull.ts does the writes.
import type { ConnectionKind } from '../adapters/catalog.js';
import { markerRef, portalStateOf, toPortalEntry } from '../adapters/browser/calendar-entries.js';
import type { AvailabilityItem, PlatformAvailabilityItem } from '../adapters/types.js';
import { parseDay } from '../lib/days.js';

/** One of the user's entries, with what this platform last confirmed of it. */
export interface OurEntry extends Required<Omit<AvailabilityItem, 'version'>> {
  version: number;
  /** "castsync", or the platform it was imported from. */
  source: string;
  deleted: boolean;
  /** The version this platform confirmed; null when it confirmed none (or the confirmation is too new to trust). */
  confirmedVersion: number | null;
  /** This platform's id of the entry (for entries imported from it: the id it was imported by). */
  externalId: string | null;
}

export type ConflictKind = 'platform_booking' | 'already_blocked' | 'differs';

export interface OpenConflict {
  kind: string;
  externalId: string | null;
  availabilityId: string | null;
}

export interface MergeInput {
  platform: { id: string; name: string; kind: ConnectionKind };
  ours: OurEntry[];
  pulled: PlatformAvailabilityItem[];
  openConflicts: OpenConflict[];
}

export interface ConflictToOpen {
  kind: Exclude<ConflictKind, 'platform_booking'>;
  /** differs: our entry; already_blocked: ours that the platform's entry overlaps. */
  availabilityId: string;
  externalId: string | null;
  ours: EntryJson;
  theirs: PlatformAvailabilityItem | null;
  message: string;
}

/** A platform-made booking to import, with the message of the platform_booking conflict that asks about it. */
export interface ImportPlan {
  item: PlatformAvailabilityItem;
  message: string;
}

export type MatchReason = 'same' | 'push_pending' | 'ours_deleted' | 'imported_before' | 'duplicate';
export type IgnoreReason = 'free' | 'unknown_ours' | 'invalid_dates';

/** What became of one pulled entry: exactly one of these. */
export type EntryOutcome =
  | { externalId: string; outcome: 'matched'; reason: MatchReason }
  | { externalId: string; outcome: 'import' }
  | { externalId: string; outcome: 'conflict'; kind: ConflictKind; opened: boolean }
  | { externalId: string; outcome: 'ignored'; reason: IgnoreReason };

export interface MergePlan {
  outcomes: EntryOutcome[];
  imports: ImportPlan[];
  conflicts: ConflictToOpen[];
  /** Our side must win on this platform: push to it in full. */
  pushThisPlatform: boolean;
}

export type EntryJson = Omit<OurEntry, 'deleted' | 'confirmedVersion' | 'externalId'>;

export function planMerge({ platform, ours, pulled, openConflicts }: MergeInput): MergePlan {
  const view = platformView(platform.kind);
  const plan: MergePlan = { outcomes: [], imports: [], conflicts: [], pushThisPlatform: false };
  const isOpen = openConflictIndex(openConflicts);
  const importedIds = new Set(ours.filter((e) => e.source === platform.id && e.externalId).map((e) => e.externalId!));
  /** Our entries some pulled entry showed (so they are not missing). */
  const shown = new Set<string>();
  const current = ours.filter((e) => !e.deleted);

  for (const item of pulled) {
    const outcome = item.ourId !== null ? decideOurs(item) : decidePlatformMade(item);
    plan.outcomes.push(outcome);
  }
  for (const entry of ours) {
    if (!isConfirmedOurs(entry, platform.id) || shown.has(entry.id)) continue;
    openDiffers(entry, null, entry.externalId);
  }
  return plan;

  function decideOurs(item: PlatformAvailabilityItem): EntryOutcome {
    const { externalId } = item;
    const entry = ours.find((e) => e.source !== platform.id && view.refOf(e.id) === item.ourId!.toLowerCase());
    if (!entry) return { externalId, outcome: 'ignored', reason: 'unknown_ours' };
    if (shown.has(entry.id)) return { externalId, outcome: 'matched', reason: 'duplicate' };
    shown.add(entry.id);
    if (entry.deleted) return { externalId, outcome: 'matched', reason: 'ours_deleted' };
    if (!isConfirmedOurs(entry, platform.id)) return { externalId, outcome: 'matched', reason: 'push_pending' };
    if (view.sameEntry(entry, item)) return { externalId, outcome: 'matched', reason: 'same' };
    return { externalId, outcome: 'conflict', kind: 'differs', opened: openDiffers(entry, item, externalId) };
  }

  function decidePlatformMade(item: PlatformAvailabilityItem): EntryOutcome {
    const { externalId } = item;
    if (importedIds.has(externalId)) return { externalId, outcome: 'matched', reason: 'imported_before' };
    const pending = isOpen.byExternalId(externalId);
    if (pending) return { externalId, outcome: 'conflict', kind: pending as ConflictKind, opened: false };
    if (item.status === 'available') return { externalId, outcome: 'ignored', reason: 'free' };
    if (!validRange(item)) return { externalId, outcome: 'ignored', reason: 'invalid_dates' };
    const overlapped = current.find((e) => overlaps(e, item));
    if (overlapped) {
      plan.conflicts.push({
        kind: 'already_blocked',
        availabilityId: overlapped.id,
        externalId,
        ours: entryJson(overlapped),
        theirs: item,
        message: `${range(item)} is already blocked on ${platform.name} (${describe(item)}), over your entry ${range(overlapped)} (${describe(overlapped)}). It was skipped with a warning: check which one is right.`,
      });
      return { externalId, outcome: 'conflict', kind: 'already_blocked', opened: true };
    }
    // Recorded so that the same entry listed twice (a platform paging while entries change) imports once.
    importedIds.add(externalId);
    plan.imports.push({
      item,
      message: `New on ${platform.name}: ${describe(item)}, ${range(item)}. It is now in your calendar and goes to your other platforms: confirm it or change it.`,
    });
    return { externalId, outcome: 'import' };
  }

  /** Records that ours must win; opens a differs conflict unless one is open already. Answers whether it opened one. */
  function openDiffers(entry: OurEntry, theirs: PlatformAvailabilityItem | null, externalId: string | null): boolean {
    plan.pushThisPlatform = true;
    if (isOpen.differsFor(entry.id)) return false;
    plan.conflicts.push({
      kind: 'differs',
      availabilityId: entry.id,
      externalId,
      ours: entryJson(entry),
      theirs,
      message: theirs
        ? `${platform.name} shows your entry ${range(entry)} differently (${range(theirs)}, ${describe(theirs)}). castsync is the source of truth: the next push puts yours back.`
        : `${platform.name} no longer shows your entry ${range(entry)} (${describe(entry)}). castsync is the source of truth: the next push puts it back.`,
    });
    return true;
  }
}

/** Ours, not deleted, and this platform confirmed its current version: what the platform must show. */
function isConfirmedOurs(entry: OurEntry, platformId: string): boolean {
  return entry.source !== platformId && !entry.deleted && entry.confirmedVersion !== null && entry.confirmedVersion >= entry.version;
}

function openConflictIndex(open: OpenConflict[]) {
  return {
    byExternalId: (externalId: string) => open.find((c) => c.externalId === externalId && c.kind !== 'differs')?.kind,
    differsFor: (availabilityId: string) => open.some((c) => c.kind === 'differs' && c.availabilityId === availabilityId),
  };
}

/** How a platform of this kind refers to our entries and which differences it can show at all. */
export function platformView(kind: ConnectionKind) {
  if (kind === 'browser') {
    // A portal knows only dates, a state and a comment carrying our words and an 8-character marker of our id.
    return {
      refOf: (ourId: string) => markerRef(ourId),
      sameEntry: (ours: OurEntry, theirs: PlatformAvailabilityItem) => {
        const wanted = toPortalEntry(ours);
        return (
          wanted.from === theirs.startDate &&
          wanted.to === theirs.endDate &&
          wanted.state === portalStateOf({ ...theirs, id: '' }) &&
          oneLine(wanted.comment.replace(/\s*\[cs:[0-9a-f]{8}\]\s*$/i, '')) === oneLine(theirs.note ?? '')
        );
      },
    };
  }
  return {
    refOf: (ourId: string) => ourId.toLowerCase(),
    sameEntry: (ours: OurEntry, theirs: PlatformAvailabilityItem) =>
      ours.startDate === theirs.startDate &&
      ours.endDate === theirs.endDate &&
      ours.status === theirs.status &&
      ours.type === theirs.type &&
      (ours.optionRank ?? null) === (theirs.optionRank ?? null) &&
      (ours.optionHolder ?? null) === (theirs.optionHolder ?? null),
  };
}

function validRange(e: { startDate: string; endDate: string }): boolean {
  return parseDay(e.startDate) !== null && parseDay(e.endDate) !== null && e.startDate <= e.endDate;
}

function overlaps(a: { startDate: string; endDate: string }, b: { startDate: string; endDate: string }): boolean {
  return a.startDate <= b.endDate && b.startDate <= a.endDate;
}

function entryJson(entry: OurEntry): EntryJson {
  const { id, startDate, endDate, status, type, optionRank, optionHolder, note, version, source } = entry;
  return { id, startDate, endDate, status, type, optionRank, optionHolder, note, version, source };
}

function range(e: { startDate: string; endDate: string }): string {
  return e.startDate === e.endDate ? e.startDate : `${e.startDate} – ${e.endDate}`;
}

/** In words, e.g. "1st option for Tatort", "booking", "blocked day". */
function describe(e: Pick<AvailabilityItem, 'status' | 'type' | 'optionRank' | 'optionHolder'>): string {
  const what =
    e.status === 'tentative'
      ? `${e.optionRank ? `${ordinal(e.optionRank)} ` : ''}option`
      : e.status === 'available'
        ? 'free'
        : { booking: 'booking', travel: 'travel day', block: 'blocked day' }[e.type];
  return `${what}${e.optionHolder ? ` for ${e.optionHolder}` : ''}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
