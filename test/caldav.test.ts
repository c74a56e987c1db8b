// CalDAV against a real Radicale: discovery from a server address, failures typed like a platform's, reading a
// calendar cheaply (an unchanged ctag costs one request, sync tokens bring edits and deletions), castsync's entries
// written to a destination calendar and read back by another client (tsdav directly, as Apple Calendar would), and
// recognised so an import never takes them back. A counting proxy in front of Radicale counts and injects faults.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ICAL from 'ical.js';
import type { DAVCalendar } from 'tsdav';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorType } from '../adapters/error-types.js';
import { platformFailure as failure } from './support/platform-failure.js';
import type { AvailabilityItem } from '../adapters/types.js';
import { readCalendarChanges, discoverCalendars, type CalDavAccount, type CalDavObject } from '../lib/calendars/caldav.js';
import { castsyncIdOf, eventHref, isCastsyncEvent, putEvent, removeEvent } from '../lib/calendars/caldav-write.js';
import { parseCalendar } from '../lib/calendars/events.js';
import { eventUid } from '../lib/ics.js';
import { startProxy, type CountingProxy } from './support/http-proxy.js';
import { calendarApp, type CalDavClient } from './support/calendar-app.js';
import { startRadicale, type RadicaleServer } from './support/radicale.js';

let radicale: RadicaleServer;
let proxy: CountingProxy;
let other: CalDavClient;
let newCalendar: (displayname: string) => Promise<DAVCalendar>;
let account: CalDavAccount;
const allowHttpHosts = ['127.0.0.1'];
const year2027 = { start: new Date('2027-01-01T00:00:00Z'), end: new Date('2028-01-01T00:00:00Z') };

beforeAll(async () => {
  radicale = await startRadicale();
  proxy = await startProxy(radicale.url);
  account = { serverUrl: radicale.url, username: radicale.username, password: radicale.password, allowHttpHosts };
  ({ client: other, newCalendar } = await calendarApp(radicale));
});

afterAll(async () => {
  await proxy?.close();
  await radicale?.stop();
});

beforeEach(() => {
  proxy.fault = 'none';
  proxy.reset();
});

function vevent(uid: string, day: string, summary: string, extra: string[] = []): string {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Apple Inc.//macOS 15.1//EN',
    'BEGIN:VEVENT',
    `UID:${uid}`,
    'DTSTAMP:20261201T090000Z',
    `DTSTART;VALUE=DATE:${day.replaceAll('-', '')}`,
    `DTEND;VALUE=DATE:${next.toISOString().slice(0, 10).replaceAll('-', '')}`,
    `SUMMARY:${summary}`,
    ...extra,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

function daysOf(objects: CalDavObject[]) {
  return objects
    .flatMap((object) => parseCalendar(object.ics, { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2028-01-01' } }).events)
    .map((event) => [event.uid, event.firstDay, event.lastDay, event.summary])
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
}

describe('discovery', () => {
  it('finds the calendars from the server address through /.well-known/caldav, with their validators', async () => {
    const calendar = await newCalendar('Drehs & Proben');
    const found = await discoverCalendars({ ...account, serverUrl: proxy.url(radicale.url) });
    expect(proxy.requests[0]).toBe('PROPFIND /.well-known/caldav');
    expect(found.principalUrl).toBe(proxy.url(`${radicale.url}${radicale.username}/`));
    const listed = found.calendars.find((entry) => entry.url === proxy.url(calendar.url));
    expect(listed).toMatchObject({ displayName: 'Drehs & Proben', events: true, writable: true, syncCollection: true });
    expect(listed?.ctag).toEqual(expect.any(String));
    expect(listed?.syncToken).toEqual(expect.any(String));
  });

  it('finds them from the principal address as well', async () => {
    const calendar = await newCalendar('Privat');
    const found = await discoverCalendars({ ...account, serverUrl: `${radicale.url}${radicale.username}/` });
    expect(found.calendars.map((entry) => entry.url)).toContain(calendar.url);
  });

  it('turns a wrong app password into an auth error that never names the password', async () => {
    const error = await failure(discoverCalendars({ ...account, password: 'wrong-app-password' }));
    expect(error).toMatchObject({ type: ErrorType.auth, retryable: false, details: { status: 401 } });
    expect(error.message).toMatch(/refused the credentials/);
    expect(error.message).not.toContain('wrong-app-password');
    expect(JSON.stringify(error)).not.toContain('wrong-app-password');
  });

  it('says clearly when the address is no CalDAV server, without retrying', async () => {
    const web = await serveOnce((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Willkommen</body></html>'));
    try {
      const error = await failure(discoverCalendars({ ...account, serverUrl: `http://127.0.0.1:${web.port}/` }));
      expect(error).toMatchObject({ type: ErrorType.client, retryable: false });
      expect(error.message).toMatch(/is not a CalDAV server/);
    } finally {
      await web.close();
    }
  });

  it('allows plain http only for listed hosts, and no credentials in the address', async () => {
    const refused = await failure(discoverCalendars({ ...account, serverUrl: proxy.url(radicale.url), allowHttpHosts: [] }));
    expect(refused).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(refused.message).toMatch(/only https:\/\/ CalDAV servers are allowed/);
    const inline = await failure(discoverCalendars({ ...account, serverUrl: `http://actor:${radicale.password}@127.0.0.1:1/` }));
    expect(inline).toMatchObject({ type: ErrorType.validation });
    expect(inline.message).not.toContain(radicale.password);
    expect(proxy.requests).toEqual([]);
  });

  it('refuses a server on a non-public address, by its IP or by what its name resolves to, before anything is sent', async () => {
    const literal = await failure(discoverCalendars({ ...account, serverUrl: 'https://10.1.2.3/dav/' }));
    expect(literal).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(literal.message).toMatch(/10\.1\.2\.3, which is not a public address/);
    // localhost resolves to loopback: refused when resolved for the connection, so the proxy gets no request.
    const named = await failure(discoverCalendars({ ...account, serverUrl: `https://localhost:${new URL(proxy.url(radicale.url)).port}/` }));
    expect(named).toMatchObject({ type: ErrorType.validation, retryable: false });
    expect(named.message).toMatch(/CalDAV server at localhost:\d+ is not on a public address/);
    expect(proxy.requests).toEqual([]);
  });

  it('follows no redirect to a plain http host nobody allowed, so the app password never goes there', async () => {
    const elsewhere = await serveOnce((_req, res) => res.writeHead(500).end());
    // The well-known address (read by tsdav) and any other request (followed by castsync's fetch) both point away.
    const wellKnownToo = { value: true };
    const redirecting = await serveOnce((req, res) => {
      if (req.url?.startsWith('/.well-known/') && !wellKnownToo.value) res.writeHead(404).end();
      else res.writeHead(301, { location: `http://localhost:${elsewhere.port}/dav/` }).end();
    });
    try {
      const discovered = await failure(discoverCalendars({ ...account, serverUrl: `http://127.0.0.1:${redirecting.port}/` }));
      expect(discovered).toMatchObject({ type: ErrorType.validation, retryable: false });
      expect(discovered.message).toMatch(/sent us to http:\/\/localhost:\d+: only https:\/\/ CalDAV servers are allowed/);
      wellKnownToo.value = false;
      const followed = await failure(discoverCalendars({ ...account, serverUrl: `http://127.0.0.1:${redirecting.port}/` }));
      expect(followed).toMatchObject({ type: ErrorType.validation, retryable: false });
      expect(followed.message).toMatch(/redirected to http:\/\/localhost:\d+: only https:\/\/ CalDAV servers are allowed/);
      expect(elsewhere.requests).toBe(0);
    } finally {
      await elsewhere.close();
      await redirecting.close();
    }
  });

  it('follows redirects to an allowed host with the same request', async () => {
    const calendar = await newCalendar('Umgezogen');
    const radicalePort = new URL(radicale.url).port;
    const moved = await serveOnce((req, res) => res.writeHead(req.method === 'PROPFIND' ? 308 : 301, { location: `http://localhost:${radicalePort}${req.url}` }).end());
    try {
      const found = await discoverCalendars({ ...account, serverUrl: `http://127.0.0.1:${moved.port}/`, allowHttpHosts: ['127.0.0.1', 'localhost'] });
      expect(found.calendars.map((entry) => new URL(entry.url).pathname)).toContain(new URL(calendar.url).pathname);
    } finally {
      await moved.close();
    }
  });

  it('refuses an answer larger than the limit, also one sent without a length', async () => {
    const chatty = await serveOnce((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8' });
      res.write('<?xml version="1.0"?><multistatus xmlns="DAV:">');
      for (let i = 0; i < 200; i++) res.write(`<response><href>/padding/${'x'.repeat(100)}/</href></response>`);
      res.end('</multistatus>');
    });
    try {
      const error = await failure(discoverCalendars({ ...account, serverUrl: `http://127.0.0.1:${chatty.port}/`, maxBytes: 8 * 1024 }));
      expect(error).toMatchObject({ type: ErrorType.client, retryable: false });
      expect(error.message).toMatch(/larger than the limit of 8 KiB/);
    } finally {
      await chatty.close();
    }
    expect(await failure(discoverCalendars({ ...account, maxBytes: 100 }))).toMatchObject({ type: ErrorType.client, message: expect.stringMatching(/larger than the limit/) });
  });

  it('gives up on a server that does not answer in time, as a retryable timeout', async () => {
    const silent = await serveOnce(() => undefined);
    try {
      const error = await failure(discoverCalendars({ ...account, serverUrl: `http://127.0.0.1:${silent.port}/`, timeoutMs: 300 }));
      expect(error).toMatchObject({ type: ErrorType.timeout, retryable: true });
    } finally {
      await silent.close();
    }
  });

  it('makes a server error and an unreachable server retryable', async () => {
    proxy.fault = '503';
    expect(await failure(discoverCalendars({ ...account, serverUrl: proxy.url(radicale.url) }))).toMatchObject({ type: ErrorType.server, retryable: true });
    proxy.fault = 'drop';
    expect(await failure(discoverCalendars({ ...account, serverUrl: proxy.url(radicale.url) }))).toMatchObject({ type: ErrorType.network, retryable: true });
  });
});

describe('reading a calendar', () => {
  it('reads an event another client put, then costs one request while nothing changes', async () => {
    const calendar = await newCalendar('Apple');
    await other.createCalendarObject({ calendar, filename: 'fitting.ics', iCalString: vevent('fitting-1@apple', '2027-03-15', 'Kostümprobe') });
    const through = { ...account, serverUrl: proxy.url(radicale.url) };
    const first = await readCalendarChanges(through, { url: proxy.url(calendar.url) }, {}, { window: year2027 });
    expect(first.unchanged).toBe(false);
    if (first.unchanged) return;
    expect(first.full).toBe(true);
    expect(daysOf(first.changed)).toEqual([['fitting-1@apple', '2027-03-15', '2027-03-15', 'Kostümprobe']]);
    expect(first.changed[0]?.etag).toEqual(expect.any(String));

    proxy.reset();
    const again = await readCalendarChanges(through, { url: proxy.url(calendar.url) }, { ctag: first.ctag, syncToken: first.syncToken });
    expect(again).toEqual({ unchanged: true, ctag: first.ctag, syncToken: first.syncToken });
    expect(proxy.requests).toHaveLength(1);
    expect(proxy.requests[0]).toMatch(/^PROPFIND /);
  });

  it('brings an edit, a new event and a deletion through the sync token, not a full read', async () => {
    const calendar = await newCalendar('Nextcloud');
    await other.createCalendarObject({ calendar, filename: 'a.ics', iCalString: vevent('a@nextcloud', '2027-04-01', 'Dreh') });
    await other.createCalendarObject({ calendar, filename: 'b.ics', iCalString: vevent('b@nextcloud', '2027-04-02', 'Probe') });
    const first = await readCalendarChanges(account, calendar, {}, { window: year2027 });
    if (first.unchanged) throw new Error('a new calendar read as unchanged');
    const [a] = await other.fetchCalendarObjects({ calendar, objectUrls: [`${calendar.url}a.ics`] });

    await other.updateCalendarObject({ calendarObject: { url: `${calendar.url}a.ics`, etag: a?.etag, data: vevent('a@nextcloud', '2027-04-08', 'Dreh (verschoben)') } });
    await other.deleteCalendarObject({ calendarObject: { url: `${calendar.url}b.ics` } });
    await other.createCalendarObject({ calendar, filename: 'c.ics', iCalString: vevent('c@nextcloud', '2027-04-03', 'Casting') });

    proxy.reset();
    const through = { ...account, serverUrl: proxy.url(radicale.url) };
    const next = await readCalendarChanges(through, { url: proxy.url(calendar.url) }, { ctag: first.ctag, syncToken: first.syncToken }, { window: year2027 });
    if (next.unchanged) throw new Error('changes read as unchanged');
    expect(next.full).toBe(false);
    expect(proxy.requests.map((request) => request.split(' ')[0])).toEqual(['PROPFIND', 'REPORT']);
    expect(daysOf(next.changed)).toEqual([
      ['c@nextcloud', '2027-04-03', '2027-04-03', 'Casting'],
      ['a@nextcloud', '2027-04-08', '2027-04-08', 'Dreh (verschoben)'],
    ]);
    expect(next.deleted).toEqual([proxy.url(`${calendar.url}b.ics`)]);
    expect(next.syncToken).not.toBe(first.syncToken);
    expect(next.ctag).not.toBe(first.ctag);

    const after = await readCalendarChanges(account, calendar, { ctag: next.ctag, syncToken: next.syncToken });
    expect(after.unchanged).toBe(true);
  });

  it('keeps no ctag after a report the server cut short, so the next read goes by the sync token the report left', async () => {
    const calendar = await newCalendar('Lang');
    const first = await readCalendarChanges(account, calendar, {}, { window: year2027 });
    if (first.unchanged) throw new Error('a new calendar read as unchanged');
    await other.createCalendarObject({ calendar, filename: 'a.ics', iCalString: vevent('a@long', '2027-07-01', 'Dreh') });
    const path = new URL(calendar.url).pathname;
    proxy.rewrite = (request, body) =>
      request === `REPORT ${path}` ? body.replace('</multistatus>', `<response><href>${path}</href><status>HTTP/1.1 507 Insufficient Storage</status></response></multistatus>`) : body;
    const through = { ...account, serverUrl: proxy.url(radicale.url) };
    const cut = await readCalendarChanges(through, { url: proxy.url(calendar.url) }, first);
    expect(cut).toMatchObject({ unchanged: false, full: false, syncToken: expect.any(String) });
    if (cut.unchanged) return;
    expect(cut.ctag).toBeUndefined();
    expect(daysOf(cut.changed)).toEqual([['a@long', '2027-07-01', '2027-07-01', 'Dreh']]);
    proxy.reset();
    // Without a ctag the kept sync token decides: the same as the server's (Radicale did send everything) is unchanged;
    // a server that really cut the report short holds a newer token, and the next read syncs from the one kept.
    const rest = await readCalendarChanges(through, { url: proxy.url(calendar.url) }, cut);
    expect(rest).toMatchObject({ unchanged: true });
    expect(proxy.requests).toHaveLength(1);
  });

  it('reads the whole window again when the server no longer knows the sync token', async () => {
    const calendar = await newCalendar('Alt');
    await other.createCalendarObject({ calendar, filename: 'a.ics', iCalString: vevent('a@old', '2027-05-01', 'Lesung') });
    const read = await readCalendarChanges(account, calendar, { ctag: '"stale"', syncToken: 'http://radicale.org/ns/sync/unknown' }, { window: year2027 });
    if (read.unchanged) throw new Error('read as unchanged');
    expect(read.full).toBe(true);
    expect(daysOf(read.changed)).toEqual([['a@old', '2027-05-01', '2027-05-01', 'Lesung']]);
  });

  it('keeps a recurring event with a moved, an excluded and a cancelled occurrence through the round trip', async () => {
    const calendar = await newCalendar('Theater');
    const rehearsal = onlyEvent(readFileSync(path.join(import.meta.dirname, 'fixtures', 'calendars', 'google-export.ics'), 'utf8'), '3k9f0rehearsal2h7q1@google.com');
    await other.createCalendarObject({ calendar, filename: 'rehearsal.ics', iCalString: rehearsal });
    const read = await readCalendarChanges(account, calendar, {}, { window: year2027 });
    if (read.unchanged) throw new Error('read as unchanged');
    expect(read.changed).toHaveLength(1);
    const parse = (text: string) => parseCalendar(text, { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2028-01-01' } }).events;
    const days = parse(read.changed[0]!.ics).map((event) => [event.firstDay, event.recurrenceId, event.summary]);
    expect(days).toEqual(parse(rehearsal).map((event) => [event.firstDay, event.recurrenceId, event.summary]));
    expect(days.map(([day]) => day)).toEqual(['2027-01-05', '2027-01-12', '2027-01-28', '2027-02-02', '2027-02-16', '2027-02-23']);
  });

  it('says clearly when the calendar is gone, and refuses a wrong password as auth', async () => {
    const gone = await failure(readCalendarChanges(account, { url: `${radicale.url}${radicale.username}/no-such-calendar/` }, {}));
    expect(gone).toMatchObject({ type: ErrorType.client, retryable: false });
    expect(gone.message).toMatch(/no longer exists/);
    const calendar = await newCalendar('Auth');
    expect(await failure(readCalendarChanges({ ...account, password: 'nope' }, calendar, {}))).toMatchObject({ type: ErrorType.auth });
  });
});

const booking: AvailabilityItem = {
  id: '0b6f3c1e-4d2a-4f7e-9a51-2c8d7e6f1a01',
  startDate: '2027-06-14',
  endDate: '2027-06-16',
  status: 'unavailable',
  type: 'booking',
  optionHolder: 'Studio Hamburg',
  version: 1,
};
const option: AvailabilityItem = {
  id: '7d1e2f3a-5b6c-4d8e-8f90-1a2b3c4d5e02',
  startDate: '2027-06-21',
  endDate: '2027-06-21',
  status: 'tentative',
  type: 'booking',
  optionRank: 2,
  optionHolder: 'UFA Fiction',
  version: 1,
};

describe('castsync entries in a destination calendar', () => {
  it('writes a firm booking and an option that another client reads, with castsync UIDs an import recognises', async () => {
    const calendar = await newCalendar('castsync');
    const written = await Promise.all([booking, option].map((item) => putEvent(account, { calendarUrl: calendar.url }, item)));
    expect(written.map((result) => result.outcome)).toEqual(['created', 'created']);
    expect(written[0]).toMatchObject({ href: eventHref(calendar.url, booking.id), etag: expect.any(String) });

    const objects = await other.fetchCalendarObjects({ calendar });
    const events = objects.flatMap((object) => eventsOf(String(object.data)));
    expect(events.sort((a, b) => a.start.localeCompare(b.start))).toEqual([
      { uid: eventUid(booking.id), start: '2027-06-14', end: '2027-06-17', summary: 'Festbuchung für Studio Hamburg', status: 'CONFIRMED', transp: 'OPAQUE' },
      { uid: eventUid(option.id), start: '2027-06-21', end: '2027-06-22', summary: '2. Option für UFA Fiction', status: 'TENTATIVE', transp: 'OPAQUE' },
    ]);

    // Read back as a source would: every event is castsync's own, so none becomes a new block.
    const read = await readCalendarChanges(account, calendar, {}, { window: year2027 });
    if (read.unchanged) throw new Error('read as unchanged');
    const uids = read.changed.flatMap((object) => parseCalendar(object.ics, { timeZone: 'Europe/Berlin', window: { from: '2027-01-01', until: '2028-01-01' } }).events.map((event) => event.uid));
    expect(uids).toHaveLength(2);
    expect(uids.every(isCastsyncEvent)).toBe(true);
    expect(uids.map(castsyncIdOf).sort()).toEqual([booking.id, option.id].sort());
    expect(isCastsyncEvent('fitting-1@apple')).toBe(false);
    expect(isCastsyncEvent('@castsync')).toBe(false);
  });

  it('updates an entry over the ETag it knows, and reports a change made in the calendar app as a conflict', async () => {
    const calendar = await newCalendar('castsync-updates');
    const created = await putEvent(account, { calendarUrl: calendar.url }, option);
    if (created.outcome === 'conflict') throw new Error('conflict on create');
    const moved = { ...option, startDate: '2027-06-22', endDate: '2027-06-23', optionRank: 1, version: 2 };
    const updated = await putEvent(account, { calendarUrl: calendar.url, href: created.href, etag: created.etag }, moved);
    expect(updated).toMatchObject({ outcome: 'updated', href: created.href, etag: expect.any(String) });
    expect(updated.outcome !== 'conflict' && updated.etag).not.toBe(created.etag);
    const [seen] = await other.fetchCalendarObjects({ calendar });
    expect(eventsOf(String(seen?.data))).toMatchObject([{ start: '2027-06-22', end: '2027-06-24', summary: '1. Option für UFA Fiction' }]);
    expect(String(seen?.data)).toContain('SEQUENCE:2');

    // The user edits the event in their calendar app: the old ETag no longer matches and nothing is overwritten.
    await other.updateCalendarObject({ calendarObject: { url: created.href, etag: seen?.etag, data: String(seen?.data).replace('1. Option', '1. Option (Kunde angerufen)') } });
    const stale = await putEvent(account, { calendarUrl: calendar.url, href: created.href, etag: updated.outcome !== 'conflict' ? updated.etag : undefined }, { ...moved, version: 3 });
    expect(stale).toEqual({ outcome: 'conflict', href: created.href });
    const [kept] = await other.fetchCalendarObjects({ calendar });
    expect(String(kept?.data)).toContain('Kunde angerufen');
    expect(await putEvent(account, { calendarUrl: calendar.url, href: created.href }, { ...moved, version: 3 }, { force: true })).toMatchObject({ outcome: 'updated' });
  });

  it('takes over its own object when the answer to a create was lost, and leaves an object of another app alone', async () => {
    const calendar = await newCalendar('castsync-retries');
    await putEvent(account, { calendarUrl: calendar.url }, booking);
    // A retried create without the ETag it never got: the object at its address is its own, so it is updated.
    expect(await putEvent(account, { calendarUrl: calendar.url }, { ...booking, version: 2 })).toMatchObject({ outcome: 'updated', etag: expect.any(String) });
    const foreignHref = eventHref(calendar.url, option.id);
    await other.createCalendarObject({ calendar, filename: new URL(foreignHref).pathname.split('/').pop()!, iCalString: vevent('someone-else@apple', '2027-06-21', 'Privat') });
    expect(await putEvent(account, { calendarUrl: calendar.url }, option)).toEqual({ outcome: 'conflict', href: foreignHref });
    expect(eventsOf(String((await other.fetchCalendarObjects({ calendar, objectUrls: [foreignHref] }))[0]?.data))[0]?.uid).toBe('someone-else@apple');
  });

  it('removes an entry as it goes, tolerating one that is already gone', async () => {
    const calendar = await newCalendar('castsync-removals');
    const created = await putEvent(account, { calendarUrl: calendar.url }, booking);
    const before = await readCalendarChanges(account, calendar, {}, { window: year2027 });
    if (created.outcome === 'conflict' || before.unchanged) throw new Error('not written');
    expect(await removeEvent(account, created.href, created.etag)).toBe('removed');
    expect(await other.fetchCalendarObjects({ calendar })).toEqual([]);
    expect(await removeEvent(account, created.href, created.etag)).toBe('gone');
    const after = await readCalendarChanges(account, calendar, before);
    expect(after).toMatchObject({ unchanged: false, full: false, changed: [], deleted: [created.href] });
  });

  it('keeps an entry the user changed in the calendar app when asked to remove the old version', async () => {
    const calendar = await newCalendar('castsync-kept');
    const created = await putEvent(account, { calendarUrl: calendar.url }, booking);
    if (created.outcome === 'conflict') throw new Error('conflict on create');
    const [seen] = await other.fetchCalendarObjects({ calendar });
    await other.updateCalendarObject({ calendarObject: { url: created.href, etag: seen?.etag, data: String(seen?.data).replace('Festbuchung', 'Festbuchung!') } });
    expect(await removeEvent(account, created.href, created.etag)).toBe('conflict');
    expect(await other.fetchCalendarObjects({ calendar })).toHaveLength(1);
  });
});

describe('writing failures', () => {
  it('fails a write to a calendar that is gone without retrying, and a server error or a dropped connection with retrying', async () => {
    const gone = await failure(putEvent(account, { calendarUrl: `${radicale.url}${radicale.username}/deleted-calendar/` }, booking));
    expect(gone).toMatchObject({ type: ErrorType.client, retryable: false });
    expect(gone.message).toMatch(/pick the destination calendar again/);
    const calendar = await newCalendar('castsync-faults');
    const through = { ...account, serverUrl: proxy.url(radicale.url) };
    proxy.fault = '503';
    expect(await failure(putEvent(through, { calendarUrl: proxy.url(calendar.url) }, booking))).toMatchObject({ type: ErrorType.server, retryable: true });
    proxy.fault = 'drop';
    expect(await failure(removeEvent(through, eventHref(proxy.url(calendar.url), booking.id)))).toMatchObject({ type: ErrorType.network, retryable: true });
    proxy.fault = 'none';
    expect(await other.fetchCalendarObjects({ calendar })).toEqual([]);
  });
});

/** A local HTTP server that is not Radicale: what answers, and how many requests reached it. */
async function serveOnce(handler: http.RequestListener) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The VTIMEZONEs and the one event (its series and overrides) of a larger export: one CalDAV object. */
function onlyEvent(text: string, uid: string): string {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const event of root.getAllSubcomponents('vevent')) {
    if (event.getFirstPropertyValue('uid') !== uid) root.removeSubcomponent(event);
  }
  root.removeAllProperties('method');
  return root.toString();
}

function eventsOf(text: string) {
  const root = new ICAL.Component(ICAL.parse(text));
  return root.getAllSubcomponents('vevent').map((event) => ({
    uid: String(event.getFirstPropertyValue('uid')),
    start: String(event.getFirstPropertyValue('dtstart')),
    end: String(event.getFirstPropertyValue('dtend')),
    summary: String(event.getFirstPropertyValue('summary')),
    status: String(event.getFirstPropertyValue('status')),
    transp: String(event.getFirstPropertyValue('transp')),
  }));
}
