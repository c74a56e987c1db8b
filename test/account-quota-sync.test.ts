// An account's published request quota, kept by castsync itself (lib/request-quotas.ts), end to end on the real
// Temporal server, PostgreSQL and the e-TALENTA simulator enforcing the same quota with 429s: once castsync has spent
// the quota, the next push waits for it instead of provoking a 429; the status says which quota it waits for and
// until when (the dashboard too), the connection is not marked failing, and the push goes through when the quota has
// room again.
import type { Browser } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorType } from '../adapters/error-types.js';
import { openDashboard, signInWithToken } from './support/dashboard.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const QUOTA = { requests: 4, perSeconds: 20 };

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  stack = await startStack({
    restPlatforms: ['etalenta'],
    simulatorQuotas: { etalenta: QUOTA },
    env: {
      CASTSYNC_ACCOUNT_QUOTA_ETALENTA: `${QUOTA.requests}/${QUOTA.perSeconds}`,
      CASTSYNC_QUOTA_HEADROOM: '0',
      // Any wait for the quota ends the attempt, so the test sees the waiting attempt and the status.
      CASTSYNC_QUOTA_INLINE_WAIT_MS: '200',
    },
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The dashboard's e-TALENTA card as the user sees it, in real Chromium: its badge and its message. */
async function dashboardCard(user: TestUser) {
  const dashboard = await openDashboard(stack);
  browser = dashboard.browser;
  const { page, base } = dashboard;
  await signInWithToken(page, base, user.token);
  const card = page.locator('[data-platform="etalenta"]');
  await card.locator('.badge.syncing').waitFor({ timeout: 10_000 });
  const seen = { badge: await card.locator('.badge').textContent(), message: await card.locator('p.error').first().textContent() };
  await page.close();
  return seen;
}

const block = (user: TestUser, day: string) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });

const status = async (user: TestUser) => (await stack.app.inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: user.auth })).json();

describe("an account's request quota", () => {
  it('is kept by castsync: a push waits for it, the status says so, and nothing provokes a 429', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    const initial = await status(user);
    expect(initial.quota).toEqual({ requests: 4, perSeconds: 20, usable: 4, used: 0, waitingUntil: null });

    // Block one day after another, each once the one before reached the platform, until a push waits for the quota.
    let days = 0;
    let waiting: { errorMessage: string | null } | null = null;
    while (!waiting) {
      expect(days, 'a push should have waited for the quota by now').toBeLessThan(6);
      days += 1;
      expect((await block(user, `2027-10-${String(days).padStart(2, '0')}`)).statusCode).toBe(201);
      const seen = await waitFor(
        async () => {
          const row = await stack.db.syncLog.findFirst({ where: { userId: user.id, errorType: ErrorType.quotaWait } });
          if (row) return { waiting: row };
          return sim.calendar(user.apiKeys.etalenta!).length === days ? { waiting: null } : null;
        },
        { what: `day ${days} on the platform, or a push waiting for the quota` },
      );
      waiting = seen.waiting;
    }
    expect(waiting.errorMessage).toMatch(
      /^waiting for e-TALENTA's account quota \(4 requests per 20 s\): castsync has spent it and sends nothing more until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC \(in \d+ s\); next attempt in \d+ s$/,
    );

    const now = await status(user);
    expect(now.quota.used).toBe(4);
    expect(Date.parse(now.quota.waitingUntil)).toBeGreaterThan(Date.now() - 1000);
    // castsync pacing itself is no trouble of the connection.
    expect(now.connectionStatus).toBe('ok');
    // The dashboard says so in words.
    const seen = await dashboardCard(user);
    expect(seen.badge).toBe('waiting for quota');
    expect(seen.message).toMatch(/^the account's quota \(4 requests per 20 s\) is spent; castsync sends again at /);

    // The push goes through once the quota has room, and the platform never had to refuse a request.
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === days, { what: 'every blocked day on the platform', timeoutMs: 40_000 });
    expect(sim.requests.filter((r) => r.apiKey === user.apiKeys.etalenta && r.status === 429)).toEqual([]);
    const after = await waitFor(async () => {
      const s = await status(user);
      return s.sync?.state === 'synced' ? s : null;
    }, { what: 'the platform synced', timeoutMs: 20_000 });
    expect(after.connectionStatus).toBe('ok');
  });
});
