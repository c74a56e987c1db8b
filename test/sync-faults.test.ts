// Platform faults end the way the retry policies say: outages and 429s are retried (honouring Retry-After) until
// the push succeeds, a revoked key fails once without retries and says so in the log and the status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta'] });
});
afterAll(() => stack?.stop());

const block = (user: { auth: Record<string, string> }, day: string) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });

const attempts = (userId: string) => stack.db.syncLog.findMany({ where: { userId }, orderBy: { startedAt: 'asc' } });

describe('platform faults', () => {
  it('retries through an outage (503s) and succeeds, logging every attempt', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = { failNext: { count: 3, status: 503 } };
    await block(user, '2027-08-01');
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the push after the outage', timeoutMs: 30_000 });
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'the success row' });
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'success'],
    ]);
    expect(rows[0]!.errorMessage).toBe('e-TALENTA failed with 503: service unavailable');
    expect(rows[0]!.errorType).toBe('PlatformServerError');
    // Backoff from the REST policy: at least 1 s, then 2 s, then 4 s between attempts (lower bounds only: a busy
    // machine adds to every gap, and a ratio of gaps then says nothing).
    const gaps = rows.slice(1).map((r, i) => r.startedAt.getTime() - rows[i]!.startedAt.getTime());
    expect(gaps.map((gap, i) => gap >= 1000 * 2 ** i - 100)).toEqual([true, true, true]);
    const connection = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });
    expect(connection.status).toBe('ok');
  });

  it("waits for the platform's Retry-After on a 429 instead of the policy's backoff", async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 4 } };
    await block(user, '2027-08-02');
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the push after the 429', timeoutMs: 30_000 });
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'the success row' });
    expect(rows.map((r) => r.status)).toEqual(['failed', 'success']);
    expect(rows[0]!.errorMessage).toBe('e-TALENTA rate limit reached (429): asked to wait 4 s (Retry-After: 4); next attempt in 4 s');
    const gap = rows[1]!.startedAt.getTime() - rows[0]!.startedAt.getTime();
    console.log(`429 with Retry-After: 4 -> next attempt after ${gap} ms (policy's first backoff is 1000 ms)`);
    expect(gap).toBeGreaterThanOrEqual(3900);
  });

  it('fails a revoked key once, without retries, and says so in the log and the status', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = {};
    sim.accounts.get(user.apiKeys.etalenta!)!.revoked = true;
    await block(user, '2027-08-03');
    const status = await waitFor(async () => {
      const res = await stack.app.inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: user.auth });
      return res.json().sync?.state === 'failed' ? res.json() : null;
    }, { what: 'the failed state' });
    expect(status).toMatchObject({
      connectionStatus: 'needs_reauth',
      statusMessage: 'e-TALENTA rejected our credentials (401: API key revoked); reconnect the platform',
      sync: { state: 'failed', lastErrorType: 'PlatformAuthError' },
      lastAttempt: { status: 'failed', attempt: 1 },
    });
    await new Promise((r) => setTimeout(r, 2500)); // longer than the first retry interval
    const rows = await attempts(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', errorType: 'PlatformAuthError', errorMessage: expect.stringContaining('API key revoked') });

    // Further changes do not hammer a platform that needs re-authorization; a manual retry still may.
    await block(user, '2027-08-04');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await attempts(user.id)).toHaveLength(1);
    sim.accounts.get(user.apiKeys.etalenta!)!.revoked = false;
    const retry = await stack.app.inject({ method: 'POST', url: `/api/sync/retry/${rows[0]!.id}`, headers: user.auth });
    expect(retry.statusCode, retry.body).toBe(202);
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 2, { what: 'the retried push' });
    const after = await waitFor(async () => {
      const row = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id } });
      return row.status === 'ok' ? row : null;
    }, { what: 'the connection to recover' });
    expect(after.statusMessage).toBeNull();
  });

  it('counts a network failure (platform down) as retryable', async () => {
    const user = await stack.createUser();
    await stack.stopWorkers();
    const config = stack.config;
    const realUrl = config.platformUrls.etalenta!;
    config.platformUrls.etalenta = 'http://127.0.0.1:9'; // discard port: connection refused
    try {
      await stack.startWorkers();
      await block(user, '2027-08-05');
      const row = await waitFor(async () => (await attempts(user.id)).find((r) => r.status === 'failed'), { what: 'a failed attempt' });
      expect(row.errorType).toBe('PlatformNetworkError');
      expect(row.errorMessage).toMatch(/^e-TALENTA could not be reached: ECONNREFUSED/);
      await stack.stopWorkers();
    } finally {
      config.platformUrls.etalenta = realUrl;
    }
    await stack.startWorkers();
    await waitFor(() => stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the push once the platform is back' });
  });
});
