// The dashboard's platforms page in real Chromium keeps its cards live with one status request per interval
// (GET /api/sync/status), not one request per platform, and asks nothing while the page is hidden.
import type { Browser, Page, Request } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDashboard, signInWithToken } from './support/dashboard.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let user: TestUser;
let browser: Browser;
let page: Page;
let base: string;
/** Every request the page made to the API, as "METHOD /path". */
const requests: string[] = [];

beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'] });
  user = await stack.createUser({ platforms: ['etalenta', 'agentur-connection'] });
  ({ browser, page, base } = await openDashboard(stack));
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) requests.push(`${request.method()} ${url.pathname}`);
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const card = (platformId: string) => page.locator(`[data-platform="${platformId}"]`);
const STATUS = 'GET /api/sync/status';
const statusPolls = (since: number) => requests.slice(since).filter((r) => r === STATUS).length;

/** Sets what document.visibilityState says and tells the page, as switching tabs does. */
const setVisibility = (state: 'visible' | 'hidden') =>
  page.evaluate(
    `Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' }); document.dispatchEvent(new Event('visibilitychange'))`,
  );

describe('the platforms page', () => {
  it('polls one status request per interval while a sync runs, never one per platform', async () => {
    await signInWithToken(page, base, user.token);
    await card('etalenta').locator('.badge', { hasText: 'connected' }).waitFor();
    await card('agentur-connection').locator('.badge', { hasText: 'connected' }).waitFor();

    const since = requests.length;
    await card('etalenta').getByRole('button', { name: 'Sync now' }).click();
    await page.locator('#notice').getByText('Syncing e-TALENTA…').waitFor();
    // After a change the page polls often (every 2 s for a while): wait for four of its polls.
    await waitFor(() => statusPolls(since) >= 4, { what: 'four status polls after Sync now', timeoutMs: 30_000 });

    const seen = requests.slice(since);
    expect(seen.filter((r) => r.startsWith('GET /api/sync/status/')), 'per-platform status requests').toEqual([]);
    expect(seen.filter((r) => r === 'GET /api/platforms'), 'platform list requests').toEqual([]);
    // Besides the status polls: the manual sync itself and the shell's outbox banner, nothing else.
    expect(new Set(seen)).toEqual(new Set([STATUS, 'POST /api/sync/availability/etalenta', 'GET /api/sync/outbox']));
    await card('etalenta').locator('.badge', { hasText: 'in sync' }).waitFor();
  });

  it('asks nothing while the page is hidden (its status nor its outbox banner), and asks at once when it is shown again', async () => {
    const clicked = requests.length;
    await card('agentur-connection').getByRole('button', { name: 'Sync now' }).click();
    await page.locator('#notice').getByText('Syncing Agentur Connection…').waitFor();
    await waitFor(() => statusPolls(clicked) >= 1, { what: 'a status poll after Sync now' });
    await setVisibility('hidden');
    const hiddenAt = requests.length;
    // Longer than two status intervals (2 s) and two of the outbox banner's (3 s): neither asks while hidden.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect(requests.slice(hiddenAt), 'requests while hidden').toEqual([]);

    const shown = (path: string) => page.waitForRequest((request) => new URL(request.url()).pathname === path);
    const status = shown('/api/sync/status');
    const outbox = shown('/api/sync/outbox');
    await setVisibility('visible');
    await Promise.all([status, outbox]);
  });
});
