// CalDAV calendars of the user's own (Nextcloud, iCloud, Fastmail, Radicale...) with tsdav: discovery from a server
// address (RFC 6764's /.well-known/caldav, else the address as the context root or the principal), and reading a
// calendar's changes cheaply: one PROPFIND when its ctag is unchanged, RFC 6578 sync-collection with the last
// sync token where the server offers it, else a calendar-query over a window. Objects come back as their iCalendar
// text, for ./events.ts's parseCalendar. Writing castsync's entries is ./caldav-write.ts.
import { ErrorType } from '../../adapters/error-types.js';
import { PlatformError } from '../../adapters/errors.js';
import { calendarMultiGet, calendarQuery, ensureTrailingSlash, fetchCalendars, fetchHomeUrl, fetchPrincipalUrl, propfind, serviceDiscovery, syncCollection, urlMatches } from 'tsdav';
import type { DAVResponse } from 'tsdav';
import { credentialsRefused, davFailure, openSession, type CalDavAccount, type CalDavSession } from './caldav-http.js';

export type { CalDavAccount } from './caldav-http.js';

export interface CalDavCalendar {
  url: string;
  displayName: string;
  ctag?: string;
  syncToken?: string;
  /** It takes VEVENTs (a calendar for tasks only does not). */
  events: boolean;
  /** From the current-user-privilege-set; undefined where the server does not say. */
  writable?: boolean;
  /** It answers RFC 6578 sync-collection reports. */
  syncCollection: boolean;
}

export interface CalDavDiscovery {
  principalUrl: string;
  homeUrl: string;
  calendars: CalDavCalendar[];
}

export async function discoverCalendars(account: CalDavAccount): Promise<CalDavDiscovery> {
  const session = openSession(account);
  const { headers, fetch } = session;
  const serverUrl = session.server.href;
  const notCalDav = (what: string) =>
    new PlatformError(ErrorType.client, `${session.name} is not a CalDAV server (${what}): check the address, e.g. the one your calendar app uses`, false);

  // Never throws: a server without the well-known address leaves the address as given.
  const discovered = await serviceDiscovery({ account: { serverUrl, accountType: 'caldav' }, headers, fetch });
  let rootUrl: string | undefined;
  let principalUrl: string | undefined;
  for (const candidate of new Set([discovered, serverUrl, new URL('/', serverUrl).href])) {
    try {
      principalUrl = await fetchPrincipalUrl({ account: { serverUrl, rootUrl: candidate, accountType: 'caldav' }, headers, fetch });
      rootUrl = candidate;
      break;
    } catch (error) {
      if (error instanceof PlatformError) throw error;
    }
  }
  if (!rootUrl || !principalUrl) {
    if (session.lastFailure === 403) throw credentialsRefused(session, 403);
    throw notCalDav('no current-user-principal');
  }
  const located = { serverUrl, rootUrl, principalUrl, accountType: 'caldav' as const };
  let homeUrl: string;
  try {
    homeUrl = await fetchHomeUrl({ account: located, headers, fetch });
  } catch (error) {
    throw davFailure(session, error, () => notCalDav('no calendar-home-set'));
  }
  try {
    const found = await fetchCalendars({
      account: { ...located, homeUrl },
      props: {
        'd:displayname': {},
        'cs:getctag': {},
        'd:sync-token': {},
        'd:resourcetype': {},
        'c:supported-calendar-component-set': {},
        'd:current-user-privilege-set': {},
      },
      projectedProps: { currentUserPrivilegeSet: true },
      headers,
      fetch,
    });
    const calendars = found.map((calendar) => ({
      url: calendar.url,
      displayName: typeof calendar.displayName === 'string' && calendar.displayName ? calendar.displayName : lastSegment(calendar.url),
      ...text('ctag', calendar.ctag),
      ...text('syncToken', calendar.syncToken),
      events: !calendar.components?.length || calendar.components.includes('VEVENT'),
      ...writable(calendar.projectedProps?.currentUserPrivilegeSet),
      syncCollection: Array.isArray(calendar.reports) && calendar.reports.includes('syncCollection'),
    }));
    return { principalUrl, homeUrl, calendars };
  } catch (error) {
    throw davFailure(session, error, () => notCalDav('its calendars could not be listed'));
  }
}

/** A calendar object: its address, its ETag, its iCalendar text. */
export interface CalDavObject {
  href: string;
  etag?: string;
  ics: string;
}

/** What the last read left: the validators to send again. */
export interface CalendarState {
  ctag?: string;
  syncToken?: string;
}

export type CalendarChanges =
  | ({ unchanged: true } & CalendarState)
  | ({
      unchanged: false;
      /**
       * true: `changed` is every object in the window (the first read, a server without sync-collection, or a sync
       * token the server no longer knows), and whatever the caller held of this calendar and is not in it is gone.
       * false: the changes since the last sync token, anywhere in the calendar.
       */
      full: boolean;
      changed: CalDavObject[];
      /** Addresses of objects removed since the last sync token (only when not `full`). */
      deleted: string[];
    } & CalendarState);

export interface ReadOptions {
  /** For a full read: events touching this time range. Default: a day ago to 18 months and a day ahead. */
  window?: { start: Date; end: Date };
  now?: Date;
}

export async function readCalendarChanges(
  account: CalDavAccount,
  calendar: { url: string },
  previous: CalendarState,
  options: ReadOptions = {},
): Promise<CalendarChanges> {
  const session = openSession(account);
  const url = ensureTrailingSlash(calendar.url);
  // The validators are read before the objects: a change made while they are read shows up again next time.
  const current = await collectionState(session, url);
  if (previous.ctag ? previous.ctag === current.ctag : previous.syncToken !== undefined && previous.syncToken === current.syncToken) {
    return { unchanged: true, ...current };
  }
  if (previous.syncToken && current.syncToken) {
    const changes = await changesSince(session, url, previous.syncToken);
    if (changes) {
      const syncToken = changes.syncToken ?? current.syncToken;
      // A report the server cut short (507, RFC 6578 3.6) leaves a token for the rest: no ctag, so the next read
      // goes on from that token instead of finding the calendar unchanged.
      const ctag = changes.truncated ? {} : text('ctag', current.ctag);
      return { unchanged: false, full: false, changed: changes.changed, deleted: changes.deleted, ...ctag, ...text('syncToken', syncToken) };
    }
  }
  const changed = await objectsInWindow(session, url, options);
  return { unchanged: false, full: true, changed, deleted: [], ...current };
}

/** One PROPFIND (depth 0) for the calendar's ctag and sync token; a calendar that is gone is a clear error. */
async function collectionState(session: CalDavSession, url: string): Promise<CalendarState> {
  let answers: DAVResponse[];
  try {
    answers = await propfind({ url, props: { 'cs:getctag': {}, 'd:sync-token': {} }, depth: '0', headers: session.headers, fetch: session.fetch });
  } catch (error) {
    throw davFailure(session, error, () => notACalendar(session, 'it could not be read'));
  }
  const answer = answers.find((found) => urlMatches(url, found.href, url)) ?? answers[0];
  if (!answer?.ok) {
    if (answer?.status === 403) throw credentialsRefused(session, 403);
    if (answer?.status === 404) throw notACalendar(session, 'it no longer exists (404); pick the calendar again');
    throw notACalendar(session, `it answered ${answer?.status ?? 'nothing'}`);
  }
  return { ...text('ctag', answer.props?.getctag), ...text('syncToken', answer.props?.syncToken) };
}

/** The changes since `syncToken`, or undefined when the server no longer knows the token (RFC 6578 3.2). */
async function changesSince(session: CalDavSession, url: string, syncToken: string) {
  let answers: DAVResponse[];
  try {
    answers = await syncCollection({
      url,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      syncLevel: 1,
      syncToken,
      headers: session.headers,
      fetch: session.fetch,
    });
  } catch (error) {
    throw davFailure(session, error, () => notACalendar(session, 'its changes could not be read'));
  }
  const [first] = answers;
  if (answers.length === 1 && first && !first.ok && first.props === undefined) {
    // The whole report refused: 403/409 with DAV:valid-sync-token (Radicale answers 403), or no sync at all.
    if ([400, 403, 409, 412, 501].includes(first.status)) return undefined;
    throw notACalendar(session, `its changes could not be read (${first.status})`);
  }
  const members = answers.filter((found) => found.href && !urlMatches(url, found.href, url));
  const truncated = answers.some((found) => found.status === 507 && found.href && urlMatches(url, found.href, url));
  const deleted = members.filter((found) => found.status === 404).map((found) => absolute(found.href!, url));
  const changed: CalDavObject[] = [];
  const missing: string[] = [];
  for (const found of members.filter((member) => member.ok)) {
    const object = objectOf(found, url);
    if (object) changed.push(object);
    else missing.push(found.href!);
  }
  // Servers may leave calendar-data out of a sync report; those objects are fetched in one multiget.
  if (missing.length) changed.push(...(await multiGet(session, url, missing)));
  const token = (first?.raw as { multistatus?: { syncToken?: unknown } } | undefined)?.multistatus?.syncToken;
  return { changed, deleted, truncated, syncToken: token == null ? undefined : String(token) };
}

async function objectsInWindow(session: CalDavSession, url: string, options: ReadOptions): Promise<CalDavObject[]> {
  const now = options.now ?? new Date();
  const start = options.window?.start ?? new Date(now.getTime() - 86_400_000);
  const end = options.window?.end ?? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 18, now.getUTCDate() + 1));
  let answers: DAVResponse[];
  try {
    answers = await calendarQuery({
      url,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      filters: {
        'comp-filter': {
          _attributes: { name: 'VCALENDAR' },
          'comp-filter': { _attributes: { name: 'VEVENT' }, 'time-range': { _attributes: { start: caldavTime(start), end: caldavTime(end) } } },
        },
      },
      depth: '1',
      headers: session.headers,
      fetch: session.fetch,
    });
  } catch (error) {
    throw davFailure(session, error, () => notACalendar(session, 'its events could not be read'));
  }
  const objects: CalDavObject[] = [];
  const missing: string[] = [];
  for (const found of answers.filter((answer) => answer.ok && answer.href && !urlMatches(url, answer.href, url))) {
    const object = objectOf(found, url);
    if (object) objects.push(object);
    else missing.push(found.href!);
  }
  if (missing.length) objects.push(...(await multiGet(session, url, missing)));
  return objects;
}

async function multiGet(session: CalDavSession, url: string, hrefs: string[]): Promise<CalDavObject[]> {
  try {
    const answers = await calendarMultiGet({
      url,
      props: { 'd:getetag': {}, 'c:calendar-data': {} },
      objectUrls: hrefs.map((href) => new URL(href, url).pathname),
      depth: '1',
      headers: session.headers,
      fetch: session.fetch,
    });
    return answers.flatMap((answer) => objectOf(answer, url) ?? []);
  } catch (error) {
    throw davFailure(session, error, () => notACalendar(session, 'its events could not be read'));
  }
}

function objectOf(answer: DAVResponse, base: string): CalDavObject | undefined {
  const data: unknown = answer.props?.calendarData;
  const ics = typeof data === 'string' ? data : (data as { _cdata?: unknown; _text?: unknown } | undefined)?._cdata ?? (data as { _text?: unknown } | undefined)?._text;
  if (typeof ics !== 'string' || !answer.href) return undefined;
  return { href: absolute(answer.href, base), ics, ...text('etag', answer.props?.getetag) };
}

function notACalendar(session: CalDavSession, why: string): PlatformError {
  return new PlatformError(ErrorType.client, `the calendar on ${session.name.replace(/^CalDAV server at /, '')} cannot be read: ${why}`, false);
}

function absolute(href: string, base: string): string {
  return new URL(href, base).href;
}

/** A property as text: tsdav turns numeric text into numbers, and a ctag or token is compared as text. */
function text<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  if (value == null || typeof value === 'object') return {};
  return { [key]: String(value) } as Partial<Record<K, string>>;
}

function writable(privileges: unknown): { writable?: boolean } {
  if (!privileges || typeof privileges !== 'object') return {};
  const granted = [(privileges as { privilege?: unknown }).privilege].flat().flatMap((privilege) => (privilege && typeof privilege === 'object' ? Object.keys(privilege) : []));
  return { writable: granted.some((name) => ['all', 'write', 'writeContent', 'bind'].includes(name)) };
}

function lastSegment(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? url);
}

/** RFC 4791's time-range form: 20270315T000000Z. */
function caldavTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}
