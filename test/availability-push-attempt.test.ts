// One availability push attempt, up to the platform's answer. The attempt envelope (activities/attempt.ts) runs the
// push's database reads beside the insert of its sync-log row, but the attempt acts only once the row exists: a push
// whose row cannot be written yet sends nothing to the platform, and a read that fails (the platform is not
// connected) closes the row as failed and gives the lease back. A push that will list and write takes both
// requests from the account quota at once (adapters/prepaid-requests.ts) and gives back the write it did not send;
// a forced one that finds the platform in step takes only the list. Real PostgreSQL and the e-TALENTA simulator; the activity runs in Temporal's
// MockActivityEnvironment.
import pg from 'pg';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAvailabilityPushActivities } from '../activities/availability-push.js';
import { ErrorType } from '../adapters/error-types.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(async () => {
  await stack?.stop();
});

function push(userId: string, force = false) {
  const { pushAvailability } = createAvailabilityPushActivities(stack.db, stack.config);
  return new MockActivityEnvironment().run(pushAvailability, { userId, platformId: 'etalenta', force });
}

/** The requests taken from the user's e-TALENTA account quota, take by take. */
async function quotaTakes(userId: string): Promise<number[]> {
  const connection = await stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId, platformId: 'etalenta' } } });
  const uses = await stack.db.quotaUse.findMany({ where: { connectionId: connection.id }, orderBy: { usedAt: 'asc' } });
  return uses.map((use) => use.requests);
}

async function blockedDay(userId: string, day: string) {
  return stack.db.availability.create({ data: { userId, startDate: new Date(day), endDate: new Date(day), status: 'unavailable', type: 'block' } });
}

describe('an availability push attempt', () => {
  it('sends nothing to the platform until the attempt’s sync-log row is written', async () => {
    const user = await stack.createUser();
    const entry = await blockedDay(user.id, '2027-03-01');
    const etalenta = stack.simulators.etalenta!;
    const before = etalenta.apiRequests().length;

    // Another session holds a lock that makes every insert into SyncLog wait.
    const blocker = new pg.Client({ connectionString: stack.config.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE "SyncLog" IN EXCLUSIVE MODE');
      const pushing = push(user.id);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(etalenta.apiRequests().length - before).toBe(0);
      await blocker.query('COMMIT');
      await expect(pushing).resolves.toMatchObject({ status: 'success', itemsProcessed: 1 });
    } finally {
      await blocker.end();
    }

    expect(etalenta.calendar(user.apiKeys.etalenta!).map((e) => e.clientRef)).toEqual([entry.id]);
    const [row] = await stack.db.syncLog.findMany({ where: { userId: user.id, platformId: 'etalenta' } });
    expect(row).toMatchObject({ status: 'success', operation: 'push_availability', itemsProcessed: 1 });
    const firstRequest = etalenta.apiRequests().slice(before)[0]!;
    expect(row!.startedAt.getTime()).toBeLessThanOrEqual(firstRequest.at);
  });

  it('takes the list and the batch from the account quota at once, and only the list when the platform is in step', async () => {
    const user = await stack.createUser();
    await blockedDay(user.id, '2027-03-03');
    const etalenta = stack.simulators.etalenta!;
    const sent = () => etalenta.apiRequests().filter((r) => r.apiKey === user.apiKeys.etalenta).length;

    await expect(push(user.id)).resolves.toMatchObject({ status: 'success', itemsProcessed: 1, requests: 2 });
    expect(sent()).toBe(2);
    expect(await quotaTakes(user.id)).toEqual([2]);

    // Known to be in step: nothing is sent and nothing taken.
    await expect(push(user.id)).resolves.toMatchObject({ status: 'success', itemsProcessed: 0, requests: 0 });
    expect(sent()).toBe(2);
    // A forced comparison (manual sync) lists the platform, finds it in step and writes nothing: one request, one taken.
    await expect(push(user.id, true)).resolves.toMatchObject({ status: 'success', itemsProcessed: 0, requests: 1 });
    expect(sent()).toBe(3);
    expect(await quotaTakes(user.id)).toEqual([2, 1]);

    // castsync's record lost (it expects to write), but the platform holds the entry: the unsent write is given back.
    await stack.db.platformAvailabilityState.deleteMany({ where: { userId: user.id } });
    await expect(push(user.id)).resolves.toMatchObject({ status: 'success', requests: 1 });
    expect(sent()).toBe(4);
    expect(await quotaTakes(user.id)).toEqual([2, 1, 1]);

    // The list fails: the write it never sent is given back too.
    await blockedDay(user.id, '2027-03-04');
    etalenta.faults = { failNext: { count: 1, status: 503 } };
    await expect(push(user.id)).rejects.toMatchObject({ type: ErrorType.server });
    expect(sent()).toBe(5);
    expect(await quotaTakes(user.id)).toEqual([2, 1, 1, 1]);
  });

  it('closes the row as failed when a read fails, and gives the lease back', async () => {
    const user = await stack.createUser({ platforms: [] });
    await blockedDay(user.id, '2027-03-02');

    const failure = await push(user.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: ErrorType.notConnected, nonRetryable: true, message: 'e-TALENTA is not connected' });
    const rows = await stack.db.syncLog.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'failed', errorType: ErrorType.notConnected, errorMessage: 'e-TALENTA is not connected' });
    expect(rows[0]!.finishedAt).not.toBeNull();

    // Connected now: the next attempt takes the lease at once and pushes.
    const apiKey = 'key_attempt_envelope_second';
    stack.simulators.etalenta!.addAccount(apiKey);
    await stack.connect(user.id, 'etalenta', { apiKey });
    await expect(push(user.id)).resolves.toMatchObject({ status: 'success', itemsProcessed: 1 });
    expect(stack.simulators.etalenta!.calendar(apiKey)).toHaveLength(1);
  });
});
