// Reads what the SMTP simulator received the way an agency's mail client and calendar would: the message with
// mailparser, its .ics attachment with ical.js.
import ICAL from 'ical.js';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { ReceivedMessage } from '../../simulators/smtp/server.js';

export interface CalendarEvent {
  uid: string;
  sequence: number;
  /** DTSTART and DTEND as YYYY-MM-DD (DTEND exclusive, as written). */
  start: string;
  end: string;
  isAllDay: boolean;
  status: string;
  transp: string;
  busyStatus: string;
  freeBusy: string;
  summary: string;
}

export interface AgencyMail {
  parsed: ParsedMail;
  subject: string;
  text: string;
  html: string;
  method: string;
  events: CalendarEvent[];
}

export async function readAgencyMail(message: ReceivedMessage): Promise<AgencyMail> {
  const parsed = await simpleParser(message.raw);
  const ics = parsed.attachments.find((a) => a.filename?.endsWith('.ics'));
  if (!ics) throw new Error(`no .ics attachment in "${parsed.subject}"`);
  const calendar = new ICAL.Component(ICAL.parse(ics.content.toString('utf8')));
  return {
    parsed,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    method: String(calendar.getFirstPropertyValue('method')),
    events: calendar.getAllSubcomponents('vevent').map(toEvent),
  };
}

function toEvent(vevent: ICAL.Component): CalendarEvent {
  const event = new ICAL.Event(vevent);
  const text = (name: string) => String(vevent.getFirstPropertyValue(name) ?? '');
  return {
    uid: event.uid,
    sequence: event.sequence,
    start: event.startDate.toString(),
    end: event.endDate.toString(),
    isAllDay: event.startDate.isDate && event.endDate.isDate,
    status: text('status'),
    transp: text('transp'),
    busyStatus: text('x-microsoft-cdo-busystatus'),
    freeBusy: text('x-castsync-fbtype'),
    summary: event.summary,
  };
}
