// The .ics attached to each message (RFC 5545, METHOD:PUBLISH): one all-day VEVENT per added or changed entry and
// a CANCELLED one per removed entry, so an agency's calendar can import the message and stay in step. The status
// mapping follows the design brief: options are TENTATIVE / BUSY-TENTATIVE, firm bookings CONFIRMED / BUSY,
// blocked days BUSY-UNAVAILABLE. A VEVENT has no FBTYPE, so the busy status travels as TRANSP, as Outlook's
// X-MICROSOFT-CDO-BUSYSTATUS (which calendars read) and, with the brief's exact word, as X-CASTSYNC-FBTYPE.
import ical, { ICalCalendarMethod, ICalEventBusyStatus, ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import type { AvailabilityItem } from '../types.js';
import type { AvailabilityChanges } from './availability-changes.js';
import { statusInWords } from './availability-words.js';

type FreeBusyType = 'FREE' | 'BUSY' | 'BUSY-TENTATIVE' | 'BUSY-UNAVAILABLE';

interface EventStatus {
  status: ICalEventStatus;
  transparency: ICalEventTransparency;
  busyStatus: ICalEventBusyStatus;
  freeBusy: FreeBusyType;
}

const CANCELLED: EventStatus = {
  status: ICalEventStatus.CANCELLED,
  transparency: ICalEventTransparency.TRANSPARENT,
  busyStatus: ICalEventBusyStatus.FREE,
  freeBusy: 'FREE',
};

/** The UID an agency's calendar knows an entry by; also what the adapter reports as the entry's external id. */
export function eventUid(ourId: string): string {
  return `${ourId}@castsync`;
}

export function eventStatus(item: AvailabilityItem): EventStatus {
  const busy = (busyStatus: ICalEventBusyStatus, freeBusy: FreeBusyType) => ({ transparency: ICalEventTransparency.OPAQUE, busyStatus, freeBusy });
  if (item.status === 'tentative') return { status: ICalEventStatus.TENTATIVE, ...busy(ICalEventBusyStatus.TENTATIVE, 'BUSY-TENTATIVE') };
  if (item.status === 'available') {
    return { status: ICalEventStatus.CONFIRMED, transparency: ICalEventTransparency.TRANSPARENT, busyStatus: ICalEventBusyStatus.FREE, freeBusy: 'FREE' };
  }
  if (item.type === 'block') return { status: ICalEventStatus.CONFIRMED, ...busy(ICalEventBusyStatus.OOF, 'BUSY-UNAVAILABLE') };
  return { status: ICalEventStatus.CONFIRMED, ...busy(ICalEventBusyStatus.BUSY, 'BUSY') };
}

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
  calendar.createEvent({
    id: eventUid(item.id),
    sequence: sequenceOf(item, cancelled),
    stamp: now,
    allDay: true,
    start: utcDay(item.startDate),
    end: utcDay(item.endDate, 1), // DTEND of an all-day event is the day after the last one
    summary: `${actorName}: ${statusInWords(item)}${cancelled ? ' (entfällt)' : ''}`,
    description: item.note ?? null,
    status: status.status,
    transparency: status.transparency,
    busystatus: status.busyStatus,
    x: { 'X-CASTSYNC-FBTYPE': status.freeBusy },
  });
}

/** ical-generator writes a Date's UTC calendar day for VALUE=DATE, whatever the process's time zone. */
function utcDay(day: string, plusDays = 0): Date {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + plusDays);
  return date;
}
