// Back in step after trouble: a connection that leaves needs_reauth (reconnected, or a later push succeeds) is
// compared in full at once, so changes made while it was left out reach it; "synced" only when the platform
// confirmed every entry; and the periodic reconcile (a Temporal Schedule per connection) repairs a change made on
// the platform behind our back. Real dev server, real PostgreSQL, the e-TALENTA simulator.
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToOutbox } from '../lib/outbox.js';
import { reconcileScheduleId } from '../workflows/plumbing.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const HOUR_MS = 3_600_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta'] });
});
afterAll(() => stack?.stop());

const sim = () => stack.simulators.etalenta!;
const days = (user: TestUser) => sim().calendar(user.apiKeys.etalenta!).map((e) => e.from);

async function block(user: TestUser, day: string): Promise<string> {
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

const status = async (user: TestUser) => (await stack.app.inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: user.auth })).json();
const connectionStatus = async (user: TestUser) => (await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } })).status;
const pushes = (user: TestUser) => stack.db.syncLog.count({ where: { userId: user.id, platformId: 'etalenta' } });

/** The key is revoked on the platform; the next push fails and the connection needs re-authorization. */
async function revoke(user: TestUser, day: string) {
  sim().accounts.get(user.apiKeys.etalenta!)!.revoked = true;
  await block(user, day);
  await waitFor(async () => (await connectionStatus(user)) === 'needs_reauth', { what: 'needs_reauth' });
}

describe('back in step after needs_reauth', () => {
  it('pushes the changes made while the connection needed re-authorization once it is reconnected', async () => {
    const user = await stack.createUser();
    const first = await block(user, '2027-11-01');
    await waitFor(() => days(user).length === 1, { what: 'the first push' });
    await revoke(user, '2027-11-02');
    const reauth = await status(user);
    expect(reauth).toMatchObject({ connectionStatus: 'needs_reauth', pendingEntries: 1 });
    expect(reauth.sync.state).not.toBe('synced');

    // Changes while it needs re-authorization: rounds leave it out (no pushes against a key it refuses).
    const before = await pushes(user);
    await block(user, '2027-11-03');
    expect((await stack.app.inject({ method: 'DELETE', url: `/api/availability/${first}`, headers: user.auth })).statusCode).toBe(204);
    const profile = await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 181 } } });
    expect(profile.statusCode, profile.body).toBe(200);
    await stack.outboxDelivered(user.id);
    expect(days(user)).toEqual(['2027-11-01']);
    expect(await pushes(user)).toBe(before);
    expect(await status(user)).toMatchObject({ pendingEntries: 3 }); // two new entries, one deletion

    // Reconnected: everything it missed reaches it, and only then is it "synced".
    sim().accounts.get(user.apiKeys.etalenta!)!.revoked = false;
    const connect = await stack.app.inject({ method: 'POST', url: '/api/platforms/etalenta/connect', headers: user.auth, payload: { apiKey: user.apiKeys.etalenta } });
    expect(connect.statusCode, connect.body).toBe(201);
    await waitFor(() => days(user).join() === '2027-11-02,2027-11-03', { what: 'the missed changes on the platform' });
    await waitFor(() => sim().profiles.of(user.apiKeys.etalenta!).heightCm === 181, { what: 'the missed profile edit' });
    const synced = await waitFor(async () => {
      const s = await status(user);
      return s.sync?.state === 'synced' ? s : null;
    }, { what: 'the synced state' });
    expect(synced).toMatchObject({ connectionStatus: 'ok', pendingEntries: 0 });
  });

  it('compares in full when a later push succeeds, so what the left-out rounds carried is not lost', async () => {
    const user = await stack.createUser();
    await block(user, '2027-11-10');
    await waitFor(() => days(user).length === 1, { what: 'the first push' });
    await revoke(user, '2027-11-11');
    // A profile edit while it needs re-authorization: the profile round leaves it out.
    const profile = await stack.app.inject({ method: 'PATCH', url: '/api/profile', headers: user.auth, payload: { fields: { heightCm: 177 } } });
    expect(profile.statusCode, profile.body).toBe(200);
    await stack.outboxDelivered(user.id);
    expect(sim().profiles.of(user.apiKeys.etalenta!).heightCm ?? null).toBeNull();

    // The key works again and the failed availability push is retried: it succeeds and lifts needs_reauth, and the
    // same transaction asks for a full comparison, which carries the profile edit too.
    sim().accounts.get(user.apiKeys.etalenta!)!.revoked = false;
    const failed = await stack.db.syncLog.findFirstOrThrow({ where: { userId: user.id, status: 'failed' } });
    expect((await stack.app.inject({ method: 'POST', url: `/api/sync/retry/${failed.id}`, headers: user.auth })).statusCode).toBe(202);
    await waitFor(() => sim().profiles.of(user.apiKeys.etalenta!).heightCm === 177, { what: 'the profile edit after the recovery' });
    expect(days(user)).toEqual(['2027-11-10', '2027-11-11']);
    expect(await connectionStatus(user)).toBe('ok');
  });
});

describe('periodic reconcile', () => {
  it('has a schedule per connection, at the catalog interval, removed with auto-sync off', async () => {
    const user = await stack.createUser();
    await stack.db.$transaction((tx) => addToOutbox(tx, user.id, [{ topic: 'pull_schedule', platformId: 'etalenta' }]));
    await stack.outboxDelivered(user.id);
    const handle = stack.temporal.schedule.getHandle(reconcileScheduleId(user.id, 'etalenta'));
    const described = await handle.describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 24 * HOUR_MS })]);
    expect(described.action).toMatchObject({ workflowType: 'reconcileWorkflow', args: [{ userId: user.id, platformId: 'etalenta' }] });

    const off = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/etalenta', headers: user.auth, payload: { autoSync: false } });
    expect(off.statusCode, off.body).toBe(200);
    await stack.outboxDelivered(user.id);
    await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('repairs a change made on the platform behind our back', async () => {
    const user = await stack.createUser();
    await block(user, '2027-12-01');
    await block(user, '2027-12-02');
    await waitFor(() => days(user).length === 2, { what: 'both entries on the platform' });
    await stack.db.$transaction((tx) => addToOutbox(tx, user.id, [{ topic: 'pull_schedule', platformId: 'etalenta' }]));
    await stack.outboxDelivered(user.id);

    // Someone deletes an entry and edits another on the platform's own site; we are not told.
    const account = sim().accounts.get(user.apiKeys.etalenta!)!;
    const [gone, edited] = sim().calendar(user.apiKeys.etalenta!);
    account.entries.delete(gone!.id);
    account.entries.get(edited!.id)!.state = 'available';
    expect(days(user)).toEqual(['2027-12-02']);
    // A change of ours alone would not see it: the platform confirmed these versions.
    expect(await status(user)).toMatchObject({ pendingEntries: 0 });

    const handle = stack.temporal.schedule.getHandle(reconcileScheduleId(user.id, 'etalenta'));
    await handle.trigger();
    const run = await waitFor(async () => (await handle.describe()).info.recentActions[0], { what: 'the reconcile run' });
    const result = await stack.temporal.workflow.getHandle(run.action.workflow.workflowId, run.action.workflow.firstExecutionRunId).result();
    expect(result).toEqual({ requested: ['availability'], skipped: null });
    await waitFor(() => days(user).join() === '2027-12-01,2027-12-02', { what: 'the deleted entry back' });
    await waitFor(() => sim().calendar(user.apiKeys.etalenta!).every((e) => e.state === 'unavailable'), { what: 'the edited entry repaired' });
  });

  it('skips a connection that needs re-authorization (reconnecting compares in full anyway)', async () => {
    const user = await stack.createUser();
    await stack.db.$transaction((tx) => addToOutbox(tx, user.id, [{ topic: 'pull_schedule', platformId: 'etalenta' }]));
    await stack.outboxDelivered(user.id);
    await stack.db.platformConnection.updateMany({ where: { userId: user.id }, data: { status: 'needs_reauth' } });
    const handle = stack.temporal.schedule.getHandle(reconcileScheduleId(user.id, 'etalenta'));
    await handle.trigger();
    const run = await waitFor(async () => (await handle.describe()).info.recentActions[0], { what: 'the reconcile run' });
    const result = await stack.temporal.workflow.getHandle(run.action.workflow.workflowId, run.action.workflow.firstExecutionRunId).result();
    expect(result).toEqual({ requested: [], skipped: 'needs re-authorization' });
    expect(await stack.db.outboxMessage.count({ where: { userId: user.id, topic: 'sync' } })).toBe(0);
  });
});
