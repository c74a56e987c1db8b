// Radicale, the CalDAV server the calendar-source tests run against: started on a free loopback port with its own
// storage and an app password, it takes a calendar and an event from tsdav and gives the event back.
import { createDAVClient } from 'tsdav';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCalendar } from '../lib/calendars/events.js';
import { startRadicale, type RadicaleServer } from './support/radicale.js';

let radicale: RadicaleServer;

beforeAll(async () => {
  radicale = await startRadicale();
});

afterAll(async () => {
  await radicale?.stop();
});

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//castsync//tests//EN',
  'BEGIN:VEVENT',
  'UID:fitting-20270315@castsync-test',
  'DTSTAMP:20261201T090000Z',
  'DTSTART;VALUE=DATE:20270315',
  'DTEND;VALUE=DATE:20270316',
  'SUMMARY:Kostümprobe',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('Radicale', () => {
  it('refuses a wrong app password', async () => {
    const answer = await fetch(`${radicale.url}${radicale.username}/`, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`${radicale.username}:wrong`).toString('base64')}`, depth: '0' },
    });
    expect(answer.status).toBe(401);
  });

  it('takes a calendar and an event from tsdav and gives the event back', async () => {
    const client = await createDAVClient({
      serverUrl: radicale.url,
      credentials: { username: radicale.username, password: radicale.password },
      authMethod: 'Basic',
      defaultAccountType: 'caldav',
    });
    const calendarUrl = `${radicale.url}${radicale.username}/bookings/`;
    await client.makeCalendar({ url: calendarUrl, props: { displayname: 'Bookings' } });
    const calendars = await client.fetchCalendars();
    const calendar = calendars.find((found) => found.url === calendarUrl);
    expect(calendar?.displayName).toBe('Bookings');

    const created = await client.createCalendarObject({ calendar: calendar!, filename: 'fitting-20270315.ics', iCalString: EVENT });
    expect(created.ok).toBe(true);

    const objects = await client.fetchCalendarObjects({ calendar: calendar! });
    expect(objects).toHaveLength(1);
    const read = parseCalendar(String(objects[0]?.data), { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2028-01-01' } });
    expect(read.events.map((event) => [event.uid, event.firstDay, event.lastDay, event.summary])).toEqual([
      ['fitting-20270315@castsync-test', '2027-03-15', '2027-03-15', 'Kostümprobe'],
    ]);
  });
});
