// A change travels from the API through Temporal to the simulated e-TALENTA account, and stays consistent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPlatform } from '../adapters/catalog.js';
import { RestAdapter } from '../adapters/rest/rest-adapter.js';
import { requestSync } from '../lib/sync-requests.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'] });
});
afterAll(() => stack?.stop());

const calendarOf = (platformId: string, apiKey: string) =>
  stack.simulators[platformId]!.calendar(apiKey).map((e) => `${e.from}..${e.to} ${e.state}/${e.category}`);

describe('availability sync', () => {
  it('pushes a blocked range to the platform through Temporal and records the attempt', async () => {
    const user = await stack.createUser({ platforms: ['etalenta'] });
    const started = Date.now();
    const created = await stack.app.inject({
      method: 'POST',
      url: '/api/availability',
      headers: user.auth,
      payload: { startDate: '2027-03-01', endDate: '2027-03-05', status: 'unavailable', type: 'block', note: 'family' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ startDate: '2027-03-01', endDate: '2027-03-05', version: 1, syncRequested: { state: 'queued' } });

    await waitFor(() => calendarOf('etalenta', user.apiKeys.etalenta!).length === 1, { what: 'the simulator to show the range' });
    console.log(`API call to simulator showing the range: ${Date.now() - started} ms`);
    const [entry] = stack.simulators.etalenta!.calendar(user.apiKeys.etalenta!);
    expect(entry).toMatchObject({ clientRef: created.json().id, from: '2027-03-01', to: '2027-03-05', state: 'unavailable', category: 'block', note: 'family' });

    const history = await waitFor(async () => {
      const res = await stack.app.inject({ method: 'GET', url: '/api/sync/history', headers: user.auth });
      const items = res.json().items as { status: string }[];
      return items.length === 1 && items[0]!.status === 'success' ? res.json() : null;
    }, { what: 'a successful sync-log row' });
    expect(history.items[0]).toMatchObject({ platformId: 'etalenta', operation: 'push_availability', attempt: 1, itemsProcessed: 1 });
    // A run started now takes its behaviour from its input (SYNC_LOOP_FEATURES), never from patch markers, which
    // the SDK replays wrongly after a slow local activity.
    const events = (await stack.temporal.workflow.getHandle(`availability-sync-${user.id}`).fetchHistory()).events ?? [];
    expect(events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toEqual([]);
    expect(events.some((e) => e.markerRecordedEventAttributes)).toBe(true); // the listTargets local activity's marker
    expect(history.items[0].workflowId).toBe(`availability-sync-${user.id}`);

    const listed = await stack.app.inject({ method: 'GET', url: '/api/availability', headers: user.auth });
    expect(listed.json().items[0].platforms).toEqual([
      expect.objectContaining({ platformId: 'etalenta', state: 'confirmed', externalId: entry!.id }),
    ]);

    const status = await stack.app.inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: user.auth });
    expect(status.json()).toMatchObject({ connectionStatus: 'ok', sync: { state: 'synced', lastError: null }, lastAttempt: { status: 'success' } });
  });

  it('makes the run findable by user id and platform through search attributes', async () => {
    const user = await stack.createUser({ platforms: ['etalenta'] });
    await stack.app.inject({
      method: 'POST',
      url: '/api/availability',
      headers: user.auth,
      payload: { startDate: '2027-04-01', endDate: '2027-04-01', status: 'unavailable', type: 'travel' },
    });
    await waitFor(() => calendarOf('etalenta', user.apiKeys.etalenta!).length === 1, { what: 'the push' });
    const found = await waitFor(async () => {
      const runs = [];
      for await (const run of stack.temporal.workflow.list({ query: `CastsyncUserId = "${user.id}" AND CastsyncPlatforms = "etalenta"` })) runs.push(run);
      return runs.length ? runs : null;
    }, { what: 'visibility to index the run' });
    expect(found.map((r) => r.workflowId)).toEqual([`availability-sync-${user.id}`]);
  });

  it('applies edits and deletions, and a repeated push changes nothing', async () => {
    const user = await stack.createUser({ platforms: ['etalenta'] });
    const sim = stack.simulators.etalenta!;
    const a = (await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-05-01', endDate: '2027-05-02', status: 'unavailable', type: 'block' } })).json();
    const b = (await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-05-10', endDate: '2027-05-12', status: 'tentative', type: 'booking', optionRank: 2, optionHolder: 'Tatort' } })).json();
    await waitFor(() => calendarOf('etalenta', user.apiKeys.etalenta!).length === 2, { what: 'both ranges' });

    const patched = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${b.id}`, headers: user.auth, payload: { status: 'unavailable', optionRank: null, version: 1 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ version: 2, status: 'unavailable', optionRank: null });
    const deleted = await stack.app.inject({ method: 'DELETE', url: `/api/availability/${a.id}`, headers: user.auth });
    expect(deleted.statusCode).toBe(204);

    await waitFor(() => JSON.stringify(calendarOf('etalenta', user.apiKeys.etalenta!)) === JSON.stringify(['2027-05-10..2027-05-12 unavailable/booking']), { what: 'edit and delete to arrive' });
    const entryId = sim.calendar(user.apiKeys.etalenta!)[0]!.id;

    // Push the same state again by hand: the adapter lists, finds nothing to change, and writes nothing.
    // First let the automatic pushes settle (the edit and the delete make one or two, depending on timing).
    const successes = () => stack.db.syncLog.count({ where: { userId: user.id, status: 'success' } });
    await waitFor(async () => {
      const status = await stack.app.inject({ method: 'GET', url: '/api/sync/status/etalenta', headers: user.auth });
      const pending = await stack.db.syncLog.count({ where: { userId: user.id, status: 'pending' } });
      const sync = status.json<{ sync: { state: string; queued: boolean } | null }>().sync;
      return sync?.state === 'synced' && !sync.queued && pending === 0;
    }, { what: 'the automatic pushes to settle' });
    const successesBefore = await successes();
    const writesBefore = sim.apiRequests('POST').filter((r) => r.apiKey === user.apiKeys.etalenta).length;
    const manual = await stack.app.inject({ method: 'POST', url: '/api/sync/availability/etalenta', headers: user.auth });
    expect(manual.statusCode).toBe(202);
    await waitFor(async () => (await successes()) > successesBefore, { what: 'the manual push' });
    const lastLog = await stack.db.syncLog.findFirst({ where: { userId: user.id }, orderBy: { startedAt: 'desc' } });
    expect(lastLog).toMatchObject({ status: 'success', itemsProcessed: 0 });
    expect(sim.apiRequests('POST').filter((r) => r.apiKey === user.apiKeys.etalenta).length).toBe(writesBefore);
    expect(sim.calendar(user.apiKeys.etalenta!)[0]!.id).toBe(entryId);
  });

  it('coalesces 50 rapid changes into far fewer pushes that leave exactly the final state', async () => {
    const user = await stack.createUser({ platforms: ['etalenta'] });
    const sim = stack.simulators.etalenta!;
    const first = (await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-06-01', endDate: '2027-06-01', status: 'unavailable', type: 'block' } })).json();
    for (let i = 1; i < 50; i += 1) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const res = await stack.app.inject({ method: 'PATCH', url: `/api/availability/${first.id}`, headers: user.auth, payload: { startDate: `2027-06-${day}`, endDate: `2027-06-${day}` } });
      expect(res.statusCode, res.body).toBe(200);
    }
    const final = (await stack.app.inject({ method: 'GET', url: `/api/availability/${first.id}`, headers: user.auth })).json();
    expect(final.version).toBe(50);
    await waitFor(() => JSON.stringify(calendarOf('etalenta', user.apiKeys.etalenta!)) === JSON.stringify([`${final.startDate}..${final.endDate} unavailable/block`]), { what: 'the final state' });
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, status: 'pending' } })) === 0, { what: 'pushes to finish' });
    const pushes = await stack.db.syncLog.count({ where: { userId: user.id } });
    const writes = sim.apiRequests('POST').filter((r) => r.apiKey === user.apiKeys.etalenta).length;
    console.log(`50 changes -> ${pushes} pushes, ${writes} batch writes to e-TALENTA`);
    expect(pushes).toBeLessThanOrEqual(5);
    expect(sim.calendar(user.apiKeys.etalenta!)).toHaveLength(1);
  });

  it('does not let a slow platform hold back the others', async () => {
    const user = await stack.createUser({ platforms: ['etalenta', 'agentur-connection'] });
    stack.simulators['agentur-connection']!.faults = { latencyMs: 4000 };
    try {
      const started = Date.now();
      await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-07-01', endDate: '2027-07-03', status: 'unavailable', type: 'block' } });
      await waitFor(() => calendarOf('etalenta', user.apiKeys.etalenta!).length === 1, { what: 'the fast platform' });
      const fastMs = Date.now() - started;
      expect(calendarOf('agentur-connection', user.apiKeys['agentur-connection']!)).toHaveLength(0);
      await waitFor(() => calendarOf('agentur-connection', user.apiKeys['agentur-connection']!).length === 1, { what: 'the slow platform' });
      const slowMs = Date.now() - started;
      console.log(`fast platform after ${fastMs} ms, slow platform after ${slowMs} ms`);
      expect(fastMs).toBeLessThan(slowMs);
    } finally {
      stack.simulators['agentur-connection']!.faults = {};
    }
  });
});

describe('efficient pushes', () => {
  it('does not contact a platform that already confirmed every entry at its current version', async () => {
    const user = await stack.createUser({ platforms: ['etalenta'] });
    const sim = stack.simulators.etalenta!;
    await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-09-20', endDate: '2027-09-21', status: 'unavailable', type: 'block' } });
    await waitFor(async () => (await stack.db.syncLog.count({ where: { userId: user.id, status: 'success' } })) === 1, { what: 'the first push' });
    const requestsBefore = sim.apiRequests().filter((r) => r.apiKey === user.apiKeys.etalenta).length;

    // A change notice without a change (as after a lost signal or a restart): the push finds nothing to do.
    await requestSync(stack.temporal, stack.config, 'availability', user.id, {});
    const second = await waitFor(async () => {
      const rows = await stack.db.syncLog.findMany({ where: { userId: user.id, status: 'success' }, orderBy: { startedAt: 'asc' } });
      return rows.length === 2 ? rows[1] : null;
    }, { what: 'the second push' });
    expect(second.itemsProcessed).toBe(0);
    expect(sim.apiRequests().filter((r) => r.apiKey === user.apiKeys.etalenta).length).toBe(requestsBefore);
  });
});

describe('pull from a REST platform', () => {
  it('reads back our entries and ones made on the platform, across pages', async () => {
    const user = await stack.createUser({ platforms: ['etalenta'] });
    const sim = stack.simulators.etalenta!;
    const ours = (await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2027-10-05', endDate: '2027-10-06', status: 'tentative', type: 'booking', optionRank: 1, optionHolder: 'Soko' } })).json();
    await waitFor(() => sim.calendar(user.apiKeys.etalenta!).length === 1, { what: 'our push' });
    // A booking the actor's agent entered on e-TALENTA itself, and enough others to need a second page.
    const account = sim.accounts.get(user.apiKeys.etalenta!)!;
    for (let i = 0; i < 250; i += 1) {
      const day = new Date(Date.UTC(2029, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      account.entries.set(`et_web_${i}`, { id: `et_web_${i}`, clientRef: null, from: day, to: day, state: 'unavailable', category: 'booking', optionRank: null, holder: 'Agent', note: null, updatedAt: new Date().toISOString() });
    }
    const adapter = new RestAdapter({ platform: getPlatform('etalenta'), baseUrl: sim.url, credentials: { apiKey: user.apiKeys.etalenta! }, credentialStore: { update: async () => ({}) } });
    const pulled = await adapter.pullAvailability();
    expect(pulled).toHaveLength(251);
    expect(pulled.find((p) => p.ourId === ours.id)).toMatchObject({ startDate: '2027-10-05', endDate: '2027-10-06', status: 'tentative', type: 'booking', optionRank: 1, optionHolder: 'Soko' });
    expect(pulled.filter((p) => p.ourId === null)).toHaveLength(250);
    expect(sim.apiRequests('GET').filter((r) => r.apiKey === user.apiKeys.etalenta && r.path.startsWith('/v1/availability')).length).toBeGreaterThanOrEqual(3);
  });
});
