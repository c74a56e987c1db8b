// A platform that stays down longer than its retry window is not given up: the sync workflow keeps it due and
// pushes it again after a growing re-drive interval, on a durable timer, until it answers. On the real
// time-skipping test server (the 30-minute REST retry window and the re-drive timers pass without real sleeps)
// against the e-TALENTA simulator answering 503.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOW_TASK_QUEUE, syncWorkflowId, syncSignals } from '../workflows/plumbing.js';
import { parseDay } from '../lib/days.js';
import { buildStack, quietRuntime, waitFor, type Stack, type TestUser } from './support/stack-core.js';
import { startTimeSkippingEnv } from './support/time-skipping.js';

const MINUTE = 60_000;
const REDRIVE_INITIAL_MS = 10 * MINUTE;
const REDRIVE_MAX_MS = 40 * MINUTE;

let env: TestWorkflowEnvironment;
let stack: Stack;

beforeAll(async () => {
  quietRuntime();
  env = await startTimeSkippingEnv();
  stack = await buildStack(
    {
      restPlatforms: ['etalenta'],
      env: { CASTSYNC_REDRIVE_INITIAL_MS: String(REDRIVE_INITIAL_MS), CASTSYNC_REDRIVE_MAX_MS: String(REDRIVE_MAX_MS), CASTSYNC_SYNC_COALESCE_MS: '0' },
    },
    { databaseUrl: inject('databaseUrl'), temporalAddress: env.address, workflowBundlePath: inject('workflowBundlePath'), payloadKeys: inject('payloadKeys') },
  );
});

afterAll(async () => {
  await stack?.stop();
  await env?.teardown();
});

const block = (user: TestUser, day: string) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });

const status = async (user: TestUser) => (await stack.app.inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: user.auth })).json();
const attempts = (userId: string) => stack.db.syncLog.count({ where: { userId, operation: 'push_availability' } });

/** Down past the REST retry window (30 minutes of retries): the status shows the re-drive. */
async function outlastRetryWindow(user: TestUser) {
  const sim = stack.simulators.etalenta!;
  sim.faults = { failNext: { count: 1_000_000, status: 503 } };
  expect((await block(user, '2027-10-01')).statusCode).toBe(201);
  await waitFor(async () => (await attempts(user.id)) > 0, { what: 'the first failed attempt' });
  await env.sleep(31 * MINUTE);
  return waitFor(async () => {
    const s = await status(user);
    return s.sync?.redrive ? s : null;
  }, { what: 'the re-drive in the status' });
}

describe('re-drive after the retry window', () => {
  it('pushes a platform that was down longer than its retry window again within one re-drive interval after it recovers', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    const failed = await outlastRetryWindow(user);
    expect(failed).toMatchObject({
      connectionStatus: 'failing',
      sync: { state: 'failed', lastErrorType: 'PlatformServerError', redrive: { failedProbes: 0, intervalMs: REDRIVE_INITIAL_MS } },
      pendingEntries: 1,
    });
    const windowAttempts = await attempts(user.id);
    expect(windowAttempts).toBeGreaterThan(10); // Temporal's retries, 1 s doubling to 30 s, for 30 minutes

    // Still down at the first re-drive: one request, and the next wait doubles.
    await env.sleep(Date.parse(failed.sync.redrive.nextAttemptAt) - (await env.currentTimeMs()) + 1000);
    const probed = await waitFor(async () => {
      const s = await status(user);
      return s.sync?.redrive?.failedProbes === 1 ? s : null;
    }, { what: 'the failed probe' });
    expect(probed.sync).toMatchObject({ state: 'failed', redrive: { failedProbes: 1, intervalMs: 2 * REDRIVE_INITIAL_MS } });
    expect(await attempts(user.id)).toBe(windowAttempts + 1);
    console.log(`re-drive: ${windowAttempts} attempts in the 30-minute retry window, then 1 per re-drive interval`);

    // A change made while the platform waits is carried by the next re-drive (it pushes the current state).
    expect((await block(user, '2027-10-02')).statusCode).toBe(201);
    await stack.outboxDelivered(user.id);
    expect(sim.calendar(user.apiKeys.etalenta!)).toEqual([]);

    // The platform recovers; the next re-drive (at most one interval later) brings it back in step.
    sim.faults = {};
    const recoveredAt = await env.currentTimeMs();
    const nextAttemptAt = Date.parse(probed.sync.redrive.nextAttemptAt);
    expect(nextAttemptAt - recoveredAt).toBeLessThanOrEqual(2 * REDRIVE_INITIAL_MS);
    await env.sleep(nextAttemptAt - recoveredAt + 1000);
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 2, { what: 'both entries on the platform after the re-drive' });
    const synced = await waitFor(async () => {
      const s = await status(user);
      return s.sync?.state === 'synced' && s.connectionStatus === 'ok' ? s : null;
    }, { what: 'the synced state' });
    expect(synced).toMatchObject({ pendingEntries: 0, sync: { redrive: null, lastError: null } });
    expect(sim.calendar(user.apiKeys.etalenta!).map((e) => e.from)).toEqual(['2027-10-01', '2027-10-02']);
  });

  it('ends the wait at once on a manual sync', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    const failed = await outlastRetryWindow(user);
    sim.faults = {};
    const before = await env.currentTimeMs();
    const manual = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/etalenta', headers: user.auth });
    expect(manual.statusCode, manual.body).toBe(202);
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the manual push' });
    expect(await env.currentTimeMs()).toBeLessThan(Date.parse(failed.sync.redrive.nextAttemptAt));
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(before);
    await waitFor(async () => (await status(user)).sync?.redrive === null, { what: 'the re-drive cleared' });
  });

  it('does not re-drive a platform that refused our credentials: that waits for the user', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = {};
    sim.accounts.get(user.apiKeys.etalenta!)!.revoked = true;
    expect((await block(user, '2027-10-05')).statusCode).toBe(201);
    const failed = await waitFor(async () => {
      const s = await status(user);
      return s.sync?.state === 'failed' ? s : null;
    }, { what: 'the failed state' });
    expect(failed).toMatchObject({ connectionStatus: 'needs_reauth', sync: { lastErrorType: 'PlatformAuthError', redrive: null } });
    await env.sleep(2 * REDRIVE_MAX_MS);
    expect(await attempts(user.id)).toBe(1);
  });

  it('carries a waiting re-drive across continue-as-new, and the next run pushes when it is due', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = { failNext: { count: 1_000_000, status: 503 } };
    const day = async (d: string) => stack.db.availability.create({ data: { userId: user.id, startDate: parseDay(d)!, endDate: parseDay(d)!, status: 'unavailable', type: 'block' } });
    // Started here with a round limit of 2, so the second change makes the run continue as new.
    const input = { userId: user.id, coalesceMs: 0, roundsBeforeContinueAsNew: 2, redrive: { initialMs: REDRIVE_INITIAL_MS, maxMs: REDRIVE_MAX_MS } };
    const signal = (request: object) =>
      stack.temporal.workflow.signalWithStart('availabilitySyncWorkflow', {
        workflowId: syncWorkflowId('availability', user.id),
        taskQueue: WORKFLOW_TASK_QUEUE,
        args: [input],
        signal: syncSignals.availability.requested,
        signalArgs: [request],
      });
    await day('2027-10-20');
    const first = await signal({});
    await waitFor(async () => (await attempts(user.id)) > 0, { what: 'the first failed attempt' });
    await env.sleep(31 * MINUTE);
    await waitFor(async () => (await status(user)).sync?.redrive, { what: 'the re-drive' });

    await day('2027-10-21');
    await signal({});
    const handle = stack.temporal.workflow.getHandle(first.workflowId);
    await waitFor(async () => (await handle.describe()).runId !== first.signaledRunId, { what: 'continue-as-new' });
    const carried = await waitFor(async () => (await status(user)).sync?.redrive, { what: 'the re-drive in the new run' });
    expect(carried).toMatchObject({ failedProbes: 0, intervalMs: REDRIVE_INITIAL_MS });

    sim.faults = {};
    await env.sleep(Date.parse(carried.nextAttemptAt) - (await env.currentTimeMs()) + 1000);
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 2, { what: 'both entries after the carried re-drive' });
  });

  it('pushes at once on a manual sync that is the round continuing as new, not after the carried wait', async () => {
    const user = await stack.createUser();
    const sim = stack.simulators.etalenta!;
    sim.faults = { failNext: { count: 1_000_000, status: 503 } };
    await stack.db.availability.create({ data: { userId: user.id, startDate: parseDay('2027-10-25')!, endDate: parseDay('2027-10-25')!, status: 'unavailable', type: 'block' } });
    const input = { userId: user.id, coalesceMs: 0, roundsBeforeContinueAsNew: 2, redrive: { initialMs: REDRIVE_INITIAL_MS, maxMs: REDRIVE_MAX_MS } };
    const signal = (request: object) =>
      stack.temporal.workflow.signalWithStart('availabilitySyncWorkflow', {
        workflowId: syncWorkflowId('availability', user.id),
        taskQueue: WORKFLOW_TASK_QUEUE,
        args: [input],
        signal: syncSignals.availability.requested,
        signalArgs: [request],
      });
    const first = await signal({});
    await waitFor(async () => (await attempts(user.id)) > 0, { what: 'the first failed attempt' });
    await env.sleep(31 * MINUTE);
    await waitFor(async () => (await status(user)).sync?.redrive, { what: 'the re-drive' });

    sim.faults = {};
    await signal({ manual: true, platformIds: ['etalenta'] }); // round 2: the run continues as new
    const handle = stack.temporal.workflow.getHandle(first.workflowId);
    await waitFor(async () => (await handle.describe()).runId !== first.signaledRunId, { what: 'continue-as-new' });
    // No time skipped: the push comes from the manual sync, not from the re-drive timer.
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'the manual push in the new run' });
  });
});
