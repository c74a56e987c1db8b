// The .ics attached to each message (RFC 5545, METHOD:PUBLISH): one all-day VEVENT per added or changed entry and
// a CANCELLED one per removed entry, so an agency's calendar can import the message and stay in step. The status
// mapping (options TENTATIVE, firm bookings CONFIRMED, blocked days BUSY-UNAVAILABLE) is lib/ics.ts, shared with
// the user's ICS feed.
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { addAvailabilityEvent, CANCELLED, eventStatus, type EventStatus } from '../../lib/ics.js';
import type { AvailabilityItem } from '../types.js';
import type { AvailabilityChanges } from './availability-changes.js';
import { statusInWords } from './availability-words.js';

export { eventStatus, eventUid } from '../../lib/ics.js';

// SEQUENCE must grow with every message about an event (RFC 5545 3.8.7.4): each change bumps the entry's
// version, so the version is the sequence; a removal is one step past the last version the agency got.
function sequenceOf(item: AvailabilityItem, cancelled: boolean): number {
  return (item.version ?? 0) + (cancelled ? 1 : 0);
}

export function buildAvailabilityCalendar(changes: AvailabilityChanges, actorName: string, now = new Date()): string {
  const calendar = ical({
    prodId: { company: 'castsync', product: 'availability', language: 'DE' },
    method: ICalCalendarMethod.PUBLISH,
    name: `Verfügbarkeit ${actorName}`,
  });
  const current = [...changes.added, ...changes.changed.map((c) => c.after)];
  for (const item of current) addEvent(calendar, item, eventStatus(item), actorName, now);
  for (const item of changes.removed) addEvent(calendar, item, CANCELLED, actorName, now);
  return calendar.toString();
}

function addEvent(calendar: ReturnType<typeof ical>, item: AvailabilityItem, status: EventStatus, actorName: string, now: Date) {
  const cancelled = status.status === ICalEventStatus.CANCELLED;
  addAvailabilityEvent(calendar, item, status, {
    summary: `${actorName}: ${statusInWords(item)}${cancelled ? ' (entfällt)' : ''}`,
    sequence: sequenceOf(item, cancelled),
    stamp: now,
  });
}
