// The user's calendar app in the CalDAV tests: tsdav used directly against Radicale, logging in, making calendars
// and putting events the way Apple Calendar or DAVx5 do; and the test bed of the files that run castsync against it.
import { createDAVClient, type DAVCalendar } from 'tsdav';
import { afterAll, beforeAll } from 'vitest';
import { startProxy, type CountingProxy } from './http-proxy.js';
import { startRadicale, type RadicaleServer } from './radicale.js';
import { startStack, type Stack } from './stack.js';

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

/** What a CalDAV test file works with: Radicale, a counting proxy in front of it, the user's calendar app, the stack. */
export interface CalDavTestBed {
  radicale: RadicaleServer;
  proxy: CountingProxy;
  other: CalDavClient;
  newCalendar(displayname: string): Promise<DAVCalendar>;
  stack: Stack;
}

/**
 * Registers the file's beforeAll/afterAll: Radicale (with `password`), the proxy, the calendar app, and a stack with
 * the e-TALENTA simulator and worker that reaches Radicale over plain http and reads calendars only when asked (a
 * scheduled read, a week apart, never falls inside a test). `env`: more settings. Filled in before the first test.
 */
export function useCalDavTestBed(password: string, env: Record<string, string> = {}): CalDavTestBed {
  const bed = {} as CalDavTestBed;
  beforeAll(async () => {
    bed.radicale = await startRadicale('actor', password);
    bed.proxy = await startProxy(bed.radicale.url);
    const app = await calendarApp(bed.radicale);
    bed.other = app.client;
    bed.newCalendar = (displayname) => app.newCalendar(displayname);
    bed.stack = await startStack({
      restPlatforms: ['etalenta'],
      workerPlatforms: ['etalenta'],
      env: { CASTSYNC_CALENDAR_HTTP_HOSTS: '127.0.0.1', CASTSYNC_CALENDAR_REFRESH_MINUTES: '10080', ...env },
    });
  });
  afterAll(async () => {
    await bed.stack?.stop();
    await bed.proxy?.close();
    await bed.radicale?.stop();
  });
  return bed;
}
