// Calendar sources end to end (issue 16): an ICS feed served by a local HTTP server (with ETags) is subscribed to
// through the API; its schedule's workflow reads it, the source's rules turn its events into days, and those reach
// e-TALENTA (REST simulator) and an agency's inbox (SMTP simulator) like the user's own entries. Edits and
// deletions in the feed follow; an unchanged feed costs a 304 and nothing else; a feed that is too large, too slow
// or refused fails once with a message on the source; castsync's own events in a feed are not imported back; bad
// input changes nothing; the address is never shown.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { availabilityEventText } from '../lib/calendars/caldav-write.js';
import { SmtpSimulator } from '../simulators/smtp/server.js';
import { calendarScheduleId } from '../workflows/plumbing.js';
import { readAgencyMail } from './support/email.js';
import { startFeedServer, type FeedServer } from './support/feed-server.js';
import { calendarSourceHelpers } from './support/calendar-source-helpers.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const AGENCY_PLATFORM = 'agentur-iris-mueller';
const AGENCY = 'booking@iris-mueller.example';
const GOOGLE = readFileSync(new URL('./fixtures/calendars/google-export.ics', import.meta.url), 'utf8');
/** The same calendar a week later: the moved rehearsal moved again (Thursday to Friday), the one of 2 February dropped. */
const GOOGLE_EDITED = GOOGLE.replace('DTSTART;TZID=Europe/Berlin:20270128T180000', 'DTSTART;TZID=Europe/Berlin:20270129T180000')
  .replace('DTEND;TZID=Europe/Berlin:20270128T210000', 'DTEND;TZID=Europe/Berlin:20270129T210000')
  .replace('EXDATE;TZID=Europe/Berlin:20270119T190000', 'EXDATE;TZID=Europe/Berlin:20270119T190000,20270202T190000');
const REHEARSALS = ['2027-01-05', '2027-01-12', '2027-01-28', '2027-02-02', '2027-02-16', '2027-02-23'];
const ONLY_REHEARSALS = [{ word: 'probe', kind: 'block' }];

let stack: Stack;
const { api, source, readAfter, importedEntries, lastRunResult } = calendarSourceHelpers(() => stack);
let smtp: SmtpSimulator;
let feeds: FeedServer;

beforeAll(async () => {
  smtp = new SmtpSimulator();
  await smtp.start();
  feeds = await startFeedServer();
  stack = await startStack({
    restPlatforms: ['etalenta'],
    workerPlatforms: ['etalenta', AGENCY_PLATFORM],
    env: {
      CASTSYNC_PLATFORM_URL_AGENTUR_IRIS_MUELLER: smtp.url,
      CASTSYNC_CALENDAR_HTTP_HOSTS: '127.0.0.1',
      CASTSYNC_CALENDAR_MAX_BYTES: String(64 * 1024),
      CASTSYNC_CALENDAR_TIMEOUT_MS: '1500',
      // Reads here are asked for (create, refresh); a scheduled one (a week apart) never falls inside the test.
      CASTSYNC_CALENDAR_REFRESH_MINUTES: '10080',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await smtp?.stop();
  await feeds?.stop();
});

/** Subscribes the user to the feed at `path` (secret-looking, like Google's). */
async function subscribe(user: TestUser, path: string, extra: object = {}) {
  const res = await api(user, 'POST', '/api/calendars', { kind: 'ics', name: 'Google privat', url: `${feeds.url}${path}`, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; host: string };
}

const etalentaDays = (user: TestUser) => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).map((e) => `${e.from}..${e.to} ${e.state}/${e.category}`);

describe('an ICS subscription', () => {
  let user: TestUser;
  let sourceId: string;

  beforeAll(async () => {
    user = await stack.createUser({ platforms: ['etalenta'] });
    await stack.connect(user.id, AGENCY_PLATFORM, {}, { accountRef: AGENCY });
    feeds.set('/calendar/ical/lena%40example.com/private-7f3a9c2b1e/basic.ics', { kind: 'calendar', text: GOOGLE });
  });

  it('turns a weekly rehearsal into blocked days on e-TALENTA and in the agency mail, showing only the feed\'s host', async () => {
    const created = await subscribe(user, '/calendar/ical/lena%40example.com/private-7f3a9c2b1e/basic.ics', { rules: ONLY_REHEARSALS });
    sourceId = created.id;
    expect(created).toMatchObject({ kind: 'ics', name: 'Google privat', host: feeds.host, rules: ONLY_REHEARSALS, shareDetails: false, status: 'ok' });

    await waitFor(() => etalentaDays(user).length === REHEARSALS.length, { what: 'the rehearsals on e-TALENTA' });
    expect(etalentaDays(user)).toEqual(REHEARSALS.map((day) => `${day}..${day} unavailable/block`));
    // Titles and locations stay in castsync: the platform gets the day and the kind only.
    expect(stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).map((e) => e.note ?? null)).toEqual(REHEARSALS.map(() => null));

    const mailed = await waitFor(async () => {
      const events = (await Promise.all(smtp.messagesTo(AGENCY).map(readAgencyMail))).flatMap((mail) => mail.events);
      const days = [...new Set(events.filter((e) => e.status !== 'CANCELLED').map((e) => e.start))].sort();
      return days.length === REHEARSALS.length ? { days, events } : null;
    }, { what: 'the rehearsals in the agency mail' });
    expect(mailed.days).toEqual(REHEARSALS);
    expect(mailed.events.every((e) => e.isAllDay && !e.summary.includes('Kabale'))).toBe(true);

    const listed = await api(user, 'GET', '/api/availability');
    expect(listed.json().items.map((i: { startDate: string; source: string; note: string | null }) => [i.startDate, i.source, i.note])).toEqual(
      REHEARSALS.map((day) => [day, `calendar:${sourceId}`, null]),
    );
    const shown = await source(user, sourceId);
    expect(shown).toMatchObject({ status: 'ok', lastError: null, entries: REHEARSALS.length });
    // The address's path (Google's secret) is in no answer, not in the row unsealed, not in the schedule's action.
    const everything = JSON.stringify([created, shown, (await api(user, 'GET', '/api/calendars')).json()]);
    expect(everything).not.toContain('private-7f3a9c2b1e');
    const row = await stack.db.calendarSource.findUniqueOrThrow({ where: { id: sourceId } });
    expect(Buffer.from(row.credentialsCiphertext).toString('latin1')).not.toContain('private-7f3a9c2b1e');
    const schedule = await stack.temporal.schedule.getHandle(calendarScheduleId(sourceId)).describe();
    expect(schedule.action.type === 'startWorkflow' && schedule.action.args).toEqual([{ userId: user.id, sourceId }]);
  });

  it('answers an unchanged feed with a 304 that costs no parse and touches no entry', async () => {
    const path = '/calendar/ical/lena%40example.com/private-7f3a9c2b1e/basic.ics';
    const before = await source(user, sourceId);
    const entries = await importedEntries(user.id, sourceId);
    const answered304 = feeds.notModified(path);
    const refresh = await api(user, 'POST', `/api/calendars/${sourceId}/refresh`);
    expect(refresh.statusCode, refresh.body).toBe(202);
    const after = await readAfter(user, sourceId, before.lastFetchedAt);
    expect(feeds.notModified(path)).toBe(answered304 + 1);
    expect(after.lastChangedAt).toBe(before.lastChangedAt); // nothing new was brought: the feed was not parsed
    expect(await lastRunResult(sourceId)).toEqual({ status: 'not_modified' });
    expect(await importedEntries(user.id, sourceId)).toEqual(entries);
  });

  it('follows an edited and a deleted event on the next read: the moved day changes, the dropped one goes', async () => {
    const entries = await importedEntries(user.id, sourceId);
    const moved = entries.find((e) => e.startDate.toISOString().startsWith('2027-01-28'))!;
    feeds.set('/calendar/ical/lena%40example.com/private-7f3a9c2b1e/basic.ics', { kind: 'calendar', text: GOOGLE_EDITED });
    expect((await api(user, 'POST', `/api/calendars/${sourceId}/refresh`)).statusCode).toBe(202);

    const expected = ['2027-01-05', '2027-01-12', '2027-01-29', '2027-02-16', '2027-02-23'];
    await waitFor(() => JSON.stringify(etalentaDays(user)) === JSON.stringify(expected.map((day) => `${day}..${day} unavailable/block`)), {
      what: 'e-TALENTA to follow the edit and the deletion',
    });
    // The moved occurrence is the same entry, changed (version 2), not a new one.
    const now = await stack.db.availability.findUniqueOrThrow({ where: { id: moved.id } });
    expect(now).toMatchObject({ version: 2, deletedAt: null });
    expect(now.startDate.toISOString()).toMatch(/^2027-01-29/);
    const dropped = await stack.db.availability.findFirstOrThrow({ where: { calendarSourceId: sourceId, startDate: new Date('2027-02-02') } });
    expect(dropped.deletedAt).not.toBeNull();
    expect(await lastRunResult(sourceId)).toMatchObject({ status: 'imported', added: 0, changed: 1, removed: 1 });
  });

  it('removes the source and everything it brought in only when confirmed', async () => {
    const unconfirmed = await api(user, 'DELETE', `/api/calendars/${sourceId}`);
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json().message).toContain('also removes the 5 entries it brought in');
    expect(await importedEntries(user.id, sourceId)).toHaveLength(5);

    const removed = await api(user, 'DELETE', `/api/calendars/${sourceId}?confirm=true`);
    expect(removed.statusCode, removed.body).toBe(204);
    await waitFor(() => etalentaDays(user).length === 0, { what: 'e-TALENTA to drop the imported days' });
    expect((await api(user, 'GET', `/api/calendars/${sourceId}`)).statusCode).toBe(404);
    await stack.outboxDelivered(user.id);
    await waitFor(async () => {
      try {
        await stack.temporal.schedule.getHandle(calendarScheduleId(sourceId)).describe();
        return false;
      } catch {
        return true;
      }
    }, { what: 'the schedule to go' });
    const audit = await stack.db.auditEvent.findMany({ where: { userId: user.id, target: sourceId }, orderBy: { createdAt: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['calendar.add', 'calendar.refresh', 'calendar.refresh', 'calendar.delete']);
    expect(JSON.stringify(audit)).not.toContain('private-7f3a9c2b1e');
  });
});

describe('what the user already has', () => {
  it('does not import a day the user blocked, and opens a conflict where an imported day lands on an option', async () => {
    const user = await stack.createUser({ platforms: [] });
    const own = await api(user, 'POST', '/api/availability', { startDate: '2027-01-12', endDate: '2027-01-12', status: 'unavailable', type: 'block' });
    const option = await api(user, 'POST', '/api/availability', { startDate: '2027-01-04', endDate: '2027-01-06', status: 'tentative', type: 'booking', optionHolder: 'Tatort Münster' });
    expect([own.statusCode, option.statusCode]).toEqual([201, 201]);
    feeds.set('/own/feed.ics', { kind: 'calendar', text: GOOGLE });
    const { id } = await subscribe(user, '/own/feed.ics', { rules: ONLY_REHEARSALS, shareDetails: true });

    await readAfter(user, id, null);
    const entries = await importedEntries(user.id, id);
    expect(entries.map((e) => e.startDate.toISOString().slice(0, 10))).toEqual(REHEARSALS.filter((day) => day !== '2027-01-12'));
    // shareDetails: the title (and place) go along as the note.
    expect(entries[0]!.note).toContain('Probe Kabale und Liebe');
    const conflicts = (await api(user, 'GET', '/api/conflicts')).json().items;
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ kind: 'calendar_overlap', platformId: `calendar:${id}`, platformName: 'Google privat', entry: { id: option.json().id, status: 'tentative' } });
    expect(conflicts[0].message).toContain('Tatort Münster');

    // The user lets the option go: the calendar wins.
    const resolved = await api(user, 'POST', `/api/conflicts/${conflicts[0].id}/resolve`, { action: 'accept_theirs' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect((await stack.db.availability.findUniqueOrThrow({ where: { id: option.json().id } })).deletedAt).not.toBeNull();
  });
});

describe('a feed of a calendar castsync writes into', () => {
  it('leaves castsync\'s own events out (no block, no conflict with itself) and counts them in the run\'s result', async () => {
    const user = await stack.createUser({ platforms: [] });
    const option = await api(user, 'POST', '/api/availability', { startDate: '2027-03-16', endDate: '2027-03-16', status: 'tentative', type: 'booking', optionHolder: 'UFA Fiction' });
    expect(option.statusCode, option.body).toBe(201);
    // The calendar's ICS address: castsync's option as castsync writes it (UID <entry id>@castsync), and the user's own shoot day.
    const ours = availabilityEventText(toAvailabilityItem(await stack.db.availability.findUniqueOrThrow({ where: { id: option.json().id } })));
    const theirs = ['BEGIN:VEVENT', 'UID:dreh-0310@google.com', 'DTSTAMP:20261201T090000Z', 'DTSTART;VALUE=DATE:20270310', 'DTEND;VALUE=DATE:20270311', 'SUMMARY:Dreh Tatort', 'END:VEVENT', ''].join('\r\n');
    expect(ours).toContain(`UID:${option.json().id}@castsync`);
    feeds.set('/written/feed.ics', { kind: 'calendar', text: ours.replace('END:VCALENDAR', `${theirs}END:VCALENDAR`) });
    const { id } = await subscribe(user, '/written/feed.ics');

    await readAfter(user, id, null);
    expect((await importedEntries(user.id, id)).map((e) => e.startDate.toISOString().slice(0, 10))).toEqual(['2027-03-10']);
    expect((await api(user, 'GET', '/api/conflicts')).json().items).toEqual([]);
    expect(await lastRunResult(id)).toMatchObject({ status: 'imported', added: 1, ownEvents: 1 });
  });
});

describe('imported entries in the user\'s hands', () => {
  it('refuses an edit (the calendar is where they change) and keeps one the user deleted out on later reads', async () => {
    const user = await stack.createUser({ platforms: [] });
    feeds.set('/hands/feed.ics', { kind: 'calendar', text: GOOGLE });
    const { id } = await subscribe(user, '/hands/feed.ics', { rules: ONLY_REHEARSALS });
    const first = await readAfter(user, id, null);
    const [firstDay, secondDay] = await importedEntries(user.id, id);

    const edit = await api(user, 'PATCH', `/api/availability/${secondDay!.id}`, { note: 'mine' });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().message).toContain('comes from one of your calendars');
    expect((await api(user, 'DELETE', `/api/availability/${firstDay!.id}`)).statusCode).toBe(204);

    feeds.set('/hands/feed.ics', { kind: 'calendar', text: GOOGLE_EDITED });
    expect((await api(user, 'POST', `/api/calendars/${id}/refresh`)).statusCode).toBe(202);
    await waitFor(async () => (await source(user, id)).lastChangedAt !== first.lastChangedAt, { what: 'the edited feed to be read' });
    const days = (await importedEntries(user.id, id)).map((e) => e.startDate.toISOString().slice(0, 10));
    expect(days).toEqual(['2027-01-12', '2027-01-29', '2027-02-16', '2027-02-23']);
  });
});

describe('a feed in trouble', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await stack.createUser({ platforms: [] });
  });

  async function failsOnce(path: string) {
    const { id } = await subscribe(user, path);
    const failed = await waitFor(async () => {
      const s = await source(user, id);
      return s.lastError ? s : null;
    }, { what: 'the failure on the source' });
    const result = await lastRunResult(id);
    expect(feeds.requests(path)).toBe(1); // once: not retried within the run; the next scheduled read is the retry
    expect(await importedEntries(user.id, id)).toEqual([]);
    expect(failed.lastError).not.toContain(path.split('/')[2]);
    return { failed, result };
  }

  it('refuses a feed larger than the limit, once, saying so on the source', async () => {
    feeds.set('/big/secret-big/feed.ics', { kind: 'huge', bytes: 200 * 1024 });
    const { failed, result } = await failsOnce('/big/secret-big/feed.ics');
    expect(failed).toMatchObject({ status: 'failing', lastError: `calendar feed at ${feeds.host} is larger than the limit of 65536 bytes; not imported` });
    expect(result).toMatchObject({ status: 'failing' });
  });

  it('gives up on a feed that does not arrive within the time limit, once, saying so on the source', async () => {
    feeds.set('/slow/secret-slow/feed.ics', { kind: 'stall', stallMs: 10_000 });
    const { failed } = await failsOnce('/slow/secret-slow/feed.ics');
    expect(failed).toMatchObject({ status: 'failing', lastError: `calendar feed at ${feeds.host} did not send the whole feed within 1.5 s` });
  });

  it('turns needs_reauth when the feed refuses access (401)', async () => {
    feeds.set('/gone/secret-revoked/feed.ics', { kind: 'status', status: 401 });
    const { failed, result } = await failsOnce('/gone/secret-revoked/feed.ics');
    expect(failed.status).toBe('needs_reauth');
    expect(failed.lastError).toContain(feeds.host);
    expect(result).toMatchObject({ status: 'needs_reauth' });

    // Google's "reset secret address": the user gives the new one, and the source is read again at once.
    feeds.set('/gone/secret-renewed/feed.ics', { kind: 'calendar', text: GOOGLE });
    const renewed = await api(user, 'PATCH', `/api/calendars/${failed.id}`, { url: `${feeds.url}/gone/secret-renewed/feed.ics`, rules: ONLY_REHEARSALS });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.body).not.toContain('secret-renewed');
    const read = await readAfter(user, failed.id, failed.lastFetchedAt);
    expect(read).toMatchObject({ status: 'ok', lastError: null, entries: REHEARSALS.length });
  });
});

describe('the API', () => {
  it('answers bad input with a 400 that says what is wrong, and stores nothing', async () => {
    const user = await stack.createUser({ platforms: [] });
    const bad: [object, string][] = [
      [{ kind: 'ics', name: 'x', url: 'ftp://files.example/secret-ftp/cal.ics' }, 'url is a ftp: address: only https:// calendar feeds are allowed'],
      [{ kind: 'ics', name: 'x', url: 'http://calendar.example/secret-http/cal.ics' }, 'url is http://calendar.example: only https:// calendar feeds are allowed'],
      [{ kind: 'ics', name: 'x', url: 'not a url' }, 'url is not a valid URL'],
      [{ kind: 'ics', name: 'x', url: 'https://10.1.2.3/secret-http/cal.ics' }, 'url is 10.1.2.3, which is not a public address: castsync reads calendar feeds on the public internet only'],
      [{ kind: 'ics', name: 'x', url: 'https://calendar.example/a.ics', rules: [{ word: '!!!', kind: 'block' }] }, 'rules/0: word must hold at least one letter or digit'],
      [{ kind: 'ics', name: 'x', url: 'https://calendar.example/a.ics', rules: [{ kind: 'holiday' }] }, 'body/rules/0/kind must be equal to one of the allowed values'],
      [{ kind: 'caldav', name: 'x', url: 'https://calendar.example/a.ics' }, 'url is for an ics source: a caldav source takes serverUrl, username and password'],
      [{ kind: 'webdav', name: 'x', url: 'https://calendar.example/a.ics' }, 'body/kind must be equal to one of the allowed values'],
      [{ kind: 'ics', name: 'x' }, "body must have required property 'url'"],
    ];
    for (const [payload, message] of bad) {
      const res = await api(user, 'POST', '/api/calendars', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toContain(message);
      expect(res.body).not.toMatch(/secret-(ftp|http)/);
    }
    expect(await stack.db.calendarSource.count({ where: { userId: user.id } })).toBe(0);
    expect(await stack.db.outboxMessage.count({ where: { userId: user.id } })).toBe(0);
    expect(await stack.db.auditEvent.count({ where: { userId: user.id } })).toBe(0);
  });

  it('keeps each user to their own sources: another user\'s is not there (404)', async () => {
    const owner = await stack.createUser({ platforms: [] });
    const other = await stack.createUser({ platforms: [] });
    feeds.set('/owner/feed.ics', { kind: 'calendar', text: GOOGLE });
    const { id } = await subscribe(owner, '/owner/feed.ics', { rules: ONLY_REHEARSALS });
    for (const [method, url, payload] of [
      ['GET', `/api/calendars/${id}`],
      ['PATCH', `/api/calendars/${id}`, { name: 'mine now' }],
      ['POST', `/api/calendars/${id}/refresh`],
      ['DELETE', `/api/calendars/${id}?confirm=true`],
    ] as const) {
      const res = await api(other, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().message).toBe('no such calendar');
    }
    expect((await api(other, 'GET', '/api/calendars')).json().items).toEqual([]);
    expect((await source(owner, id)).name).toBe('Google privat');
  });

  it('reads a source again at once when its rules change', async () => {
    const user = await stack.createUser({ platforms: [] });
    feeds.set('/rules/feed.ics', { kind: 'calendar', text: GOOGLE });
    const { id } = await subscribe(user, '/rules/feed.ics', { rules: ONLY_REHEARSALS });
    const first = await readAfter(user, id, null);
    expect(first.entries).toBe(REHEARSALS.length);
    const changed = await api(user, 'PATCH', `/api/calendars/${id}`, { rules: [{ word: 'probe', kind: 'travel' }] });
    expect(changed.statusCode, changed.body).toBe(200);
    await waitFor(async () => (await importedEntries(user.id, id)).every((e) => e.type === 'travel' && e.version === 2), { what: 'the entries to become travel days' });
  });
});

describe('limits and the account', () => {
  it(`keeps at most ${20} sources per user (409), and an account's deletion takes its sources' schedules along`, async () => {
    const user = await stack.createUser({ platforms: [] });
    feeds.set('/many/feed.ics', { kind: 'status', status: 404 });
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await subscribe(user, '/many/feed.ics')).id);
    const one = await api(user, 'POST', '/api/calendars', { kind: 'ics', name: 'one more', url: `${feeds.url}/many/feed.ics` });
    expect(one.statusCode).toBe(409);
    expect(one.json().message).toBe('you have 20 calendars; at most 20 are allowed: remove one first');
    expect(await stack.db.calendarSource.count({ where: { userId: user.id } })).toBe(20);

    await stack.outboxDelivered(user.id);
    await stack.temporal.schedule.getHandle(calendarScheduleId(ids[0]!)).describe();
    const email = (await stack.db.user.findUniqueOrThrow({ where: { id: user.id } })).email;
    const deleted = await api(user, 'DELETE', '/api/account', { confirm: email });
    expect(deleted.statusCode, deleted.body).toBe(204);
    for (const id of ids) {
      await expect(stack.temporal.schedule.getHandle(calendarScheduleId(id)).describe()).rejects.toThrow(/not found/i);
    }
  });
});
