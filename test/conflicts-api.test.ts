// Conflicts as the scheduled pull opens them (kinds platform_booking, differs, already_blocked), resolved through
// the API on the real stack: the entry, its version, the conflict row and what the simulated platforms end with.
// Bad resolutions (twice, another user's, malformed, a platform's version that cannot be written) answer
// 409/404/400 and change nothing. A resolution keeps each option's expiry timer (workflows/option-expiry.ts) in step
// with the entry, as a calendar edit does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Availability, Prisma } from '../generated/prisma/client.js';
import { parseDay, toDay } from '../lib/days.js';
import { optionExpiryWorkflowId } from '../workflows/plumbing.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const PLATFORMS = ['etalenta', 'agentur-connection'];
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: PLATFORMS });
});
afterAll(() => stack?.stop());

type Body = Record<string, unknown>;

const api = (user: TestUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Body) =>
  stack.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

const resolve = (user: TestUser, conflictId: string, payload: Body) => api(user, 'POST', `/api/conflicts/${conflictId}/resolve`, payload);

/** What a platform shows for a user, our entries marked with our id, the platform's own with "platform". */
const calendarOf = (user: TestUser, platformId: string) =>
  stack.simulators[platformId]!.calendar(user.apiKeys[platformId]!).map((e) => `${e.clientRef ? e.clientRef.slice(0, 8) : 'platform'} ${e.from}..${e.to} ${e.state}/${e.category}`);

/** Our live entries in the same notation: what every platform should show of ours after the pushes. */
async function ourCalendar(user: TestUser, { except }: { except?: string } = {}) {
  const rows = await stack.db.availability.findMany({ where: { userId: user.id, deletedAt: null, ...(except ? { source: { not: except } } : {}) }, orderBy: [{ startDate: 'asc' }, { id: 'asc' }] });
  return rows.map((r) => `${r.id.slice(0, 8)} ${toDay(r.startDate)}..${toDay(r.endDate)} ${r.status}/${r.type}`);
}

/** Waits until the platform shows exactly our entries (plus its own entries, given) — the pushes are done. */
async function platformsInStep(user: TestUser, ownEntries: Record<string, string[]> = {}) {
  for (const platformId of PLATFORMS) {
    const wanted = [...(await ourCalendar(user, { except: platformId })), ...(ownEntries[platformId] ?? [])].sort();
    await waitFor(() => JSON.stringify([...calendarOf(user, platformId)].sort()) === JSON.stringify(wanted), { what: `${platformId} to show ${wanted.join(', ')}; shows ${calendarOf(user, platformId).join(', ')}` });
  }
}

async function createEntry(user: TestUser, payload: Body): Promise<Availability> {
  const res = await api(user, 'POST', '/api/availability', payload);
  expect(res.statusCode, res.body).toBe(201);
  return stack.db.availability.findUniqueOrThrow({ where: { id: res.json().id } });
}

const asItem = (a: Availability) => ({ startDate: toDay(a.startDate), endDate: toDay(a.endDate), status: a.status, type: a.type, optionRank: a.optionRank, optionHolder: a.optionHolder, note: a.note });

/** The platform's copy of our entry, changed on the platform (what a pull would then find). */
function changeOnPlatform(user: TestUser, platformId: string, ourId: string, change: { from?: string; to?: string; delete?: boolean }) {
  const account = stack.simulators[platformId]!.accounts.get(user.apiKeys[platformId]!)!;
  const entry = [...account.entries.values()].find((e) => e.clientRef === ourId)!;
  if (change.delete) account.entries.delete(entry.id);
  else Object.assign(entry, { from: change.from ?? entry.from, to: change.to ?? entry.to });
  return entry;
}

/** A booking made on the platform by a production (no client reference): only the platform has it. */
function bookOnPlatform(user: TestUser, platformId: string, from: string, to: string) {
  const account = stack.simulators[platformId]!.accounts.get(user.apiKeys[platformId]!)!;
  const entry = { id: `et_booking_${from}`, clientRef: null, from, to, state: 'unavailable' as const, category: 'booking' as const, optionRank: null, holder: 'Bavaria Film', note: null, updatedAt: new Date().toISOString() };
  account.entries.set(entry.id, entry);
  return entry;
}

/** The imported entry and the conflict, as the pull engineer's merge writes them for a platform-made booking. */
async function importPlatformBooking(user: TestUser, from: string, to: string) {
  const booking = bookOnPlatform(user, 'etalenta', from, to);
  const imported = await stack.db.availability.create({
    data: { userId: user.id, startDate: parseDay(from)!, endDate: parseDay(to)!, status: 'unavailable', type: 'booking', optionHolder: 'Bavaria Film', source: 'etalenta' },
  });
  const theirs = { externalId: booking.id, ourId: null, ...asItem(imported) };
  const conflict = await stack.db.conflict.create({
    data: { userId: user.id, platformId: 'etalenta', kind: 'platform_booking', availabilityId: imported.id, externalId: booking.id, ours: undefined, theirs, message: `e-TALENTA has a booking on ${from} – ${to} made there` },
  });
  return { imported, conflict, own: `platform ${from}..${to} unavailable/booking` };
}

async function openConflict(user: TestUser, kind: 'differs' | 'already_blocked', entry: Availability, theirs: Body | null) {
  return stack.db.conflict.create({
    data: { userId: user.id, platformId: 'etalenta', kind, availabilityId: entry.id, externalId: 'et_x', ours: asItem(entry), theirs: (theirs ?? undefined) as Prisma.InputJsonObject | undefined, message: `e-TALENTA ${kind}` },
  });
}

async function expectResolved(conflictId: string, action: string) {
  const row = await stack.db.conflict.findUniqueOrThrow({ where: { id: conflictId } });
  expect(row.status).toBe('resolved');
  expect(row.resolvedAt).toBeInstanceOf(Date);
  expect(row.resolution).toMatchObject({ action });
  return row;
}

const reload = (id: string) => stack.db.availability.findUniqueOrThrow({ where: { id } });

describe('differs', () => {
  it('keep_ours: our entry stays, its version grows, and the platform is put back to ours', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-07-01', endDate: '2027-07-03', status: 'unavailable', type: 'block' });
    await platformsInStep(user);
    changeOnPlatform(user, 'etalenta', entry.id, { to: '2027-07-05' });
    const conflict = await openConflict(user, 'differs', entry, { ...asItem(entry), endDate: '2027-07-05' });

    const res = await resolve(user, conflict.id, { action: 'keep_ours' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'resolved', kind: 'differs', entry: { id: entry.id, version: 2, endDate: '2027-07-03', deleted: false } });
    expect(await reload(entry.id)).toMatchObject({ version: 2, endDate: parseDay('2027-07-03') });
    const row = await expectResolved(conflict.id, 'keep_ours');
    expect(row.resolution).toMatchObject({ entry: { id: entry.id, version: 2, deleted: false } });
    await platformsInStep(user);
  });

  it("accept_theirs: our entry becomes the platform's version and every platform shows it", async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-07-01', endDate: '2027-07-03', status: 'unavailable', type: 'block' });
    await platformsInStep(user);
    changeOnPlatform(user, 'etalenta', entry.id, { to: '2027-07-05' });
    const conflict = await openConflict(user, 'differs', entry, { externalId: 'et_x', ourId: entry.id, ...asItem(entry), endDate: '2027-07-05', type: 'travel' });

    const res = await resolve(user, conflict.id, { action: 'accept_theirs' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await reload(entry.id)).toMatchObject({ version: 2, endDate: parseDay('2027-07-05'), type: 'travel', deletedAt: null });
    await expectResolved(conflict.id, 'accept_theirs');
    await platformsInStep(user);
    expect(calendarOf(user, 'agentur-connection')).toEqual([`${entry.id.slice(0, 8)} 2027-07-01..2027-07-05 unavailable/travel`]);
  });

  it('accept_theirs when the platform lost the entry: ours is deleted everywhere', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-07-01', endDate: '2027-07-03', status: 'unavailable', type: 'block' });
    await platformsInStep(user);
    changeOnPlatform(user, 'etalenta', entry.id, { delete: true });
    const conflict = await openConflict(user, 'differs', entry, null);

    expect((await resolve(user, conflict.id, { action: 'accept_theirs' })).statusCode).toBe(200);
    expect(await reload(entry.id)).toMatchObject({ version: 2, deletedAt: expect.any(Date) });
    await expectResolved(conflict.id, 'accept_theirs');
    await platformsInStep(user);
    expect(calendarOf(user, 'agentur-connection')).toEqual([]);
  });

  it('edit: our entry gets the given range (here made an option, with the next free rank)', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-07-01', endDate: '2027-07-03', status: 'unavailable', type: 'block' });
    await createEntry(user, { startDate: '2027-07-10', endDate: '2027-07-10', status: 'tentative', type: 'booking', optionHolder: 'UFA' });
    await platformsInStep(user);
    changeOnPlatform(user, 'etalenta', entry.id, { to: '2027-07-05' });
    const conflict = await openConflict(user, 'differs', entry, { ...asItem(entry), endDate: '2027-07-05' });

    const range = { startDate: '2027-07-09', endDate: '2027-07-11', status: 'tentative', type: 'booking' };
    const res = await resolve(user, conflict.id, { action: 'edit', range });
    expect(res.statusCode, res.body).toBe(200);
    expect(await reload(entry.id)).toMatchObject({ version: 2, startDate: parseDay('2027-07-09'), endDate: parseDay('2027-07-11'), status: 'tentative', optionRank: 2 });
    expect((await expectResolved(conflict.id, 'edit')).resolution).toMatchObject({ range });
    await platformsInStep(user);
  });
});

describe('already_blocked', () => {
  it("keep_ours keeps our option and pushes it again; the platform's own block stays its own", async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-09-01', endDate: '2027-09-02', status: 'tentative', type: 'booking', optionHolder: 'Tatort' });
    await platformsInStep(user);
    const block = bookOnPlatform(user, 'etalenta', '2027-09-01', '2027-09-01');
    Object.assign(block, { category: 'block', holder: null });
    const conflict = await openConflict(user, 'already_blocked', entry, { externalId: block.id, ourId: null, startDate: '2027-09-01', endDate: '2027-09-01', status: 'unavailable', type: 'block' });

    expect((await resolve(user, conflict.id, { action: 'keep_ours' })).statusCode).toBe(200);
    expect(await reload(entry.id)).toMatchObject({ version: 2, status: 'tentative', optionRank: 1, deletedAt: null });
    await expectResolved(conflict.id, 'keep_ours');
    await platformsInStep(user, { etalenta: ['platform 2027-09-01..2027-09-01 unavailable/block'] });
  });

  it("accept_theirs turns our entry into the platform's block", async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-09-01', endDate: '2027-09-02', status: 'tentative', type: 'booking', optionHolder: 'Tatort' });
    await platformsInStep(user);
    const conflict = await openConflict(user, 'already_blocked', entry, { externalId: 'et_block', ourId: null, startDate: '2027-09-01', endDate: '2027-09-01', status: 'unavailable', type: 'block' });

    expect((await resolve(user, conflict.id, { action: 'accept_theirs' })).statusCode).toBe(200);
    expect(await reload(entry.id)).toMatchObject({ version: 2, status: 'unavailable', type: 'block', optionRank: null, endDate: parseDay('2027-09-01') });
    await expectResolved(conflict.id, 'accept_theirs');
    await platformsInStep(user);
  });
});

describe('platform_booking', () => {
  /** Our 1st option overlaps the imported booking's days; our 2nd option overlaps only the 1st option. */
  async function withOptions(user: TestUser) {
    const first = await createEntry(user, { startDate: '2027-08-02', endDate: '2027-08-03', status: 'tentative', type: 'booking', optionHolder: 'UFA' });
    const second = await createEntry(user, { startDate: '2027-08-03', endDate: '2027-08-05', status: 'tentative', type: 'booking', optionHolder: 'Studio Hamburg' });
    expect([first.optionRank, second.optionRank]).toEqual([1, 2]);
    return { first, second };
  }

  it('accept_theirs keeps the imported booking (pushed to the other platforms); as a firm booking it releases the option on its days and the lower one moves up', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const { first, second } = await withOptions(user);
    const { imported, conflict, own } = await importPlatformBooking(user, '2027-08-01', '2027-08-02');

    const res = await resolve(user, conflict.id, { action: 'accept_theirs' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await reload(imported.id)).toMatchObject({ version: 2, deletedAt: null, source: 'etalenta' });
    expect(await reload(first.id)).toMatchObject({ version: 2, deletedAt: expect.any(Date), releasedReason: 'firm_booking' });
    expect(await reload(second.id)).toMatchObject({ version: 2, optionRank: 1, deletedAt: null });
    expect((await expectResolved(conflict.id, 'accept_theirs')).resolution).toMatchObject({ released: [first.id], promoted: [second.id] });
    await platformsInStep(user, { etalenta: [own] });
    expect(calendarOf(user, 'agentur-connection')).toContain(`${imported.id.slice(0, 8)} 2027-08-01..2027-08-02 unavailable/booking`);
  });

  it('keep_ours removes the imported booking from our calendar (conflict_rejected) and from the platforms it was pushed to', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const { first, second } = await withOptions(user);
    const { imported, conflict, own } = await importPlatformBooking(user, '2027-08-01', '2027-08-02');
    await api(user, 'PATCH', `/api/availability/${second.id}`, { note: 'push the import along' });
    await platformsInStep(user, { etalenta: [own] });
    expect(calendarOf(user, 'agentur-connection')).toHaveLength(3);

    expect((await resolve(user, conflict.id, { action: 'keep_ours' })).statusCode).toBe(200);
    expect(await reload(imported.id)).toMatchObject({ version: 2, deletedAt: expect.any(Date), releasedReason: 'conflict_rejected' });
    expect(await reload(first.id)).toMatchObject({ version: 1, optionRank: 1, deletedAt: null });
    await expectResolved(conflict.id, 'keep_ours');
    await platformsInStep(user, { etalenta: [own] });
    expect(calendarOf(user, 'agentur-connection')).toHaveLength(2);
  });

  it('edit gives the imported booking the given range and keeps it', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const { imported, conflict, own } = await importPlatformBooking(user, '2027-08-01', '2027-08-02');
    const res = await resolve(user, conflict.id, { action: 'edit', range: { startDate: '2027-08-01', endDate: '2027-08-04', type: 'travel' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(await reload(imported.id)).toMatchObject({ version: 2, endDate: parseDay('2027-08-04'), type: 'travel', status: 'unavailable', deletedAt: null });
    await expectResolved(conflict.id, 'edit');
    await platformsInStep(user, { etalenta: [own] });
  });
});

describe('option expiry timers', () => {
  const timer = async (id: string) => (await stack.temporal.workflow.getHandle(optionExpiryWorkflowId(id)).describe()).status.name;
  const expiry = '2027-07-20T12:00:00.000Z';
  const option = (startDate: string, endDate: string, optionHolder: string) => ({ startDate, endDate, status: 'tentative', type: 'booking', optionHolder, optionExpiresAt: expiry });

  it('stops the timer of an option a resolution releases or turns into a block, keeps that of an option kept', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const released = await createEntry(user, option('2027-08-02', '2027-08-03', 'UFA'));
    const blocked = await createEntry(user, option('2027-09-01', '2027-09-02', 'Tatort'));
    const kept = await createEntry(user, option('2027-10-01', '2027-10-02', 'Studio Hamburg'));
    await stack.outboxDelivered(user.id);
    expect(await Promise.all([released, blocked, kept].map((e) => timer(e.id)))).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);

    const booking = await importPlatformBooking(user, '2027-08-01', '2027-08-02');
    expect((await resolve(user, booking.conflict.id, { action: 'accept_theirs' })).statusCode).toBe(200);
    const block = await openConflict(user, 'already_blocked', blocked, { externalId: 'et_block', ourId: null, startDate: '2027-09-01', endDate: '2027-09-01', status: 'unavailable', type: 'block' });
    expect((await resolve(user, block.id, { action: 'accept_theirs' })).statusCode).toBe(200);
    const moved = await openConflict(user, 'differs', kept, { ...asItem(kept), endDate: '2027-10-05' });
    expect((await resolve(user, moved.id, { action: 'edit', range: { startDate: '2027-10-03', endDate: '2027-10-04' } })).statusCode).toBe(200);

    for (const id of [released.id, blocked.id]) await waitFor(async () => (await timer(id)) === 'CANCELLED', { what: `the timer of ${id} to be cancelled` });
    await stack.outboxDelivered(user.id);
    expect(await timer(kept.id)).toBe('RUNNING');
    expect(await reload(kept.id)).toMatchObject({ status: 'tentative', optionRank: 1, optionExpiresAt: new Date(expiry), startDate: parseDay('2027-10-03') });
  });

  it('starts the timer again for an option a resolution brings back', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, option('2027-08-10', '2027-08-11', 'UFA'));
    await stack.outboxDelivered(user.id);
    const first = await stack.temporal.workflow.getHandle(optionExpiryWorkflowId(entry.id)).describe();
    const conflict = await openConflict(user, 'differs', entry, { externalId: 'et_x', ourId: entry.id, ...asItem(entry), endDate: '2027-08-12' });
    expect((await api(user, 'DELETE', `/api/availability/${entry.id}`)).statusCode).toBe(204);
    await waitFor(async () => (await timer(entry.id)) === 'CANCELLED', { what: 'the timer of the deleted option to be cancelled' });

    expect((await resolve(user, conflict.id, { action: 'accept_theirs' })).statusCode).toBe(200);
    expect(await reload(entry.id)).toMatchObject({ deletedAt: null, status: 'tentative', endDate: parseDay('2027-08-12'), optionExpiresAt: new Date(expiry) });
    await stack.outboxDelivered(user.id);
    const again = await stack.temporal.workflow.getHandle(optionExpiryWorkflowId(entry.id)).describe();
    expect(again.status.name).toBe('RUNNING');
    expect(again.runId).not.toBe(first.runId);
  });
});

describe('listing', () => {
  it('lists open conflicts by default with platform, kind, message, ours, theirs and the entry; filters and pages', async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-10-01', endDate: '2027-10-01', status: 'unavailable', type: 'block' });
    const open1 = await openConflict(user, 'differs', entry, { ...asItem(entry), endDate: '2027-10-02' });
    const open2 = await openConflict(user, 'already_blocked', entry, { ...asItem(entry) });
    const done = await openConflict(user, 'differs', entry, null);
    await stack.db.conflict.update({ where: { id: done.id }, data: { status: 'resolved', resolvedAt: new Date() } });

    const list = (await api(user, 'GET', '/api/conflicts')).json();
    expect(list).toMatchObject({ total: 2, page: 1, pageSize: 50 });
    expect(list.items.map((i: { id: string }) => i.id).sort()).toEqual([open1.id, open2.id].sort());
    expect(list.items.find((i: { id: string }) => i.id === open1.id)).toMatchObject({
      platformId: 'etalenta',
      platformName: 'e-TALENTA',
      kind: 'differs',
      status: 'open',
      message: 'e-TALENTA differs',
      ours: { startDate: '2027-10-01', endDate: '2027-10-01' },
      theirs: { endDate: '2027-10-02' },
      entry: { id: entry.id, startDate: '2027-10-01', status: 'unavailable', version: 1, deleted: false },
      resolvedAt: null,
    });
    const resolved = (await api(user, 'GET', '/api/conflicts?status=resolved')).json();
    expect(resolved.items.map((i: { id: string }) => i.id)).toEqual([done.id]);
    const page2 = (await api(user, 'GET', '/api/conflicts?pageSize=1&page=2')).json();
    expect(page2).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(page2.items).toHaveLength(1);
    expect((await api(user, 'GET', '/api/conflicts?status=maybe')).statusCode).toBe(400);
  });
});

describe('bad resolutions change nothing', () => {
  async function snapshot(userIds: string[]) {
    const [availability, conflicts] = await Promise.all([
      stack.db.availability.findMany({ where: { userId: { in: userIds } }, orderBy: { id: 'asc' } }),
      stack.db.conflict.findMany({ where: { userId: { in: userIds } }, orderBy: { id: 'asc' } }),
    ]);
    return JSON.stringify({ availability, conflicts });
  }

  it('answers 409 when resolving twice, 404 for another user, 400 for malformed bodies', async () => {
    const alice = await stack.createUser({ platforms: PLATFORMS });
    const bob = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(alice, { startDate: '2027-11-01', endDate: '2027-11-02', status: 'unavailable', type: 'block' });
    const resolvedOnce = await openConflict(alice, 'differs', entry, { ...asItem(entry), endDate: '2027-11-03' });
    expect((await resolve(alice, resolvedOnce.id, { action: 'accept_theirs' })).statusCode).toBe(200);
    const open = await openConflict(alice, 'differs', await reload(entry.id), null);
    const before = await snapshot([alice.id, bob.id]);

    const twice = await resolve(alice, resolvedOnce.id, { action: 'keep_ours' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().message).toBe('the conflict is already resolved');

    const foreign = await resolve(bob, open.id, { action: 'accept_theirs' });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().message).toBe('no such conflict');
    expect((await api(bob, 'GET', '/api/conflicts')).json().items).toEqual([]);

    const cases: [Body, RegExp][] = [
      [{ action: 'edit' }, /range is required when action is "edit"/],
      [{ action: 'keep_ours', range: { startDate: '2027-11-01', endDate: '2027-11-01' } }, /range is only allowed when action is "edit", not "keep_ours"/],
      [{ action: 'merge' }, /body\/action must be equal to one of the allowed values/],
      [{ action: 'keep_ours', colour: 'red' }, /must NOT have additional properties/],
      [{ action: 'edit', range: { startDate: '2027-11-01', endDate: '2027-11-01', note: 'x' } }, /must NOT have additional properties/],
      [{ action: 'edit', range: { startDate: '2027-11-05', endDate: '2027-11-01' } }, /endDate 2027-11-01 is before startDate 2027-11-05/],
      [{ action: 'edit', range: { startDate: '2027-11-01' } }, /must have required property 'endDate'/],
      [{}, /must have required property 'action'/],
    ];
    for (const [payload, message] of cases) {
      const res = await resolve(alice, open.id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    expect((await api(alice, 'POST', '/api/conflicts/not-a-uuid/resolve', { action: 'keep_ours' })).statusCode).toBe(400);
    expect(await snapshot([alice.id, bob.id])).toBe(before);
  });

  it("answers 409 when the platform's version cannot be written into our calendar (not 400: the request is fine)", async () => {
    const user = await stack.createUser({ platforms: PLATFORMS });
    const entry = await createEntry(user, { startDate: '2027-11-01', endDate: '2027-11-02', status: 'unavailable', type: 'block' });
    const conflict = await openConflict(user, 'differs', entry, { ...asItem(entry), startDate: '2027-11-05', endDate: '2027-11-01' });
    const before = await snapshot([user.id]);

    const res = await resolve(user, conflict.id, { action: 'accept_theirs' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toBe("the platform's version cannot be applied: endDate 2027-11-01 is before startDate 2027-11-05");
    expect(await snapshot([user.id])).toBe(before);
  });
});
