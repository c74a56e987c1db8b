// A CalDAV calendar as the destination castsync writes to (issue 16), against a real Radicale: a booking and an
// option made in castsync appear there as events with castsync's UID (rank and holder in the title), follow edits
// and deletions, and are never imported back as blocks; the user's own events of that calendar still come in, and
// are not written back. An event the user changed in their calendar app is kept and becomes a conflict; keep_ours
// writes ours again. A refused login turns the source needs_reauth and the writes wait for a new password. Another
// calendar picked as the destination takes the events over: the first one is emptied of them.
import type { DAVCalendar } from 'tsdav';
import ICAL from 'ical.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { calendarTargetId } from '../workflows/plumbing.js';
import { useCalDavTestBed, vevent } from './support/calendar-app.js';
import { calendarSourceHelpers } from './support/calendar-source-helpers.js';
import { waitFor, type TestUser } from './support/stack.js';

const PASSWORD = 'app-password-1';

const bed = useCalDavTestBed(PASSWORD);
const { api, source, readAfter, importedEntries, lastRunResult } = calendarSourceHelpers(() => bed.stack);

interface Seen {
  url: string;
  etag: string | undefined;
  uid: string;
  summary: string;
  start: string;
  /** The last day (DTEND is exclusive). */
  end: string;
  status: string | null;
  sequence: number | null;
}

/** The calendar's events as another client sees them. */
async function eventsIn(calendar: DAVCalendar): Promise<Seen[]> {
  // One calendar-query with the data (no multiget after it, which a deletion between the two would fail).
  const objects = await bed.other.fetchCalendarObjects({ calendar, useMultiGet: false });
  return objects.map((object) => {
    const event = new ICAL.Component(ICAL.parse(object.data as string)).getFirstSubcomponent('vevent')!;
    const day = (name: string) => String(event.getFirstPropertyValue(name));
    const end = new Date(`${day('dtend')}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() - 1);
    return {
      url: object.url,
      etag: object.etag,
      uid: String(event.getFirstPropertyValue('uid')),
      summary: String(event.getFirstPropertyValue('summary')),
      start: day('dtstart'),
      end: end.toISOString().slice(0, 10),
      status: (event.getFirstPropertyValue('status') as string | null) ?? null,
      sequence: (event.getFirstPropertyValue('sequence') as number | null) ?? null,
    };
  });
}

const ours = (events: Seen[]) => events.filter((e) => e.uid.endsWith('@castsync')).sort((a, b) => a.start.localeCompare(b.start));

const login = (calendar: DAVCalendar) => ({ serverUrl: bed.radicale.url, username: bed.radicale.username, password: PASSWORD, calendarUrl: calendar.url });

describe('a CalDAV calendar as the destination', () => {
  let user: TestUser;
  let calendar: DAVCalendar;
  let sourceId: string;
  let bookingId: string;
  let optionId: string;

  beforeAll(async () => {
    user = await bed.stack.createUser({ platforms: ['etalenta'] });
    calendar = await bed.newCalendar('Nextcloud');
    await bed.other.createCalendarObject({ calendar, filename: 'urlaub.ics', iCalString: vevent('urlaub@nextcloud', 'Urlaub', '2027-04-01', '2027-04-03') });
    const created = await api(user, 'POST', '/api/calendars', { kind: 'caldav', name: 'Nextcloud', ...login(calendar) });
    expect(created.statusCode, created.body).toBe(201);
    sourceId = created.json().id;
    await waitFor(async () => (await importedEntries(user.id, sourceId)).length === 1, { what: 'the user\'s own event to be imported' });
    const booking = await api(user, 'POST', '/api/availability', { startDate: '2027-04-10', endDate: '2027-04-11', status: 'unavailable', type: 'booking', optionHolder: 'Studio Hamburg' });
    expect(booking.statusCode, booking.body).toBe(201);
    bookingId = booking.json().id;
  });

  it('refuses an ICS feed as the destination, and an unknown field, changing nothing', async () => {
    const feed = await api(user, 'POST', '/api/calendars', { kind: 'ics', name: 'Feed', url: 'http://127.0.0.1:9/feed.ics' });
    expect(feed.statusCode, feed.body).toBe(201);
    const refused = await api(user, 'PATCH', `/api/calendars/${feed.json().id}`, { destination: true });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toMatch(/only a caldav calendar can be written to/);
    expect((await source(user, feed.json().id)).destination).toBe(false);
    const wrongType = await api(user, 'PATCH', `/api/calendars/${sourceId}`, { destination: 'yes' });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().message).toMatch(/destination must be boolean/);
    expect((await source(user, sourceId)).destination).toBe(false);
    expect((await api(user, 'DELETE', `/api/calendars/${feed.json().id}?confirm=true`)).statusCode).toBe(204);
  });

  it('refuses, changing nothing, a calendar the server says is read-only for the account, or one that is gone', async () => {
    const shared = await bed.newCalendar('Agentur (nur lesen)');
    const created = await api(user, 'POST', '/api/calendars', { kind: 'caldav', name: 'Agentur', ...login(shared), serverUrl: bed.proxy.url(bed.radicale.url), calendarUrl: bed.proxy.url(shared.url) });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    // As iCloud or Google show a calendar shared read-only: no write privilege in current-user-privilege-set.
    bed.proxy.rewrite = (_request, body) => body.replace(/<([A-Za-z0-9]+:)?(all|write|write-content|write-properties|bind|unbind)\s*\/>/g, '');
    const readOnly = await api(user, 'PATCH', `/api/calendars/${id}`, { destination: true });
    bed.proxy.rewrite = undefined;
    expect(readOnly.statusCode).toBe(400);
    expect(readOnly.json().message).toMatch(/^"Agentur \(nur lesen\)" on 127\.0\.0\.1:\d+ is read-only for this account: pick a calendar it may write to$/);
    expect((await source(user, id)).destination).toBe(false);

    await bed.other.deleteObject({ url: shared.url });
    const gone = await api(user, 'PATCH', `/api/calendars/${id}`, { destination: true });
    expect(gone.statusCode).toBe(400);
    expect(gone.json().message).toMatch(/^the calendar is no longer among this account's calendars on 127\.0\.0\.1:\d+: pick it again with calendarUrl$/);
    expect((await source(user, id)).destination).toBe(false);
    expect(await bed.stack.db.outboxMessage.count({ where: { userId: user.id, topic: 'sync_targets' } })).toBe(0);
    expect((await api(user, 'DELETE', `/api/calendars/${id}?confirm=true`)).statusCode).toBe(204);
  });

  it('writes castsync\'s bookings and options there once picked, with its UID, and never reads them back', async () => {
    const picked = await api(user, 'PATCH', `/api/calendars/${sourceId}`, { destination: true });
    expect(picked.statusCode, picked.body).toBe(200);
    expect(picked.json()).toMatchObject({ destination: true, status: 'ok' });
    const option = await api(user, 'POST', '/api/availability', { startDate: '2027-04-20', endDate: '2027-04-20', status: 'tentative', type: 'booking', optionHolder: 'UFA Fiction' });
    expect(option.statusCode, option.body).toBe(201);
    optionId = option.json().id;

    const written = await waitFor(async () => {
      const events = ours(await eventsIn(calendar));
      return events.length === 2 ? events : null;
    }, { what: 'the booking and the option in the calendar' });
    expect(written.map(({ uid, start, end, status }) => ({ uid, start, end, status }))).toEqual([
      { uid: `${bookingId}@castsync`, start: '2027-04-10', end: '2027-04-11', status: 'CONFIRMED' },
      { uid: `${optionId}@castsync`, start: '2027-04-20', end: '2027-04-20', status: 'TENTATIVE' },
    ]);
    expect(written[0]!.summary).toContain('Studio Hamburg');
    expect(written[1]!.summary).toMatch(/1\. Option.*UFA Fiction/);
    // The user's own event is not written back as one of ours.
    expect((await eventsIn(calendar)).map((e) => e.uid).sort()).toEqual([`${bookingId}@castsync`, `${optionId}@castsync`, 'urlaub@nextcloud'].sort());

    // Read again: the user's event stays the one import, castsync's two events become no blocks, no conflicts.
    const before = await source(user, sourceId);
    expect((await api(user, 'POST', `/api/calendars/${sourceId}/refresh`)).statusCode).toBe(202);
    await readAfter(user, sourceId, before.lastFetchedAt);
    const imported = await importedEntries(user.id, sourceId);
    expect(imported.map((e) => e.startDate.toISOString().slice(0, 10))).toEqual(['2027-04-01']);
    const read = await lastRunResult(sourceId);
    expect(read).toMatchObject({ status: 'imported', ownEvents: 2 });
    expect(read).not.toHaveProperty('changedOwnEvents');
    expect((await api(user, 'GET', '/api/conflicts')).json().items).toEqual([]);

    // Removing it would leave castsync's events there (its login goes with it): the confirmation says so.
    const unconfirmed = await api(user, 'DELETE', `/api/calendars/${sourceId}`);
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json().message).toContain('the 2 events castsync wrote into it stay there (stop writing to it first to have them removed)');

    // Every write is a sync attempt of the calendar's, in the history like a platform's (once none is running or
    // due: the last one may still be recording what it wrote, and one more may follow it).
    await bed.stack.availabilitySettled(user.id, calendarTargetId(sourceId));
    const history = await api(user, 'GET', `/api/sync/history?platformId=${calendarTargetId(sourceId)}`);
    expect(history.statusCode, history.body).toBe(200);
    const logs = history.json().items as { status: string; operation: string; errorMessage: string | null }[];
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.map((log) => `${log.operation} ${log.status} ${log.errorMessage}`)).toEqual(logs.map(() => 'push_availability success null'));
  });

  it('follows an edit and a deletion made in castsync', async () => {
    const moved = await api(user, 'PATCH', `/api/availability/${bookingId}`, { startDate: '2027-04-12', endDate: '2027-04-13', status: 'unavailable', type: 'booking', optionHolder: 'Studio Hamburg' });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((await api(user, 'DELETE', `/api/availability/${optionId}`)).statusCode).toBe(204);
    const events = await waitFor(async () => {
      const now = ours(await eventsIn(calendar));
      return now.length === 1 && now[0]!.start === '2027-04-12' ? now : null;
    }, { what: 'the calendar to follow the edit and the deletion' });
    expect(events[0]).toMatchObject({ uid: `${bookingId}@castsync`, end: '2027-04-13', sequence: 2 });
  });

  it('keeps an event the user changed in their calendar app, opens a conflict, and writes ours again on keep_ours', async () => {
    await bed.stack.availabilitySettled(user.id, calendarTargetId(sourceId));
    const [mine] = ours(await eventsIn(calendar));
    // The user drags castsync's event one day later in their calendar app.
    const changed = vevent(`${bookingId}@castsync`, 'Gebucht: Studio Hamburg (verschoben)', '2027-04-14', '2027-04-16');
    await bed.other.updateCalendarObject({ calendarObject: { url: mine!.url, etag: mine!.etag, data: changed } });
    // A change in castsync meets it.
    const noted = await api(user, 'PATCH', `/api/availability/${bookingId}`, { startDate: '2027-04-12', endDate: '2027-04-13', status: 'unavailable', type: 'booking', optionHolder: 'Studio Hamburg', note: 'Drehort Altona' });
    expect(noted.statusCode, noted.body).toBe(200);

    const conflict = await waitFor(async () => (await api(user, 'GET', '/api/conflicts')).json().items[0] ?? null, { what: 'the conflict' });
    expect(conflict).toMatchObject({ platformId: calendarTargetId(sourceId), platformName: 'Nextcloud', kind: 'differs', entry: { id: bookingId } });
    expect(conflict.message).toMatch(/was changed in your calendar "Nextcloud" \(now 2027-04-14 to 2027-04-15\)/);
    expect(conflict.theirs).toMatchObject({ startDate: '2027-04-14', endDate: '2027-04-15' });
    // Theirs is kept, and the sync log says why.
    expect(ours(await eventsIn(calendar))[0]).toMatchObject({ start: '2027-04-14', summary: 'Gebucht: Studio Hamburg (verschoben)' });
    const partial = await bed.stack.db.syncLog.findFirst({ where: { userId: user.id, platformId: calendarTargetId(sourceId), status: 'partial' } });
    expect(partial?.errorMessage).toMatch(/changed in your calendar app were left as they are/);

    const resolved = await api(user, 'POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'keep_ours' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    await waitFor(async () => ours(await eventsIn(calendar))[0]?.start === '2027-04-12', { what: 'ours written again' });
    expect(ours(await eventsIn(calendar))).toHaveLength(1);
    // The partial attempt can be retried like a platform's: it finds the calendar in step.
    // (Its own attempt: the write after the resolution may still be closing its row.)
    const retriedAt = new Date();
    const retried = await api(user, 'POST', `/api/sync/retry/${partial!.id}`);
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({ platformId: calendarTargetId(sourceId) });
    const where = { userId: user.id, platformId: calendarTargetId(sourceId), startedAt: { gte: retriedAt }, status: 'success' as const };
    await waitFor(async () => (await bed.stack.db.syncLog.count({ where })) > 0, { what: 'the retried attempt' });
    expect(ours(await eventsIn(calendar)).map((e) => e.start)).toEqual(['2027-04-12']);
  });

  it('notices on its next read an event of castsync\'s deleted in the calendar app, opens a conflict, and writes it again on keep_ours', async () => {
    // The last test's resolution and retry push too: one still to come would meet the deletion before the read does.
    await bed.stack.availabilitySettled(user.id, calendarTargetId(sourceId));
    const [mine] = ours(await eventsIn(calendar));
    await bed.other.deleteCalendarObject({ calendarObject: { url: mine!.url, etag: mine!.etag } });
    const before = await source(user, sourceId);
    expect((await api(user, 'POST', `/api/calendars/${sourceId}/refresh`)).statusCode).toBe(202);
    await readAfter(user, sourceId, before.lastFetchedAt);
    expect(await lastRunResult(sourceId)).toMatchObject({ status: 'imported', ownEvents: 0, changedOwnEvents: 1 });

    const conflict = await waitFor(async () => (await api(user, 'GET', '/api/conflicts')).json().items[0] ?? null, { what: 'the conflict' });
    expect(conflict).toMatchObject({ kind: 'differs', theirs: null, entry: { id: bookingId } });
    expect(conflict.message).toMatch(/was deleted in your calendar "Nextcloud": write it again \(keep_ours\)/);
    expect(ours(await eventsIn(calendar))).toEqual([]);
    const resolved = await api(user, 'POST', `/api/conflicts/${conflict.id}/resolve`, { action: 'keep_ours' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    await waitFor(async () => ours(await eventsIn(calendar))[0]?.start === '2027-04-12', { what: 'ours written again' });
  });

  it('turns needs_reauth when the app password is refused, and writes what waited once a new one is given', async () => {
    await bed.radicale.setPassword('app-password-2');
    try {
      const added = await api(user, 'POST', '/api/availability', { startDate: '2027-05-05', endDate: '2027-05-05', status: 'unavailable', type: 'block' });
      expect(added.statusCode, added.body).toBe(201);
      const failed = await waitFor(async () => {
        const s = await source(user, sourceId);
        return s.status === 'needs_reauth' ? s : null;
      }, { what: 'the refusal on the source' });
      expect(failed.lastError).toMatch(/^writing to the calendar: .*401/);
      expect(failed.lastError).not.toContain('app-password');
      const log = await bed.stack.db.syncLog.findFirst({ where: { userId: user.id, platformId: calendarTargetId(sourceId), status: 'failed' } });
      expect(log?.errorType).toBe('PlatformAuthError');

      const renewed = await api(user, 'PATCH', `/api/calendars/${sourceId}`, { password: 'app-password-2' });
      expect(renewed.statusCode, renewed.body).toBe(200);
      const where = { availabilityId_platformId: { availabilityId: added.json().id as string, platformId: calendarTargetId(sourceId) } };
      await waitFor(async () => (await bed.stack.db.platformAvailabilityState.findUnique({ where }))?.confirmedVersion === 1, { what: 'the waiting entry to be written' });
      expect((await source(user, sourceId)).status).toBe('ok');
    } finally {
      await bed.radicale.setPassword(PASSWORD); // the other client (and the test after this one) log in with it
    }
    expect((await api(user, 'PATCH', `/api/calendars/${sourceId}`, { password: PASSWORD })).statusCode).toBe(200);
    expect(ours(await eventsIn(calendar)).map((e) => e.start)).toEqual(['2027-04-12', '2027-05-05']);
  });

  it('moves castsync\'s events to another calendar picked as the destination, and empties one that stops being it', async () => {
    const second = await bed.newCalendar('iCloud');
    const created = await api(user, 'POST', '/api/calendars', { kind: 'caldav', name: 'iCloud', ...login(second) });
    expect(created.statusCode, created.body).toBe(201);
    const secondId = created.json().id as string;
    const picked = await api(user, 'PATCH', `/api/calendars/${secondId}`, { destination: true });
    expect(picked.statusCode, picked.body).toBe(200);
    expect((await source(user, sourceId)).destination).toBe(false);

    await waitFor(async () => ours(await eventsIn(calendar)).length === 0 && ours(await eventsIn(second)).length === 2, { what: 'the events to move' });
    // The user's own event stays where it is.
    expect((await eventsIn(calendar)).map((e) => e.uid)).toEqual(['urlaub@nextcloud']);

    const off = await api(user, 'PATCH', `/api/calendars/${secondId}`, { destination: false });
    expect(off.statusCode, off.body).toBe(200);
    await waitFor(async () => ours(await eventsIn(second)).length === 0, { what: 'the second calendar to be emptied' });
    expect((await api(user, 'GET', '/api/calendars')).json().items.every((s: { destination: boolean }) => !s.destination)).toBe(true);
  });
});
