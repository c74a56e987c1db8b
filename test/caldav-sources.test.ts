// CalDAV calendars as calendar sources end to end (issue 16), against a real Radicale behind a counting proxy: the
// login is tried once when the source is added (a refusal stores nothing), the source's schedule reads the calendar
// and its events become blocked days on e-TALENTA (REST simulator) like an ICS feed's; an unchanged calendar costs
// one PROPFIND, an edit and a deletion come through the sync token; an event castsync wrote itself (an option
// pushed out) is never read back; a revoked app password turns the source needs_reauth until a new one is given; a
// calendar over the deployment's CASTSYNC_CALENDAR_MAX_BYTES fails once with the limit on the source.
// The login is in no answer, no audit event, not readable in the row, not in the schedule's action or the history.
import { randomBytes } from 'node:crypto';
import type { DAVCalendar } from 'tsdav';
import { beforeAll, describe, expect, it } from 'vitest';
import { toAvailabilityItem } from '../lib/availability-item.js';
import { calendarScheduleId } from '../workflows/plumbing.js';
import { putEvent } from '../lib/calendars/caldav-write.js';
import { freePort } from '../lib/temporal-server.js';
import { useCalDavTestBed, vevent } from './support/calendar-app.js';
import { calendarSourceHelpers } from './support/calendar-source-helpers.js';
import { waitFor, type TestUser } from './support/stack.js';

const FIRST_PASSWORD = 'app-password-1';
/** CASTSYNC_CALENDAR_MAX_BYTES for this stack: the calendars here are a few KiB, the large one is over it. */
const MAX_BYTES = 64 * 1024;

const bed = useCalDavTestBed(FIRST_PASSWORD, { CASTSYNC_CALENDAR_MAX_BYTES: String(MAX_BYTES) });
const { api, source, readAfter, importedEntries, lastRunResult } = calendarSourceHelpers(() => bed.stack);

const login = () => ({ serverUrl: bed.proxy.url(bed.radicale.url), username: bed.radicale.username, password: bed.radicale.password });

const blockedOnEtalenta = (user: TestUser) =>
  bed.stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).filter((e) => e.state === 'unavailable').map((e) => `${e.from}..${e.to}`);

/** Every history the source's schedule made, as text (bytes as latin1, so a secret in a payload would show). */
async function historiesOf(sourceId: string): Promise<string> {
  const description = await bed.stack.temporal.schedule.getHandle(calendarScheduleId(sourceId)).describe();
  const histories = await Promise.all(description.info.recentActions.map((a) => bed.stack.temporal.workflow.getHandle(a.action.workflow.workflowId).fetchHistory()));
  return JSON.stringify(histories, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value));
}

describe('a CalDAV calendar as a source', () => {
  let user: TestUser;
  let calendar: DAVCalendar;
  let sourceId: string;
  let optionDay: string;

  beforeAll(async () => {
    user = await bed.stack.createUser({ platforms: ['etalenta'] });
    calendar = await bed.newCalendar('Drehs');
    await bed.newCalendar('Privat');
    await bed.other.createCalendarObject({ calendar, filename: 'dreh.ics', iCalString: vevent('dreh@nextcloud', 'Dreh Tatort', '2027-03-10', '2027-03-11') });
    await bed.other.createCalendarObject({ calendar, filename: 'probe.ics', iCalString: vevent('probe@nextcloud', 'Probe Kabale und Liebe', '2027-03-12', '2027-03-14') });
    // 22:00 to 03:00 in Berlin: both days.
    await bed.other.createCalendarObject({ calendar, filename: 'nacht.ics', iCalString: vevent('nacht@nextcloud', 'Nachtdreh', '2027-03-20T21:00:00Z', '2027-03-21T02:00:00Z') });
    // An option of castsync's own, written into this calendar as castsync writes a destination: never read back.
    const option = await api(user, 'POST', '/api/availability', { startDate: '2027-03-16', endDate: '2027-03-16', status: 'tentative', type: 'booking', optionHolder: 'UFA Fiction' });
    expect(option.statusCode, option.body).toBe(201);
    optionDay = '2027-03-16';
    const row = await bed.stack.db.availability.findUniqueOrThrow({ where: { id: option.json().id } });
    const account = { serverUrl: bed.radicale.url, username: bed.radicale.username, password: bed.radicale.password, allowHttpHosts: ['127.0.0.1'] };
    expect(await putEvent(account, { calendarUrl: calendar.url }, toAvailabilityItem(row))).toMatchObject({ outcome: 'created' });
  });

  it('asks which calendar when the account has several, then reads the picked one into blocked days, showing only the host', async () => {
    const unpicked = await api(user, 'POST', '/api/calendars', { kind: 'caldav', name: 'Nextcloud', ...login() });
    expect(unpicked.statusCode).toBe(400);
    expect(unpicked.json().message).toMatch(/has \d+ calendars: pick one with calendarUrl \(.*"Drehs" http:\/\/127\.0\.0\.1:\d+\/actor\/calendar-1\//);
    expect(unpicked.body).not.toContain(bed.radicale.password);

    const created = await api(user, 'POST', '/api/calendars', { kind: 'caldav', name: 'Nextcloud', ...login(), calendarUrl: bed.proxy.url(calendar.url) });
    expect(created.statusCode, created.body).toBe(201);
    sourceId = created.json().id;
    expect(created.json()).toMatchObject({ kind: 'caldav', name: 'Nextcloud', host: new URL(bed.proxy.url(bed.radicale.url)).host, status: 'ok', rules: [{ kind: 'block' }] });

    const expected = ['2027-03-10..2027-03-10', '2027-03-12..2027-03-13', '2027-03-20..2027-03-21'];
    await waitFor(() => blockedOnEtalenta(user).length === expected.length, { what: 'the calendar\'s days on e-TALENTA' });
    expect(blockedOnEtalenta(user).sort()).toEqual(expected);
    // castsync's own option in that calendar is not read back: no entry on its day, no conflict with itself.
    expect((await importedEntries(user.id, sourceId)).map((e) => e.startDate.toISOString().slice(0, 10))).not.toContain(optionDay);
    expect((await api(user, 'GET', '/api/conflicts')).json().items).toEqual([]);
    expect(await lastRunResult(sourceId)).toMatchObject({ status: 'imported', added: 3, ownEvents: 1 });

    // The login and the calendar's path are in no answer, not readable in the row, not in the schedule or history.
    const shown = await source(user, sourceId);
    expect(shown).toMatchObject({ status: 'ok', lastError: null, entries: 3 });
    const answers = JSON.stringify([created.json(), shown, (await api(user, 'GET', '/api/calendars')).json()]);
    for (const secret of [bed.radicale.password, '/calendar-1']) expect(answers).not.toContain(secret);
    const row = await bed.stack.db.calendarSource.findUniqueOrThrow({ where: { id: sourceId } });
    expect(Buffer.from(row.credentialsCiphertext).toString('latin1')).not.toContain(bed.radicale.password);
    expect(row.objectsCiphertext && Buffer.from(row.objectsCiphertext).toString('latin1')).not.toContain('Tatort');
    expect(row).toMatchObject({ ctag: expect.any(String), syncToken: expect.any(String) });
    const schedule = await bed.stack.temporal.schedule.getHandle(calendarScheduleId(sourceId)).describe();
    expect(schedule.action.type === 'startWorkflow' && schedule.action.args).toEqual([{ userId: user.id, sourceId }]);
    expect(await historiesOf(sourceId)).not.toContain(bed.radicale.password);
    const audit = JSON.stringify(await bed.stack.db.auditEvent.findMany({ where: { userId: user.id } }));
    expect(audit).not.toContain(bed.radicale.password);
  });

  it('costs one PROPFIND when the calendar is unchanged, and touches no entry', async () => {
    const before = await source(user, sourceId);
    const entries = await importedEntries(user.id, sourceId);
    bed.proxy.reset();
    expect((await api(user, 'POST', `/api/calendars/${sourceId}/refresh`)).statusCode).toBe(202);
    const after = await readAfter(user, sourceId, before.lastFetchedAt);
    expect(await lastRunResult(sourceId)).toEqual({ status: 'not_modified' });
    expect(bed.proxy.requests).toEqual([`PROPFIND ${new URL(calendar.url).pathname}`]);
    expect(after.lastChangedAt).toBe(before.lastChangedAt);
    expect(await importedEntries(user.id, sourceId)).toEqual(entries);
  });

  it('follows an edit and a deletion made in the calendar app through the sync token', async () => {
    const moved = (await importedEntries(user.id, sourceId)).find((e) => e.startDate.toISOString().startsWith('2027-03-10'))!;
    const [dreh] = await bed.other.fetchCalendarObjects({ calendar, objectUrls: [`${calendar.url}dreh.ics`] });
    await bed.other.updateCalendarObject({ calendarObject: { url: `${calendar.url}dreh.ics`, etag: dreh?.etag, data: vevent('dreh@nextcloud', 'Dreh Tatort (verschoben)', '2027-03-11', '2027-03-12') } });
    await bed.other.deleteCalendarObject({ calendarObject: { url: `${calendar.url}probe.ics` } });
    bed.proxy.reset();
    expect((await api(user, 'POST', `/api/calendars/${sourceId}/refresh`)).statusCode).toBe(202);

    const expected = ['2027-03-11..2027-03-11', '2027-03-20..2027-03-21'];
    await waitFor(() => JSON.stringify(blockedOnEtalenta(user).sort()) === JSON.stringify(expected), { what: 'e-TALENTA to follow the edit and the deletion' });
    expect(await lastRunResult(sourceId)).toMatchObject({ status: 'imported', added: 0, changed: 1, removed: 1 });
    // The changes only: the collection's validators, then one sync-collection report.
    expect(bed.proxy.requests.map((r) => r.split(' ')[0])).toEqual(['PROPFIND', 'REPORT']);
    expect(await bed.stack.db.availability.findUniqueOrThrow({ where: { id: moved.id } })).toMatchObject({ version: 2, deletedAt: null });
  });

  it('turns needs_reauth when the app password is revoked, changes nothing, and reads again once a new one is given', async () => {
    const before = await source(user, sourceId);
    const entries = await importedEntries(user.id, sourceId);
    await bed.radicale.setPassword('app-password-2');
    bed.proxy.reset();
    expect((await api(user, 'POST', `/api/calendars/${sourceId}/refresh`)).statusCode).toBe(202);
    const failed = await waitFor(async () => {
      const s = await source(user, sourceId);
      return s.lastError ? s : null;
    }, { what: 'the refusal on the source' });
    expect(failed.status).toBe('needs_reauth');
    expect(failed.lastError).toMatch(/refused the credentials \(401: wrong username or app password\): give the calendar a new app password/);
    expect(await lastRunResult(sourceId)).toMatchObject({ status: 'needs_reauth' });
    expect(bed.proxy.requests).toHaveLength(1); // not retried within the run
    expect(await importedEntries(user.id, sourceId)).toEqual(entries);

    const wrong = await api(user, 'PATCH', `/api/calendars/${sourceId}`, { password: 'still-wrong' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().message).toMatch(/^the login was refused: .*401/);
    expect(wrong.body).not.toContain('still-wrong');
    expect((await source(user, sourceId)).status).toBe('needs_reauth');

    const renewed = await api(user, 'PATCH', `/api/calendars/${sourceId}`, { password: 'app-password-2' });
    expect(renewed.statusCode, renewed.body).toBe(200);
    expect(renewed.body).not.toContain('app-password-2');
    expect(renewed.json()).toMatchObject({ status: 'ok', lastError: null });
    const read = await readAfter(user, sourceId, failed.lastFetchedAt);
    expect(read).toMatchObject({ status: 'ok', lastError: null, entries: entries.length });
    expect(before.lastChangedAt).toBe(read.lastChangedAt);
    expect(await importedEntries(user.id, sourceId)).toEqual(entries);
    await bed.radicale.setPassword(FIRST_PASSWORD); // the other client (and the tests after this one) log in with it
  });

  it('removes the source and the days it brought in when confirmed', async () => {
    const removed = await api(user, 'DELETE', `/api/calendars/${sourceId}?confirm=true`);
    expect(removed.statusCode, removed.body).toBe(204);
    await waitFor(() => blockedOnEtalenta(user).length === 0, { what: 'e-TALENTA to drop the imported days' });
  });
});

describe('a CalDAV calendar larger than the limit', () => {
  it('is refused by the deployment\'s CASTSYNC_CALENDAR_MAX_BYTES, once, saying so on the source, and read once it fits', async () => {
    const user = await bed.stack.createUser({ platforms: [] });
    const calendar = await bed.newCalendar('Archiv');
    // An event with a long description (an attached script, say): random text, so no compression makes it small.
    const notes = randomBytes(MAX_BYTES).toString('base64');
    const folded = `DESCRIPTION:${notes}`.match(/.{1,74}/g)!.join('\r\n ');
    const large = vevent('archiv@nextcloud', 'Drehbuch', '2027-05-03', '2027-05-04').replace('SUMMARY:', `${folded}\r\nSUMMARY:`);
    await bed.other.createCalendarObject({ calendar, filename: 'archiv.ics', iCalString: large });

    // The login is tried with the same limit: discovery's answers are small.
    bed.proxy.reset();
    const created = await api(user, 'POST', '/api/calendars', { kind: 'caldav', name: 'Archiv', ...login(), calendarUrl: bed.proxy.url(calendar.url) });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const failed = await waitFor(async () => {
      const s = await source(user, id);
      return s.lastError ? s : null;
    }, { what: 'the limit on the source' });
    expect(failed).toMatchObject({ status: 'failing', lastError: `CalDAV server at ${new URL(bed.proxy.url(bed.radicale.url)).host} sent an answer larger than the limit of 64 KiB`, entries: 0 });
    expect(await lastRunResult(id)).toMatchObject({ status: 'failing' });
    // Read once (the collection's validators, then the calendar-query), not retried within the run.
    expect(bed.proxy.requests.filter((r) => r.startsWith('REPORT '))).toEqual([`REPORT ${new URL(calendar.url).pathname}`]);
    expect(failed.lastError).not.toContain('/calendar-');

    const [object] = await bed.other.fetchCalendarObjects({ calendar, objectUrls: [`${calendar.url}archiv.ics`] });
    await bed.other.updateCalendarObject({ calendarObject: { url: `${calendar.url}archiv.ics`, etag: object?.etag, data: vevent('archiv@nextcloud', 'Drehbuch', '2027-05-03', '2027-05-04') } });
    expect((await api(user, 'POST', `/api/calendars/${id}/refresh`)).statusCode).toBe(202);
    const read = await readAfter(user, id, failed.lastFetchedAt);
    expect(read).toMatchObject({ status: 'ok', lastError: null, entries: 1 });
  });
});

describe('adding a CalDAV source', () => {
  it('answers bad input, a refused login and an unreachable server clearly, and stores nothing', async () => {
    const user = await bed.stack.createUser({ platforms: [] });
    await bed.newCalendar('Noch eins');
    const closed = `http://127.0.0.1:${await freePort()}/`;
    const bad: [object, number, string][] = [
      [{ kind: 'caldav', name: 'x', username: 'actor', password: 'p' }, 400, "body must have required property 'serverUrl'"],
      [{ kind: 'caldav', name: 'x', serverUrl: bed.radicale.url, password: 'p' }, 400, "body must have required property 'username'"],
      [{ kind: 'caldav', name: 'x', url: 'https://calendar.example/a.ics', ...login() }, 400, 'url is for an ics source'],
      [{ kind: 'ics', name: 'x', url: 'https://calendar.example/a.ics', password: 'secret-pw' }, 400, 'password: only for a caldav source'],
      [{ kind: 'caldav', name: 'x', ...login(), serverUrl: 'http://calendar.example/dav/' }, 400, 'serverUrl is http://calendar.example: only https:// CalDAV servers are allowed'],
      [{ kind: 'caldav', name: 'x', ...login(), serverUrl: 'https://10.1.2.3/dav/' }, 400, 'serverUrl is 10.1.2.3, which is not a public address'],
      [{ kind: 'caldav', name: 'x', ...login(), password: 'x'.repeat(600) }, 400, 'body/password must NOT have more than 512 characters'],
      [{ kind: 'caldav', name: 'x', ...login(), password: 'wrong-app-password' }, 400, 'the login was refused: CalDAV server at'],
      [{ kind: 'caldav', name: 'x', ...login(), calendarUrl: bed.proxy.url(`${bed.radicale.url}actor/no-such-calendar/`) }, 400, 'calendarUrl is no calendar with events of this account'],
      [{ kind: 'caldav', name: 'x', ...login() }, 400, 'calendars: pick one with calendarUrl'],
      [{ kind: 'caldav', name: 'x', ...login(), serverUrl: closed }, 502, 'could not be reached'],
    ];
    for (const [payload, status, message] of bad) {
      const res = await api(user, 'POST', '/api/calendars', payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 200)).toBe(status);
      expect(res.json().message).toContain(message);
      expect(res.body).not.toMatch(/wrong-app-password|secret-pw/);
    }
    expect(await bed.stack.db.calendarSource.count({ where: { userId: user.id } })).toBe(0);
    expect(await bed.stack.db.outboxMessage.count({ where: { userId: user.id } })).toBe(0);
    expect(await bed.stack.db.auditEvent.count({ where: { userId: user.id } })).toBe(0);
  });

  it('keeps each user to their own sources: another user\'s is not there (404), not even to a new password', async () => {
    const owner = await bed.stack.createUser({ platforms: [] });
    const stranger = await bed.stack.createUser({ platforms: [] });
    const calendar = await bed.newCalendar('Eigenes');
    const created = await api(owner, 'POST', '/api/calendars', { kind: 'caldav', name: 'Eigenes', ...login(), calendarUrl: bed.proxy.url(calendar.url) });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    for (const [method, url, payload] of [
      ['GET', `/api/calendars/${id}`],
      ['PATCH', `/api/calendars/${id}`, { password: 'taken-over' }],
      ['POST', `/api/calendars/${id}/refresh`],
      ['DELETE', `/api/calendars/${id}?confirm=true`],
    ] as const) {
      const res = await api(stranger, method, url, payload);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().message).toBe('no such calendar');
    }
    expect((await api(stranger, 'GET', '/api/calendars')).json().items).toEqual([]);
    expect(await readAfter(owner, id, null)).toMatchObject({ name: 'Eigenes', status: 'ok' });
    // An ics source takes no CalDAV login, and a CalDAV source no feed address.
    const wrongKind = await api(owner, 'PATCH', `/api/calendars/${id}`, { url: 'https://calendar.example/a.ics' });
    expect(wrongKind.statusCode).toBe(400);
    expect(wrongKind.json().message).toContain('url is for an ics source');
  });
});
