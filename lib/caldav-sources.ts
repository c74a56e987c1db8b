// A CalDAV calendar as a calendar source (issue 16): what is sealed on the source (server and calendar address,
// username, app password: one sealed JSON like an ICS feed's address), the check of the credentials when the user
// adds or changes the source (discovery against the server, once), and a read for the refresh activity that asks
// for changes only (lib/calendars/caldav.ts: one PROPFIND when the ctag is unchanged, a sync-collection report
// otherwise) and applies them to the objects kept from the last read, so the import always sees the whole calendar.
// The kept objects hold titles, places and attendees, so they are sealed too. Events castsync wrote itself are left
// out by the import (withoutOwnEvents in lib/calendar-import.ts), as for an ICS feed, not here.
import type { CalendarSource } from '../generated/prisma/client.js';
import { ErrorType } from '../adapters/error-types.js';
import { PlatformError } from '../adapters/errors.js';
import { discoverCalendars, readCalendarChanges, type CalDavAccount, type CalDavCalendar, type CalendarState } from './calendars/caldav.js';
import { davAddress } from './calendars/caldav-http.js';
import { CalendarParseError, calendarWindow, parseCalendar, type CalendarEvent, type CalendarWindow } from './calendars/events.js';
import type { Config } from './config.js';
import { calendarSourceOwner, openJson, sealJson } from './secrets.js';

/** What a CalDAV source keeps sealed: the account and the calendar read. */
export interface CalDavCredentials {
  serverUrl: string;
  calendarUrl: string;
  username: string;
  password: string;
}

/** What the user gives: the calendar may be left out when the account has one calendar with events. */
export type CalDavLogin = Omit<CalDavCredentials, 'calendarUrl'> & { calendarUrl?: string };

type Sealable = Pick<CalendarSource, 'id' | 'userId'>;
type SealedRow = Sealable & Pick<CalendarSource, 'credentialsCiphertext' | 'credentialsKeyId'>;

export function openCalDavCredentials(config: Config, source: SealedRow): CalDavCredentials {
  return openJson<CalDavCredentials>(config, calendarSourceOwner(source.userId, source.id), { ciphertext: source.credentialsCiphertext, keyId: source.credentialsKeyId });
}

export function sealCalDavCredentials(config: Config, source: Sealable, credentials: CalDavCredentials) {
  const sealed = sealJson(config, calendarSourceOwner(source.userId, source.id), credentials satisfies CalDavCredentials);
  return { credentialsCiphertext: sealed.ciphertext, credentialsKeyId: sealed.keyId, host: new URL(credentials.calendarUrl).host };
}

function calDavAccount(config: Config, login: Omit<CalDavCredentials, 'calendarUrl'>): CalDavAccount {
  return {
    serverUrl: login.serverUrl,
    username: login.username,
    password: login.password,
    allowHttpHosts: config.calendarHttpHosts,
    timeoutMs: config.calendarTimeoutMs,
    // The deployment's limit for a calendar (CASTSYNC_CALENDAR_MAX_BYTES), as for an ICS feed: a calendar-query
    // answer holds the whole calendar in the window, as a feed does.
    maxBytes: config.calendarMaxBytes,
  };
}

/**
 * Before the calendar becomes the destination: it is still one of the account's calendars with events, and the
 * server does not say this account may only read it (current-user-privilege-set; a server that does not say is
 * trusted, and the first write tells). Throws the server's refusal or trouble as a PlatformError, or a validation
 * error saying what to pick.
 */
export async function checkDestinationCalendar(config: Config, source: SealedRow): Promise<void> {
  const credentials = openCalDavCredentials(config, source);
  const host = new URL(credentials.calendarUrl).host;
  const discovery = await discoverCalendars(calDavAccount(config, credentials));
  const calendar = discovery.calendars.find((found) => found.events && sameCollection(found.url, credentials.calendarUrl));
  if (!calendar) throw new PlatformError(ErrorType.validation, `the calendar is no longer among this account's calendars on ${host}: pick it again with calendarUrl`, false);
  if (calendar.writable === false) {
    throw new PlatformError(ErrorType.validation, `"${calendar.displayName}" on ${host} is read-only for this account: pick a calendar it may write to`, false);
  }
}

/** The account and calendar a destination source's events are written to (activities/calendar-destination-push.ts). */
export function destinationCalendar(config: Config, source: SealedRow): { account: CalDavAccount; calendarUrl: string } {
  const credentials = openCalDavCredentials(config, source);
  return { account: calDavAccount(config, credentials), calendarUrl: credentials.calendarUrl };
}

/**
 * Tries the login against the server (discovery: principal, calendar home, calendars) and picks the calendar:
 * the one named by `calendarUrl`, else the account's only calendar with events. Throws the server's refusal as a
 * PlatformError (auth for 401/403, retryable for trouble on the way) or a validation error saying what to pick.
 */
export async function checkCalDavLogin(config: Config, login: CalDavLogin): Promise<CalDavCredentials> {
  const server = davAddress(login.serverUrl, config.calendarHttpHosts, 'serverUrl is');
  const wanted = login.calendarUrl === undefined ? undefined : davAddress(login.calendarUrl, config.calendarHttpHosts, 'calendarUrl is');
  const discovery = await discoverCalendars(calDavAccount(config, { ...login, serverUrl: server.href }));
  const calendars = discovery.calendars.filter((calendar) => calendar.events);
  const listed = () => calendars.map((calendar) => `"${calendar.displayName}" ${calendar.url}`).join(', ');
  let picked: CalDavCalendar | undefined;
  if (wanted) {
    picked = calendars.find((calendar) => sameCollection(calendar.url, wanted.href));
    if (!picked) {
      const yours = calendars.length ? `; yours are ${listed()}` : '';
      throw new PlatformError(ErrorType.validation, `calendarUrl is no calendar with events of this account on ${server.host}${yours}`, false);
    }
  } else if (calendars.length === 1) {
    picked = calendars[0]!;
  } else if (calendars.length === 0) {
    throw new PlatformError(ErrorType.validation, `this account on ${server.host} has no calendar with events`, false);
  } else {
    throw new PlatformError(ErrorType.validation, `this account on ${server.host} has ${calendars.length} calendars: pick one with calendarUrl (${listed()})`, false);
  }
  return { serverUrl: server.href, calendarUrl: picked.url, username: login.username, password: login.password };
}

const sameCollection = (a: string, b: string) => {
  const path = (url: string) => decodeURIComponent(new URL(url).pathname).replace(/\/?$/, '/');
  return new URL(a).host === new URL(b).host && path(a) === path(b);
};

/** The calendar's objects as last read, by address. */
export type HeldObjects = Record<string, { etag?: string; ics: string }>;

/** A different owner from the credentials': neither ciphertext opens in the other's column. */
const objectsOwner = (source: Sealable) => `${calendarSourceOwner(source.userId, source.id)}:objects`;

export function sealObjects(config: Config, source: Sealable, objects: HeldObjects) {
  const sealed = sealJson(config, objectsOwner(source), objects);
  return { objectsCiphertext: sealed.ciphertext, objectsKeyId: sealed.keyId };
}

function openObjects(config: Config, source: Sealable & Pick<CalendarSource, 'objectsCiphertext' | 'objectsKeyId'>): HeldObjects | undefined {
  if (!source.objectsCiphertext || !source.objectsKeyId) return undefined;
  return openJson<HeldObjects>(config, objectsOwner(source), { ciphertext: source.objectsCiphertext, keyId: source.objectsKeyId });
}

export type CalDavRead =
  | ({ unchanged: true } & CalendarState)
  | ({
      unchanged: false;
      /** Every event of the calendar in the window (castsync's own too: the import leaves them out). */
      calendar: { events: CalendarEvent[]; window: CalendarWindow };
      objects: HeldObjects;
      /** Objects that were no calendar (skipped, not failing the rest). */
      skipped: number;
    } & CalendarState);

/**
 * Reads what changed since the last read and returns the whole calendar as it now is. Without kept objects (the
 * first read, or after new rules) the ctag and sync token are not sent, so the read is a full one.
 */
export async function readCalDavSource(
  config: Config,
  source: SealedRow & Pick<CalendarSource, 'objectsCiphertext' | 'objectsKeyId' | 'ctag' | 'syncToken'>,
  timeZone: string,
  now = new Date(),
): Promise<CalDavRead> {
  const credentials = openCalDavCredentials(config, source);
  const held = openObjects(config, source);
  const previous: CalendarState = held ? { ...(source.ctag ? { ctag: source.ctag } : {}), ...(source.syncToken ? { syncToken: source.syncToken } : {}) } : {};
  const changes = await readCalendarChanges(calDavAccount(config, credentials), { url: credentials.calendarUrl }, previous, { now });
  const state: CalendarState = { ...(changes.ctag ? { ctag: changes.ctag } : {}), ...(changes.syncToken ? { syncToken: changes.syncToken } : {}) };
  if (changes.unchanged) return { unchanged: true, ...state };
  const objects: HeldObjects = changes.full ? {} : { ...held };
  for (const href of changes.deleted) delete objects[href];
  for (const object of changes.changed) objects[object.href] = { ...(object.etag ? { etag: object.etag } : {}), ics: object.ics };

  const window = calendarWindow(timeZone, {}, now);
  const events: CalendarEvent[] = [];
  let skipped = 0;
  for (const { ics } of Object.values(objects)) {
    let parsed: ReturnType<typeof parseCalendar>;
    try {
      parsed = parseCalendar(ics, { timeZone, window, now });
    } catch (error) {
      // One object that is no calendar does not keep the others out.
      if (!(error instanceof CalendarParseError)) throw error;
      skipped++;
      continue;
    }
    for (const event of parsed.events) events.push(event);
  }
  return { unchanged: false, calendar: { events, window }, objects, skipped, ...state };
}
