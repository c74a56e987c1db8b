// Where Temporal holds a push, in the status answers and on the dashboard's cards: waiting for a worker (none runs
// for the platform here), running, or waiting to retry after a failed attempt. The workflow's own state says
// "syncing" for all three; only Temporal's description of the workflow tells them apart.
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createWorkers, type WorkerSet } from '../worker.js';
import { openDashboard, signInWithToken } from './support/dashboard.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

interface PushView {
  state: 'waiting' | 'running' | 'retry_wait';
  attempt: number;
  since: string;
  forMs: number;
  nextAttemptAt: string | null;
}
interface PlatformStatus {
  id: string;
  status: { sync: { state: string } | null; push: PushView | null } | null;
}

let stack: Stack;
let user: TestUser;
let lateWorkers: WorkerSet | null = null;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  // Agentur Connection's pushes have no worker until the first test starts one.
  stack = await startStack({ restPlatforms: ['etalenta', 'agentur-connection'], workerPlatforms: ['etalenta'] });
  user = await stack.createUser({ platforms: ['etalenta', 'agentur-connection'] });
  ({ browser, page, base } = await openDashboard(stack));
  await signInWithToken(page, base, user.token);
});
afterAll(async () => {
  await browser?.close();
  await lateWorkers?.shutdown();
  await stack?.stop();
});

async function platformStatus(platformId: string): Promise<PlatformStatus['status']> {
  const res = await stack.app.inject({ method: 'GET', url: '/api/sync/status', headers: user.auth });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { platforms: PlatformStatus[] }).platforms.find((p) => p.id === platformId)!.status;
}

async function singleStatus(platformId: string): Promise<{ push: PushView | null }> {
  const res = await stack.app.inject({ method: 'GET', url: `/api/sync/status/${platformId}`, headers: user.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const block = async (day: string) => {
  const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: day, endDate: day, status: 'unavailable', type: 'block' } });
  expect(res.statusCode, res.body).toBe(201);
};

const badge = (platformId: string) => page.locator(`[data-platform="${platformId}"] .badge`);
const cardText = (platformId: string, text: RegExp) => page.locator(`[data-platform="${platformId}"]`).getByText(text);

describe('a push under way, as Temporal holds it', () => {
  it('says a push waits for a worker while none takes it, and that it runs once one does', async () => {
    const changedAt = Date.now();
    await block('2027-06-01');
    await waitFor(async () => (await platformStatus('etalenta'))?.sync?.state === 'synced', { what: 'e-TALENTA synced' });
    const waiting = await waitFor(async () => {
      const status = await platformStatus('agentur-connection');
      return status?.push?.state === 'waiting' ? status : null;
    }, { what: "Agentur Connection's push waiting" });
    expect(waiting.sync?.state).toBe('syncing');
    expect(waiting.push).toMatchObject({ state: 'waiting', attempt: 1, nextAttemptAt: null });
    const since = Date.parse(waiting.push!.since);
    expect(since).toBeGreaterThanOrEqual(changedAt - 1000);
    expect(since).toBeLessThanOrEqual(Date.now());
    expect(waiting.push!.forMs).toBeLessThanOrEqual(Date.now() - since + 1000);
    // The platform's own status says the same (a little later); e-TALENTA's push is done, so it has none.
    const single = (await singleStatus('agentur-connection')).push!;
    expect(single).toMatchObject({ state: 'waiting', attempt: 1, since: waiting.push!.since, nextAttemptAt: null });
    expect(single.forMs).toBeGreaterThanOrEqual(waiting.push!.forMs);
    expect((await platformStatus('etalenta'))?.push).toBeNull();

    // The card says so once the wait is longer than a worker's normal pick-up (WORKER_WAIT_SHOWN_MS, 5 s).
    await page.reload();
    await badge('agentur-connection').getByText('waiting for a worker').waitFor({ timeout: 20_000 });
    await cardText('agentur-connection', /^no castsync worker has taken this push since \d/).waitFor();

    // Nothing happened on the platform meanwhile; a worker for it then takes the push.
    expect(stack.simulators['agentur-connection']!.requests.length).toBe(0);
    lateWorkers = await createWorkers({ config: stack.config, db: stack.db, workflowBundle: { codePath: inject('workflowBundlePath') }, platformIds: ['agentur-connection'] });
    void lateWorkers.run();
    await waitFor(async () => {
      const status = await platformStatus('agentur-connection');
      return status?.sync?.state === 'synced' && status.push === null;
    }, { what: 'Agentur Connection synced by the late worker' });
    await badge('agentur-connection').getByText('in sync').waitFor({ timeout: 30_000 });
  });

  it('says a push waits to retry after a failed attempt, with the failure and when the next attempt starts', async () => {
    const simulator = stack.simulators.etalenta!;
    // Three failed attempts (each ends at its first 503), with 1, 2 and 4 s of backoff: the page polls every 2 s.
    simulator.faults = { failNext: { count: 3, status: 503 } };
    await block('2027-06-02');
    const retrying = await waitFor(async () => {
      const status = await platformStatus('etalenta');
      return status?.push?.state === 'retry_wait' ? status : null;
    }, { what: "e-TALENTA's push waiting to retry" });
    const push = retrying.push!;
    expect(push.attempt).toBeGreaterThanOrEqual(2);
    expect(Date.parse(push.nextAttemptAt!)).toBeGreaterThan(Date.parse(push.since));
    // The attempt that failed is the newest row of the history, closed before the retry was scheduled.
    const failed = await stack.db.syncLog.findFirst({ where: { userId: user.id, platformId: 'etalenta' }, orderBy: { startedAt: 'desc' } });
    expect(failed).toMatchObject({ status: 'failed', attempt: push.attempt - 1 });
    expect(failed!.finishedAt!.getTime()).toBeLessThanOrEqual(Date.parse(push.nextAttemptAt!));

    await page.reload();
    await badge('etalenta').getByText('retrying').waitFor({ timeout: 20_000 });
    await cardText('etalenta', /503.*; attempt \d+ at \d/).waitFor();
    await waitFor(async () => (await platformStatus('etalenta'))?.sync?.state === 'synced', { what: 'e-TALENTA synced after the retries' });
    expect((await platformStatus('etalenta'))?.push).toBeNull();
  });

  it('says a push runs while a worker has it, and which attempt it is', async () => {
    const simulator = stack.simulators.etalenta!;
    simulator.faults = { latencyMs: 1500 };
    try {
      await block('2027-06-03');
      const running = await waitFor(async () => {
        const status = await platformStatus('etalenta');
        return status?.push?.state === 'running' ? status.push : null;
      }, { what: "e-TALENTA's push running" });
      expect(running).toMatchObject({ state: 'running', attempt: 1, nextAttemptAt: null });
      // Temporal says "started" as the worker takes the task, a moment before the attempt opens its row; the row then
      // stands for the same attempt, while the platform's slow answer keeps it running.
      const row = await waitFor(() => stack.db.syncLog.findFirst({ where: { userId: user.id, platformId: 'etalenta', status: 'pending' } }), { what: 'the running attempt\'s open row' });
      expect(row.attempt).toBe(1);
      expect((await platformStatus('etalenta'))?.push).toMatchObject({ state: 'running', attempt: 1, since: running.since });
    } finally {
      simulator.faults = {};
    }
    await waitFor(async () => (await platformStatus('etalenta'))?.sync?.state === 'synced', { what: 'e-TALENTA synced' });
  });
});
