// A real 429 from the e-TALENTA simulator, end to end: the sync-log row and the connection's status say how long
// castsync waits and why, and Temporal schedules the next attempt after that wait (adapters/retry-delay.ts), capped
// by the catalog however long the platform asks for. Assertions are on recorded values and their order, not on speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_RETRY_WAIT_MS } from '../adapters/retry-delay.js';
import { availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta'] });
});
afterAll(() => stack?.stop());

const block = (user: TestUser, day: string) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });

const attempts = (userId: string) => stack.db.syncLog.findMany({ where: { userId }, orderBy: { startedAt: 'asc' } });

const millis = (ts: { seconds?: unknown; nanos?: number | null } | null | undefined) => Number(ts?.seconds ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);

describe('a 429 from a platform', () => {
  it("caps a day-long Retry-After at the catalog's maximum, says so in the log and the status, and Temporal waits that long", async () => {
    const user = await stack.createUser();
    stack.simulators.etalenta!.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 100_000 } };
    await block(user, '2027-09-01');
    const expected = 'e-TALENTA rate limit reached (429): asked to wait 1 d 3 h (Retry-After: 100000); capped at 5 min: next attempt in 5 min';
    const row = await waitFor(async () => (await attempts(user.id)).find((r) => r.status === 'failed'), { what: 'the failed attempt' });
    expect(row).toMatchObject({ attempt: 1, errorType: 'PlatformRateLimitedError', errorMessage: expected });
    const connection = await waitFor(async () => {
      const found = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } });
      return found.status === 'failing' ? found : null;
    }, { what: 'the connection to be marked failing' });
    expect(connection.statusMessage).toBe(expected);

    // Temporal holds the push with its next attempt scheduled the capped wait after the failed one ended.
    const handle = stack.temporal.workflow.getHandle(availabilitySyncWorkflowId(user.id));
    const pending = await waitFor(
      async () => (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'pushAvailability' && a.attempt === 2) ?? null,
      { what: 'the push waiting for its second attempt' },
    );
    // (Its message is encrypted by the payload codec: the row above holds it in clear.)
    expect(pending.lastFailure?.applicationFailureInfo?.type).toBe('PlatformRateLimitedError');
    const scheduledAfter = millis(pending.nextAttemptScheduleTime) - millis(pending.lastAttemptCompleteTime);
    expect(scheduledAfter).toBeGreaterThanOrEqual(DEFAULT_MAX_RETRY_WAIT_MS - 1000);
    expect(scheduledAfter).toBeLessThanOrEqual(DEFAULT_MAX_RETRY_WAIT_MS + 1000);
    expect(await attempts(user.id)).toHaveLength(1);
    await handle.terminate('test done: the capped wait is recorded; sitting it out proves nothing more');
  });

  it('honours a RateLimit-Reset timestamp without Retry-After (as Filmmakers sends it): the next attempt starts at the reset', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = { rateLimitNext: { count: 1, retryAfterSeconds: 3, resetAs: 'timestamp' } };
    await block(user, '2027-09-02');
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the push after the 429', timeoutMs: 30_000 });
    const rows = await waitFor(async () => {
      const all = await attempts(user.id);
      return all.at(-1)?.status === 'success' ? all : null;
    }, { what: 'the success row' });
    expect(rows.map((r) => [r.attempt, r.status])).toEqual([[1, 'failed'], [2, 'success']]);
    const message = rows[0]!.errorMessage ?? '';
    const named = /^e-TALENTA rate limit reached \(429\): asked to wait until (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d UTC \(RateLimit-Reset: (\d+)\); next attempt in ([1-4]) s$/.exec(message);
    expect(named, message).not.toBeNull();
    // The reset is a whole second; the retry is scheduled for it, so the next attempt starts no earlier (one
    // machine, one clock; lower bound only: a busy machine only adds to it).
    const resetAt = Number(named![1]) * 1000;
    expect(rows[1]!.startedAt.getTime()).toBeGreaterThanOrEqual(resetAt - 100);
    expect(rows[0]!.finishedAt!.getTime()).toBeLessThan(resetAt);
  });
});
