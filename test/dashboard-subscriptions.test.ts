// The dashboard's calendar subscriptions in real Chromium (Debian's): subscribing to a feed served locally shows the
// source with its host only, its state and how many entries it brought; a refused address says why; a changed rule
// turns the days into travel days; removing asks first, says how many entries go, and takes them away. A CalDAV
// calendar (a real Radicale) is added with its server, account and app password: a refused password says so; picked
// as the destination, castsync's booking appears in it, and stopping removes it. Rules
// are added and removed in the form, and the API stores them in the form's order.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarApp } from './support/calendar-app.js';
import { openDashboard, signInWithToken, type Dashboard } from './support/dashboard.js';
import { startFeedServer, type FeedServer } from './support/feed-server.js';
import { startRadicale } from './support/radicale.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const GOOGLE = readFileSync(new URL('./fixtures/calendars/google-export.ics', import.meta.url), 'utf8');
let stack: Stack;
let feeds: FeedServer;
let dashboard: Dashboard;
let user: TestUser;

beforeAll(async () => {
  feeds = await startFeedServer();
  stack = await startStack({ restPlatforms: ['etalenta'], env: { CASTSYNC_CALENDAR_HTTP_HOSTS: '127.0.0.1', CASTSYNC_CALENDAR_REFRESH_MINUTES: '10080' } });
  dashboard = await openDashboard(stack);
  user = await stack.createUser({ platforms: ['etalenta'] });
});
afterAll(async () => {
  await dashboard?.browser.close();
  await stack?.stop();
  await feeds?.stop();
});

describe('calendar subscriptions in the dashboard', () => {
  it('subscribes, shows the host and the entries but never the address, and removes after asking', async () => {
    const { page, base } = dashboard;
    feeds.set('/calendar/ical/secret-dash-4e1b/basic.ics', { kind: 'calendar', text: GOOGLE });
    await signInWithToken(page, base, user.token);
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    await page.getByRole('heading', { name: 'Calendar subscriptions', level: 2 }).waitFor();
    await page.getByText('No calendar subscriptions yet.').waitFor();

    const form = page.getByRole('form', { name: 'Subscribe to a calendar' });
    await form.getByLabel('Name').fill('Google privat');
    await form.getByLabel('Address of the calendar (ICS)').fill('http://calendar.example/secret-bad/x.ics');
    await form.getByRole('button', { name: 'Subscribe' }).click();
    await form.getByText('url is http://calendar.example: only https:// calendar feeds are allowed').waitFor();
    expect(await stack.db.calendarSource.count({ where: { userId: user.id } })).toBe(0);

    await form.getByLabel('Address of the calendar (ICS)').fill(`${feeds.url}/calendar/ical/secret-dash-4e1b/basic.ics`);
    await form.getByLabel('Which events').selectOption('word');
    await form.getByLabel('Word').fill('Probe');
    await form.getByRole('button', { name: 'Subscribe' }).click();
    const card = page.getByRole('article', { name: 'Google privat' });
    await card.getByText(`From ${feeds.host} · 6 entries in your calendar`).waitFor();
    await card.getByText('events with “Probe” in the title → blocked days').waitFor();
    expect(await card.locator('.badge').textContent()).toBe('ok');
    expect(await page.content()).not.toContain('secret-dash-4e1b');
    await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).length === 6, { what: 'the rehearsals on e-TALENTA' });

    // The rule changes: the same days become travel days, here and on e-TALENTA.
    await card.getByRole('button', { name: 'Change…' }).click();
    const edit = card.getByRole('form', { name: 'Change “Google privat”' });
    await edit.getByLabel('Become').selectOption('travel');
    await edit.getByRole('button', { name: 'Save' }).click();
    await card.getByText('events with “Probe” in the title → travel days').waitFor();
    await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).filter((e) => e.category === 'travel').length === 6, { what: 'travel days on e-TALENTA' });

    await card.getByRole('button', { name: 'Remove…' }).click();
    await card.getByRole('alert').getByText('also removes the 6 entries it brought into your calendar, from every platform').waitFor();
    expect(await stack.db.calendarSource.count({ where: { userId: user.id } })).toBe(1);
    await card.getByRole('button', { name: 'Remove “Google privat” and its entries' }).click();
    await page.getByText('No calendar subscriptions yet.').waitFor();
    await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).length === 0, { what: 'e-TALENTA to drop them' });
  });

  it('adds a CalDAV calendar with server, account and app password; a refused password says so and stores nothing', async () => {
    const { page } = dashboard;
    const radicale = await startRadicale();
    try {
      const { client: other, newCalendar } = await calendarApp(radicale);
      const calendar = await newCalendar('Drehs');
      const event = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:dreh@nextcloud', 'DTSTAMP:20261201T090000Z', 'DTSTART;VALUE=DATE:20270504', 'DTEND;VALUE=DATE:20270505', 'SUMMARY:Dreh', 'END:VEVENT', 'END:VCALENDAR', ''];
      await other.createCalendarObject({ calendar, filename: 'dreh.ics', iCalString: event.join('\r\n') });

      const form = page.getByRole('form', { name: 'Subscribe to a calendar' });
      await form.getByLabel('Kind of calendar').selectOption('caldav');
      await form.getByLabel('Name', { exact: true }).fill('Nextcloud');
      await form.getByLabel('CalDAV server').fill(radicale.url);
      await form.getByLabel('Account (user)').fill(radicale.username);
      await form.getByLabel('App password', { exact: true }).fill('wrong-app-password');
      await form.getByRole('button', { name: 'Subscribe' }).click();
      await form.getByText(/^the login was refused: CalDAV server at 127\.0\.0\.1:\d+ refused the credentials/).waitFor();
      expect(await stack.db.calendarSource.count({ where: { userId: user.id } })).toBe(0);

      await form.getByLabel('App password', { exact: true }).fill(radicale.password);
      await form.getByRole('button', { name: 'Subscribe' }).click();
      const card = page.getByRole('article', { name: 'Nextcloud' });
      await card.getByText(`From ${new URL(radicale.url).host} · 1 entry in your calendar`).waitFor();
      expect(await card.locator('.badge').textContent()).toBe('ok');
      expect(await page.content()).not.toContain(radicale.password);
      await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).some((e) => e.from === '2027-05-04'), { what: 'the CalDAV day on e-TALENTA' });

      // Picked as the destination: castsync's own entries are written there.
      await card.getByText('castsync only reads this calendar.').waitFor();
      await card.getByRole('button', { name: 'Write castsync’s entries here' }).click();
      await page.getByRole('article', { name: 'Nextcloud' }).getByText('castsync writes your bookings, options and blocked days into this calendar.').waitFor();
      const sources = (await stack.app.inject({ method: 'GET', url: '/api/calendars', headers: user.auth })).json() as { items: { name: string; destination: boolean }[] };
      expect(sources.items.find((s) => s.name === 'Nextcloud')?.destination).toBe(true);
      const booking = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-05-20', endDate: '2027-05-20', status: 'unavailable', type: 'booking', optionHolder: 'Bavaria' } });
      expect(booking.statusCode, booking.body).toBe(201);
      await waitFor(async () => (await other.fetchCalendarObjects({ calendar, useMultiGet: false })).some((o) => String(o.data).includes(`${booking.json().id}@castsync`)), { what: 'the booking in the calendar' });
      await page.getByRole('article', { name: 'Nextcloud' }).getByRole('button', { name: 'Stop writing here' }).click();
      await waitFor(async () => !(await other.fetchCalendarObjects({ calendar, useMultiGet: false })).some((o) => String(o.data).includes('@castsync')), { what: 'castsync\'s events to be removed' });
    } finally {
      await radicale.stop();
    }
  });

  it('subscribes with several rules, added and removed in the form, stored in their order', async () => {
    const { page } = dashboard;
    feeds.set('/calendar/ical/secret-rules-9c2d/basic.ics', { kind: 'calendar', text: GOOGLE });
    const form = page.getByRole('form', { name: 'Subscribe to a calendar' });
    await form.getByText('Rules are tried in order: the first rule an event matches decides what it becomes.').waitFor();
    await form.getByLabel('Name', { exact: true }).fill('Google mit Regeln');
    await form.getByLabel('Address of the calendar (ICS)').fill(`${feeds.url}/calendar/ical/secret-rules-9c2d/basic.ics`);
    const rule = (n: number) => form.getByRole('group', { name: `Rule ${n}` });
    // The only rule cannot be removed.
    expect(await form.getByRole('button', { name: /^Remove rule/ }).count()).toBe(0);
    await rule(1).getByLabel('Which events').selectOption('word');
    await rule(1).getByLabel('Word').fill('Probe');
    await rule(1).getByLabel('Become').selectOption('travel');
    await form.getByRole('button', { name: 'Add a rule' }).click();
    await rule(2).getByLabel('Which events').selectOption('category');
    await rule(2).getByLabel('Category').fill('Arbeit');
    await rule(2).getByLabel('Become').selectOption('booking');
    await form.getByRole('button', { name: 'Add a rule' }).click();
    await rule(3).getByLabel('Become').selectOption('block');
    // The middle one goes; the last moves up and is now rule 2.
    await rule(2).getByRole('button', { name: 'Remove rule 2' }).click();
    expect(await form.getByRole('group', { name: /^Rule \d/ }).count()).toBe(2);
    expect(await rule(2).getByLabel('Which events').inputValue()).toBe('all');
    await form.getByRole('button', { name: 'Subscribe' }).click();

    const card = page.getByRole('article', { name: 'Google mit Regeln' });
    await card.getByText(/entries in your calendar/).waitFor();
    expect(await card.locator('ul > li').allTextContents()).toEqual(['events with “Probe” in the title → travel days', 'every event → blocked days']);
    const { items } = (await stack.app.inject({ method: 'GET', url: '/api/calendars', headers: user.auth })).json() as { items: { name: string; rules: unknown }[] };
    expect(items.find((source) => source.name === 'Google mit Regeln')?.rules).toEqual([{ word: 'Probe', kind: 'travel' }, { kind: 'block' }]);
    // First match decides: the rehearsals are travel days, not blocks, on e-TALENTA.
    await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).filter((e) => e.category === 'travel').length === 6, { what: 'the rehearsals as travel days' });
    // The form is ready for the next subscription: one rule again.
    expect(await form.getByRole('group', { name: /^Rule \d/ }).count()).toBe(1);
  });
});
