// Options and firm bookings through the API (lib/options.ts): a firm booking releases the options on its days,
// lower options move up when one goes, new options queue behind existing ones, and the gateway keeps each
// option's expiry timer (workflows/option-expiry.ts) in step with the entry.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionExpiryWorkflowId } from '../workflows/plumbing.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

type Body = Record<string, unknown>;
const api = (user: TestUser, method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Body) =>
  stack.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

async function create(user: TestUser, payload: Body) {
  const res = await api(user, 'POST', '/api/availability', payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; optionRank: number | null; version: number };
}

const option = (startDate: string, endDate: string, extra: Body = {}) => ({ startDate, endDate, status: 'tentative', type: 'booking', ...extra });
const row = (id: string) => stack.db.availability.findUniqueOrThrow({ where: { id } });
const ranks = async (...ids: string[]) => Promise.all(ids.map(async (id) => { const r = await row(id); return r.deletedAt ? `released:${r.releasedReason ?? 'deleted'}` : r.optionRank; }));

describe('options and firm bookings', () => {
  it('gives a new option without a rank the next free rank on its days; an explicit rank is kept', async () => {
    const user = await stack.createUser();
    expect((await create(user, option('2027-06-01', '2027-06-03'))).optionRank).toBe(1);
    expect((await create(user, option('2027-06-03', '2027-06-04'))).optionRank).toBe(2);
    expect((await create(user, option('2027-06-10', '2027-06-10'))).optionRank).toBe(1);
    expect((await create(user, option('2027-06-01', '2027-06-01', { optionRank: 5 }))).optionRank).toBe(5);
  });

  it('a firm booking releases the options on its days; options below a released one, on its days, move up', async () => {
    const user = await stack.createUser();
    const a = await create(user, option('2027-06-01', '2027-06-02'));
    const b = await create(user, option('2027-06-02', '2027-06-05'));
    const c = await create(user, option('2027-06-05', '2027-06-06'));
    const elsewhere = await create(user, option('2027-07-01', '2027-07-01'));
    expect([a.optionRank, b.optionRank, c.optionRank]).toEqual([1, 2, 3]);

    const booking = await create(user, { startDate: '2027-06-01', endDate: '2027-06-01', status: 'unavailable', type: 'booking', optionHolder: 'UFA' });
    // c shares no day with a, so a's release does not move it (ranks are per day).
    expect(await ranks(a.id, b.id, c.id, elsewhere.id)).toEqual(['released:firm_booking', 1, 3, 1]);
    expect((await row(a.id)).version).toBe(2);
    expect((await row(b.id)).version).toBe(2);
    expect((await row(c.id)).version).toBe(1);
    expect((await row(elsewhere.id)).version).toBe(1);

    // Moving the booking onto b's days releases b; c, which shares a day with b, moves up.
    expect((await api(user, 'PATCH', `/api/availability/${booking.id}`, { endDate: '2027-06-03' })).statusCode).toBe(200);
    expect(await ranks(b.id, c.id)).toEqual(['released:firm_booking', 2]);
    expect((await row(c.id)).version).toBe(2);
  });

  it('confirming the 1st option as a firm booking releases the others on its days; deleting an option moves the lower ones up', async () => {
    const user = await stack.createUser();
    const first = await create(user, option('2027-08-01', '2027-08-03'));
    const second = await create(user, option('2027-08-01', '2027-08-01'));
    const third = await create(user, option('2027-08-03', '2027-08-04'));
    const fourth = await create(user, option('2027-08-04', '2027-08-04'));
    // Ranks are per day: third shares a day only with first, fourth with third.
    expect([first.optionRank, second.optionRank, third.optionRank, fourth.optionRank]).toEqual([1, 2, 2, 3]);

    const confirmed = await api(user, 'PATCH', `/api/availability/${first.id}`, { status: 'unavailable', optionRank: null, version: 1 });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    // second and third move up as first stops being an option, then the booking releases them; third's release
    // moves fourth up.
    expect(await ranks(second.id, third.id, fourth.id)).toEqual(['released:firm_booking', 'released:firm_booking', 2]);

    const lone = await create(user, option('2027-08-04', '2027-08-04'));
    expect(lone.optionRank).toBe(3);
    expect((await api(user, 'DELETE', `/api/availability/${fourth.id}`)).statusCode).toBe(204);
    expect(await ranks(fourth.id, lone.id)).toEqual(['released:deleted', 2]);
    expect((await row(lone.id)).version).toBe(2);
  });

  it('keeps validation as it was', async () => {
    const user = await stack.createUser();
    const res = await api(user, 'POST', '/api/availability', { startDate: '2027-06-01', endDate: '2027-06-01', status: 'unavailable', type: 'booking', optionRank: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('optionRank and optionExpiresAt are only allowed when status is "tentative"');
  });
});

describe('option expiry timers from the gateway', () => {
  const describeTimer = (id: string) => stack.temporal.workflow.getHandle(optionExpiryWorkflowId(id)).describe();

  it('starts a timer for an option with an expiry, moves it on a new expiry, stops it when the option is deleted', async () => {
    const user = await stack.createUser();
    const created = await create(user, option('2027-06-01', '2027-06-02', { optionExpiresAt: '2027-05-01T12:00:00.000Z' }));
    await stack.outboxDelivered(user.id);
    const first = await describeTimer(created.id);
    expect(first.status.name).toBe('RUNNING');
    expect(first.type).toBe('optionExpiryWorkflow');

    await api(user, 'PATCH', `/api/availability/${created.id}`, { optionExpiresAt: '2027-05-03T12:00:00.000Z' });
    await stack.outboxDelivered(user.id);
    const moved = await describeTimer(created.id);
    expect(moved.runId).toBe(first.runId);
    const history = await stack.temporal.workflow.getHandle(optionExpiryWorkflowId(created.id)).fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBe(2);

    expect((await api(user, 'DELETE', `/api/availability/${created.id}`)).statusCode).toBe(204);
    await waitFor(async () => (await describeTimer(created.id)).status.name === 'CANCELLED', { what: 'the timer to be cancelled' });
  });

  it('stops the timer when the expiry is cleared or the option is released by a firm booking', async () => {
    const user = await stack.createUser();
    const cleared = await create(user, option('2027-06-01', '2027-06-02', { optionExpiresAt: '2027-05-01T12:00:00.000Z' }));
    const released = await create(user, option('2027-06-10', '2027-06-10', { optionExpiresAt: '2027-05-01T12:00:00.000Z' }));
    await api(user, 'PATCH', `/api/availability/${cleared.id}`, { optionExpiresAt: null });
    await create(user, { startDate: '2027-06-10', endDate: '2027-06-10', status: 'unavailable', type: 'booking' });
    for (const id of [cleared.id, released.id]) {
      await waitFor(async () => (await describeTimer(id)).status.name === 'CANCELLED', { what: 'the timer to be cancelled' });
    }
  });
});

describe("the user's calendar lock", () => {
  // A merge, a conflict resolution or an option's change holds the lock (SELECT ... FOR UPDATE on the user's row)
  // while it reads and writes the calendar. A new plain block or an option reaches the calendar only after it: the
  // option takes the lock itself, the block (which reads nothing) waits through its foreign key's KEY SHARE lock.
  for (const [kind, payload] of [
    ['a plain block', { startDate: '2027-08-01', endDate: '2027-08-01', status: 'unavailable', type: 'block' }],
    ['an option', option('2027-08-02', '2027-08-02')],
  ] as const) {
    it(`writes ${kind} only after a holder of the lock has committed`, async () => {
      const user = await stack.createUser();
      const holder = new pg.Client({ connectionString: stack.config.databaseUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT id FROM "User" WHERE id = $1 FOR UPDATE', [user.id]);
        let answered = false;
        const adding = api(user, 'POST', '/api/availability', payload).then((res) => {
          answered = true;
          return res;
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(answered, 'the add waited for the lock').toBe(false);
        expect(await stack.db.availability.count({ where: { userId: user.id } })).toBe(0);
        await holder.query('COMMIT');
        const res = await adding;
        expect(res.statusCode, res.body).toBe(201);
        expect(await stack.db.outboxMessage.count({ where: { userId: user.id, topic: 'sync', data: 'availability' } })).toBe(1);
      } finally {
        await holder.end();
      }
    });
  }
});
