// Scheduled pulls on the real stack: connecting a platform that can be read creates its Temporal Schedule, settings
// change it, disconnecting removes it; triggering it runs a pull end to end (no waiting for the interval), which
// imports platform-made bookings, opens conflicts by the seed's rules, and asks for the pushes that follow.
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullAvailabilityResult } from '../activities/availability-pull.js';
import { WORKFLOW_TASK_QUEUE, pullScheduleId } from '../workflows/plumbing.js';
import type { SimEntry } from '../simulators/etalenta/server.js';
import { OAuthPlatformSimulator } from '../simulators/oauth/server.js';
import { ensurePullSchedule } from '../lib/pull-schedules.js';
import { spreadSeconds } from '../lib/connection-schedule.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let jobwork: OAuthPlatformSimulator;
beforeAll(async () => {
  jobwork = new OAuthPlatformSimulator({ name: 'jobwork', displayName: 'JobWork' });
  await jobwork.start();
  stack = await startStack({
    restPlatforms: ['etalenta', 'agentur-connection'],
    workerPlatforms: ['etalenta', 'agentur-connection', 'jobwork'],
    env: { CASTSYNC_PLATFORM_URL_JOBWORK: jobwork.url },
  });
});
afterAll(async () => {
  await stack?.stop();
  await jobwork?.stop();
});

const MINUTE_MS = 60_000;

/** Connects a REST platform through the API, as a user would. */
async function connect(user: TestUser, platformId: string) {
  const apiKey = `key_${randomBytes(12).toString('hex')}`;
  stack.simulators[platformId]!.addAccount(apiKey);
  const res = await stack.app.inject({ method: 'POST', url: `/api/platforms/${platformId}/connect`, headers: user.auth, payload: { apiKey } });
  expect(res.statusCode, res.body).toBe(201);
  user.apiKeys[platformId] = apiKey;
}

/** A user connected to e-TALENTA (pulled) and Agentur Connection (push only), with the first pushes done. */
async function connectedUser(): Promise<TestUser> {
  const user = await stack.createUser({ platforms: [] });
  await connect(user, 'etalenta');
  await connect(user, 'agentur-connection');
  await settled(user);
  return user;
}

const schedule = (user: TestUser, platformId = 'etalenta') => stack.temporal.schedule.getHandle(pullScheduleId(user.id, platformId));

/** Every connected platform had its first push and no sync attempt of the user is still running. */
const settled = (user: TestUser) =>
  waitFor(async () => {
    const [pending, connections, platformsLogged] = await Promise.all([
      stack.db.syncLog.count({ where: { userId: user.id, status: 'pending' } }),
      stack.db.platformConnection.count({ where: { userId: user.id, connected: true } }),
      stack.db.syncLog.groupBy({ by: ['platformId'], where: { userId: user.id } }),
    ]);
    return pending === 0 && platformsLogged.length >= connections;
  }, { what: 'sync attempts to finish' });

/** Triggers the schedule now and answers the pull workflow's result. */
async function pullNow(user: TestUser, platformId = 'etalenta'): Promise<PullAvailabilityResult> {
  const handle = schedule(user, platformId);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const action = await waitFor(async () => (await handle.describe()).info.recentActions[before], { what: 'the schedule to start the pull' });
  return stack.temporal.workflow.getHandle(action.action.workflow.workflowId).result();
}

function platformEntry(user: TestUser, id: string, fields: Partial<SimEntry>): SimEntry {
  const entry: SimEntry = { id, clientRef: null, from: '2027-08-01', to: '2027-08-03', state: 'unavailable', category: 'booking', optionRank: null, holder: 'Tatort', note: null, updatedAt: new Date().toISOString(), ...fields };
  stack.simulators.etalenta!.accounts.get(user.apiKeys.etalenta!)!.entries.set(id, entry);
  return entry;
}

async function addOurs(user: TestUser, payload: Record<string, unknown>): Promise<{ id: string }> {
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const confirmedOn = (availabilityId: string, platformId = 'etalenta') =>
  waitFor(() => stack.db.platformAvailabilityState.findFirst({ where: { availabilityId, platformId, confirmedVersion: { not: null } } }), { what: `${availabilityId} confirmed on ${platformId}` });

const conflictsOf = (user: TestUser) => stack.db.conflict.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'asc' } });

describe('pull schedules', () => {
  it('exist after connect with the catalog interval and SKIP, follow PATCH, and go with DELETE', async () => {
    const user = await connectedUser();
    const described = await schedule(user).describe();
    expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 60 * MINUTE_MS })]);
    // At the connection's own second of the hour (lib/connection-schedule.ts), so users' pulls are spread over it.
    const offset = (described.spec.intervals as { offset: number }[])[0]?.offset;
    expect(offset).toBe(spreadSeconds(`availabilityPullWorkflow/${user.id}/etalenta`, 3600) * 1000);
    expect(described.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'availabilityPullWorkflow', taskQueue: WORKFLOW_TASK_QUEUE, args: [{ userId: user.id, platformId: 'etalenta' }] });
    // The platform's kind (its retry policy) travels in the input: the workflow never reads the catalog.
    expect(described.action.type === 'startWorkflow' && described.action.args).toEqual([{ userId: user.id, platformId: 'etalenta', kind: 'rest' }]);
    expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([['CastsyncUserId', user.id], ['CastsyncPlatforms', ['etalenta']]]),
    );
    // Agentur Connection cannot be read: no schedule.
    await expect(schedule(user, 'agentur-connection').describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

    const patch = async (payload: object) => {
      const answer = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/etalenta', headers: user.auth, payload });
      await stack.outboxDelivered(user.id);
      return answer;
    };
    expect((await patch({ pullIntervalMinutes: 15 })).statusCode).toBe(200);
    expect((await schedule(user).describe()).spec.intervals).toEqual([expect.objectContaining({ every: 15 * MINUTE_MS })]);
    // Creating again with the same or a new interval leaves one schedule with the new spec.
    await ensurePullSchedule(stack.temporal, { userId: user.id, platformId: 'etalenta', intervalMinutes: 15 });
    await ensurePullSchedule(stack.temporal, { userId: user.id, platformId: 'etalenta', intervalMinutes: 30 });
    const again = await schedule(user).describe();
    expect(again.spec.intervals).toEqual([expect.objectContaining({ every: 30 * MINUTE_MS })]);
    expect(again.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);

    expect((await patch({ autoSync: false })).statusCode).toBe(200);
    await expect(schedule(user).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await patch({ autoSync: true })).statusCode).toBe(200);
    expect((await schedule(user).describe()).spec.intervals).toEqual([expect.objectContaining({ every: 15 * MINUTE_MS })]);

    expect((await stack.app.inject({ method: 'DELETE', url: '/api/platforms/etalenta', headers: user.auth })).statusCode).toBe(204);
    await stack.outboxDelivered(user.id);
    await expect(schedule(user).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });
});

describe('scheduled pull', () => {
  it('writes only a success sync-log row when nothing is new', async () => {
    const user = await connectedUser();
    const ours = await addOurs(user, { startDate: '2027-02-01', endDate: '2027-02-02', status: 'unavailable', type: 'block' });
    await confirmedOn(ours.id);
    await settled(user);
    const connectionBefore = await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } });
    const logsBefore = await stack.db.syncLog.count({ where: { userId: user.id } });

    expect(await pullNow(user)).toEqual({ status: 'success', pulled: 1, imported: 0, conflictsOpened: 0, pushRequested: false });

    const pulls = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'pull_availability' } });
    expect(pulls).toEqual([expect.objectContaining({ platformId: 'etalenta', status: 'success', itemsProcessed: 0, attempt: 1 })]);
    expect(pulls[0]!.workflowId).toMatch(new RegExp(`^availability-pull-${user.id}-etalenta`));
    expect(await stack.db.syncLog.count({ where: { userId: user.id } })).toBe(logsBefore + 1);
    expect(await conflictsOf(user)).toEqual([]);
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(1);
    expect(await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } })).toEqual(connectionBefore);
  });

  it('imports a booking made on the platform, opens one platform_booking conflict, and hands it to the other platform; once', async () => {
    const user = await connectedUser();
    platformEntry(user, 'et_web_1', { from: '2027-08-01', to: '2027-08-03', holder: 'Tatort' });

    expect(await pullNow(user)).toEqual({ status: 'success', pulled: 1, imported: 1, conflictsOpened: 1, pushRequested: true });
    const imported = await stack.db.availability.findMany({ where: { userId: user.id } });
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({ source: 'etalenta', status: 'unavailable', type: 'booking', optionHolder: 'Tatort', version: 1 });
    // (The push to Agentur Connection the pull asked for may already have confirmed it there too.)
    expect(await stack.db.platformAvailabilityState.findMany({ where: { availabilityId: imported[0]!.id, platformId: 'etalenta' } })).toEqual([
      expect.objectContaining({ externalId: 'et_web_1', confirmedVersion: 1 }),
    ]);
    const conflicts = await conflictsOf(user);
    expect(conflicts).toEqual([
      expect.objectContaining({ kind: 'platform_booking', status: 'open', platformId: 'etalenta', availabilityId: imported[0]!.id, externalId: 'et_web_1', ours: null }),
    ]);
    expect(conflicts[0]!.theirs).toMatchObject({ externalId: 'et_web_1', ourId: null, startDate: '2027-08-01', endDate: '2027-08-03' });
    expect(conflicts[0]!.message).toMatch(/e-TALENTA.*confirm it or change it/);

    // The other platform gets it; e-TALENTA keeps its own entry and no copy of ours.
    await waitFor(() => stack.simulators['agentur-connection']!.calendar(user.apiKeys['agentur-connection']!).length === 1, { what: 'the import on Agentur Connection' });
    expect(stack.simulators['agentur-connection']!.calendar(user.apiKeys['agentur-connection']!)[0]).toMatchObject({ clientRef: imported[0]!.id, from: '2027-08-01', to: '2027-08-03', holder: 'Tatort' });
    await settled(user);
    expect(stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!).map((e) => e.id)).toEqual(['et_web_1']);

    expect(await pullNow(user)).toEqual({ status: 'success', pulled: 1, imported: 0, conflictsOpened: 0, pushRequested: false });
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(1);
    expect(await stack.db.conflict.count({ where: { userId: user.id } })).toBe(1);
  });

  it('opens differs for an entry changed and one deleted on the platform, and the next push puts ours back', async () => {
    const user = await connectedUser();
    const sim = stack.simulators.etalenta!;
    const changed = await addOurs(user, { startDate: '2027-05-01', endDate: '2027-05-02', status: 'tentative', type: 'booking', optionRank: 1, optionHolder: 'Soko' });
    const deleted = await addOurs(user, { startDate: '2027-05-10', endDate: '2027-05-10', status: 'unavailable', type: 'block' });
    await confirmedOn(changed.id);
    await confirmedOn(deleted.id);
    await settled(user);
    const entries = sim.accounts.get(user.apiKeys.etalenta!)!.entries;
    const shownChanged = [...entries.values()].find((e) => e.clientRef === changed.id)!;
    entries.set(shownChanged.id, { ...shownChanged, to: '2027-05-04', holder: 'Tatort' });
    const shownDeleted = [...entries.values()].find((e) => e.clientRef === deleted.id)!;
    entries.delete(shownDeleted.id);

    expect(await pullNow(user)).toMatchObject({ imported: 0, conflictsOpened: 2, pushRequested: true });
    const conflicts = await conflictsOf(user);
    expect(conflicts).toHaveLength(2);
    const byEntry = new Map(conflicts.map((c) => [c.availabilityId, c]));
    expect(byEntry.get(changed.id)).toMatchObject({ kind: 'differs', status: 'open', externalId: shownChanged.id });
    expect(byEntry.get(changed.id)!.ours).toMatchObject({ id: changed.id, endDate: '2027-05-02', optionHolder: 'Soko' });
    expect(byEntry.get(changed.id)!.theirs).toMatchObject({ endDate: '2027-05-04', optionHolder: 'Tatort' });
    expect(byEntry.get(deleted.id)).toMatchObject({ kind: 'differs', externalId: shownDeleted.id, theirs: null });
    expect(byEntry.get(deleted.id)!.message).toMatch(/no longer shows/);

    // Our system wins: the push that the pull asked for restores both.
    const showsOurs = () => {
      const cal = sim.calendar(user.apiKeys.etalenta!);
      return cal.some((e) => e.clientRef === changed.id && e.to === '2027-05-02' && e.holder === 'Soko') && cal.some((e) => e.clientRef === deleted.id);
    };
    await waitFor(showsOurs, { what: 'ours restored on e-TALENTA' });
    await settled(user);

    // Restored, so the next pull finds nothing; the open conflicts stay for the user and are not doubled.
    expect(await pullNow(user)).toMatchObject({ imported: 0, conflictsOpened: 0, pushRequested: false });
    expect(await stack.db.conflict.count({ where: { userId: user.id } })).toBe(2);
  });

  it('opens already_blocked for a platform-made block over one of our entries, and imports nothing', async () => {
    const user = await connectedUser();
    const ours = await addOurs(user, { startDate: '2027-06-10', endDate: '2027-06-12', status: 'unavailable', type: 'block' });
    await confirmedOn(ours.id);
    await settled(user);
    platformEntry(user, 'et_web_block', { from: '2027-06-12', to: '2027-06-14', category: 'block', holder: null });

    expect(await pullNow(user)).toMatchObject({ imported: 0, conflictsOpened: 1, pushRequested: false });
    expect(await conflictsOf(user)).toEqual([
      expect.objectContaining({ kind: 'already_blocked', availabilityId: ours.id, externalId: 'et_web_block', message: expect.stringMatching(/already blocked on e-TALENTA/) }),
    ]);
    expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(1);
    expect(await pullNow(user)).toMatchObject({ imported: 0, conflictsOpened: 0 });
    expect(await stack.db.conflict.count({ where: { userId: user.id } })).toBe(1);
  });

  it('retries a pull against a failing platform (503) and logs every attempt', async () => {
    const user = await connectedUser();
    platformEntry(user, 'et_web_retry', { from: '2027-11-01', to: '2027-11-01' });
    // This account's requests only: another test's user on the same simulator must not take one of the 503s.
    stack.simulators.etalenta!.faults = { failNext: { count: 2, status: 503, apiKey: user.apiKeys.etalenta } };
    try {
      expect(await pullNow(user)).toMatchObject({ status: 'success', imported: 1 });
    } finally {
      stack.simulators.etalenta!.faults = {};
    }
    const attempts = await stack.db.syncLog.findMany({ where: { userId: user.id, operation: 'pull_availability' }, orderBy: { attempt: 'asc' } });
    expect(attempts.map((a) => [a.attempt, a.status, a.errorType])).toEqual([
      [1, 'failed', 'PlatformServerError'],
      [2, 'failed', 'PlatformServerError'],
      [3, 'success', null],
    ]);
    expect(attempts[0]!.errorMessage).toMatch(/503/);
    expect(new Set(attempts.map((a) => a.activityId)).size).toBe(1);
    expect(await stack.db.platformConnection.findFirstOrThrow({ where: { userId: user.id, platformId: 'etalenta' } })).toMatchObject({ status: 'ok' });
    expect(await stack.db.conflict.count({ where: { userId: user.id, kind: 'platform_booking' } })).toBe(1);
  });
});

describe('an OAuth platform', () => {
  it('gets its schedule from the OAuth callback, and a trigger imports what was booked on its website', async () => {
    const user = await stack.createUser({ platforms: [] });
    const started = await stack.app.inject({ method: 'POST', url: '/api/platforms/jobwork/connect', headers: user.auth, payload: {} });
    expect(started.statusCode, started.body).toBe(200);
    const account = jobwork.addAccount();
    jobwork.autoApprove = account.accountId;
    const redirect = await request(started.json().authorizationUrl);
    await redirect.body.dump();
    const location = new URL(String(redirect.headers.location));
    const callback = await stack.app.inject({ method: 'GET', url: `${location.pathname}${location.search}` });
    expect(callback.statusCode, callback.body).toBe(200);
    await stack.outboxDelivered(user.id);

    expect((await schedule(user, 'jobwork').describe()).spec.intervals).toEqual([expect.objectContaining({ every: 60 * MINUTE_MS })]);
    await settled(user);
    const made = jobwork.addPlatformEntry(account.accountId, { start: '2027-09-01', end: '2027-09-02', status: 'tentative', kind: 'booking', optionRank: 1, heldBy: 'Soko' });
    expect(await pullNow(user, 'jobwork')).toMatchObject({ imported: 1, conflictsOpened: 1 });
    expect(await conflictsOf(user)).toEqual([expect.objectContaining({ kind: 'platform_booking', platformId: 'jobwork', externalId: made.id })]);
    expect(await stack.db.availability.findFirst({ where: { userId: user.id } })).toMatchObject({ source: 'jobwork', status: 'tentative', optionRank: 1, optionHolder: 'Soko' });
    // JobWork keeps its own entry and gets no copy of it back.
    await settled(user);
    expect(jobwork.calendar(account.accountId).map((e) => e.id)).toEqual([made.id]);
  });
});
