// What changed since the last message an agency received. E-mail cannot be read back, so "what the agency holds"
// is what the platform last confirmed (the activity passes it as known.lastConfirmed), compared entry by entry.
import type { AvailabilityItem } from '../types.js';

export interface AvailabilityChanges {
  added: AvailabilityItem[];
  changed: { before: AvailabilityItem; after: AvailabilityItem }[];
  removed: AvailabilityItem[];
}

export function diffAvailability(desired: AvailabilityItem[], lastConfirmed: AvailabilityItem[]): AvailabilityChanges {
  const confirmedById = new Map(lastConfirmed.map((item) => [item.id, item]));
  const desiredIds = new Set(desired.map((item) => item.id));
  const changes: AvailabilityChanges = { added: [], changed: [], removed: [] };
  for (const after of desired) {
    const before = confirmedById.get(after.id);
    if (!before) changes.added.push(after);
    else if (!sameEntry(before, after)) changes.changed.push({ before, after });
  }
  changes.removed = lastConfirmed.filter((item) => !desiredIds.has(item.id));
  return changes;
}

export function changeCount(changes: AvailabilityChanges): number {
  return changes.added.length + changes.changed.length + changes.removed.length;
}

/** Every field the agency sees; null and undefined are the same (no rank, no holder, no note). */
function sameEntry(a: AvailabilityItem, b: AvailabilityItem): boolean {
  return (
    a.startDate === b.startDate &&
    a.endDate === b.endDate &&
    a.status === b.status &&
    a.type === b.type &&
    (a.optionRank ?? null) === (b.optionRank ?? null) &&
    (a.optionHolder ?? null) === (b.optionHolder ?? null) &&
    (a.note ?? null) === (b.note ?? null)
  );
}
