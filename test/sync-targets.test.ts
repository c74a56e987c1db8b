// The platforms a sync round pushes to are held in the workflow's state (SYNC_LOOP_FEATURES.targetsHeld): a change
// costs no database read in its workflow task, and every change of a connection that changes them (settings,
// disconnect, connect, needs_reauth) makes the running workflows list them again. Real Temporal, PostgreSQL and
// REST simulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'] });
});
afterAll(async () => {
  await stack?.stop();
});

const held = (user: TestUser, platformId: 'etalenta' | 'agentur-connection') => stack.simulators[platformId]!.calendar(user.apiKeys[platformId]!).length;

async function block(user: TestUser, day: string) {
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });
  expect(res.statusCode, res.body).toBe(201);
}

async function historyOf(user: TestUser, data = 'availability') {
  return (await stack.temporal.workflow.getHandle(`${data}-sync-${user.id}`).fetchHistory()).events ?? [];
}

const listings = (events: Awaited<ReturnType<typeof historyOf>>) => events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length;

describe('platforms held by the sync workflow', () => {
  it('lists them at the first change only, and lists them again after a settings change, which then takes effect', async () => {
    const user = await stack.createUser();
    await block(user, '2027-05-01');
    await waitFor(() => held(user, 'etalenta') === 1 && held(user, 'agentur-connection') === 1, { what: 'the first push to both' });
    await block(user, '2027-05-02');
    await waitFor(() => held(user, 'etalenta') === 2 && held(user, 'agentur-connection') === 2, { what: 'the second push to both' });
    const afterTwo = await historyOf(user);
    expect(listings(afterTwo)).toBe(1);
    // No idle timer started and cancelled per round: one timer for the idle period.
    expect(afterTwo.filter((e) => e.timerStartedEventAttributes).length).toBe(1);
    expect(afterTwo.filter((e) => e.timerCanceledEventAttributes).length).toBe(0);

    const off = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/agentur-connection', headers: user.auth, payload: { autoSync: false } });
    expect(off.statusCode, off.body).toBe(200);
    await stack.outboxDelivered(user.id);
    await block(user, '2027-05-03');
    await waitFor(() => held(user, 'etalenta') === 3, { what: 'the third push to e-TALENTA' });
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, platformId: 'etalenta', status: 'success' } })) === 3, { what: 'its sync-log row' });
    expect(held(user, 'agentur-connection')).toBe(2); // auto-sync off: left out
    expect(listings(await historyOf(user))).toBe(2);

    const on = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/agentur-connection', headers: user.auth, payload: { autoSync: true } });
    expect(on.statusCode, on.body).toBe(200);
    await stack.outboxDelivered(user.id);
    await block(user, '2027-05-04');
    await waitFor(() => held(user, 'etalenta') === 4 && held(user, 'agentur-connection') === 4, { what: 'both again, with what auto-sync missed' });
  });

  it('stops pushing to a platform disconnected while the workflow runs', async () => {
    const user = await stack.createUser();
    await block(user, '2027-06-01');
    await waitFor(() => held(user, 'etalenta') === 1 && held(user, 'agentur-connection') === 1, { what: 'the first push to both' });
    const gone = await stack.app.inject({ method: 'DELETE', url: '/api/platforms/agentur-connection', headers: user.auth });
    expect(gone.statusCode).toBe(204);
    await stack.outboxDelivered(user.id);
    await block(user, '2027-06-02');
    await waitFor(() => held(user, 'etalenta') === 2, { what: 'the push to e-TALENTA' });
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, platformId: 'etalenta', status: 'success' } })) === 2, { what: 'its sync-log row' });
    expect(await stack.db.syncLog.count({ where: { userId: user.id, platformId: 'agentur-connection' } })).toBe(1);
  });

  it('leaves a platform whose key was revoked out of the other workflows too, once the push marked it needs_reauth', async () => {
    const user = await stack.createUser();
    const profile = await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 180 } } });
    expect(profile.statusCode, profile.body).toBe(200);
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, operation: 'update_profile', status: 'success' } })) === 2, { what: 'the profile on both' });

    const revoked = await fetch(`${stack.simulators['agentur-connection']!.url}/_sim/accounts/${user.apiKeys['agentur-connection']}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    await block(user, '2027-07-01');
    await waitFor(async () => (await stack.db.platformConnection.findFirst({ where: { userId: user.id, platformId: 'agentur-connection' } }))?.status === 'needs_reauth', { what: 'needs_reauth' });
    expect(await stack.db.outboxMessage.count({ where: { userId: user.id, topic: 'sync_targets' } })).toBe(1);
    await stack.outboxDelivered(user.id);

    // The profile workflow held both platforms; the signal made it list them again, without the revoked one.
    const again = await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 181 } } });
    expect(again.statusCode, again.body).toBe(200);
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, operation: 'update_profile', status: 'success' } })) === 3, { what: 'the second profile push' });
    await new Promise((r) => setTimeout(r, 300)); // a wrong push would have started by now
    expect(await stack.db.syncLog.count({ where: { userId: user.id, operation: 'update_profile', platformId: 'agentur-connection' } })).toBe(1);
    expect(listings(await historyOf(user, 'profile'))).toBe(2);
  });
});
