// A server without Chromium (CHROMIUM_PATH names no file) says so instead of failing at the first connect or push:
// the API lists the browser platforms as unavailable with the reason and refuses to connect them without touching
// the database, the worker warns once and does not poll their task queues (a push to an existing connection waits
// in Temporal until a worker with Chromium polls), and the dashboard — driven by the machine's real Chromium —
// shows the reason and no connect form. test/platforms-api.test.ts and friends cover the server with Chromium.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { closeBrowser, launchChromium } from '../adapters/browser/browser-pool.js';
import { platformTaskQueue, availabilitySyncWorkflowId } from '../workflows/plumbing.js';
import { CHROMIUM_MISSING_REASON, chromiumStatus } from '../lib/chromium.js';
import { loadConfig } from '../lib/config.js';
import { createWorkers, type WorkerSet } from '../worker.js';
import { signInWithToken } from './support/dashboard.js';
import { startStack, waitFor, type Stack, type TestUser } from './support/stack.js';

const REAL_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';

let dataDir: string;
let missingChromium: string;
let stack: Stack;
let warnings: string[];
let withChromium: WorkerSet | null = null;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'castsync-no-chromium-'));
  missingChromium = path.join(dataDir, 'nowhere', 'chromium');
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  stack = await startStack({
    restPlatforms: ['etalenta'],
    portalPlatforms: ['filmmakers'],
    workerPlatforms: ['etalenta', 'filmmakers'],
    env: { CHROMIUM_PATH: missingChromium, CASTSYNC_DATA_DIR: dataDir },
  });
  warnings = warn.mock.calls.map((args) => args.join(' '));
  warn.mockRestore();
});

afterAll(async () => {
  await withChromium?.shutdown();
  await stack?.stop();
  await closeBrowser();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type PortalUser = TestUser & { email: string };

/** A user with a Filmmakers connection made while the server still had Chromium. */
async function portalUser(): Promise<PortalUser> {
  const user = await stack.createUser({ platforms: [] });
  const email = `actor-${user.id.slice(0, 8)}@portal.test`;
  stack.portals.filmmakers!.addAccount(email, PASSWORD);
  await stack.connect(user.id, 'filmmakers', { email, password: PASSWORD });
  return { ...user, email };
}

type Listed = { id: string; kind: string; available: boolean; unavailableReason: string | null; connection: { connected: boolean; status: string } | null };

async function listPlatforms(user: TestUser): Promise<Listed[]> {
  const res = await stack.app.inject({ method: 'GET', url: '/api/platforms', headers: user.auth });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Everything a connect could have changed for this user. */
async function userRows(userId: string) {
  const { db } = stack;
  return {
    connections: await db.platformConnection.findMany({ where: { userId }, orderBy: { platformId: 'asc' } }),
    audit: await db.auditEvent.count({ where: { userId } }),
    outbox: await db.outboxMessage.count({ where: { userId } }),
  };
}

describe('the API without Chromium', () => {
  it('finds no Chromium at CHROMIUM_PATH', () => {
    expect(chromiumStatus(stack.config)).toEqual({ available: false, path: missingChromium, problem: `no Chromium at ${missingChromium}` });
    expect(chromiumStatus({ chromiumPath: REAL_CHROMIUM })).toEqual({ available: true, path: REAL_CHROMIUM });
    expect(chromiumStatus({ chromiumPath: dataDir })).toMatchObject({ available: false, problem: `${dataDir} is not a file` });
  });

  it('lists the browser platforms as unavailable with the reason, and the others as before', async () => {
    const user = await stack.createUser({ platforms: [] });
    const platforms = await listPlatforms(user);
    const browser = platforms.filter((p) => p.kind === 'browser');
    expect(browser.map((p) => p.id).sort()).toEqual(['casting-network', 'filmmakers', 'schauspielervideos']);
    for (const platform of browser) expect(platform).toMatchObject({ available: false, unavailableReason: CHROMIUM_MISSING_REASON });
    expect(CHROMIUM_MISSING_REASON).toContain('apt-get install chromium');
    expect(CHROMIUM_MISSING_REASON).toContain('CHROMIUM_PATH');
    expect(CHROMIUM_MISSING_REASON).not.toContain(missingChromium); // users are not shown the server's paths
    expect(platforms.find((p) => p.id === 'etalenta')).toMatchObject({ available: true, unavailableReason: null });
  });

  it('refuses to connect a browser platform with the reason, and changes nothing', async () => {
    const user = await stack.createUser({ platforms: [] });
    const email = `actor-${user.id.slice(0, 8)}@portal.test`;
    stack.portals.filmmakers!.addAccount(email, PASSWORD);
    const before = await userRows(user.id);
    const res = await stack.app.inject({ method: 'POST', url: '/api/platforms/filmmakers/connect', headers: user.auth, payload: { email, password: PASSWORD } });
    expect(res.statusCode).toBe(503);
    expect(res.json().message).toBe(`Filmmakers cannot be connected now. ${CHROMIUM_MISSING_REASON}`);
    expect(await userRows(user.id)).toEqual(before);
    expect(before.connections).toEqual([]);
  });

  it('keeps an existing connection: listed with its data, its settings still change, reconnecting is refused', async () => {
    const user = await portalUser();
    const stored = await stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: user.id, platformId: 'filmmakers' } } });
    expect((await listPlatforms(user)).find((p) => p.id === 'filmmakers')).toMatchObject({ available: false, connection: { connected: true, status: 'ok' } });
    const patched = await stack.app.inject({ method: 'PATCH', url: '/api/platforms/filmmakers', headers: user.auth, payload: { syncMedia: false } });
    expect(patched.statusCode, patched.body).toBe(200);
    const reconnect = await stack.app.inject({ method: 'POST', url: '/api/platforms/filmmakers/connect', headers: user.auth, payload: { email: user.email, password: 'another password' } });
    expect(reconnect.statusCode).toBe(503);
    const after = await stack.db.platformConnection.findUniqueOrThrow({ where: { userId_platformId: { userId: user.id, platformId: 'filmmakers' } } });
    expect(after).toEqual({ ...stored, syncMedia: false, updatedAt: after.updatedAt });
  });
});

describe('the worker without Chromium', () => {
  it('warns once, with the fix, and polls no browser task queue', () => {
    const chromiumWarnings = warnings.filter((w) => w.includes('Chromium'));
    expect(chromiumWarnings).toHaveLength(1);
    expect(chromiumWarnings[0]).toContain(`worker: no Chromium at ${missingChromium}, so the browser platforms (Filmmakers) are unavailable`);
    expect(chromiumWarnings[0]).toContain("install Debian's package (apt-get install chromium) or set CHROMIUM_PATH=/path/to/chromium");
    const queues = stack.workers!.workers.map((w) => w.options.taskQueue);
    expect(queues).toContain(platformTaskQueue('etalenta'));
    expect(queues).not.toContain(platformTaskQueue('filmmakers'));
  });

  it('leaves a push to an existing browser connection waiting in Temporal until a worker with Chromium polls', async () => {
    const user = await portalUser();
    const res = await stack.app.inject({ method: 'POST', url: '/api/availability', headers: user.auth, payload: { startDate: '2031-04-01', endDate: '2031-04-02', status: 'unavailable', type: 'block' } });
    expect(res.statusCode, res.body).toBe(201);
    const handle = stack.temporal.workflow.getHandle(availabilitySyncWorkflowId(user.id));
    // The push is scheduled on the Filmmakers queue and nobody takes it: not started, no failed attempt.
    const pending = await waitFor(
      async () => {
        const described = await handle.describe().catch(() => null);
        return described?.raw.pendingActivities?.find((a) => a.activityType?.name === 'pushAvailability') ?? null;
      },
      { what: 'the push to be scheduled' },
    );
    expect(pending).toMatchObject({ attempt: 1, lastFailure: null });
    expect(String(pending.state)).toMatch(/SCHEDULED|^1$/);
    expect(stack.portals.filmmakers!.entries(user.email)).toEqual([]);

    // A worker with Chromium (another machine, or this one after the fix) takes the waiting push.
    withChromium = await createWorkers({
      config: loadConfig({ ...stack.env, CHROMIUM_PATH: REAL_CHROMIUM, CASTSYNC_DATA_DIR: dataDir }),
      db: stack.db,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      platformIds: ['filmmakers'],
    });
    void withChromium.run();
    const entries = await waitFor(() => (stack.portals.filmmakers!.entries(user.email).length ? stack.portals.filmmakers!.entries(user.email) : null), { what: 'the push to reach the portal', timeoutMs: 60_000 });
    expect(entries).toHaveLength(1);
  });
});

describe('the dashboard without Chromium on the server', () => {
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    base = await stack.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium(REAL_CHROMIUM); // the user's browser; the server's CHROMIUM_PATH is the missing one
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the browser platforms as unavailable with the reason and no connect form', async () => {
    const user = await portalUser(); // connected to Filmmakers before Chromium went missing
    await signInWithToken(page, base, user.token);

    const card = (id: string) => page.locator(`[data-platform="${id}"]`);
    await card('casting-network').getByText(CHROMIUM_MISSING_REASON).waitFor();
    expect(await card('casting-network').locator('.badge').textContent()).toBe('unavailable');
    expect(await card('casting-network').locator('form.connect').count()).toBe(0);
    expect(await card('casting-network').getByRole('button').count()).toBe(0);
    // The existing connection keeps its disconnect and settings, but offers no reconnect.
    await card('filmmakers').getByText(CHROMIUM_MISSING_REASON).waitFor();
    expect(await card('filmmakers').locator('.badge').textContent()).toBe('unavailable');
    expect(await card('filmmakers').locator('form.connect').count()).toBe(0);
    await card('filmmakers').getByRole('button', { name: 'Disconnect' }).waitFor();
    // A platform that needs no browser is connectable as before.
    await card('etalenta').getByRole('button', { name: 'Connect' }).waitFor();
  });
});
