// The user's calendar app in the CalDAV tests: tsdav used directly against Radicale, logging in, making calendars
// and putting events the way Apple Calendar or DAVx5 do.
import { createDAVClient, type DAVCalendar } from 'tsdav';
import type { RadicaleServer } from './radicale.js';

export type CalDavClient = Awaited<ReturnType<typeof createDAVClient>>;

/** Logged in as the Radicale user, with its app password at this moment. */
export async function calendarApp(radicale: RadicaleServer) {
  const client = await createDAVClient({
    serverUrl: radicale.url,
    credentials: { username: radicale.username, password: radicale.password },
    authMethod: 'Basic',
    defaultAccountType: 'caldav',
  });
  let made = 0;
  return {
    client,
    /** A new calendar of the user's, at `<user>/<folder>-<n>/`. */
    async newCalendar(displayname: string, folder = 'calendar'): Promise<DAVCalendar> {
      const url = `${radicale.url}${radicale.username}/${folder}-${++made}/`;
      await client.makeCalendar({ url, props: { displayname } });
      return { url };
    },
  };
}

/** One event as Apple Calendar or DAVx5 would put it: all-day (`end` exclusive) or timed in UTC. */
export function vevent(uid: string, summary: string, start: string, end: string): string {
  const value = (at: string) => (at.includes('T') ? `:${at.replace(/[-:]/g, '')}` : `;VALUE=DATE:${at.replaceAll('-', '')}`);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15.1//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261201T090000Z', `DTSTART${value(start)}`, `DTEND${value(end)}`, `SUMMARY:${summary}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}
