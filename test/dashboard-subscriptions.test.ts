// The dashboard's calendar subscriptions in real Chromium (Debian's): subscribing to a feed served locally shows the
// source with its host only, its state and how many entries it brought; a refused address says why; a changed rule
// turns the days into travel days; removing asks first, says how many entries go, and takes them away.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard, signInWithToken, type Dashboard } from './support/dashboard.js';
import { startFeedServer, type FeedServer } from './support/feed-server.js';
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
});
