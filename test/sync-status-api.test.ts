// GET /api/sync/status: every platform with the user's connection and its availability sync state in one answer
// (what the dashboard's platforms page polls), each user's own, agreeing with the per-platform status, and from the
// database alone when the sync service cannot answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'] });
  alice = await stack.createUser({ platforms: ['etalenta', 'agentur-connection'] });
  bob = await stack.createUser({ platforms: ['etalenta'] });
});
afterAll(async () => {
  await stack?.stop();
});

interface PlatformStatus {
  id: string;
  connection: { connected: boolean; status: string } | null;
  status: {
    pendingEntries: number;
    sync: { state: string; queued: boolean } | null;
    lastAttempt: { id: string; platformId: string; status: string } | null;
    quota: unknown;
  } | null;
}
interface StatusAnswer {
  source: 'workflow' | 'database';
  outbox: { waiting: number };
  platforms: PlatformStatus[];
}

async function status(user: TestUser): Promise<StatusAnswer> {
  const res = await stack.app.inject({ method: 'GET', url: '/api/sync/status', headers: user.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const platform = (answer: StatusAnswer, id: string) => answer.platforms.find((p) => p.id === id)!;
const block = (user: TestUser, day: string) =>
  stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });

describe('GET /api/sync/status', () => {
  it('answers every offered platform, each user only their own connections and attempts', async () => {
    expect((await block(alice, '2027-05-03')).statusCode).toBe(201);
    await waitFor(async () => {
      const answer = await status(alice);
      return ['etalenta', 'agentur-connection'].every((id) => platform(answer, id).status?.sync?.state === 'synced');
    }, { what: "alice's two platforms synced" });

    const [mine, theirs] = [await status(alice), await status(bob)];
    expect(mine.source).toBe('workflow');
    expect(mine.platforms.map((p) => p.id).sort()).toEqual(theirs.platforms.map((p) => p.id).sort());
    for (const id of ['etalenta', 'agentur-connection']) {
      expect(platform(mine, id)).toMatchObject({ connection: { connected: true, status: 'ok' }, status: { pendingEntries: 0, lastAttempt: { platformId: id, status: 'success' } } });
    }
    // Bob's e-TALENTA never pushed anything of alice's; his agentur-connection is not connected.
    expect(platform(theirs, 'agentur-connection')).toMatchObject({ connection: null, status: null });
    const bobAttempt = platform(theirs, 'etalenta').status?.lastAttempt;
    expect(bobAttempt?.id).not.toBe(platform(mine, 'etalenta').status?.lastAttempt?.id);
    const bobLogs = await stack.db.syncLog.findMany({ where: { userId: bob.id }, select: { id: true } });
    if (bobAttempt) expect(bobLogs.map((l) => l.id)).toContain(bobAttempt.id);
    expect(platform(theirs, 'etalenta').status?.pendingEntries).toBe(0);
    // No credential of any kind is in the answer.
    const body = JSON.stringify([mine, theirs]);
    for (const key of [...Object.values(alice.apiKeys), ...Object.values(bob.apiKeys)]) expect(body).not.toContain(key);
  });

  it('says the same as the per-platform status', async () => {
    const answer = await status(alice);
    for (const id of ['etalenta', 'agentur-connection']) {
      const single = (await stack.app.inject({ method: 'GET', url: `/api/sync/status/${id}`, headers: alice.auth })).json();
      const { status: mine } = platform(answer, id);
      expect(mine).toMatchObject({ pendingEntries: single.pendingEntries, sync: single.sync, lastAttempt: { id: single.lastAttempt.id } });
    }
  });

  it('answers from the database, with what each platform has not confirmed, when the sync service cannot answer', async () => {
    await stack.stopWorkers();
    try {
      expect((await block(alice, '2027-05-10')).statusCode).toBe(201);
      const answer = await status(alice);
      expect(answer.source).toBe('database');
      for (const id of ['etalenta', 'agentur-connection']) expect(platform(answer, id).status).toMatchObject({ pendingEntries: 1, sync: { state: 'pending' } });
      // Bob's state is untouched by alice's change.
      expect(platform(await status(bob), 'etalenta').status?.pendingEntries).toBe(0);
    } finally {
      await stack.startWorkers();
    }
    await waitFor(async () => platform(await status(alice), 'etalenta').status?.pendingEntries === 0, { what: 'e-TALENTA confirmed the new block' });
  });

  it('is behind the token', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/sync/status' });
    expect(res.statusCode).toBe(401);
  });
});
