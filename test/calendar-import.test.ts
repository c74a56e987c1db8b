// Which entries a calendar source should have (lib/calendar-import.ts plannedEntries), without a database: days
// the user holds already are left out, one event per day, ranges per occurrence split at the range limit, a moved
// occurrence keeps its key, and details only when the user shares them.
import { describe, expect, it } from 'vitest';
import { eventKey, plannedEntries } from '../lib/calendar-import.js';
import type { EventDay } from '../lib/calendars/days.js';

const day = (uid: string, dayText: string, kind: EventDay['kind'] = 'block', recurrenceId?: string): EventDay => ({ uid, day: dayText, kind, ...(recurrenceId ? { recurrenceId } : {}) });
const shape = (entries: ReturnType<typeof plannedEntries>) => entries.map((e) => `${e.startDay}..${e.endDay} ${e.kind}`);

describe('planned entries of a calendar source', () => {
  it('joins an occurrence\'s days into one range and leaves out the days already covered', () => {
    const trip = ['2027-03-01', '2027-03-02', '2027-03-03', '2027-03-04'].map((d) => day('trip', d, 'travel'));
    expect(shape(plannedEntries(trip, null, new Set(), 366))).toEqual(['2027-03-01..2027-03-04 travel']);
    // The user's own block on the 2nd splits the trip: two parts of one occurrence, each its own key.
    const split = plannedEntries(trip, null, new Set(['2027-03-02']), 366);
    expect(shape(split)).toEqual(['2027-03-01..2027-03-01 travel', '2027-03-03..2027-03-04 travel']);
    expect(split.map((e) => e.key)).toEqual([eventKey('trip', undefined, 0), eventKey('trip', undefined, 1)]);
  });

  it('keeps one event per day: a booking over a travel day over a block, then the first by UID', () => {
    const days = [day('b-dinner', '2027-03-01'), day('a-rehearsal', '2027-03-01'), day('z-shoot', '2027-03-02', 'booking'), day('a-rehearsal', '2027-03-02', 'block', 'r2')];
    const planned = plannedEntries(days, null, new Set(), 366);
    expect(shape(planned)).toEqual(['2027-03-01..2027-03-01 block', '2027-03-02..2027-03-02 booking']);
    expect(planned.map((e) => e.key)).toEqual([eventKey('a-rehearsal', undefined, 0), eventKey('z-shoot', undefined, 0)]);
  });

  it('splits a range longer than the limit, and keeps an occurrence\'s key when it moves', () => {
    const long = ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-01-05'].map((d) => day('tour', d));
    expect(shape(plannedEntries(long, null, new Set(), 2))).toEqual(['2027-01-01..2027-01-02 block', '2027-01-03..2027-01-04 block', '2027-01-05..2027-01-05 block']);
    const before = plannedEntries([day('rehearsal', '2027-01-28', 'block', '2027-01-26T18:00:00Z')], null, new Set(), 366);
    const after = plannedEntries([day('rehearsal', '2027-01-29', 'block', '2027-01-26T18:00:00Z')], null, new Set(), 366);
    expect(after[0]!.key).toBe(before[0]!.key);
  });

  it('carries the title and place as the note only when they are shared', () => {
    const days = [day('show', '2027-04-01')];
    const details = [{ uid: 'show', summary: 'Vorstellung Faust', location: 'Thalia Theater' }];
    expect(plannedEntries(days, details, new Set(), 366)[0]!.note).toBe('Vorstellung Faust, Thalia Theater');
    expect(plannedEntries(days, null, new Set(), 366)[0]!.note).toBeNull();
  });
});
