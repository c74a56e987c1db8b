// The one iCalendar (RFC 5545) mapping of our availability, shared by the e-mail attachments to agencies
// (adapters/email/availability-ics.ts) and the user's ICS feed (api/routes/ics-feed.ts). The status mapping follows
// the design brief: options are TENTATIVE / BUSY-TENTATIVE, firm bookings CONFIRMED / BUSY, blocked days
// BUSY-UNAVAILABLE. A VEVENT has no FBTYPE, so the busy status travels as TRANSP, as Outlook's
// X-MICROSOFT-CDO-BUSYSTATUS (which calendars read) and, with the brief's exact word, as X-CASTSYNC-FBTYPE.
import { ICalEventBusyStatus, ICalEventStatus, ICalEventTransparency, type ICalCalendar } from 'ical-generator';
import type { AvailabilityItem } from '../adapters/types.js';

export type FreeBusyType = 'FREE' | 'BUSY' | 'BUSY-TENTATIVE' | 'BUSY-UNAVAILABLE';

export interface EventStatus {
  status: ICalEventStatus;
  transparency: ICalEventTransparency;
  busyStatus: ICalEventBusyStatus;
  freeBusy: FreeBusyType;
}

export const CANCELLED: EventStatus = {
  status: ICalEventStatus.CANCELLED,
  transparency: ICalEventTransparency.TRANSPARENT,
  busyStatus: ICalEventBusyStatus.FREE,
  freeBusy: 'FREE',
};

/** The UID a calendar knows an entry by; also what the e-mail adapter reports as the entry's external id. */
export function eventUid(ourId: string): string {
  return `${ourId}@castsync`;
}

export function eventStatus(item: Pick<AvailabilityItem, 'status' | 'type'>): EventStatus {
  const busy = (busyStatus: ICalEventBusyStatus, freeBusy: FreeBusyType) => ({ transparency: ICalEventTransparency.OPAQUE, busyStatus, freeBusy });
  if (item.status === 'tentative') return { status: ICalEventStatus.TENTATIVE, ...busy(ICalEventBusyStatus.TENTATIVE, 'BUSY-TENTATIVE') };
  if (item.status === 'available') {
    return { status: ICalEventStatus.CONFIRMED, transparency: ICalEventTransparency.TRANSPARENT, busyStatus: ICalEventBusyStatus.FREE, freeBusy: 'FREE' };
  }
  if (item.type === 'block') return { status: ICalEventStatus.CONFIRMED, ...busy(ICalEventBusyStatus.OOF, 'BUSY-UNAVAILABLE') };
  return { status: ICalEventStatus.CONFIRMED, ...busy(ICalEventBusyStatus.BUSY, 'BUSY') };
}

export interface EventDetails {
  summary: string;
  /** Must grow with every published change of the event (RFC 5545 3.8.7.4). */
  sequence: number;
  stamp: Date;
}

/** One all-day VEVENT for an entry, with the status mapping above. */
export function addAvailabilityEvent(calendar: ICalCalendar, item: AvailabilityItem, status: EventStatus, details: EventDetails) {
  calendar.createEvent({
    id: eventUid(item.id),
    sequence: details.sequence,
    stamp: details.stamp,
    allDay: true,
    start: utcDay(item.startDate),
    end: utcDay(item.endDate, 1), // DTEND of an all-day event is the day after the last one
    summary: icsText(details.summary),
    description: item.note == null ? null : icsText(item.note),
    status: status.status,
    transparency: status.transparency,
    busystatus: status.busyStatus,
    x: { 'X-CASTSYNC-FBTYPE': status.freeBusy },
  });
}

/**
 * Text as RFC 5545 allows it (3.3.11: no control characters but tab and the line breaks, which the writer escapes
 * as \n like ; , and \). The API refuses control characters, but text pulled from platforms may carry them.
 */
export function icsText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');
}

/** ical-generator writes a Date's UTC calendar day for VALUE=DATE, whatever the process's time zone. */
function utcDay(day: string, plusDays = 0): Date {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + plusDays);
  return date;
}
