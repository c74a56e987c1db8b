// The ICS feed: parsed with ical.js, it has every live entry as an all-day event with the brief's statuses; its
// secret works only while it is current (rotated or revoked: 404), and it never shows another user's entries.
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(() => stack?.stop());

const api = (user: TestUser, method: 'POST' | 'DELETE', url: string, payload?: object) =>
  stack.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

async function newFeed(user: TestUser): Promise<{ token: string; url: string }> {
  const res = await api(user, 'POST', '/api/availability/ics-token');
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const fetchFeed = (url: string) => stack.app.inject({ method: 'GET', url: url.replace(/^https?:\/\/[^/]+/, '') });

function events(body: string) {
  const calendar = new ICAL.Component(ICAL.parse(body));
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      start: event.startDate.toString(),
      end: event.endDate.toString(),
      allDay: event.startDate.isDate,
      status: vevent.getFirstPropertyValue('status'),
      transp: vevent.getFirstPropertyValue('transp'),
      fbtype: vevent.getFirstPropertyValue('x-castsync-fbtype'),
      summary: event.summary,
      sequence: event.sequence,
    };
  });
}

describe('ICS feed', () => {
  it('serves every live entry as an all-day event: options TENTATIVE, bookings CONFIRMED, blocked days busy-unavailable', async () => {
    const user = await stack.createUser({ platforms: [] });
    const create = async (payload: object) => (await api(user, 'POST', '/api/availability', payload)).json();
    const option = await create({ startDate: '2027-03-01', endDate: '2027-03-02', status: 'tentative', type: 'booking', optionHolder: 'Tatort' });
    const booking = await create({ startDate: '2027-03-10', endDate: '2027-03-10', status: 'unavailable', type: 'booking', optionHolder: 'UFA' });
    const block = await create({ startDate: '2027-03-20', endDate: '2027-03-22', status: 'unavailable', type: 'block' });
    const gone = await create({ startDate: '2027-04-01', endDate: '2027-04-01', status: 'unavailable', type: 'block' });
    await api(user, 'DELETE', `/api/availability/${gone.id}`);
    const { token, url } = await newFeed(user);
    expect(url).toBe(`${stack.config.publicUrl}/api/availability.ics?token=${encodeURIComponent(token)}`);

    const res = await fetchFeed(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(events(res.body)).toEqual([
      { uid: `${option.id}@castsync`, start: '2027-03-01', end: '2027-03-03', allDay: true, status: 'TENTATIVE', transp: 'OPAQUE', fbtype: 'BUSY-TENTATIVE', summary: 'Test Actor: 1. Option für Tatort', sequence: 1 },
      { uid: `${booking.id}@castsync`, start: '2027-03-10', end: '2027-03-11', allDay: true, status: 'CONFIRMED', transp: 'OPAQUE', fbtype: 'BUSY', summary: 'Test Actor: Festbuchung für UFA', sequence: 1 },
      { uid: `${block.id}@castsync`, start: '2027-03-20', end: '2027-03-23', allDay: true, status: 'CONFIRMED', transp: 'OPAQUE', fbtype: 'BUSY-UNAVAILABLE', summary: 'Test Actor: Sperrtage (nicht verfügbar)', sequence: 1 },
    ]);
    expect(res.body).toContain('X-MICROSOFT-CDO-BUSYSTATUS:OOF');
  });

  it('stops answering an old URL once the token is rotated, and any URL once it is revoked', async () => {
    const user = await stack.createUser({ platforms: [] });
    const first = await newFeed(user);
    const second = await newFeed(user);
    expect(second.token).not.toBe(first.token);
    expect((await fetchFeed(first.url)).statusCode).toBe(404);
    expect((await fetchFeed(second.url)).statusCode).toBe(200);
    const stored = await stack.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.icsTokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(second.token);

    expect((await api(user, 'DELETE', '/api/availability/ics-token')).statusCode).toBe(204);
    const revoked = await fetchFeed(second.url);
    expect(revoked.statusCode).toBe(404);
    expect(revoked.json().message).toBe('unknown or revoked feed token');
    expect((await stack.db.user.findUniqueOrThrow({ where: { id: user.id } })).icsTokenHash).toBeNull();
  });

  it('answers 404 for a wrong token, 400 without one, and needs the bearer token to make one', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/api/availability.ics?token=csfeed_wrong' })).statusCode).toBe(404);
    expect((await stack.app.inject({ method: 'GET', url: '/api/availability.ics' })).statusCode).toBe(400);
    expect((await stack.app.inject({ method: 'POST', url: '/api/availability/ics-token' })).statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'DELETE', url: '/api/availability/ics-token' })).statusCode).toBe(401);
  });

  it("never shows another user's entries", async () => {
    const alice = await stack.createUser({ platforms: [] });
    const bob = await stack.createUser({ platforms: [] });
    const mine = (await api(alice, 'POST', '/api/availability', { startDate: '2027-05-01', endDate: '2027-05-01', status: 'unavailable', type: 'block' })).json();
    const theirs = (await api(bob, 'POST', '/api/availability', { startDate: '2027-05-02', endDate: '2027-05-02', status: 'unavailable', type: 'block' })).json();
    const aliceFeed = events((await fetchFeed((await newFeed(alice)).url)).body);
    const bobFeed = events((await fetchFeed((await newFeed(bob)).url)).body);
    expect(aliceFeed.map((e) => e.uid)).toEqual([`${mine.id}@castsync`]);
    expect(bobFeed.map((e) => e.uid)).toEqual([`${theirs.id}@castsync`]);
  });

  it('writes the first and last day castsync takes so that a parser reads them back (DTEND the day after)', async () => {
    const user = await stack.createUser({ platforms: [] });
    const edge = async (day: string) => (await api(user, 'POST', '/api/availability', { startDate: day, endDate: day, status: 'unavailable', type: 'block' })).json();
    const first = await edge('1900-01-01');
    const last = await edge('9999-12-30');
    const feed = events((await fetchFeed((await newFeed(user)).url)).body);
    expect(feed.map(({ uid, start, end, allDay }) => ({ uid, start, end, allDay }))).toEqual([
      { uid: `${first.id}@castsync`, start: '1900-01-01', end: '1900-01-02', allDay: true },
      { uid: `${last.id}@castsync`, start: '9999-12-30', end: '9999-12-31', allDay: true },
    ]);
  });

  it('escapes text and drops the control characters RFC 5545 forbids (text pulled from a platform may carry them)', async () => {
    const user = await stack.createUser({ platforms: [] });
    const note = 'Drehort: Berlin; Studio 3, Halle \\B\nAnreise\tam Vortag';
    const created = await api(user, 'POST', '/api/availability', { startDate: '2027-06-01', endDate: '2027-06-01', status: 'tentative', type: 'booking', optionHolder: 'UFA, Fiction; Serie', note });
    expect(created.statusCode, created.body).toBe(201);
    await stack.db.availability.create({
      data: { userId: user.id, startDate: new Date('2027-06-05'), endDate: new Date('2027-06-05'), status: 'unavailable', type: 'block', source: 'etalenta', note: 'vom\u0007 Portal\u001b[0m\u007f' },
    });
    const body = (await fetchFeed((await newFeed(user)).url)).body;
    expect(body.replace(/\r\n/g, '')).not.toMatch(/[\u0000-\u0008\u000A-\u001F\u007F]/);
    const calendar = new ICAL.Component(ICAL.parse(body));
    const descriptions = calendar.getAllSubcomponents('vevent').map((vevent) => new ICAL.Event(vevent).description);
    expect(descriptions).toEqual([note, 'vom Portal[0m']);
    expect(events(body)[0]!.summary).toBe('Test Actor: 1. Option für UFA, Fiction; Serie');
  });
});
